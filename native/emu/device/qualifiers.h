// CUDA's declaration qualifiers under emulation. Every function is host code here, so the execution
// space qualifiers vanish; __shared__ becomes thread_local, which is per-block storage because the
// runtime runs one block at a time on each OS thread, with all of that block's fibers on it.
#pragma once

#define __global__
#define __device__
#define __host__
#define __constant__
#define __managed__
#define __grid_constant__
#define __shared__ thread_local
#define __forceinline__ inline __attribute__((always_inline))
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)
// __restrict__ is already a GCC/Clang keyword. __noinline__ is deliberately not defined: libstdc++
// spells __attribute__((__noinline__)), which such a macro would break.
