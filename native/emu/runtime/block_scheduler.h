// Runs the threads of one block as fibers on the calling OS thread, with CUDA's synchronisation
// semantics (README.md, "Semantics"):
//   * execution proceeds in phases: every runnable fiber runs, in a seeded random order, until it
//     reaches a barrier or warp primitive or exits; then the waits that can complete are released
//     and their fibers form the next phase;
//   * a barrier completes when every non-exited thread of the block waits at one; a warp primitive
//     when every non-exited lane of its mask waits at the same kind of primitive with the same mask;
//   * a phase that releases nothing while threads still wait is a deadlock, reported, never a hang.
// A fiber that finishes its turn switches straight to the next fiber of the phase, and a fiber gets
// its stack only when it first runs, from the stacks of threads that have exited; so a thread of a
// kernel without barriers costs one switch, and such a block runs on two stacks that stay in cache.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../device/runtime_calls.h"
#include "fiber.h"
#include "fiber_stacks.h"
#include "launch_spec.h"

namespace dab_emu {

enum class WaitState : std::uint8_t { Runnable, Barrier, Warp, Exited };
enum class WarpOp : std::uint8_t { Sync, Shuffle, Vote, ActiveMask };

struct EmuThread {
  FiberContext context;
  uint3 index;
  unsigned linear;  // x + y*blockDim.x + z*blockDim.x*blockDim.y; lane = linear % 32
  int stack;        // index into the worker's FiberStacks, -1 until the thread first runs
  WaitState state;
  // What the thread waits at, valid while state is Barrier or Warp.
  WarpOp op;
  int mode;               // ShuffleMode, VoteMode or BarrierReduce
  const char* primitive;  // e.g. "__shfl_down_sync", for diagnostics
  unsigned mask;          // warp primitives: lanes to meet, always including the thread's own
  int predicate;          // votes and barrier reductions
  int source_lane;        // shuffles: the lane to read, resolved by PTX's rules on arrival
  const char* site_file;  // __activemask: the call site
  int site_line;
  std::uint64_t value;    // shuffles: the value offered
  std::uint64_t result;   // the primitive's result for this thread, set when it is released
};

class BlockScheduler {
 public:
  static constexpr unsigned kWarpSize = 32;
  static constexpr unsigned kMaxWarps = 1024 / kWarpSize;

  BlockScheduler() = default;
  BlockScheduler(const BlockScheduler&) = delete;
  BlockScheduler& operator=(const BlockScheduler&) = delete;
  ~BlockScheduler();

  // Runs block `block_index` of `launch` to completion. Returns EMU_OK, or an error code with
  // `message` set (deadlock, trap, failed assertion, out of memory).
  int run_block(const LaunchSpec& launch, uint3 block_index, std::string& message);

  // The scheduler running a block on this OS thread, or null outside a launch.
  static BlockScheduler* current();

  // The device primitives, called on the running fiber (see device/runtime_calls.h).
  int block_barrier(BarrierReduce reduce, int predicate, const char* primitive);
  void warp_sync(unsigned mask);
  std::uint64_t warp_shuffle(unsigned mask, std::uint64_t bits, ShuffleMode mode, int b, int width,
                             const char* primitive);
  unsigned warp_vote(unsigned mask, int predicate, VoteMode mode, const char* primitive);
  unsigned warp_active_mask(const char* file, int line);
  void* dynamic_shared() const { return dynamic_shared_; }

  // Ending the block from the running fiber: record why, then leave the fiber for good.
  void record_failure(int code, std::string message);
  [[noreturn]] void abandon_running_fiber();
  // "kernel 'k', block (x,y,z), thread (x,y,z)" for the running fiber.
  std::string running_thread_label() const;

 private:
  static void fiber_main(void* thread);

  EmuThread& running() const { return *phase_[position_]; }
  EmuThread& thread_at(unsigned warp, unsigned lane) { return threads_[warp * kWarpSize + lane]; }
  const EmuThread& thread_at(unsigned warp, unsigned lane) const { return threads_[warp * kWarpSize + lane]; }
  unsigned warp_count() const { return static_cast<unsigned>((threads_.size() + kWarpSize - 1) / kWarpSize); }

  bool prepare_block(const LaunchSpec& launch, uint3 block_index, std::string& message);
  void run_kernel_body();
  // Resumes `thread` (starting it on a free stack if it has not run yet), saving the caller in `from`.
  void switch_to(FiberContext& from, EmuThread& thread);
  void switch_to_next(EmuThread& self);
  void wait_at_warp(EmuThread& self, WarpOp op, int mode, const char* primitive, unsigned mask);
  [[noreturn]] void exit_running_thread();

  // Between phases: moves every thread whose wait can complete into phase_.
  void release_waiters();
  void release_barrier();
  void release_warp_groups(unsigned warp);
  bool warp_group_ready(unsigned warp, unsigned group, const EmuThread& leader) const;
  void complete_warp_group(unsigned warp, unsigned group, WarpOp op);
  void make_runnable(EmuThread& thread);

  std::string describe_deadlock() const;  // block_diagnostics.cpp
  std::string describe_wait(const EmuThread& thread) const;
  std::string block_label() const;

  const LaunchSpec* launch_ = nullptr;
  uint3 block_index_{};
  std::vector<EmuThread> threads_;
  std::vector<EmuThread*> phase_;  // the fibers of the current phase, in the order they run
  std::size_t position_ = 0;       // phase_[position_] is the running fiber
  FiberContext scheduler_context_{};
  FiberStacks stacks_;
  std::vector<int> free_stacks_;  // stacks no running or waiting thread uses; the back is reused first
  int exited_stack_ = -1;         // stack of the thread that exited last: free once it has left it
  unsigned char* dynamic_shared_ = nullptr;  // kMaxDynamicSharedBytes, allocated on first use

  unsigned warp_alive_[kMaxWarps] = {};    // lanes that exist and have not exited
  unsigned warp_waiting_[kMaxWarps] = {};  // lanes waiting at a warp primitive
  unsigned alive_ = 0;
  unsigned at_barrier_ = 0;
  unsigned at_warp_ = 0;

  int failure_code_ = 0;
  std::string failure_message_;
};

}  // namespace dab_emu
