// Softmax, log-softmax and cross-entropy over the middle dim of (outer, n, inner), fused:
// max, sum of exponentials and the normalised output in one kernel; cross-entropy reads the
// log-probabilities and writes -logp[target] with an error flag for out-of-range targets.
#pragma once
#include "kernels/common.cuh"

template <class T> __device__ void softmax_line(const T* x, T* y, int n, int stride, int lane, int lanes, bool log)
{
    T m = -dab_inf<T>();
    for (int j = lane; j < n; j += lanes) { T v = x[(long long)j * stride]; m = v > m ? v : m; }
    if (lanes == 32)
        for (int o = 16; o > 0; o >>= 1) { T t = __shfl_xor_sync(0xffffffffu, m, o); m = t > m ? t : m; }
    if (m == -dab_inf<T>()) m = (T)0; // an all -inf line gives NaN like the CPU, not a crash
    T s = (T)0;
    for (int j = lane; j < n; j += lanes) s += dab_exp(x[(long long)j * stride] - m);
    if (lanes == 32)
        for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    T lse = dab_log(s) + m, inv = (T)1 / s;
    for (int j = lane; j < n; j += lanes)
    {
        long long k = (long long)j * stride;
        y[k] = log ? x[k] - lse : dab_exp(x[k] - m) * inv;
    }
}

// inner == 1: a warp per row (blockDim 128); otherwise a thread per (outer, inner) line.
template <class T> __device__ void softmax_body(const T* x, int outer, int n, int inner, T* y, int log)
{
    if (inner == 1)
    {
        int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
        if (row < outer) softmax_line<T>(x + (long long)row * n, y + (long long)row * n, n, 1, threadIdx.x & 31, 32, log != 0);
        return;
    }
    for (int t = dab_global_id(); t < outer * inner; t += dab_grid_stride())
    {
        long long base = (long long)(t / inner) * n * inner + t % inner;
        softmax_line<T>(x + base, y + base, n, inner, 0, 1, log != 0);
    }
}
extern "C" __global__ void softmax_f32(const float* x, int outer, int n, int inner, float* y, int log) { softmax_body<float>(x, outer, n, inner, y, log); }
DAB_EXPORT_KERNEL(softmax_f32);
extern "C" __global__ void softmax_f64(const double* x, int outer, int n, int inner, double* y, int log) { softmax_body<double>(x, outer, n, inner, y, log); }
DAB_EXPORT_KERNEL(softmax_f64);

// softmax: dx = y (g - sum(g y)); log-softmax: dx = g - exp(y) sum(g). A thread per line.
template <class T> __device__ void softmax_grad_body(const T* g, const T* y, int outer, int n, int inner, T* dx, int log)
{
    for (int t = dab_global_id(); t < outer * inner; t += dab_grid_stride())
    {
        long long base = (long long)(t / inner) * n * inner + t % inner;
        T dot = (T)0;
        for (int j = 0; j < n; j++)
        {
            long long k = base + (long long)j * inner;
            dot += log ? g[k] : g[k] * y[k];
        }
        for (int j = 0; j < n; j++)
        {
            long long k = base + (long long)j * inner;
            dx[k] = log ? g[k] - dab_exp(y[k]) * dot : y[k] * (g[k] - dot);
        }
    }
}
extern "C" __global__ void softmax_grad_f32(const float* g, const float* y, int outer, int n, int inner, float* dx, int log) { softmax_grad_body<float>(g, y, outer, n, inner, dx, log); }
DAB_EXPORT_KERNEL(softmax_grad_f32);
extern "C" __global__ void softmax_grad_f64(const double* g, const double* y, int outer, int n, int inner, double* dx, int log) { softmax_grad_body<double>(g, y, outer, n, inner, dx, log); }
DAB_EXPORT_KERNEL(softmax_grad_f64);

// loss[pos] = -logp[o, target[pos], i]; a bad target stores its position + 1 in *bad.
template <class T> __device__ void nll_body(const T* lp, const long long* target, int outer, int n, int inner, T* loss, int* bad)
{
    for (int pos = dab_global_id(); pos < outer * inner; pos += dab_grid_stride())
    {
        long long t = target[pos];
        if (t < 0 || t >= n) { atomicExch(bad, pos + 1); loss[pos] = (T)NAN; continue; }
        loss[pos] = -lp[(long long)(pos / inner) * n * inner + t * inner + pos % inner];
    }
}
extern "C" __global__ void nll_f32(const float* lp, const long long* target, int outer, int n, int inner, float* loss, int* bad) { nll_body<float>(lp, target, outer, n, inner, loss, bad); }
DAB_EXPORT_KERNEL(nll_f32);
extern "C" __global__ void nll_f64(const double* lp, const long long* target, int outer, int n, int inner, double* loss, int* bad) { nll_body<double>(lp, target, outer, n, inner, loss, bad); }
DAB_EXPORT_KERNEL(nll_f64);

// dx = g[pos] (softmax - onehot(target)), one thread per element.
template <class T> __device__ void ce_grad_body(const T* g, const T* lp, const long long* target, int outer, int n, int inner, T* dx)
{
    int total = outer * n * inner;
    for (int k = dab_global_id(); k < total; k += dab_grid_stride())
    {
        int i = k % inner, j = (k / inner) % n, o = k / (n * inner);
        int pos = o * inner + i;
        dx[k] = g[pos] * (dab_exp(lp[k]) - (target[pos] == j ? (T)1 : (T)0));
    }
}
extern "C" __global__ void ce_grad_f32(const float* g, const float* lp, const long long* target, int outer, int n, int inner, float* dx) { ce_grad_body<float>(g, lp, target, outer, n, inner, dx); }
DAB_EXPORT_KERNEL(ce_grad_f32);
extern "C" __global__ void ce_grad_f64(const double* g, const double* lp, const long long* target, int outer, int n, int inner, double* dx) { ce_grad_body<double>(g, lp, target, outer, n, inner, dx); }
DAB_EXPORT_KERNEL(ce_grad_f64);
