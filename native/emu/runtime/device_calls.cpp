// The definitions behind device/runtime_calls.h and device/thread_builtins.h: what kernel code calls
// for barriers, warp primitives, dynamic shared memory, __trap and assert.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../device/runtime_calls.h"
#include "../device/thread_builtins.h"
#include "api_export.h"
#include "block_scheduler.h"

__thread uint3 threadIdx;
__thread uint3 blockIdx;
__thread dim3 blockDim;
__thread dim3 gridDim;
const int warpSize = 32;

namespace dab_emu {
namespace {

// Device primitives only make sense on a fiber of a running block; reaching one from host code is a
// bug in the library itself, not a kernel error that a launch could report.
BlockScheduler& scheduler_for(const char* primitive) {
  BlockScheduler* scheduler = BlockScheduler::current();
  if (scheduler == nullptr) {
    std::fprintf(stderr, "dabemu: %s called outside a kernel launch\n", primitive);
    std::abort();
  }
  return *scheduler;
}

}  // namespace

int block_barrier(BarrierReduce reduce, int predicate, const char* name) {
  return scheduler_for(name).block_barrier(reduce, predicate, name);
}

void warp_sync(unsigned mask) { scheduler_for("__syncwarp").warp_sync(mask); }

std::uint64_t warp_shuffle(unsigned mask, std::uint64_t bits, ShuffleMode mode, int b, int width, const char* name) {
  return scheduler_for(name).warp_shuffle(mask, bits, mode, b, width, name);
}

unsigned warp_vote(unsigned mask, int predicate, VoteMode mode, const char* name) {
  return scheduler_for(name).warp_vote(mask, predicate, mode, name);
}

unsigned warp_active_mask(const char* file, int line) {
  return scheduler_for("__activemask").warp_active_mask(file, line);
}

void* dynamic_shared_memory() { return scheduler_for("DAB_DYNAMIC_SHARED").dynamic_shared(); }

void trap(const char* reason) {
  BlockScheduler& scheduler = scheduler_for(reason);
  scheduler.record_failure(EMU_ERROR_LAUNCH_FAILED, scheduler.running_thread_label() + ": " + reason);
  scheduler.abandon_running_fiber();
}

void assertion_failed(const char* expression, const char* file, int line, const char* function) {
  BlockScheduler& scheduler = scheduler_for("assert");
  scheduler.record_failure(EMU_ERROR_LAUNCH_FAILED, scheduler.running_thread_label() + ": " + file + ":" +
                                                        std::to_string(line) + ": " + function + ": assertion `" +
                                                        expression + "` failed");
  scheduler.abandon_running_fiber();
}

}  // namespace dab_emu
