// Kernels that check the emulated device itself. Compiled into libdabemu next to the real kernels;
// the C++ test (tests/emu_selftest.cpp) and the C# suite launch them through the C ABI. Each kernel
// states the launch it expects and what it writes.
#include <cassert>  // for nvcc; under emulation dab_portable.h replaces this assert with its own

#include "native/emu/dab_portable.h"

// One block of any size, grid of any size; out has gridDim.x * blockDim.x floats (n of them are
// written). Each thread publishes a value in shared memory and reads its right neighbour's WITHOUT a
// barrier: whether the neighbour has written yet depends on the order the threads run in, so some
// seeds give wrong answers. The values depend on blockIdx, so leftovers of an earlier block never
// look right.
extern "C" __global__ void emu_selftest_missing_barrier(float* out, int n) {
  __shared__ float published[1024];
  const unsigned t = threadIdx.x;
  const unsigned global = blockIdx.x * blockDim.x + t;
  published[t] = static_cast<float>(global) + 0.5f;
  const float neighbour = published[(t + 1) % blockDim.x];  // missing __syncthreads() before this read
  if (global < static_cast<unsigned>(n)) out[global] = neighbour;
}
DAB_EXPORT_KERNEL(emu_selftest_missing_barrier);

// The same with the barrier: out[b*B + t] = b*B + (t+1)%B + 0.5 under every seed.
extern "C" __global__ void emu_selftest_with_barrier(float* out, int n) {
  __shared__ float published[1024];
  const unsigned t = threadIdx.x;
  const unsigned global = blockIdx.x * blockDim.x + t;
  published[t] = static_cast<float>(global) + 0.5f;
  __syncthreads();
  const float neighbour = published[(t + 1) % blockDim.x];
  if (global < static_cast<unsigned>(n)) out[global] = neighbour;
}
DAB_EXPORT_KERNEL(emu_selftest_with_barrier);

// One warp: grid 1, block 32; out has 7 rows of 32 ints, row r at out[32*r + lane]:
//   0: __shfl_sync(v, 31 - lane)            = 131 - lane              (v = 100 + lane)
//   1: __shfl_down_sync(v, 4)               = lane < 28 ? v + 4 : v
//   2: __shfl_xor_sync(v, 5)                = 100 + (lane ^ 5)
//   3: __shfl_up_sync(v, 3)                 = lane >= 3 ? v - 3 : v
//   4: __shfl_sync(v, lane + 1, width 8)    = 100 + (lane & ~7) + ((lane + 1) & 7)
//   5: butterfly sum of lane over the warp  = 496
//   6: 2 * __shfl_down_sync(lane * 0.5, 1) as a double = lane < 31 ? lane + 1 : 31
extern "C" __global__ void emu_selftest_shuffle(int* out) {
  const unsigned full = 0xffffffffu;
  const int lane = static_cast<int>(threadIdx.x % 32);
  const int v = 100 + lane;
  out[0 * 32 + lane] = __shfl_sync(full, v, 31 - lane);
  out[1 * 32 + lane] = __shfl_down_sync(full, v, 4);
  out[2 * 32 + lane] = __shfl_xor_sync(full, v, 5);
  out[3 * 32 + lane] = __shfl_up_sync(full, v, 3);
  out[4 * 32 + lane] = __shfl_sync(full, v, lane + 1, 8);
  int sum = lane;
  for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_xor_sync(full, sum, offset);
  out[5 * 32 + lane] = sum;
  out[6 * 32 + lane] = static_cast<int>(2.0 * __shfl_down_sync(full, lane * 0.5, 1));
}
DAB_EXPORT_KERNEL(emu_selftest_shuffle);

// Two warps: grid 1, block 64; out has 8 unsigned per warp, at out[8*warp + i]:
//   0: __ballot_sync(full, lane % 3 == 0)                = 0x49249249
//   1: __any_sync(full, lane == 5 && warp == 1)          = warp
//   2: __all_sync(full, lane < 32)                       = 1
//   3: __all_sync(full, lane != 3)                       = 0
//   4: lanes 0-15 alone: __ballot_sync(0x0000ffff, lane odd)   = 0x0000aaaa
//   5: lanes 16-31 alone: __ballot_sync(0xffff0000, lane odd)  = 0xaaaa0000
//   6: __activemask() inside `if (lane < 20)`            = 0x000fffff
//   7: __syncthreads_count(thread % 4 == 0) over the block = 16
extern "C" __global__ void emu_selftest_ballot(unsigned* out) {
  const unsigned full = 0xffffffffu;
  const unsigned lane = threadIdx.x % 32;
  const unsigned warp = threadIdx.x / 32;
  unsigned* row = out + 8 * warp;
  const unsigned ballot = __ballot_sync(full, lane % 3 == 0);
  const int any = __any_sync(full, lane == 5 && warp == 1);
  const int all_true = __all_sync(full, lane < 32);
  const int all_false = __all_sync(full, lane != 3);
  if (lane < 16) {
    const unsigned low = __ballot_sync(0x0000ffffu, lane & 1);
    if (lane == 0) row[4] = low;
  } else {
    const unsigned high = __ballot_sync(0xffff0000u, lane & 1);
    if (lane == 16) row[5] = high;
  }
  __syncwarp();
  if (lane < 20) {
    const unsigned active = __activemask();
    if (lane == 0) row[6] = active;
  }
  __syncwarp();
  const int count = __syncthreads_count(threadIdx.x % 4 == 0);
  if (lane == 0) {
    row[0] = ballot;
    row[1] = static_cast<unsigned>(any);
    row[2] = static_cast<unsigned>(all_true);
    row[3] = static_cast<unsigned>(all_false);
    row[7] = static_cast<unsigned>(count);
  }
}
DAB_EXPORT_KERNEL(emu_selftest_ballot);

// Any 1-D launch, N = gridDim.x * blockDim.x threads; *counter, *fsum and *maxv start at 0, 0, -1.
// Afterwards *counter = N, *fsum = N / 2 (exact: each thread adds 0.5f) and *maxv = N - 1.
extern "C" __global__ void emu_selftest_atomics(int* counter, float* fsum, int* maxv) {
  const int global = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  atomicAdd(counter, 1);
  atomicAdd(fsum, 0.5f);
  atomicMax(maxv, global);
}
DAB_EXPORT_KERNEL(emu_selftest_atomics);

// Grid 1, block 64: a real deadlock. Threads 32-63 exit, which is harmless (exited threads count as
// arrived at barriers). In warp 0, lanes 0-15 wait in a full-warp shuffle that needs lanes 16-31,
// while those wait at __syncthreads for lanes 0-15. The launch fails with EMU_ERROR_DEADLOCK.
extern "C" __global__ void emu_selftest_deadlock(int* out) {
  const unsigned t = threadIdx.x;
  if (t >= 32) return;
  if (t < 16) {
    out[t] = __shfl_sync(0xffffffffu, static_cast<int>(t), 0);
  } else {
    __syncthreads();
  }
}
DAB_EXPORT_KERNEL(emu_selftest_deadlock);

// Grid 1, block B (even, at most 1024): the odd threads return at once and the even ones meet at
// __syncthreads, which completes because exited threads count as arrived.
// out[k] = (2k + 2) % B + 1 for k < B/2.
extern "C" __global__ void emu_selftest_early_exit_barrier(int* out) {
  __shared__ int published[1024];
  const unsigned t = threadIdx.x;
  if (t % 2 == 1) return;
  published[t] = static_cast<int>(t) + 1;
  __syncthreads();
  out[t / 2] = published[(t + 2) % blockDim.x];
}
DAB_EXPORT_KERNEL(emu_selftest_early_exit_barrier);

// Any 1-D launch with dynamic_shared_bytes >= blockDim.x * sizeof(float): reverses each block's
// values through dynamic shared memory. out[b*B + t] = b*1000 + (B - 1 - t).
extern "C" __global__ void emu_selftest_dynamic_shared(float* out) {
  DAB_DYNAMIC_SHARED(float, values);
  const unsigned t = threadIdx.x;
  values[t] = static_cast<float>(blockIdx.x * 1000 + t);
  __syncthreads();
  out[blockIdx.x * blockDim.x + t] = values[blockDim.x - 1 - t];
}
DAB_EXPORT_KERNEL(emu_selftest_dynamic_shared);

// Any 1-D launch with at least 2 blocks of 6 threads: thread 5 of block 1 traps, so the launch fails
// with EMU_ERROR_LAUNCH_FAILED; threads that ran before it set out[global] = 1.
extern "C" __global__ void emu_selftest_trap(int* out) {
  if (blockIdx.x == 1 && threadIdx.x == 5) __trap();
  out[blockIdx.x * blockDim.x + threadIdx.x] = 1;
}
DAB_EXPORT_KERNEL(emu_selftest_trap);

// Any launch: asserts threadIdx.x < limit, then writes out[global] = 1. A failed assertion fails the
// launch with EMU_ERROR_LAUNCH_FAILED and a message naming the thread.
extern "C" __global__ void emu_selftest_assert(int* out, int limit) {
  assert(static_cast<int>(threadIdx.x) < limit);
  out[blockIdx.x * blockDim.x + threadIdx.x] = 1;
}
DAB_EXPORT_KERNEL(emu_selftest_assert);

// Any 1-D launch: 2 * iterations barriers per thread, for timing barrier cost.
// out[b*B + t] = iterations*(iterations-1)/2 + iterations*((t+1) % B).
extern "C" __global__ void emu_selftest_barrier_loop(int* out, int iterations) {
  __shared__ int published[1024];
  const unsigned t = threadIdx.x;
  int sum = 0;
  for (int i = 0; i < iterations; ++i) {
    published[t] = i + static_cast<int>(t);
    __syncthreads();
    sum += published[(t + 1) % blockDim.x];
    __syncthreads();
  }
  out[blockIdx.x * blockDim.x + t] = sum;
}
DAB_EXPORT_KERNEL(emu_selftest_barrier_loop);

// Any 3-D launch: every thread writes its global linear index (block-major, x fastest) at that index,
// out[i] = i, so a test can see every thread ran exactly once with the right indices. No barriers:
// this is also the cost of a synchronisation-free thread.
extern "C" __global__ void emu_selftest_index(unsigned* out) {
  const unsigned block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const unsigned thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  const unsigned global = block * (blockDim.x * blockDim.y * blockDim.z) + thread;
  out[global] = global;
}
DAB_EXPORT_KERNEL(emu_selftest_index);

// A realistic reduction: grid-stride loads, a warp-shuffle reduction, per-warp partials in shared
// memory, a final warp reduction and one atomicAdd per block. 1-D launch with blockDim.x a multiple
// of 32; *sum starts at 0 and ends as the sum of in[0..n).
extern "C" __global__ void emu_selftest_block_sum(const float* __restrict__ in, float* sum, int n) {
  __shared__ float warp_sums[32];
  const unsigned full = 0xffffffffu;
  const unsigned lane = threadIdx.x % 32;
  const unsigned warp = threadIdx.x / 32;
  float v = 0.0f;
  for (int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x); i < n;
       i += static_cast<int>(gridDim.x * blockDim.x)) {
    v += in[i];
  }
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(full, v, offset);
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < blockDim.x / 32 ? warp_sums[lane] : 0.0f;
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(full, v, offset);
    if (lane == 0) atomicAdd(sum, v);
  }
}
DAB_EXPORT_KERNEL(emu_selftest_block_sum);

// Kernel headers may include <cassert> after the emulator's headers, which brings back the C
// library's assert; a failure must still end only the launch (runtime/assert_hook.cpp), not the
// process. Same contract as emu_selftest_assert. Keep this kernel last: it changes assert below it.
#include <cassert>

extern "C" __global__ void emu_selftest_libc_assert(int* out, int limit) {
  assert(static_cast<int>(threadIdx.x) < limit);
  out[blockIdx.x * blockDim.x + threadIdx.x] = 1;
}
DAB_EXPORT_KERNEL(emu_selftest_libc_assert);
