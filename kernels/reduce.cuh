// Reductions over the middle dim of an (outer, n, inner) view. Rows (inner == 1) get one warp
// each and combine with warp shuffles; strided columns (inner > 1) get one thread per output,
// which keeps neighbouring threads on neighbouring addresses.
// NaN counts as the extreme for max/min and their arg versions; ties go to the lowest index.
#pragma once
#include "kernels/common.cuh"

// Is (v, i) a better extreme than (bv, bi)? NaN beats everything; equal values keep the lower index.
template <class T> __device__ __forceinline__ bool better(bool max, T v, int i, T bv, int bi)
{
    bool vn = dab_isnan(v), bn = dab_isnan(bv);
    if (vn || bn) return vn && (!bn || i < bi);
    if (v == bv) return i < bi;
    return max ? v > bv : v < bv;
}

template <class T> __device__ void row_reduce(int op, const T* __restrict__ x, int n, T* out, long long* idx, int row)
{
    int lane = threadIdx.x & 31;
    const T* r = x + (long long)row * n;
    if (op == R_SUM || op == R_MEAN)
    {
        T s = (T)0;
        for (int j = lane; j < n; j += 32) s += r[j];
        for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffffu, s, o);
        if (lane == 0) out[row] = op == R_MEAN ? (n == 0 ? (T)NAN : s / (T)n) : s;
        return;
    }
    if (op == R_LOGSUMEXP)
    {
        T m = -dab_inf<T>();
        for (int j = lane; j < n; j += 32) m = r[j] > m ? r[j] : m;
        for (int o = 16; o > 0; o >>= 1) { T t = __shfl_xor_sync(0xffffffffu, m, o); m = t > m ? t : m; }
        T s = (T)0;
        if (!(m == dab_inf<T>() || m == -dab_inf<T>()))
            for (int j = lane; j < n; j += 32) s += dab_exp(r[j] - m);
        for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffffu, s, o);
        if (lane == 0) out[row] = (m == dab_inf<T>() || m == -dab_inf<T>()) ? m : m + dab_log(s);
        return;
    }
    bool max = op == R_MAX || op == R_ARGMAX;
    T bv = (T)0;
    int bi = 0x7fffffff;
    for (int j = lane; j < n; j += 32)
        if (bi == 0x7fffffff || better<T>(max, r[j], j, bv, bi)) { bv = r[j]; bi = j; }
    for (int o = 16; o > 0; o >>= 1)
    {
        T ov = __shfl_down_sync(0xffffffffu, bv, o);
        int oi = __shfl_down_sync(0xffffffffu, bi, o);
        if (oi != 0x7fffffff && (bi == 0x7fffffff || better<T>(max, ov, oi, bv, bi))) { bv = ov; bi = oi; }
    }
    if (lane == 0)
    {
        if (op == R_ARGMAX || op == R_ARGMIN) idx[row] = bi;
        else out[row] = bv;
    }
}

template <class T> __device__ void column_reduce(int op, const T* x, int n, int inner, T* out, long long* idx, int o, int i)
{
    const T* c = x + (long long)o * n * inner + i;
    int k = o * inner + i;
    if (op == R_SUM || op == R_MEAN)
    {
        T s = (T)0;
        for (int j = 0; j < n; j++) s += c[(long long)j * inner];
        out[k] = op == R_MEAN ? (n == 0 ? (T)NAN : s / (T)n) : s;
    }
    else if (op == R_LOGSUMEXP)
    {
        T m = -dab_inf<T>();
        for (int j = 0; j < n; j++) m = c[(long long)j * inner] > m ? c[(long long)j * inner] : m;
        if (m == dab_inf<T>() || m == -dab_inf<T>()) { out[k] = m; return; }
        T s = (T)0;
        for (int j = 0; j < n; j++) s += dab_exp(c[(long long)j * inner] - m);
        out[k] = m + dab_log(s);
    }
    else
    {
        bool max = op == R_MAX || op == R_ARGMAX;
        T bv = c[0];
        int bi = 0;
        for (int j = 1; j < n; j++)
            if (better<T>(max, c[(long long)j * inner], j, bv, bi)) { bv = c[(long long)j * inner]; bi = j; }
        if (op == R_ARGMAX || op == R_ARGMIN) idx[k] = bi;
        else out[k] = bv;
    }
}

// Launch: rows -> blockDim 128 (4 warps), grid = ceil(outer / 4); columns -> one thread per output.
template <class T> __device__ void reduce_body(int op, const T* x, int outer, int n, int inner, T* out, long long* idx)
{
    if (inner == 1)
    {
        int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
        if (row < outer) row_reduce<T>(op, x, n, out, idx, row); // a whole warp shares `row`
        return;
    }
    for (int t = dab_global_id(); t < outer * inner; t += dab_grid_stride())
        column_reduce<T>(op, x, n, inner, out, idx, t / inner, t % inner);
}

extern "C" __global__ void reduce_f32(int op, const float* x, int outer, int n, int inner, float* out, long long* idx) { reduce_body<float>(op, x, outer, n, inner, out, idx); }
DAB_EXPORT_KERNEL(reduce_f32);
extern "C" __global__ void reduce_f64(int op, const double* x, int outer, int n, int inner, double* out, long long* idx) { reduce_body<double>(op, x, outer, n, inner, out, idx); }
DAB_EXPORT_KERNEL(reduce_f64);
