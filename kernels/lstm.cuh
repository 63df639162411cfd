// The LSTM's fused gate kernels (PyTorch gate order i, f, g, o). One step of the recurrence is a
// GEMM h W_hh^T (the input projection of all steps is one GEMM done before the loop) followed by
// one of these: a thread per (row, unit) reads the unit's four pre-activations, applies the
// sigmoids and the tanh, and writes the gates, c' and h' in a single pass, instead of the dozen
// elementwise launches (and their round trips through memory) the same math would take as ops.
// The backward kernel does the same for the gradients of one step. Row b of a strided operand
// starts at off + b * stride (one time step inside a (batch, time, features) buffer); units are
// the fastest index, so each of the four gate reads is coalesced across a warp.
#pragma once
#include "kernels/common.cuh"

template <class T> __device__ __forceinline__ T dab_sigmoid(T x) { return (T)1 / ((T)1 + dab_exp(-x)); }

template <class T> __device__ void lstm_gates_body(const T* xg, int xgOff, int xgStride, const T* hg, T* c,
    T* gates, int gOff, int gStride, T* cOut, int cOff, int cStride, T* h, T* hOut, int hOff, int hStride, int batch, int H)
{
    int n = batch * H;
    for (int idx = dab_global_id(); idx < n; idx += dab_grid_stride())
    {
        int b = idx / H, j = idx - b * H;
        const T* x = xg + xgOff + (long long)b * xgStride + j;
        const T* r = hg + (long long)b * 4 * H + j;
        T i = dab_sigmoid(x[0] + r[0]);
        T f = dab_sigmoid(x[H] + r[H]);
        T g = dab_tanh(x[2 * H] + r[2 * H]);
        T o = dab_sigmoid(x[3 * H] + r[3 * H]);
        T* gt = gates + gOff + (long long)b * gStride + j;
        gt[0] = i; gt[H] = f; gt[2 * H] = g; gt[3 * H] = o;
        T cn = f * c[idx] + i * g;
        T hn = o * dab_tanh(cn);
        c[idx] = cn;
        cOut[cOff + (long long)b * cStride + j] = cn;
        h[idx] = hn;
        hOut[hOff + (long long)b * hStride + j] = hn;
    }
}

template <class T> __device__ void lstm_gates_grad_body(const T* gates, int gOff, int gStride, const T* cPrev, int cpOff, int cpStride,
    const T* c, int cOff, int cStride, const T* dhOut, int dhOff, int dhStride, const T* dh, T* dc, T* dG, T* dGOut, int dgOff, int dgStride,
    int batch, int H)
{
    int n = batch * H;
    for (int idx = dab_global_id(); idx < n; idx += dab_grid_stride())
    {
        int b = idx / H, j = idx - b * H;
        const T* gt = gates + gOff + (long long)b * gStride + j;
        T i = gt[0], f = gt[H], g = gt[2 * H], o = gt[3 * H];
        T tc = dab_tanh(c[cOff + (long long)b * cStride + j]);
        T dhv = dhOut[dhOff + (long long)b * dhStride + j] + dh[idx];
        T dct = dc[idx] + dhv * o * ((T)1 - tc * tc);
        T di = dct * g * i * ((T)1 - i);
        T df = dct * cPrev[cpOff + (long long)b * cpStride + j] * f * ((T)1 - f);
        T dg = dct * i * ((T)1 - g * g);
        T dO = dhv * tc * o * ((T)1 - o);
        dc[idx] = dct * f;
        T* d = dG + (long long)b * 4 * H + j;
        d[0] = di; d[H] = df; d[2 * H] = dg; d[3 * H] = dO;
        T* e = dGOut + dgOff + (long long)b * dgStride + j;
        e[0] = di; e[H] = df; e[2 * H] = dg; e[3 * H] = dO;
    }
}

extern "C" __global__ void lstm_gates_f32(const float* xg, int xgOff, int xgStride, const float* hg, float* c, float* gates, int gOff, int gStride,
    float* cOut, int cOff, int cStride, float* h, float* hOut, int hOff, int hStride, int batch, int H)
{ lstm_gates_body(xg, xgOff, xgStride, hg, c, gates, gOff, gStride, cOut, cOff, cStride, h, hOut, hOff, hStride, batch, H); }
DAB_EXPORT_KERNEL(lstm_gates_f32);
extern "C" __global__ void lstm_gates_grad_f32(const float* gates, int gOff, int gStride, const float* cPrev, int cpOff, int cpStride,
    const float* c, int cOff, int cStride, const float* dhOut, int dhOff, int dhStride, const float* dh, float* dc, float* dG, float* dGOut,
    int dgOff, int dgStride, int batch, int H)
{ lstm_gates_grad_body(gates, gOff, gStride, cPrev, cpOff, cpStride, c, cOff, cStride, dhOut, dhOff, dhStride, dh, dc, dG, dGOut, dgOff, dgStride, batch, H); }
DAB_EXPORT_KERNEL(lstm_gates_grad_f32);
extern "C" __global__ void lstm_gates_f64(const double* xg, int xgOff, int xgStride, const double* hg, double* c, double* gates, int gOff, int gStride,
    double* cOut, int cOff, int cStride, double* h, double* hOut, int hOff, int hStride, int batch, int H)
{ lstm_gates_body(xg, xgOff, xgStride, hg, c, gates, gOff, gStride, cOut, cOff, cStride, h, hOut, hOff, hStride, batch, H); }
DAB_EXPORT_KERNEL(lstm_gates_f64);
extern "C" __global__ void lstm_gates_grad_f64(const double* gates, int gOff, int gStride, const double* cPrev, int cpOff, int cpStride,
    const double* c, int cOff, int cStride, const double* dhOut, int dhOff, int dhStride, const double* dh, double* dc, double* dG, double* dGOut,
    int dgOff, int dgStride, int batch, int H)
{ lstm_gates_grad_body(gates, gOff, gStride, cPrev, cpOff, cpStride, c, cOff, cStride, dhOut, dhOff, dhStride, dh, dc, dG, dGOut, dgOff, dgStride, batch, H); }
DAB_EXPORT_KERNEL(lstm_gates_grad_f64);
