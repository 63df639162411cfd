#include "block_scheduler.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <utility>

#include "../device/thread_builtins.h"
#include "api_export.h"
#include "launch_limits.h"
#include "rng.h"

namespace dab_emu {
namespace {

thread_local BlockScheduler* current_scheduler = nullptr;

// The lane a shuffle reads, by the rules of PTX's shfl.sync: `b` is the source lane, delta or lane
// mask (5 bits), `width` splits the warp into segments. Out-of-range sources read the caller's own.
int shuffle_source(unsigned lane, ShuffleMode mode, int b, int width) {
  const unsigned segment_mask = static_cast<unsigned>(32 - width) & 0x1f;
  const unsigned clamp = mode == ShuffleMode::Up ? 0 : 0x1f;
  const int max_lane = static_cast<int>((lane & segment_mask) | (clamp & ~segment_mask));
  const int min_lane = static_cast<int>(lane & segment_mask);
  const int bval = b & 0x1f;
  const int self = static_cast<int>(lane);
  int source = self;
  bool valid = false;
  switch (mode) {
    case ShuffleMode::Up: source = self - bval; valid = source >= max_lane; break;
    case ShuffleMode::Down: source = self + bval; valid = source <= max_lane; break;
    case ShuffleMode::Xor: source = self ^ bval; valid = source <= max_lane; break;
    case ShuffleMode::Idx: source = min_lane | (bval & ~static_cast<int>(segment_mask)); valid = source <= max_lane; break;
  }
  return valid ? source : self;
}

}  // namespace

BlockScheduler::~BlockScheduler() { std::free(dynamic_shared_); }

BlockScheduler* BlockScheduler::current() { return current_scheduler; }

int BlockScheduler::run_block(const LaunchSpec& launch, uint3 block_index, std::string& message) {
  if (!prepare_block(launch, block_index, message)) return EMU_ERROR_OUT_OF_MEMORY;

  const std::uint64_t block_linear =
      block_index.x + static_cast<std::uint64_t>(launch.grid.x) * (block_index.y + std::uint64_t{launch.grid.y} * block_index.z);
  Rng rng(launch.schedule_seed ^ splitmix64(block_linear));

  BlockScheduler* const outer = current_scheduler;
  current_scheduler = this;
  while (true) {
    for (std::size_t i = phase_.size() - 1; i > 0; --i) {  // Fisher-Yates: this phase's order
      std::swap(phase_[i], phase_[rng.below(static_cast<std::uint32_t>(i + 1))]);
    }
    position_ = 0;
    switch_to(scheduler_context_, *phase_[0]);  // back when the phase is over
    if (failure_code_ != EMU_OK || alive_ == 0) break;
    release_waiters();
    if (phase_.empty()) {
      failure_code_ = EMU_ERROR_DEADLOCK;
      failure_message_ = describe_deadlock();
      break;
    }
  }
  current_scheduler = outer;

  if (failure_code_ == EMU_OK) return EMU_OK;
  message = std::move(failure_message_);
  return failure_code_;
}

bool BlockScheduler::prepare_block(const LaunchSpec& launch, uint3 block_index, std::string& message) {
  const unsigned count = launch.block.x * launch.block.y * launch.block.z;
  if (!stacks_.reserve(count)) {
    message = "out of memory for " + std::to_string(count) + " fiber stacks";
    return false;
  }
  if (launch.dynamic_shared_bytes > 0 && dynamic_shared_ == nullptr) {
    dynamic_shared_ = static_cast<unsigned char*>(std::aligned_alloc(256, kMaxDynamicSharedBytes));
    if (dynamic_shared_ == nullptr) {
      message = "out of memory for the dynamic shared memory buffer";
      return false;
    }
  }
  // Shared memory starts out undefined on a GPU: fill it with NaNs (and -1 for integers) so that a
  // kernel reading what it never wrote goes wrong visibly.
  if (launch.dynamic_shared_bytes > 0) std::memset(dynamic_shared_, 0xff, launch.dynamic_shared_bytes);

  launch_ = &launch;
  block_index_ = block_index;
  threads_.resize(count);
  phase_.resize(count);
  uint3 index{0, 0, 0};
  for (unsigned i = 0; i < count; ++i) {
    EmuThread& thread = threads_[i];
    thread.index = index;
    thread.linear = i;
    thread.stack = -1;
    thread.state = WaitState::Runnable;
    phase_[i] = &thread;
    if (++index.x == launch.block.x) {
      index.x = 0;
      if (++index.y == launch.block.y) {
        index.y = 0;
        ++index.z;
      }
    }
  }
  free_stacks_.resize(count);
  for (unsigned i = 0; i < count; ++i) free_stacks_[i] = static_cast<int>(count - 1 - i);  // stack 0 first
  exited_stack_ = -1;
  const unsigned warps = warp_count();
  for (unsigned w = 0; w < warps; ++w) {
    const unsigned lanes = w + 1 < warps || count % kWarpSize == 0 ? kWarpSize : count % kWarpSize;
    warp_alive_[w] = lanes == kWarpSize ? ~0u : (1u << lanes) - 1;
    warp_waiting_[w] = 0;
  }
  alive_ = count;
  at_barrier_ = 0;
  at_warp_ = 0;
  failure_code_ = EMU_OK;
  failure_message_.clear();

  blockIdx = block_index;
  blockDim = launch.block;
  gridDim = launch.grid;
  return true;
}

void BlockScheduler::fiber_main(void* scheduler_pointer) {
  BlockScheduler& scheduler = *static_cast<BlockScheduler*>(scheduler_pointer);  // the thread is phase_[position_]
  scheduler.run_kernel_body();
  scheduler.exit_running_thread();
}

void BlockScheduler::run_kernel_body() {
  // Kernels should not throw; if one does, the launch fails with the exception's message. The
  // message is copied out first: leaving a fiber inside a catch block would leave the C++ runtime's
  // per-thread record of caught exceptions pointing at an abandoned one.
  std::string escaped;
  try {
    launch_->kernel->invoke(launch_->kernel->function, launch_->args);
    return;
  } catch (const std::exception& e) {
    escaped = e.what();
  } catch (...) {
    escaped = "an exception that is not a std::exception";
  }
  record_failure(EMU_ERROR_LAUNCH_FAILED, running_thread_label() + ": the kernel threw " + escaped);
  abandon_running_fiber();
}

void BlockScheduler::switch_to(FiberContext& from, EmuThread& thread) {
  if (thread.stack < 0) {
    thread.stack = free_stacks_.back();
    free_stacks_.pop_back();
    // Stagger the stack tops over a page: tops a whole number of pages apart would all map to the
    // same L1 cache sets, and each fiber's frames would evict the others'.
    const std::size_t colour = static_cast<std::size_t>(thread.stack) * 7 % 64 * 64;
    fiber_prepare(thread.context, stacks_.base(static_cast<std::size_t>(thread.stack)),
                  FiberStacks::kStackBytes - colour, &fiber_main, this);
  }
  threadIdx = thread.index;
  fiber_switch(from, thread.context);
}

void BlockScheduler::switch_to_next(EmuThread& self) {
  const std::size_t next = ++position_;
  if (next < phase_.size()) {
    switch_to(self.context, *phase_[next]);
  } else {
    fiber_switch(self.context, scheduler_context_);
  }
}

void BlockScheduler::exit_running_thread() {
  EmuThread& self = running();
  self.state = WaitState::Exited;
  warp_alive_[self.linear / kWarpSize] &= ~(1u << (self.linear % kWarpSize));
  --alive_;
  // This fiber is still on its stack until the switch below, so its stack is freed one exit later;
  // the previous exited thread's stack is free now.
  if (exited_stack_ >= 0) free_stacks_.push_back(exited_stack_);
  exited_stack_ = self.stack;
  switch_to_next(self);
  std::fprintf(stderr, "dabemu: an exited fiber was resumed\n");  // the scheduler never does this
  std::abort();
}

void BlockScheduler::record_failure(int code, std::string message) {
  failure_code_ = code;
  failure_message_ = std::move(message);
}

void BlockScheduler::abandon_running_fiber() {
  // The block is over: its other fibers are never resumed, and their stacks are reused by the
  // next block (destructors of objects on them do not run).
  fiber_switch(running().context, scheduler_context_);
  std::fprintf(stderr, "dabemu: an abandoned fiber was resumed\n");
  std::abort();
}

std::string BlockScheduler::running_thread_label() const {
  const uint3 t = running().index;
  return block_label() + ", thread (" + std::to_string(t.x) + "," + std::to_string(t.y) + "," + std::to_string(t.z) + ")";
}

std::string BlockScheduler::block_label() const {
  return "kernel '" + std::string(launch_->kernel->name) + "', block (" + std::to_string(block_index_.x) + "," +
         std::to_string(block_index_.y) + "," + std::to_string(block_index_.z) + ")";
}

// ---- primitives, on the running fiber ----

int BlockScheduler::block_barrier(BarrierReduce reduce, int predicate, const char* primitive) {
  EmuThread& self = running();
  self.state = WaitState::Barrier;
  self.mode = static_cast<int>(reduce);
  self.primitive = primitive;
  self.predicate = predicate;
  ++at_barrier_;
  switch_to_next(self);
  return static_cast<int>(self.result);
}

void BlockScheduler::wait_at_warp(EmuThread& self, WarpOp op, int mode, const char* primitive, unsigned mask) {
  const unsigned lane_bit = 1u << (self.linear % kWarpSize);
  self.state = WaitState::Warp;
  self.op = op;
  self.mode = mode;
  self.primitive = primitive;
  self.mask = mask | lane_bit;
  warp_waiting_[self.linear / kWarpSize] |= lane_bit;
  ++at_warp_;
  switch_to_next(self);
}

void BlockScheduler::warp_sync(unsigned mask) { wait_at_warp(running(), WarpOp::Sync, 0, "__syncwarp", mask); }

std::uint64_t BlockScheduler::warp_shuffle(unsigned mask, std::uint64_t bits, ShuffleMode mode, int b, int width,
                                           const char* primitive) {
  EmuThread& self = running();
  self.value = bits;
  self.source_lane = shuffle_source(self.linear % kWarpSize, mode, b, width);
  wait_at_warp(self, WarpOp::Shuffle, static_cast<int>(mode), primitive, mask);
  return self.result;
}

unsigned BlockScheduler::warp_vote(unsigned mask, int predicate, VoteMode mode, const char* primitive) {
  EmuThread& self = running();
  self.predicate = predicate;
  wait_at_warp(self, WarpOp::Vote, static_cast<int>(mode), primitive, mask);
  return static_cast<unsigned>(self.result);
}

unsigned BlockScheduler::warp_active_mask(const char* file, int line) {
  EmuThread& self = running();
  self.site_file = file;
  self.site_line = line;
  wait_at_warp(self, WarpOp::ActiveMask, 0, "__activemask", 0);
  return static_cast<unsigned>(self.result);
}

// ---- between phases, on the scheduler's context ----

void BlockScheduler::release_waiters() {
  phase_.clear();
  if (at_warp_ > 0) {
    for (unsigned w = 0, warps = warp_count(); w < warps; ++w) {
      if (warp_waiting_[w] != 0) release_warp_groups(w);
    }
  }
  // Exited threads count as arrived (as on GPUs since Volta), so the barrier completes when every
  // thread still running waits at it.
  if (at_barrier_ > 0 && at_barrier_ == alive_) release_barrier();
}

void BlockScheduler::release_barrier() {
  unsigned true_count = 0;
  for (const EmuThread& thread : threads_) {
    if (thread.state == WaitState::Barrier && thread.predicate != 0) ++true_count;
  }
  for (EmuThread& thread : threads_) {
    if (thread.state != WaitState::Barrier) continue;
    switch (static_cast<BarrierReduce>(thread.mode)) {
      case BarrierReduce::None: thread.result = 0; break;
      case BarrierReduce::Count: thread.result = true_count; break;
      case BarrierReduce::And: thread.result = true_count == at_barrier_ ? 1 : 0; break;
      case BarrierReduce::Or: thread.result = true_count > 0 ? 1 : 0; break;
    }
    make_runnable(thread);
  }
  at_barrier_ = 0;
}

void BlockScheduler::release_warp_groups(unsigned warp) {
  unsigned pending = warp_waiting_[warp];
  while (pending != 0) {
    const unsigned lane = static_cast<unsigned>(__builtin_ctz(pending));
    const EmuThread& leader = thread_at(warp, lane);
    unsigned group = 0;
    if (leader.op == WarpOp::ActiveMask) {
      // Every lane of the warp is parked somewhere now, so the lanes at this call site are exactly
      // the ones that got here together.
      for (unsigned waiting = warp_waiting_[warp]; waiting != 0; waiting &= waiting - 1) {
        const unsigned other = static_cast<unsigned>(__builtin_ctz(waiting));
        const EmuThread& thread = thread_at(warp, other);
        if (thread.op == WarpOp::ActiveMask && thread.site_line == leader.site_line &&
            std::strcmp(thread.site_file, leader.site_file) == 0) {
          group |= 1u << other;
        }
      }
    } else {
      group = leader.mask & warp_alive_[warp];
      if (!warp_group_ready(warp, group, leader)) {
        pending &= ~(1u << lane);
        continue;
      }
    }
    complete_warp_group(warp, group, leader.op);
    pending &= ~group;
  }
}

bool BlockScheduler::warp_group_ready(unsigned warp, unsigned group, const EmuThread& leader) const {
  if ((group & ~warp_waiting_[warp]) != 0) return false;  // a member is running, at a barrier or released
  for (unsigned members = group; members != 0; members &= members - 1) {
    const EmuThread& thread = thread_at(warp, static_cast<unsigned>(__builtin_ctz(members)));
    if (thread.op != leader.op || thread.mask != leader.mask) return false;
  }
  return true;
}

void BlockScheduler::complete_warp_group(unsigned warp, unsigned group, WarpOp op) {
  unsigned ballot = 0;
  if (op == WarpOp::Vote) {
    for (unsigned members = group; members != 0; members &= members - 1) {
      const unsigned lane = static_cast<unsigned>(__builtin_ctz(members));
      if (thread_at(warp, lane).predicate != 0) ballot |= 1u << lane;
    }
  }
  // Results first, releases after: a shuffle reads the values other members offered.
  for (unsigned members = group; members != 0; members &= members - 1) {
    EmuThread& thread = thread_at(warp, static_cast<unsigned>(__builtin_ctz(members)));
    switch (op) {
      case WarpOp::Sync: thread.result = 0; break;
      case WarpOp::ActiveMask: thread.result = group; break;
      case WarpOp::Shuffle: {
        // A source lane outside the group (exited, or not named in the mask) is undefined in CUDA;
        // here the caller gets its own value back.
        const unsigned source = static_cast<unsigned>(thread.source_lane);
        thread.result = (group >> source) & 1u ? thread_at(warp, source).value : thread.value;
        break;
      }
      case WarpOp::Vote:
        switch (static_cast<VoteMode>(thread.mode)) {
          case VoteMode::Ballot: thread.result = ballot; break;
          case VoteMode::Any: thread.result = ballot != 0 ? 1 : 0; break;
          case VoteMode::All: thread.result = ballot == group ? 1 : 0; break;
        }
        break;
    }
  }
  for (unsigned members = group; members != 0; members &= members - 1) {
    make_runnable(thread_at(warp, static_cast<unsigned>(__builtin_ctz(members))));
  }
  warp_waiting_[warp] &= ~group;
  at_warp_ -= static_cast<unsigned>(__builtin_popcount(group));
}

void BlockScheduler::make_runnable(EmuThread& thread) {
  thread.state = WaitState::Runnable;
  phase_.push_back(&thread);
}

}  // namespace dab_emu
