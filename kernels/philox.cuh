// Philox 4x32-10, bit-identical to Dab.Engine/Random/Philox.cs: element i of a draw uses counter
// block offset + i/4 (64-bit, words 0-1) and key = seed. Uniform numbers are (u >> 8) * 2^-24,
// exact in both precisions; normals use Box-Muller in double precision like the CPU.
#pragma once
#include "kernels/common.cuh"

struct Philox4 { unsigned int v[4]; };

__device__ __forceinline__ Philox4 philox_block(unsigned long long counter, unsigned long long key)
{
    unsigned int c0 = (unsigned int)counter, c1 = (unsigned int)(counter >> 32), c2 = 0, c3 = 0;
    unsigned int k0 = (unsigned int)key, k1 = (unsigned int)(key >> 32);
    for (int r = 0; r < 10; r++)
    {
        unsigned long long p0 = (unsigned long long)0xD2511F53u * c0, p1 = (unsigned long long)0xCD9E8D57u * c2;
        unsigned int hi0 = (unsigned int)(p0 >> 32), lo0 = (unsigned int)p0, hi1 = (unsigned int)(p1 >> 32), lo1 = (unsigned int)p1;
        unsigned int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    Philox4 r;
    r.v[0] = c0; r.v[1] = c1; r.v[2] = c2; r.v[3] = c3;
    return r;
}

__device__ __forceinline__ double philox_uniform(unsigned int u) { return (u >> 8) * (1.0 / 16777216.0); }

// kind 0: uniform [0, 1); kind 1: standard normal; kind 2: standard Gumbel. One thread per block of four outputs.
template <class T> __device__ void philox_body(T* y, int n, int kind, unsigned long long seed, unsigned long long offset)
{
    int blocks = (n + 3) / 4;
    for (int b = dab_global_id(); b < blocks; b += dab_grid_stride())
    {
        Philox4 r = philox_block(offset + (unsigned long long)b, seed);
        double v[4];
        if (kind == 0)
            for (int q = 0; q < 4; q++) v[q] = philox_uniform(r.v[q]);
        else if (kind == 2) // standard Gumbel from an open-interval uniform, like the CPU
            for (int q = 0; q < 4; q++) v[q] = -log(-log(((r.v[q] >> 8) + 0.5) * (1.0 / 16777216.0)));
        else
            for (int q = 0; q < 4; q += 2)
            {
                double u1 = ((r.v[q] >> 8) + 0.5) * (1.0 / 16777216.0), u2 = philox_uniform(r.v[q + 1]);
                double rad = sqrt(-2.0 * log(u1)), t = 2.0 * 3.14159265358979323846 * u2;
                v[q] = rad * cos(t);
                v[q + 1] = rad * sin(t);
            }
        for (int q = 0; q < 4 && b * 4 + q < n; q++) y[b * 4 + q] = (T)v[q];
    }
}
extern "C" __global__ void philox_f32(float* y, int n, int kind, unsigned long long seed, unsigned long long offset) { philox_body(y, n, kind, seed, offset); }
DAB_EXPORT_KERNEL(philox_f32);
extern "C" __global__ void philox_f64(double* y, int n, int kind, unsigned long long seed, unsigned long long offset) { philox_body(y, n, kind, seed, offset); }
DAB_EXPORT_KERNEL(philox_f64);
