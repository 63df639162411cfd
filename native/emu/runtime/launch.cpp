// emu_launch and the settings that shape launches: the schedule seed and the number of workers.
// Launches are synchronous and serialised, like kernels on one CUDA stream.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>

#include "api_export.h"
#include "errors.h"
#include "grid_run.h"
#include "launch_limits.h"
#include "registry.h"
#include "rng.h"

namespace dab_emu {
namespace {

constexpr int kMaxWorkers = 256;

struct Settings {
  std::mutex launch_mutex;  // held for a whole launch
  std::uint64_t seed = 0x0dab;
  std::uint64_t launches_since_seed = 0;  // each launch gets its own schedule, reproducible from the seed
  int workers = 1;
};

Settings& settings() {
  static Settings* instance = new Settings;  // never destroyed: launches may run during process exit
  return *instance;
}

std::string launch_label(const char* kernel) { return "emu_launch(kernel '" + std::string(kernel) + "')"; }

}  // namespace
}  // namespace dab_emu

using dab_emu::fail;

extern "C" void emu_set_seed(uint64_t seed) {
  auto& s = dab_emu::settings();
  std::lock_guard<std::mutex> lock(s.launch_mutex);
  s.seed = seed;
  s.launches_since_seed = 0;
}

extern "C" void emu_set_workers(int workers) {
  auto& s = dab_emu::settings();
  std::lock_guard<std::mutex> lock(s.launch_mutex);
  s.workers = std::clamp(workers, 1, dab_emu::kMaxWorkers);
}

extern "C" int emu_launch(const char* kernel, emu_dim3 grid, emu_dim3 block, size_t dynamic_shared_bytes, void** args) {
  if (kernel == nullptr) return fail(EMU_ERROR_INVALID_VALUE, "emu_launch: the kernel name is null");
  const dab_emu::KernelEntry* entry = dab_emu::find_kernel(kernel);
  if (entry == nullptr) {
    return fail(EMU_ERROR_NOT_FOUND, dab_emu::launch_label(kernel) + ": no kernel of that name is registered (" +
                                         std::to_string(emu_kernel_count()) +
                                         " are; kernels are registered with DAB_EXPORT_KERNEL)");
  }
  if (entry->arity > 0 && args == nullptr) {
    return fail(EMU_ERROR_INVALID_VALUE, dab_emu::launch_label(kernel) + ": the kernel takes " +
                                             std::to_string(entry->arity) + " arguments but args is null");
  }
  for (int i = 0; i < entry->arity; ++i) {
    if (args[i] == nullptr) {
      return fail(EMU_ERROR_INVALID_VALUE, dab_emu::launch_label(kernel) + ": args[" + std::to_string(i) +
                                               "] is null (each entry points at an argument's value)");
    }
  }
  const std::string problem = dab_emu::check_launch_config(grid, block, dynamic_shared_bytes);
  if (!problem.empty()) return fail(EMU_ERROR_LAUNCH_FAILED, dab_emu::launch_label(kernel) + ": " + problem);

  auto& s = dab_emu::settings();
  std::lock_guard<std::mutex> lock(s.launch_mutex);
  const dab_emu::LaunchSpec spec{entry,
                                 args,
                                 dim3(grid.x, grid.y, grid.z),
                                 dim3(block.x, block.y, block.z),
                                 dynamic_shared_bytes,
                                 dab_emu::splitmix64(s.seed ^ dab_emu::splitmix64(s.launches_since_seed++))};
  dab_emu::GridRun run(spec);
  const auto helpers = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(s.workers), run.block_count()) - 1);
  dab_emu::run_on_workers(run, helpers);

  std::string message;
  const int code = run.result(message);
  return code == EMU_OK ? EMU_OK : fail(code, message);
}
