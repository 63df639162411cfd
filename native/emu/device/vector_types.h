// CUDA's built-in vector types (float4, int2, uint3, ...) with CUDA's sizes and alignments, so that
// vectorised loads such as reinterpret_cast<const float4*>(p)[i] mean the same thing as on a GPU.
#pragma once

#define DAB_EMU_VECTOR_TYPES(T, N, A1, A2, A3, A4)                                          \
  struct alignas(A1) N##1 { T x; };                                                          \
  struct alignas(A2) N##2 { T x, y; };                                                       \
  struct alignas(A3) N##3 { T x, y, z; };                                                    \
  struct alignas(A4) N##4 { T x, y, z, w; };                                                 \
  inline N##1 make_##N##1(T x) { return N##1{x}; }                                           \
  inline N##2 make_##N##2(T x, T y) { return N##2{x, y}; }                                   \
  inline N##3 make_##N##3(T x, T y, T z) { return N##3{x, y, z}; }                           \
  inline N##4 make_##N##4(T x, T y, T z, T w) { return N##4{x, y, z, w}; }

DAB_EMU_VECTOR_TYPES(signed char, char, 1, 2, 1, 4)
DAB_EMU_VECTOR_TYPES(unsigned char, uchar, 1, 2, 1, 4)
DAB_EMU_VECTOR_TYPES(short, short, 2, 4, 2, 8)
DAB_EMU_VECTOR_TYPES(unsigned short, ushort, 2, 4, 2, 8)
DAB_EMU_VECTOR_TYPES(int, int, 4, 8, 4, 16)
DAB_EMU_VECTOR_TYPES(unsigned int, uint, 4, 8, 4, 16)
DAB_EMU_VECTOR_TYPES(long, long, 8, 16, 8, 16)
DAB_EMU_VECTOR_TYPES(unsigned long, ulong, 8, 16, 8, 16)
DAB_EMU_VECTOR_TYPES(long long, longlong, 8, 16, 8, 16)
DAB_EMU_VECTOR_TYPES(unsigned long long, ulonglong, 8, 16, 8, 16)
DAB_EMU_VECTOR_TYPES(float, float, 4, 8, 4, 16)
DAB_EMU_VECTOR_TYPES(double, double, 8, 16, 8, 16)

#undef DAB_EMU_VECTOR_TYPES

// dim3 is uint3 with constructors; unspecified extents default to 1.
struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  constexpr operator uint3() const { return uint3{x, y, z}; }
};
