// Sort along rows (docs/operators.md), mirroring Dab.Engine/Backends/SortKeys.cs: each value maps
// to an unsigned key whose integer order is the sort order (ascending: -inf < finite < +inf < NaN,
// -0 == +0; descending: the complement), and equal keys break by the lower index, so every element
// has a unique (key, index) and the result is the stable order on every backend.
//
// Rows up to the shared-memory limit (4096 by default) sort in one block: the row, padded to the
// next power of two with keys that sort last, runs through a bitonic network in shared memory;
// short rows share a block. Longer rows sort in chunks of that limit, then merge passes double the
// sorted runs: every element finds its place in the merged run by a binary search in the partner
// run (its rank there plus its rank in its own run), so a pass is one thread per element across
// as many blocks as it takes.
#pragma once
#include "kernels/common.cuh"

__device__ __forceinline__ unsigned int sort_key(float v, bool desc)
{
    unsigned int k;
    if (v != v) k = 0xFFFFFFFFu;
    else
    {
        unsigned int b = v == 0.0f ? 0u : __float_as_uint(v);
        k = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
    }
    return desc ? ~k : k;
}

__device__ __forceinline__ unsigned long long sort_key(double v, bool desc)
{
    unsigned long long k;
    if (v != v) k = 0xFFFFFFFFFFFFFFFFull;
    else
    {
        unsigned long long b = v == 0.0 ? 0ull : (unsigned long long)__double_as_longlong(v);
        k = (b & 0x8000000000000000ull) ? ~b : (b | 0x8000000000000000ull);
    }
    return desc ? ~k : k;
}

template <class K> __device__ __forceinline__ K key_max() { return (K)0 - (K)1; }

// (ka, ia) before (kb, ib)?
template <class K> __device__ __forceinline__ bool key_less(K ka, int ia, K kb, int ib)
{
    return ka < kb || (ka == kb && ia < ib);
}

// Bitonic sort of consecutive segments of length p (a power of two) in shared memory, `total`
// entries in all; ascending by (key, index). Called by every thread of the block.
template <class K> __device__ void bitonic_segments(K* keys, int* idx, int p, int total)
{
    int half = total >> 1;
    for (int size = 2; size <= p; size <<= 1)
        for (int stride = size >> 1; stride > 0; stride >>= 1)
        {
            for (int t = threadIdx.x; t < half; t += blockDim.x)
            {
                int i = 2 * t - (t & (stride - 1)), j = i + stride;
                bool up = size == p || (i & size) == 0;
                K ki = keys[i], kj = keys[j];
                int ii = idx[i], ij = idx[j];
                if (key_less(kj, ij, ki, ii) == up)
                {
                    keys[i] = kj; keys[j] = ki;
                    idx[i] = ij; idx[j] = ii;
                }
            }
            __syncthreads();
        }
}

// Each block sorts `per_block` segments of length p: segment s is chunk (s % chunks) of row
// (s / chunks), elements [c*p, min(n, (c+1)*p)). final: write values and int64 indices (then
// chunks == 1); else write keys and row-local indices to the merge buffers.
template <class T, class K> __device__ void sort_chunks_body(const T* __restrict__ x, int rows, int n, int p, int chunks,
    int per_block, int desc, T* values, long long* indices, K* out_keys, int* out_idx, int final_pass)
{
    DAB_DYNAMIC_SHARED(unsigned char, smem);
    int total = p * per_block;
    K* keys = reinterpret_cast<K*>(smem);
    int* idx = reinterpret_cast<int*>(smem + sizeof(K) * total);
    long long seg0 = (long long)blockIdx.x * per_block, segs = (long long)rows * chunks;
    for (int e = threadIdx.x; e < total; e += blockDim.x)
    {
        long long s = seg0 + e / p;
        int l = e % p;
        int row = (int)(s / chunks), c = (int)(s % chunks);
        int j = c * p + l;
        if (s < segs && j < n)
        {
            keys[e] = sort_key(x[(long long)row * n + j], desc != 0);
            idx[e] = j;
        }
        else
        {
            keys[e] = key_max<K>(); // padding sorts after every real element (their indices are lower)
            idx[e] = 0x7fffffff - (total - e);
        }
    }
    __syncthreads();
    bitonic_segments<K>(keys, idx, p, total);
    for (int e = threadIdx.x; e < total; e += blockDim.x)
    {
        long long s = seg0 + e / p;
        int l = e % p;
        int row = (int)(s / chunks), c = (int)(s % chunks);
        int j = c * p + l;
        if (s >= segs || j >= n) continue;
        long long o = (long long)row * n + j;
        if (final_pass)
        {
            values[o] = x[(long long)row * n + idx[e]];
            indices[o] = idx[e];
        }
        else
        {
            out_keys[o] = keys[e];
            out_idx[o] = idx[e];
        }
    }
}

// One merge pass: runs of length w (sorted) pair up into runs of 2w. Thread per element.
template <class T, class K> __device__ void sort_merge_body(const T* __restrict__ x, int rows, int n, int w,
    const K* __restrict__ in_keys, const int* __restrict__ in_idx, K* out_keys, int* out_idx,
    T* values, long long* indices, int final_pass)
{
    long long count = (long long)rows * n;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < count; e += (long long)blockDim.x * gridDim.x)
    {
        int row = (int)(e / n), p = (int)(e % n);
        long long base = (long long)row * n;
        int run = p / w, run_start = run * w, pair_start = (run & ~1) * w;
        K k = in_keys[e];
        int i = in_idx[e];
        int lo, hi; // the partner run
        if ((run & 1) == 0) { lo = run_start + w; hi = min(n, run_start + 2 * w); }
        else { lo = pair_start; hi = pair_start + w; }
        int rank = 0;
        if (lo < hi)
        {
            int a = lo, b = hi; // first partner element not before (k, i)
            while (a < b)
            {
                int m = (a + b) >> 1;
                if (key_less<K>(in_keys[base + m], in_idx[base + m], k, i)) a = m + 1;
                else b = m;
            }
            rank = a - lo;
        }
        long long o = base + pair_start + (p - run_start) + rank;
        if (final_pass)
        {
            values[o] = x[base + i];
            indices[o] = i;
        }
        else
        {
            out_keys[o] = k;
            out_idx[o] = i;
        }
    }
}

#define DAB_SORT_KERNELS(T, K, sfx)                                                                          \
    extern "C" __global__ void sort_chunks_##sfx(const T* x, int rows, int n, int p, int chunks, int per_block, \
        int desc, T* values, long long* indices, K* out_keys, int* out_idx, int final_pass)                    \
    {                                                                                                          \
        sort_chunks_body<T, K>(x, rows, n, p, chunks, per_block, desc, values, indices, out_keys, out_idx,    \
            final_pass);                                                                                       \
    }                                                                                                          \
    DAB_EXPORT_KERNEL(sort_chunks_##sfx);                                                                      \
    extern "C" __global__ void sort_merge_##sfx(const T* x, int rows, int n, int w, const K* in_keys,         \
        const int* in_idx, K* out_keys, int* out_idx, T* values, long long* indices, int final_pass)          \
    {                                                                                                          \
        sort_merge_body<T, K>(x, rows, n, w, in_keys, in_idx, out_keys, out_idx, values, indices, final_pass); \
    }                                                                                                          \
    DAB_EXPORT_KERNEL(sort_merge_##sfx);

DAB_SORT_KERNELS(float, unsigned int, f32)
DAB_SORT_KERNELS(double, unsigned long long, f64)
