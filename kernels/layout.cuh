// Data movement: permutation of dims, block copies (concat, slice), gather / scatter-add along a
// dim and index-select / index-add. Copies move raw 4- or 8-byte words, so one kernel serves every
// dtype of that width. Out-of-range indices store position + 1 in *bad and are skipped.
#pragma once
#include "kernels/common.cuh"

// y (shape `out`) from x: output dim d reads input stride src.d[d].
template <class W> __device__ void permute_body(const W* x, W* y, int n, int rank, Dims8 out, Dims8 src)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride())
    {
        int rem = i, off = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            off += (rem % out.d[d]) * src.d[d];
            rem /= out.d[d];
        }
        y[i] = x[off];
    }
}
extern "C" __global__ void permute_b32(const unsigned int* x, unsigned int* y, int n, int rank, Dims8 out, Dims8 src) { permute_body(x, y, n, rank, out, src); }
DAB_EXPORT_KERNEL(permute_b32);
extern "C" __global__ void permute_b64(const unsigned long long* x, unsigned long long* y, int n, int rank, Dims8 out, Dims8 src) { permute_body(x, y, n, rank, out, src); }
DAB_EXPORT_KERNEL(permute_b64);

// for o < outer, j < len: dst[o*dstRow + dstOff + j] = src[o*srcRow + srcOff + j]
template <class W> __device__ void blocks_body(const W* src, int srcRow, int srcOff, W* dst, int dstRow, int dstOff, int outer, int len)
{
    long long total = (long long)outer * len;
    for (long long t = dab_global_id(); t < total; t += dab_grid_stride())
    {
        long long o = t / len, j = t % len;
        dst[o * dstRow + dstOff + j] = src[o * srcRow + srcOff + j];
    }
}
extern "C" __global__ void copy_blocks_b32(const unsigned int* src, int srcRow, int srcOff, unsigned int* dst, int dstRow, int dstOff, int outer, int len) { blocks_body(src, srcRow, srcOff, dst, dstRow, dstOff, outer, len); }
DAB_EXPORT_KERNEL(copy_blocks_b32);
extern "C" __global__ void copy_blocks_b64(const unsigned long long* src, int srcRow, int srcOff, unsigned long long* dst, int dstRow, int dstOff, int outer, int len) { blocks_body(src, srcRow, srcOff, dst, dstRow, dstOff, outer, len); }
DAB_EXPORT_KERNEL(copy_blocks_b64);

// y[o, j, i] = x[o, index[o, j, i], i] over an (outer, m, inner) index; scatter-add is its adjoint.
template <class T> __device__ void gather_body(const T* x, int outer, int n, int inner, const long long* index, int m, T* y, int* bad)
{
    int total = outer * m * inner;
    for (int p = dab_global_id(); p < total; p += dab_grid_stride())
    {
        long long v = index[p];
        if (v < 0 || v >= n) { atomicExch(bad, p + 1); continue; }
        int o = p / (m * inner), i = p % inner;
        y[p] = x[((long long)o * n + v) * inner + i];
    }
}
extern "C" __global__ void gather_f32(const float* x, int outer, int n, int inner, const long long* index, int m, float* y, int* bad) { gather_body(x, outer, n, inner, index, m, y, bad); }
DAB_EXPORT_KERNEL(gather_f32);
extern "C" __global__ void gather_f64(const double* x, int outer, int n, int inner, const long long* index, int m, double* y, int* bad) { gather_body(x, outer, n, inner, index, m, y, bad); }
DAB_EXPORT_KERNEL(gather_f64);

template <class T> __device__ void scatter_add_body(const T* g, int outer, int n, int inner, const long long* index, int m, T* dx, int* bad)
{
    int total = outer * m * inner;
    for (int p = dab_global_id(); p < total; p += dab_grid_stride())
    {
        long long v = index[p];
        if (v < 0 || v >= n) { atomicExch(bad, p + 1); continue; }
        int o = p / (m * inner), i = p % inner;
        atomicAdd(dx + ((long long)o * n + v) * inner + i, g[p]);
    }
}
extern "C" __global__ void scatter_add_f32(const float* g, int outer, int n, int inner, const long long* index, int m, float* dx, int* bad) { scatter_add_body(g, outer, n, inner, index, m, dx, bad); }
DAB_EXPORT_KERNEL(scatter_add_f32);
extern "C" __global__ void scatter_add_f64(const double* g, int outer, int n, int inner, const long long* index, int m, double* dx, int* bad) { scatter_add_body(g, outer, n, inner, index, m, dx, bad); }
DAB_EXPORT_KERNEL(scatter_add_f64);

// y[o, j, i] = x[o, index[j], i] for a 1-D index of length m; index-add is its adjoint.
template <class T> __device__ void index_select_body(const T* x, int outer, int n, int inner, const long long* index, int m, T* y, int* bad)
{
    int total = outer * m * inner;
    for (int p = dab_global_id(); p < total; p += dab_grid_stride())
    {
        int j = (p / inner) % m;
        long long v = index[j];
        if (v < 0 || v >= n) { atomicExch(bad, j + 1); continue; }
        int o = p / (m * inner), i = p % inner;
        y[p] = x[((long long)o * n + v) * inner + i];
    }
}
extern "C" __global__ void index_select_f32(const float* x, int outer, int n, int inner, const long long* index, int m, float* y, int* bad) { index_select_body(x, outer, n, inner, index, m, y, bad); }
DAB_EXPORT_KERNEL(index_select_f32);
extern "C" __global__ void index_select_f64(const double* x, int outer, int n, int inner, const long long* index, int m, double* y, int* bad) { index_select_body(x, outer, n, inner, index, m, y, bad); }
DAB_EXPORT_KERNEL(index_select_f64);

template <class T> __device__ void index_add_body(const T* g, int outer, int n, int inner, const long long* index, int m, T* dx)
{
    int total = outer * m * inner;
    for (int p = dab_global_id(); p < total; p += dab_grid_stride())
    {
        int j = (p / inner) % m, o = p / (m * inner), i = p % inner;
        atomicAdd(dx + ((long long)o * n + index[j]) * inner + i, g[p]);
    }
}
extern "C" __global__ void index_add_f32(const float* g, int outer, int n, int inner, const long long* index, int m, float* dx) { index_add_body(g, outer, n, inner, index, m, dx); }
DAB_EXPORT_KERNEL(index_add_f32);
extern "C" __global__ void index_add_f64(const double* g, int outer, int n, int inner, const long long* index, int m, double* dx) { index_add_body(g, outer, n, inner, index, m, dx); }
DAB_EXPORT_KERNEL(index_add_f64);
