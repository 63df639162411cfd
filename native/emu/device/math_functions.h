// CUDA's device math under emulation. The C library already provides expf, logf, log1pf, expm1f,
// tanhf, sqrtf, fabsf, fmaxf, fminf, powf, floorf, ceilf, fmaf, erff, sinf, cosf, their double
// versions, isinf/isnan/isfinite and INFINITY/NAN (via <math.h>, which in C++ also brings the
// float overloads of exp, log, ... into the global namespace). Added here: CUDA's own functions and
// the fast intrinsics, which are computed exactly (tests compare against references with tolerances).
#pragma once

#include <math.h>
#include <stdlib.h>
#include <limits>
#include <type_traits>

#ifndef CUDART_INF_F
#define CUDART_INF_F (__builtin_huge_valf())
#define CUDART_NAN_F (__builtin_nanf(""))
#define CUDART_PI_F 3.141592654f
#define CUDART_INF (__builtin_huge_val())
#define CUDART_NAN (__builtin_nan(""))
#define CUDART_PI 3.1415926535897931e+0
#endif

inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float rcbrtf(float x) { return 1.0f / cbrtf(x); }
inline double rcbrt(double x) { return 1.0 / cbrt(x); }
inline float fdividef(float a, float b) { return a / b; }
inline float sinpif(float x) { return sinf(CUDART_PI_F * x); }
inline float cospif(float x) { return cosf(CUDART_PI_F * x); }
inline void sincospif(float x, float* s, float* c) { *s = sinpif(x); *c = cospif(x); }
inline double sinpi(double x) { return sin(CUDART_PI * x); }
inline double cospi(double x) { return cos(CUDART_PI * x); }
inline void sincospi(double x, double* s, double* c) { *s = sinpi(x); *c = cospi(x); }
inline float normcdff(float x) { return 0.5f * erfcf(-x * 0.70710678118654752f); }
inline double normcdf(double x) { return 0.5 * erfc(-x * 0.70710678118654752); }

// Fast-math intrinsics: exact here.
inline float __expf(float x) { return expf(x); }
inline float __exp10f(float x) { return powf(10.0f, x); }
inline float __logf(float x) { return logf(x); }
inline float __log2f(float x) { return log2f(x); }
inline float __log10f(float x) { return log10f(x); }
inline float __powf(float a, float b) { return powf(a, b); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __tanf(float x) { return tanf(x); }
inline void __sincosf(float x, float* s, float* c) { *s = sinf(x); *c = cosf(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __saturatef(float x) { return x >= 1.0f ? 1.0f : (x > 0.0f ? x : 0.0f); }  // NaN -> 0

// Explicitly rounded arithmetic, _rn only: round-to-nearest is the host default, and the other
// rounding modes are not emulated.
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fsqrt_rn(float x) { return sqrtf(x); }
inline float __frsqrt_rn(float x) { return 1.0f / sqrtf(x); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }
inline double __drcp_rn(double x) { return 1.0 / x; }
inline double __dsqrt_rn(double x) { return sqrt(x); }

// Conversions as on the GPU: saturating at the integer range, NaN -> 0 (a plain C++ cast would be
// undefined behaviour for those inputs).
namespace dab_emu {
template <class I, class F>
inline I saturating_convert(F rounded) {
  if (rounded != rounded) return 0;
  if (rounded <= static_cast<F>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (rounded >= static_cast<F>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return static_cast<I>(rounded);
}
}  // namespace dab_emu

inline int __float2int_rn(float x) { return dab_emu::saturating_convert<int>(nearbyintf(x)); }
inline int __float2int_rz(float x) { return dab_emu::saturating_convert<int>(truncf(x)); }
inline int __float2int_rd(float x) { return dab_emu::saturating_convert<int>(floorf(x)); }
inline int __float2int_ru(float x) { return dab_emu::saturating_convert<int>(ceilf(x)); }
inline unsigned int __float2uint_rn(float x) { return dab_emu::saturating_convert<unsigned int>(nearbyintf(x)); }
inline unsigned int __float2uint_rz(float x) { return dab_emu::saturating_convert<unsigned int>(truncf(x)); }
inline long long __float2ll_rn(float x) { return dab_emu::saturating_convert<long long>(nearbyintf(x)); }
inline long long __float2ll_rz(float x) { return dab_emu::saturating_convert<long long>(truncf(x)); }
inline int __double2int_rn(double x) { return dab_emu::saturating_convert<int>(nearbyint(x)); }
inline int __double2int_rz(double x) { return dab_emu::saturating_convert<int>(trunc(x)); }
inline long long __double2ll_rn(double x) { return dab_emu::saturating_convert<long long>(nearbyint(x)); }
inline long long __double2ll_rz(double x) { return dab_emu::saturating_convert<long long>(trunc(x)); }
inline float __int2float_rn(int x) { return static_cast<float>(x); }
inline float __uint2float_rn(unsigned int x) { return static_cast<float>(x); }
inline float __ll2float_rn(long long x) { return static_cast<float>(x); }
inline float __double2float_rn(double x) { return static_cast<float>(x); }
inline double __int2double_rn(int x) { return static_cast<double>(x); }
inline double __ll2double_rn(long long x) { return static_cast<double>(x); }

// CUDA's global min/max: overloaded for every arithmetic pair with the usual arithmetic conversions
// (int with unsigned gives unsigned, float with double gives double), fminf/fmaxf for floating types.
template <class A, class B, class = std::enable_if_t<std::is_arithmetic<A>::value && std::is_arithmetic<B>::value>>
inline std::common_type_t<A, B> min(A a, B b) {
  using C = std::common_type_t<A, B>;
  if constexpr (std::is_floating_point<C>::value) {
    return fmin(static_cast<C>(a), static_cast<C>(b));
  } else {
    return static_cast<C>(b) < static_cast<C>(a) ? static_cast<C>(b) : static_cast<C>(a);
  }
}
template <class A, class B, class = std::enable_if_t<std::is_arithmetic<A>::value && std::is_arithmetic<B>::value>>
inline std::common_type_t<A, B> max(A a, B b) {
  using C = std::common_type_t<A, B>;
  if constexpr (std::is_floating_point<C>::value) {
    return fmax(static_cast<C>(a), static_cast<C>(b));
  } else {
    return static_cast<C>(a) < static_cast<C>(b) ? static_cast<C>(b) : static_cast<C>(a);
  }
}
inline unsigned int umin(unsigned int a, unsigned int b) { return min(a, b); }
inline unsigned int umax(unsigned int a, unsigned int b) { return max(a, b); }
inline long long llmin(long long a, long long b) { return min(a, b); }
inline long long llmax(long long a, long long b) { return max(a, b); }
inline unsigned long long ullmin(unsigned long long a, unsigned long long b) { return min(a, b); }
inline unsigned long long ullmax(unsigned long long a, unsigned long long b) { return max(a, b); }
