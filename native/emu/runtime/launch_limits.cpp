#include "launch_limits.h"

namespace dab_emu {
namespace {

std::string dims(emu_dim3 d) {
  return "(" + std::to_string(d.x) + "," + std::to_string(d.y) + "," + std::to_string(d.z) + ")";
}

}  // namespace

std::string check_launch_config(emu_dim3 grid, emu_dim3 block, std::size_t dynamic_shared_bytes) {
  const char* axis[3] = {"x", "y", "z"};
  const unsigned block_dims[3] = {block.x, block.y, block.z};
  const unsigned grid_dims[3] = {grid.x, grid.y, grid.z};
  for (int i = 0; i < 3; ++i) {
    if (block_dims[i] == 0 || block_dims[i] > kMaxBlockDim[i]) {
      return "block " + dims(block) + " is invalid: block." + axis[i] + " must be in 1.." +
             std::to_string(kMaxBlockDim[i]);
    }
  }
  const unsigned long long threads = 1ull * block.x * block.y * block.z;
  if (threads > kMaxThreadsPerBlock) {
    return "block " + dims(block) + " has " + std::to_string(threads) + " threads; at most " +
           std::to_string(kMaxThreadsPerBlock) + " are allowed";
  }
  for (int i = 0; i < 3; ++i) {
    if (grid_dims[i] == 0 || grid_dims[i] > kMaxGridDim[i]) {
      return "grid " + dims(grid) + " is invalid: grid." + axis[i] + " must be in 1.." + std::to_string(kMaxGridDim[i]);
    }
  }
  if (dynamic_shared_bytes > kMaxDynamicSharedBytes) {
    return std::to_string(dynamic_shared_bytes) + " bytes of dynamic shared memory requested; at most " +
           std::to_string(kMaxDynamicSharedBytes) + " (227 KB) are available";
  }
  return {};
}

}  // namespace dab_emu
