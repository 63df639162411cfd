// Shared definitions of the kernel families: op codes (the order of the C# enums in
// Dab.Engine/Backends/IBackend.cs), shape descriptors, and the math helpers both precisions use.
#pragma once
#include "native/emu/dab_portable.h"

#define DAB_MAX_RANK 8

// NVRTC compiles without the C math headers: give it the two constants the kernels use.
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
#ifndef NAN
#define NAN __int_as_float(0x7fffffff)
#endif

// Shapes and strides passed by value to broadcasting and permutation kernels (same layout as C#'s Dims8).
struct Dims8 { int d[DAB_MAX_RANK]; };

enum UnaryOp { U_NEG, U_EXP, U_LOG, U_SQRT, U_ABS, U_TANH, U_SIGMOID, U_RELU, U_ELU, U_SOFTPLUS, U_SIGN, U_SQUARE, U_RECIPROCAL };
enum BinaryOp { B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAX, B_MIN, B_GE, B_GT, B_LE, B_LT, B_EQ };
enum ReduceOp { R_SUM, R_MEAN, R_MAX, R_MIN, R_ARGMAX, R_ARGMIN, R_LOGSUMEXP };

__device__ __forceinline__ float dab_exp(float x) { return expf(x); }
__device__ __forceinline__ double dab_exp(double x) { return exp(x); }
__device__ __forceinline__ float dab_log(float x) { return logf(x); }
__device__ __forceinline__ double dab_log(double x) { return log(x); }
__device__ __forceinline__ float dab_log1p(float x) { return log1pf(x); }
__device__ __forceinline__ double dab_log1p(double x) { return log1p(x); }
__device__ __forceinline__ float dab_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double dab_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float dab_abs(float x) { return fabsf(x); }
__device__ __forceinline__ double dab_abs(double x) { return fabs(x); }
__device__ __forceinline__ float dab_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double dab_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float dab_pow(float a, float b) { return powf(a, b); }
__device__ __forceinline__ double dab_pow(double a, double b) { return pow(a, b); }
__device__ __forceinline__ bool dab_isnan(float x) { return x != x; }
__device__ __forceinline__ bool dab_isnan(double x) { return x != x; }

template <class T> __device__ __forceinline__ T dab_inf() { return (T)INFINITY; }

__device__ __forceinline__ int dab_global_id() { return blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int dab_grid_stride() { return blockDim.x * gridDim.x; }
