// The launch limits of the emulated device: those of a compute capability 9.0 GPU (H100).
#pragma once

#include <cstddef>
#include <string>

#include "api_export.h"

namespace dab_emu {

constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr unsigned kMaxBlockDim[3] = {1024, 1024, 64};
constexpr unsigned kMaxGridDim[3] = {2147483647u, 65535, 65535};
constexpr std::size_t kMaxDynamicSharedBytes = 227 * 1024;

// What is wrong with a launch configuration, or an empty string if nothing is.
std::string check_launch_config(emu_dim3 grid, emu_dim3 block, std::size_t dynamic_shared_bytes);

}  // namespace dab_emu
