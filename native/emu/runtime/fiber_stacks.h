// A pool of fiber stacks owned by one OS worker. Blocks reuse the same stacks, so launching many
// blocks costs no allocation; each stack has a PROT_NONE guard page below it, so a kernel that
// overflows its stack faults at once instead of corrupting its neighbour.
#pragma once

#include <cstddef>
#include <vector>

namespace dab_emu {

class FiberStacks {
 public:
  static constexpr std::size_t kStackBytes = 64 * 1024;

  FiberStacks() = default;
  FiberStacks(const FiberStacks&) = delete;
  FiberStacks& operator=(const FiberStacks&) = delete;
  ~FiberStacks();

  // Makes at least `count` stacks available. Returns false (and keeps what it had) if memory runs out.
  bool reserve(std::size_t count);
  void* base(std::size_t index) const { return stacks_[index]; }
  std::size_t size() const { return stacks_.size(); }

 private:
  std::vector<void*> stacks_;  // usable bases; each mapping starts one guard page lower
};

}  // namespace dab_emu
