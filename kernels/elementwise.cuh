// Elementwise and broadcasting kernels: unary ops and their derivatives, binary ops with numpy
// broadcasting, scalar ops, clamp, axpy, fill and casts. Contiguous float32 paths use 128-bit loads.
#pragma once
#include "kernels/common.cuh"

template <class T> __device__ __forceinline__ T unary_apply(int op, T x, T alpha)
{
    switch (op)
    {
    case U_NEG: return -x;
    case U_EXP: return dab_exp(x);
    case U_LOG: return dab_log(x);
    case U_SQRT: return dab_sqrt(x);
    case U_ABS: return dab_abs(x);
    case U_TANH: return dab_tanh(x);
    case U_SIGMOID: return (T)1 / ((T)1 + dab_exp(-x));
    case U_RELU: return x > (T)0 || x != x ? x : (T)0; // NaN passes through
    case U_ELU: return x > (T)0 ? x : alpha * (dab_exp(x) - (T)1);
    case U_SOFTPLUS: return (x > (T)0 ? x : (T)0) + dab_log1p(dab_exp(-dab_abs(x)));
    case U_SIGN: return x > (T)0 ? (T)1 : (x < (T)0 ? (T)-1 : x);
    case U_SQUARE: return x * x;
    default: return (T)1 / x; // U_RECIPROCAL
    }
}

// g * f'(x), with y = f(x) when the derivative is cheaper from the output.
template <class T> __device__ __forceinline__ T unary_grad(int op, T g, T x, T y, T alpha)
{
    switch (op)
    {
    case U_NEG: return -g;
    case U_EXP: return g * y;
    case U_LOG: return g / x;
    case U_SQRT: return g / (y + y);
    case U_ABS: return g * (x > (T)0 ? (T)1 : (x < (T)0 ? (T)-1 : x));
    case U_TANH: return g * ((T)1 - y * y);
    case U_SIGMOID: return g * y * ((T)1 - y);
    case U_RELU: return x > (T)0 ? g : (T)0;
    case U_ELU: return x > (T)0 ? g : g * (y + alpha);
    case U_SOFTPLUS: return g / ((T)1 + dab_exp(-x));
    case U_SIGN: return (T)0;
    case U_SQUARE: return g * (x + x);
    default: return -g * y * y; // U_RECIPROCAL
    }
}

template <class T> __device__ __forceinline__ T binary_apply(int op, T a, T b)
{
    switch (op)
    {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_POW: return dab_pow(a, b);
    case B_MAX: return dab_isnan(a) || dab_isnan(b) ? a + b : (a >= b ? a : b); // NaN propagates
    case B_MIN: return dab_isnan(a) || dab_isnan(b) ? a + b : (a <= b ? a : b);
    case B_GE: return a >= b ? (T)1 : (T)0;
    case B_GT: return a > b ? (T)1 : (T)0;
    case B_LE: return a <= b ? (T)1 : (T)0;
    case B_LT: return a < b ? (T)1 : (T)0;
    default: return a == b ? (T)1 : (T)0; // B_EQ
    }
}

template <class T> __device__ void unary_body(int op, const T* __restrict__ x, T* __restrict__ y, int n, T alpha)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride()) y[i] = unary_apply<T>(op, x[i], alpha);
}

// float32 with 128-bit loads when both pointers are 16-byte aligned (the allocator guarantees it
// for whole tensors); the tail and unaligned views take the scalar loop.
extern "C" __global__ void unary_f32(int op, const float* x, float* y, int n, float alpha)
{
    if ((((size_t)x | (size_t)y) & 15) == 0)
    {
        int n4 = n / 4;
        const float4* x4 = (const float4*)x;
        float4* y4 = (float4*)y;
        for (int i = dab_global_id(); i < n4; i += dab_grid_stride())
        {
            float4 v = x4[i];
            v.x = unary_apply<float>(op, v.x, alpha); v.y = unary_apply<float>(op, v.y, alpha);
            v.z = unary_apply<float>(op, v.z, alpha); v.w = unary_apply<float>(op, v.w, alpha);
            y4[i] = v;
        }
        for (int i = n4 * 4 + dab_global_id(); i < n; i += dab_grid_stride()) y[i] = unary_apply<float>(op, x[i], alpha);
        return;
    }
    unary_body<float>(op, x, y, n, alpha);
}
DAB_EXPORT_KERNEL(unary_f32);

extern "C" __global__ void unary_f64(int op, const double* x, double* y, int n, double alpha) { unary_body<double>(op, x, y, n, alpha); }
DAB_EXPORT_KERNEL(unary_f64);

template <class T> __device__ void unary_grad_body(int op, const T* g, const T* x, const T* y, T* dx, int n, T alpha)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride()) dx[i] = unary_grad<T>(op, g[i], x[i], y[i], alpha);
}

extern "C" __global__ void unary_grad_f32(int op, const float* g, const float* x, const float* y, float* dx, int n, float alpha) { unary_grad_body<float>(op, g, x, y, dx, n, alpha); }
DAB_EXPORT_KERNEL(unary_grad_f32);
extern "C" __global__ void unary_grad_f64(int op, const double* g, const double* x, const double* y, double* dx, int n, double alpha) { unary_grad_body<double>(op, g, x, y, dx, n, alpha); }
DAB_EXPORT_KERNEL(unary_grad_f64);

// y = a op b broadcast to the output shape: `shape` is the output's, sa/sb the operands' strides
// in elements with 0 on broadcast dims. `same` marks the common case of two contiguous operands of
// the output's shape, which skips the index arithmetic.
template <class T> __device__ void binary_body(int op, const T* a, const T* b, T* y, int n, int rank, Dims8 shape, Dims8 sa, Dims8 sb, int same)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride())
    {
        if (same) { y[i] = binary_apply<T>(op, a[i], b[i]); continue; }
        int rem = i, oa = 0, ob = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            int c = rem % shape.d[d];
            rem /= shape.d[d];
            oa += c * sa.d[d];
            ob += c * sb.d[d];
        }
        y[i] = binary_apply<T>(op, a[oa], b[ob]);
    }
}

extern "C" __global__ void binary_f32(int op, const float* a, const float* b, float* y, int n, int rank, Dims8 shape, Dims8 sa, Dims8 sb, int same) { binary_body<float>(op, a, b, y, n, rank, shape, sa, sb, same); }
DAB_EXPORT_KERNEL(binary_f32);
extern "C" __global__ void binary_f64(int op, const double* a, const double* b, double* y, int n, int rank, Dims8 shape, Dims8 sa, Dims8 sb, int same) { binary_body<double>(op, a, b, y, n, rank, shape, sa, sb, same); }
DAB_EXPORT_KERNEL(binary_f64);

// y = x op s, or s op x when `reversed`.
template <class T> __device__ void scalar_body(int op, const T* x, T s, T* y, int n, int reversed)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride())
        y[i] = reversed ? binary_apply<T>(op, s, x[i]) : binary_apply<T>(op, x[i], s);
}

extern "C" __global__ void scalar_f32(int op, const float* x, float s, float* y, int n, int reversed) { scalar_body<float>(op, x, s, y, n, reversed); }
DAB_EXPORT_KERNEL(scalar_f32);
extern "C" __global__ void scalar_f64(int op, const double* x, double s, double* y, int n, int reversed) { scalar_body<double>(op, x, s, y, n, reversed); }
DAB_EXPORT_KERNEL(scalar_f64);

template <class T> __device__ void clamp_body(const T* x, T lo, T hi, T* y, int n)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride())
    {
        T v = x[i];
        y[i] = v < lo ? lo : (v > hi ? hi : v);
    }
}
extern "C" __global__ void clamp_f32(const float* x, float lo, float hi, float* y, int n) { clamp_body<float>(x, lo, hi, y, n); }
DAB_EXPORT_KERNEL(clamp_f32);
extern "C" __global__ void clamp_f64(const double* x, double lo, double hi, double* y, int n) { clamp_body<double>(x, lo, hi, y, n); }
DAB_EXPORT_KERNEL(clamp_f64);

template <class T> __device__ void clamp_grad_body(const T* g, const T* x, T lo, T hi, T* dx, int n)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride()) dx[i] = x[i] >= lo && x[i] <= hi ? g[i] : (T)0;
}
extern "C" __global__ void clamp_grad_f32(const float* g, const float* x, float lo, float hi, float* dx, int n) { clamp_grad_body<float>(g, x, lo, hi, dx, n); }
DAB_EXPORT_KERNEL(clamp_grad_f32);
extern "C" __global__ void clamp_grad_f64(const double* g, const double* x, double lo, double hi, double* dx, int n) { clamp_grad_body<double>(g, x, lo, hi, dx, n); }
DAB_EXPORT_KERNEL(clamp_grad_f64);

template <class T> __device__ void axpy_body(T alpha, const T* x, T* y, int n)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride()) y[i] += alpha * x[i];
}
extern "C" __global__ void axpy_f32(float alpha, const float* x, float* y, int n) { axpy_body<float>(alpha, x, y, n); }
DAB_EXPORT_KERNEL(axpy_f32);
extern "C" __global__ void axpy_f64(double alpha, const double* x, double* y, int n) { axpy_body<double>(alpha, x, y, n); }
DAB_EXPORT_KERNEL(axpy_f64);

// Fill by bit pattern, so one kernel per element width serves every dtype.
extern "C" __global__ void fill_b32(unsigned int* p, unsigned int bits, int n)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride()) p[i] = bits;
}
DAB_EXPORT_KERNEL(fill_b32);
extern "C" __global__ void fill_b64(unsigned long long* p, unsigned long long bits, int n)
{
    for (int i = dab_global_id(); i < n; i += dab_grid_stride()) p[i] = bits;
}
DAB_EXPORT_KERNEL(fill_b64);

// Casts with the CPU's semantics: float to integer truncates toward zero and saturates, NaN gives 0.
template <class D> __device__ __forceinline__ D saturate(double v, double lo, double hi)
{
    if (v != v) return (D)0;
    if (v <= lo) return (D)lo;
    if (v >= hi) return (D)hi;
    return (D)v;
}
template <class S, class D> __device__ __forceinline__ D cast_value(S v) { return (D)v; }
template <> __device__ __forceinline__ int cast_value<float, int>(float v) { return saturate<int>(v, -2147483648.0, 2147483647.0); }
template <> __device__ __forceinline__ int cast_value<double, int>(double v) { return saturate<int>(v, -2147483648.0, 2147483647.0); }
template <> __device__ __forceinline__ long long cast_value<float, long long>(float v) { return v != v ? 0 : (v >= 9.2233720368547758e18f ? 9223372036854775807LL : (v <= -9.2233720368547758e18f ? (-9223372036854775807LL - 1) : (long long)v)); }
template <> __device__ __forceinline__ long long cast_value<double, long long>(double v) { return v != v ? 0 : (v >= 9.2233720368547758e18 ? 9223372036854775807LL : (v <= -9.2233720368547758e18 ? (-9223372036854775807LL - 1) : (long long)v)); }
template <> __device__ __forceinline__ int cast_value<long long, int>(long long v) { return v > 2147483647LL ? 2147483647 : (v < -2147483648LL ? (-2147483647 - 1) : (int)v); }

#define DAB_CAST_KERNEL(NAME, S, D) \
    extern "C" __global__ void NAME(const S* x, D* y, int n) \
    { \
        for (int i = dab_global_id(); i < n; i += dab_grid_stride()) y[i] = cast_value<S, D>(x[i]); \
    } \
    DAB_EXPORT_KERNEL(NAME);

DAB_CAST_KERNEL(cast_f32_f64, float, double)
DAB_CAST_KERNEL(cast_f64_f32, double, float)
DAB_CAST_KERNEL(cast_f32_i32, float, int)
DAB_CAST_KERNEL(cast_f32_i64, float, long long)
DAB_CAST_KERNEL(cast_f64_i32, double, int)
DAB_CAST_KERNEL(cast_f64_i64, double, long long)
DAB_CAST_KERNEL(cast_i32_f32, int, float)
DAB_CAST_KERNEL(cast_i32_f64, int, double)
DAB_CAST_KERNEL(cast_i32_i64, int, long long)
DAB_CAST_KERNEL(cast_i64_f32, long long, float)
DAB_CAST_KERNEL(cast_i64_f64, long long, double)
DAB_CAST_KERNEL(cast_i64_i32, long long, int)
