// GEMM: C[b] (m x n, row-major) = op(A[b]) op(B[b]) (+ C[b] when accumulate), transposes as flags.
// float32: 64x64 block tiles over k-slices of 16, 256 threads each computing a 4x4 register block,
// 128-bit global loads where the layout allows, and two shared-memory buffers so the next slice is
// fetched while the current one is multiplied (one barrier per slice).
// float64 (gradient checks): a plain 16x16 shared-memory tiling.
#pragma once
#include "kernels/common.cuh"

#define SG_BM 64
#define SG_BN 64
#define SG_BK 16

// A(row, kk) of op(A) and B(kk, col) of op(B) with bounds checks.
__device__ __forceinline__ float load_a(const float* A, int transA, int m, int k, int row, int kk)
{
    if (row >= m || kk >= k) return 0.f;
    return transA ? A[(long long)kk * m + row] : A[(long long)row * k + kk];
}
__device__ __forceinline__ float load_b(const float* B, int transB, int k, int n, int kk, int col)
{
    if (kk >= k || col >= n) return 0.f;
    return transB ? B[(long long)col * k + kk] : B[(long long)kk * n + col];
}

// Each thread fetches 4 elements of the A slice (64 rows x 16 k) and 4 of the B slice (16 k x 64 cols).
// The 4 are contiguous in memory for the layout at hand, so an aligned, in-bounds group is one float4.
__device__ __forceinline__ void fetch_a(const float* A, int transA, int m, int k, int row0, int k0, int tid, bool vec, float r[4])
{
    if (!transA)
    {
        int row = row0 + tid / 4, kk = k0 + (tid % 4) * 4; // 4 consecutive k of one row
        if (vec && row < m && kk + 3 < k)
        {
            float4 v = *(const float4*)(A + (long long)row * k + kk);
            r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
        }
        else
            for (int q = 0; q < 4; q++) r[q] = load_a(A, 0, m, k, row, kk + q);
    }
    else
    {
        int kk = k0 + tid / 16, row = row0 + (tid % 16) * 4; // 4 consecutive rows at one k
        if (vec && kk < k && row + 3 < m)
        {
            float4 v = *(const float4*)(A + (long long)kk * m + row);
            r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
        }
        else
            for (int q = 0; q < 4; q++) r[q] = load_a(A, 1, m, k, row + q, kk);
    }
}

__device__ __forceinline__ void store_a(float (*As)[SG_BM], int transA, int tid, const float r[4])
{
    if (!transA)
    {
        int row = tid / 4, kk = (tid % 4) * 4;
        for (int q = 0; q < 4; q++) As[kk + q][row] = r[q];
    }
    else
    {
        int kk = tid / 16, row = (tid % 16) * 4;
        for (int q = 0; q < 4; q++) As[kk][row + q] = r[q];
    }
}

__device__ __forceinline__ void fetch_b(const float* B, int transB, int k, int n, int k0, int col0, int tid, bool vec, float r[4])
{
    if (!transB)
    {
        int kk = k0 + tid / 16, col = col0 + (tid % 16) * 4; // 4 consecutive columns at one k
        if (vec && kk < k && col + 3 < n)
        {
            float4 v = *(const float4*)(B + (long long)kk * n + col);
            r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
        }
        else
            for (int q = 0; q < 4; q++) r[q] = load_b(B, 0, k, n, kk, col + q);
    }
    else
    {
        int col = col0 + tid / 4, kk = k0 + (tid % 4) * 4; // 4 consecutive k of one column
        if (vec && col < n && kk + 3 < k)
        {
            float4 v = *(const float4*)(B + (long long)col * k + kk);
            r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
        }
        else
            for (int q = 0; q < 4; q++) r[q] = load_b(B, 1, k, n, kk + q, col);
    }
}

__device__ __forceinline__ void store_b(float (*Bs)[SG_BN], int transB, int tid, const float r[4])
{
    if (!transB)
    {
        int kk = tid / 16, col = (tid % 16) * 4;
        for (int q = 0; q < 4; q++) Bs[kk][col + q] = r[q];
    }
    else
    {
        int col = tid / 4, kk = (tid % 4) * 4;
        for (int q = 0; q < 4; q++) Bs[kk + q][col] = r[q];
    }
}

// grid (ceil(n/64), ceil(m/64), batch), block 256.
extern "C" __global__ void __launch_bounds__(256) sgemm(const float* A, int transA, long long strideA,
    const float* B, int transB, long long strideB, float* C, int m, int n, int k, int accumulate)
{
    __shared__ __align__(16) float As[2][SG_BK][SG_BM]; // read as float4
    __shared__ __align__(16) float Bs[2][SG_BK][SG_BN];
    A += strideA * blockIdx.z;
    B += strideB * blockIdx.z;
    C += (long long)m * n * blockIdx.z;
    int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    int row0 = blockIdx.y * SG_BM, col0 = blockIdx.x * SG_BN;
    bool vecA = ((size_t)A & 15) == 0 && (transA ? m % 4 == 0 : k % 4 == 0);
    bool vecB = ((size_t)B & 15) == 0 && (transB ? k % 4 == 0 : n % 4 == 0);

    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.f;

    float ra[4], rb[4];
    fetch_a(A, transA, m, k, row0, 0, tid, vecA, ra);
    fetch_b(B, transB, k, n, 0, col0, tid, vecB, rb);
    store_a(As[0], transA, tid, ra);
    store_b(Bs[0], transB, tid, rb);
    __syncthreads();

    int slices = (k + SG_BK - 1) / SG_BK;
    for (int s = 0; s < slices; s++)
    {
        int cur = s & 1;
        bool more = s + 1 < slices;
        if (more) // fetch the next slice into registers while this one is multiplied
        {
            fetch_a(A, transA, m, k, row0, (s + 1) * SG_BK, tid, vecA, ra);
            fetch_b(B, transB, k, n, (s + 1) * SG_BK, col0, tid, vecB, rb);
        }
        for (int kk = 0; kk < SG_BK; kk++)
        {
            float4 a4 = *(const float4*)&As[cur][kk][ty * 4];
            float4 b4 = *(const float4*)&Bs[cur][kk][tx * 4];
            float a[4] = {a4.x, a4.y, a4.z, a4.w}, b[4] = {b4.x, b4.y, b4.z, b4.w};
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        if (more)
        {
            store_a(As[cur ^ 1], transA, tid, ra);
            store_b(Bs[cur ^ 1], transB, tid, rb);
        }
        __syncthreads();
    }

    for (int i = 0; i < 4; i++)
    {
        int row = row0 + ty * 4 + i;
        if (row >= m) break;
        for (int j = 0; j < 4; j++)
        {
            int col = col0 + tx * 4 + j;
            if (col >= n) break;
            float* c = C + (long long)row * n + col;
            *c = accumulate ? *c + acc[i][j] : acc[i][j];
        }
    }
}
DAB_EXPORT_KERNEL(sgemm);

// grid (ceil(n/16), ceil(m/16), batch), block 256 (16 x 16).
extern "C" __global__ void dgemm(const double* A, int transA, long long strideA, const double* B, int transB, long long strideB,
    double* C, int m, int n, int k, int accumulate)
{
    __shared__ double As[16][17];
    __shared__ double Bs[16][17];
    A += strideA * blockIdx.z;
    B += strideB * blockIdx.z;
    C += (long long)m * n * blockIdx.z;
    int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    int row = blockIdx.y * 16 + ty, col = blockIdx.x * 16 + tx;
    double acc = 0;
    for (int k0 = 0; k0 < k; k0 += 16)
    {
        int ka = k0 + tx, kb = k0 + ty;
        As[ty][tx] = row < m && ka < k ? (transA ? A[(long long)ka * m + row] : A[(long long)row * k + ka]) : 0.0;
        Bs[ty][tx] = kb < k && col < n ? (transB ? B[(long long)col * k + kb] : B[(long long)kb * n + col]) : 0.0;
        __syncthreads();
        for (int q = 0; q < 16; q++) acc += As[ty][q] * Bs[q][tx];
        __syncthreads();
    }
    if (row < m && col < n)
    {
        double* c = C + (long long)row * n + col;
        *c = accumulate ? *c + acc : acc;
    }
}
DAB_EXPORT_KERNEL(dgemm);
