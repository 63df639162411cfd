// k-means (docs/operators.md). Assignment: squared distances |x|^2 - 2 x.c + |c|^2 computed a tile
// of 64 points by 64 centroids at a time, with the argmin fused, so the N x K distance matrix never
// leaves registers. Every dot product and norm is an fma chain over the dims in order, exactly as
// the CPU backend computes it, so assignments agree bit for bit; ties go to the lowest centroid,
// NaN distances never win. Update: the points are grouped by centroid with a stable sort of the
// assignments, then one block per (centroid, 128 dims) sums its group in point order in double
// precision (deterministic, and the CPU's order). kmeans_update (a scan of all assignments per
// centroid, O(N K)) is the plain version the sorted one is tested against.
#pragma once
#include "kernels/common.cuh"

__device__ __forceinline__ float dab_fma(float a, float b, float c) { return __fmaf_rn(a, b, c); }
__device__ __forceinline__ double dab_fma(double a, double b, double c) { return __fma_rn(a, b, c); }

// Squared norms of rows (thread per row).
template <class T> __device__ void kmeans_norms_body(const T* __restrict__ x, int rows, int d, T* out)
{
    for (int r = dab_global_id(); r < rows; r += dab_grid_stride())
    {
        const T* v = x + (long long)r * d;
        T acc = (T)0;
        for (int e = 0; e < d; e++) acc = dab_fma(v[e], v[e], acc);
        out[r] = acc;
    }
}

#define KM_TP 64 // points per block
#define KM_TC 64 // centroids per tile
#define KM_TD 16 // dims per shared-memory slice

// (s, k) better than (bs, bk)? k < 0 means none; NaN is never stored.
template <class T> __device__ __forceinline__ bool km_better(T s, int k, T bs, int bk)
{
    return k >= 0 && (bk < 0 || s < bs || (s == bs && k < bk));
}

// Launch: 256 threads, one block per 64 points. Thread (ty, tx) = (tid / 16, tid % 16) owns points
// ty*4 .. ty*4+3 and centroids tx + 16 j (j < 4) of each tile.
template <class T> __device__ void kmeans_assign_body(const T* __restrict__ x, int n, int d, const T* __restrict__ c, int k,
    const T* __restrict__ cc, const T* __restrict__ xx, long long* assign, T* dist)
{
    __shared__ __align__(16) T xs[KM_TD][KM_TP];
    __shared__ __align__(16) T cs[KM_TD][KM_TC];
    int tid = threadIdx.x, ty = tid >> 4, tx = tid & 15;
    long long p0 = (long long)blockIdx.x * KM_TP;
    T best_s[4];
    int best_k[4];
    for (int i = 0; i < 4; i++) { best_s[i] = (T)0; best_k[i] = -1; }
    for (int c0 = 0; c0 < k; c0 += KM_TC)
    {
        T acc[4][4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) acc[i][j] = (T)0;
        for (int d0 = 0; d0 < d; d0 += KM_TD)
        {
            for (int e = tid; e < KM_TD * KM_TP; e += blockDim.x)
            {
                int p = e / KM_TD, dd = e % KM_TD;
                bool din = d0 + dd < d;
                xs[dd][p] = (p0 + p < n && din) ? x[(p0 + p) * d + d0 + dd] : (T)0;
                cs[dd][p] = (c0 + p < k && din) ? c[(long long)(c0 + p) * d + d0 + dd] : (T)0;
            }
            __syncthreads();
            int dl = min(KM_TD, d - d0); // only real dims: the chain is the CPU's, step for step
            for (int dd = 0; dd < dl; dd++)
            {
                T a[4], b[4];
                for (int i = 0; i < 4; i++) a[i] = xs[dd][ty * 4 + i];
                for (int j = 0; j < 4; j++) b[j] = cs[dd][tx + 16 * j];
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++) acc[i][j] = dab_fma(a[i], b[j], acc[i][j]);
            }
            __syncthreads();
        }
        for (int j = 0; j < 4; j++)
        {
            int kk = c0 + tx + 16 * j;
            if (kk >= k) continue;
            for (int i = 0; i < 4; i++)
            {
                T s = dab_fma((T)-2, acc[i][j], cc[kk]);
                if (!dab_isnan(s) && (best_k[i] < 0 || s < best_s[i])) { best_s[i] = s; best_k[i] = kk; }
            }
        }
    }
    // The 16 threads of a point group are one half-warp: combine their winners.
    for (int i = 0; i < 4; i++)
    {
        T s = best_s[i];
        int bk = best_k[i];
        for (int o = 8; o > 0; o >>= 1)
        {
            T os = __shfl_xor_sync(0xffffffffu, s, o);
            int ok = __shfl_xor_sync(0xffffffffu, bk, o);
            if (km_better<T>(os, ok, s, bk)) { s = os; bk = ok; }
        }
        long long p = p0 + ty * 4 + i;
        if (tx == 0 && p < n)
        {
            if (bk < 0) { assign[p] = 0; dist[p] = (T)NAN; }
            else
            {
                T v = xx[p] + s;
                assign[p] = bk;
                // inf + -inf (an infinite coordinate) is an infinite distance, not NaN.
                dist[p] = dab_isnan(v) && !dab_isnan(xx[p]) ? dab_inf<T>() : v < (T)0 ? (T)0 : v;
            }
        }
    }
}

// Launch: grid (k, ceil(d / blockDim)), blockDim <= 1024. Thread e of block (j, y) owns dim y*blockDim + e.
template <class T> __device__ void kmeans_update_body(const T* __restrict__ x, int n, int d, const long long* __restrict__ assign,
    int k, T* c, long long* counts)
{
    __shared__ unsigned char member[1024];
    int j = blockIdx.x, e = blockIdx.y * blockDim.x + threadIdx.x;
    double acc = 0;
    long long cnt = 0;
    for (int base = 0; base < n; base += blockDim.x)
    {
        int i = base + threadIdx.x;
        member[threadIdx.x] = i < n && assign[i] == j;
        __syncthreads();
        int m = min((int)blockDim.x, n - base);
        for (int q = 0; q < m; q++)
            if (member[q])
            {
                cnt++;
                if (e < d) acc += (double)x[(long long)(base + q) * d + e];
            }
        __syncthreads();
    }
    if (cnt > 0 && e < d) c[(long long)j * d + e] = (T)(acc / (double)cnt);
    if (threadIdx.x == 0 && blockIdx.y == 0) counts[j] = cnt;
}

// Update from the points grouped by centroid (a stable sort of the assignments, so each group is in
// point order): block j finds its group [lo, hi) in the sorted assignments by binary search, and
// each thread sums one dim over the group in double. Grid (k, ceil(d / blockDim)).
template <class T> __device__ void kmeans_update_sorted_body(const T* __restrict__ x, int n, int d, const float* __restrict__ sorted_assign,
    const long long* __restrict__ order, int k, T* c, long long* counts)
{
    int j = blockIdx.x, e = blockIdx.y * blockDim.x + threadIdx.x;
    float fj = (float)j;
    int lo = 0, hi = n;
    while (lo < hi) { int m = (lo + hi) >> 1; if (sorted_assign[m] < fj) lo = m + 1; else hi = m; }
    int start = lo;
    hi = n;
    while (lo < hi) { int m = (lo + hi) >> 1; if (sorted_assign[m] <= fj) lo = m + 1; else hi = m; }
    int end = lo;
    if (threadIdx.x == 0 && blockIdx.y == 0) counts[j] = end - start;
    if (e >= d || end == start) return;
    double acc = 0;
    for (int q = start; q < end; q++) acc += (double)x[order[q] * d + e];
    c[(long long)j * d + e] = (T)(acc / (double)(end - start));
}

#define DAB_KMEANS_KERNELS(T, sfx)                                                                                   \
    extern "C" __global__ void kmeans_norms_##sfx(const T* x, int rows, int d, T* out) { kmeans_norms_body<T>(x, rows, d, out); } \
    DAB_EXPORT_KERNEL(kmeans_norms_##sfx);                                                                            \
    extern "C" __global__ void kmeans_assign_##sfx(const T* x, int n, int d, const T* c, int k, const T* cc,          \
        const T* xx, long long* assign, T* dist)                                                                      \
    {                                                                                                                 \
        kmeans_assign_body<T>(x, n, d, c, k, cc, xx, assign, dist);                                                   \
    }                                                                                                                 \
    DAB_EXPORT_KERNEL(kmeans_assign_##sfx);                                                                           \
    extern "C" __global__ void kmeans_update_##sfx(const T* x, int n, int d, const long long* assign, int k, T* c,    \
        long long* counts)                                                                                            \
    {                                                                                                                 \
        kmeans_update_body<T>(x, n, d, assign, k, c, counts);                                                         \
    }                                                                                                                 \
    DAB_EXPORT_KERNEL(kmeans_update_##sfx);                                                                           \
    extern "C" __global__ void kmeans_update_sorted_##sfx(const T* x, int n, int d, const float* sorted_assign,        \
        const long long* order, int k, T* c, long long* counts)                                                       \
    {                                                                                                                 \
        kmeans_update_sorted_body<T>(x, n, d, sorted_assign, order, k, c, counts);                                    \
    }                                                                                                                 \
    DAB_EXPORT_KERNEL(kmeans_update_sorted_##sfx);

DAB_KMEANS_KERNELS(float, f32)
DAB_KMEANS_KERNELS(double, f64)
