#include "fiber_stacks.h"

#include <sys/mman.h>
#include <unistd.h>

namespace dab_emu {
namespace {
std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}
}  // namespace

FiberStacks::~FiberStacks() {
  for (void* base : stacks_) munmap(static_cast<char*>(base) - page_size(), kStackBytes + page_size());
}

bool FiberStacks::reserve(std::size_t count) {
  while (stacks_.size() < count) {
    // MAP_NORESERVE: a stack only costs the pages its fiber touches.
    void* mapping = mmap(nullptr, kStackBytes + page_size(), PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapping == MAP_FAILED) return false;
    if (mprotect(mapping, page_size(), PROT_NONE) != 0) {
      munmap(mapping, kStackBytes + page_size());
      return false;
    }
    stacks_.push_back(static_cast<char*>(mapping) + page_size());
  }
  return true;
}

}  // namespace dab_emu
