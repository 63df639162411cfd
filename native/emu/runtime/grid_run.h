// The blocks of one launch, handed out to the OS threads that run them. Each OS thread has its own
// BlockScheduler (fibers, stacks, shared memory) and runs one block at a time; the first failure
// stops the hand-out and is what the launch reports.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "launch_spec.h"

namespace dab_emu {

class GridRun {
 public:
  explicit GridRun(const LaunchSpec& spec)
      : spec_(spec), block_count_(std::uint64_t{spec.grid.x} * spec.grid.y * spec.grid.z) {}

  std::uint64_t block_count() const { return block_count_; }

  // Runs blocks on the calling OS thread until none are left or one has failed.
  void run_blocks();

  // EMU_OK, or the first failure's code with its message.
  int result(std::string& message);

 private:
  const LaunchSpec& spec_;
  const std::uint64_t block_count_;
  std::atomic<std::uint64_t> next_block_{0};
  std::atomic<bool> failed_{false};
  std::mutex failure_mutex_;
  int failure_code_ = 0;
  std::string failure_message_;
};

// Runs `grid` on the calling OS thread and `helpers` pool threads; returns when all blocks are done.
void run_on_workers(GridRun& grid, int helpers);

}  // namespace dab_emu
