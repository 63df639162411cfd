// Barriers, warp primitives, dynamic shared memory, __trap and assert under emulation. Each barrier
// and warp primitive is a real rendezvous: the calling thread's fiber waits until every thread it
// synchronises with has arrived (README.md, "Semantics").
#pragma once

#include <assert.h>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "runtime_calls.h"
#include "thread_builtins.h"

inline void __syncthreads() { dab_emu::block_barrier(dab_emu::BarrierReduce::None, 0, "__syncthreads"); }
inline int __syncthreads_count(int predicate) {
  return dab_emu::block_barrier(dab_emu::BarrierReduce::Count, predicate, "__syncthreads_count");
}
inline int __syncthreads_and(int predicate) {
  return dab_emu::block_barrier(dab_emu::BarrierReduce::And, predicate, "__syncthreads_and");
}
inline int __syncthreads_or(int predicate) {
  return dab_emu::block_barrier(dab_emu::BarrierReduce::Or, predicate, "__syncthreads_or");
}

inline void __syncwarp(unsigned mask = 0xffffffffu) { dab_emu::warp_sync(mask); }

namespace dab_emu {
// Shuffles move up to 8 bytes of any trivially copyable type, as CUDA's overloads do.
template <class T>
inline T shuffle_value(unsigned mask, T value, ShuffleMode mode, int b, int width, const char* name) {
  static_assert(sizeof(T) <= sizeof(std::uint64_t) && std::is_trivially_copyable<T>::value,
                "warp shuffles move scalars of at most 8 bytes");
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  bits = warp_shuffle(mask, bits, mode, b, width, name);
  T result;
  std::memcpy(&result, &bits, sizeof(T));
  return result;
}
}  // namespace dab_emu

template <class T>
inline T __shfl_sync(unsigned mask, T var, int srcLane, int width = warpSize) {
  return dab_emu::shuffle_value(mask, var, dab_emu::ShuffleMode::Idx, srcLane, width, "__shfl_sync");
}
template <class T>
inline T __shfl_up_sync(unsigned mask, T var, unsigned int delta, int width = warpSize) {
  return dab_emu::shuffle_value(mask, var, dab_emu::ShuffleMode::Up, static_cast<int>(delta), width,
                                "__shfl_up_sync");
}
template <class T>
inline T __shfl_down_sync(unsigned mask, T var, unsigned int delta, int width = warpSize) {
  return dab_emu::shuffle_value(mask, var, dab_emu::ShuffleMode::Down, static_cast<int>(delta), width,
                                "__shfl_down_sync");
}
template <class T>
inline T __shfl_xor_sync(unsigned mask, T var, int laneMask, int width = warpSize) {
  return dab_emu::shuffle_value(mask, var, dab_emu::ShuffleMode::Xor, laneMask, width, "__shfl_xor_sync");
}

inline unsigned __ballot_sync(unsigned mask, int predicate) {
  return dab_emu::warp_vote(mask, predicate, dab_emu::VoteMode::Ballot, "__ballot_sync");
}
inline int __any_sync(unsigned mask, int predicate) {
  return static_cast<int>(dab_emu::warp_vote(mask, predicate, dab_emu::VoteMode::Any, "__any_sync"));
}
inline int __all_sync(unsigned mask, int predicate) {
  return static_cast<int>(dab_emu::warp_vote(mask, predicate, dab_emu::VoteMode::All, "__all_sync"));
}
// The call site tells apart lanes on different paths (see README.md).
#define __activemask() ::dab_emu::warp_active_mask(__FILE__, __LINE__)

// CUDA spells this `extern __shared__ T name[]`; here it is one buffer per worker, sized by the
// launch's dynamic_shared_bytes and 256-byte aligned. Use inside a kernel or device function body.
#define DAB_DYNAMIC_SHARED(type, name) type* const name = static_cast<type*>(::dab_emu::dynamic_shared_memory())

[[noreturn]] inline void __trap() { dab_emu::trap("__trap()"); }
[[noreturn]] inline void __brkpt() { dab_emu::trap("__brkpt()"); }

// Device assert: a failure ends the launch with EMU_ERROR_LAUNCH_FAILED and a message naming the
// block and thread, instead of aborting the process. (An assert from a <cassert> included after this
// header reaches the same handler through the runtime's __assert_fail.)
#undef assert
#ifdef NDEBUG
#define assert(expression) static_cast<void>(0)
#else
#define assert(expression) \
  ((expression) ? static_cast<void>(0) : ::dab_emu::assertion_failed(#expression, __FILE__, __LINE__, __func__))
#endif
