#include "grid_run.h"

#include <memory>

#include "api_export.h"
#include "block_scheduler.h"

namespace dab_emu {
namespace {

// One per OS thread that runs blocks: the fiber stacks and buffers are reused by every later launch.
BlockScheduler& this_thread_scheduler() {
  thread_local std::unique_ptr<BlockScheduler> scheduler(new BlockScheduler);
  return *scheduler;
}

}  // namespace

void GridRun::run_blocks() {
  BlockScheduler& scheduler = this_thread_scheduler();
  std::string message;
  const std::uint64_t grid_x = spec_.grid.x;
  const std::uint64_t grid_xy = grid_x * spec_.grid.y;
  while (!failed_.load(std::memory_order_relaxed)) {
    const std::uint64_t block = next_block_.fetch_add(1, std::memory_order_relaxed);
    if (block >= block_count_) return;
    const uint3 index{static_cast<unsigned>(block % grid_x), static_cast<unsigned>(block % grid_xy / grid_x),
                      static_cast<unsigned>(block / grid_xy)};
    const int code = scheduler.run_block(spec_, index, message);
    if (code != EMU_OK) {
      std::lock_guard<std::mutex> lock(failure_mutex_);
      if (!failed_.load(std::memory_order_relaxed)) {
        failure_code_ = code;
        failure_message_ = std::move(message);
        failed_.store(true, std::memory_order_relaxed);
      }
      return;
    }
  }
}

int GridRun::result(std::string& message) {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  if (failure_code_ != EMU_OK) message = failure_message_;
  return failure_code_;
}

}  // namespace dab_emu
