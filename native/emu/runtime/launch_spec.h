// What one launch runs, as the block scheduler sees it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../device/vector_types.h"
#include "registry.h"

namespace dab_emu {

struct LaunchSpec {
  const KernelEntry* kernel;
  void** args;
  dim3 grid;
  dim3 block;
  std::size_t dynamic_shared_bytes;
  std::uint64_t schedule_seed;  // combined with each block's index to order that block's fibers
};

}  // namespace dab_emu
