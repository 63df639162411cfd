// The deadlock report: which threads wait where, and for whom. Threads with the same description are
// listed as ranges of linear thread indices, so a 1024-thread block still gives a short message.
#include <cstdio>
#include <string>
#include <vector>

#include "block_scheduler.h"

namespace dab_emu {
namespace {

// "3", "0-15" or "0-15, 17, 20-31" from ascending indices.
std::string format_ranges(const std::vector<unsigned>& indices) {
  std::string text;
  for (std::size_t i = 0; i < indices.size();) {
    std::size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    if (!text.empty()) text += ", ";
    text += std::to_string(indices[i]);
    if (j > i) text += "-" + std::to_string(indices[j]);
    i = j + 1;
  }
  return text;
}

// "lane 3" or "lanes 0-15, 17".
std::string counted(const char* noun, const std::vector<unsigned>& indices) {
  const bool one = indices.size() == 1;
  return std::string(noun) + (one ? " " : "s ") + format_ranges(indices);
}

std::string hex(unsigned value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%08x", value);
  return buffer;
}

}  // namespace

std::string BlockScheduler::describe_wait(const EmuThread& thread) const {
  if (thread.state == WaitState::Exited) return "exited";
  std::vector<unsigned> missing;
  if (thread.state == WaitState::Barrier) {
    for (const EmuThread& other : threads_) {
      if (other.state != WaitState::Barrier && other.state != WaitState::Exited) missing.push_back(other.linear);
    }
    return "wait at " + std::string(thread.primitive) + ", which " + counted("thread", missing) + " never reach";
  }
  const unsigned warp = thread.linear / kWarpSize;
  const unsigned group = thread.mask & warp_alive_[warp];
  for (unsigned members = group; members != 0; members &= members - 1) {
    const unsigned lane = static_cast<unsigned>(__builtin_ctz(members));
    const EmuThread& other = thread_at(warp, lane);
    if (other.state != WaitState::Warp || other.op != thread.op || other.mask != thread.mask) {
      missing.push_back(lane);
    }
  }
  return "wait at " + std::string(thread.primitive) + " (mask " + hex(thread.mask) + "), which " +
         counted("lane", missing) + " of warp " + std::to_string(warp) +
         " never reach with the same mask (waiting elsewhere, or with another mask)";
}

std::string BlockScheduler::describe_deadlock() const {
  constexpr std::size_t kMaxGroups = 16;
  std::string text = "deadlock in " + block_label() + " (" + std::to_string(launch_->block.x) + "x" +
                     std::to_string(launch_->block.y) + "x" + std::to_string(launch_->block.z) +
                     " threads, numbered x + y*blockDim.x + z*blockDim.x*blockDim.y): no thread can proceed.";
  // Group consecutive threads that wait alike.
  std::size_t groups = 0;
  for (std::size_t i = 0; i < threads_.size();) {
    const std::string what = describe_wait(threads_[i]);
    std::size_t j = i + 1;
    while (j < threads_.size() && describe_wait(threads_[j]) == what) ++j;
    if (++groups > kMaxGroups) {
      text += " ...";
      break;
    }
    text += (j - i == 1 ? " Thread " + std::to_string(i) : " Threads " + std::to_string(i) + "-" + std::to_string(j - 1)) +
            ": " + what + ".";
    i = j;
  }
  return text;
}

}  // namespace dab_emu
