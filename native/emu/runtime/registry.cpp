// Registration happens in static initialisers while the library loads; lookups come later. The table
// is kept sorted by name, so emu_kernel_name lists kernels in a stable order and lookups are binary
// searches.
#include "registry.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "api_export.h"

namespace dab_emu {
namespace {

std::vector<KernelEntry>& kernels() {
  static std::vector<KernelEntry> table;  // constructed on first use: initialiser order is unspecified
  return table;
}

bool name_less(const KernelEntry& entry, const char* name) { return std::strcmp(entry.name, name) < 0; }

}  // namespace

bool register_kernel(const char* name, ErasedKernel function, KernelInvoker invoke, int arity) {
  auto& table = kernels();
  auto at = std::lower_bound(table.begin(), table.end(), name, name_less);
  if (at != table.end() && std::strcmp(at->name, name) == 0) return false;  // extern "C" names are unique
  table.insert(at, KernelEntry{name, function, invoke, arity});
  return true;
}

const KernelEntry* find_kernel(const char* name) {
  const auto& table = kernels();
  auto at = std::lower_bound(table.begin(), table.end(), name, name_less);
  return at != table.end() && std::strcmp(at->name, name) == 0 ? &*at : nullptr;
}

}  // namespace dab_emu

extern "C" int emu_kernel_count(void) { return static_cast<int>(dab_emu::kernels().size()); }

extern "C" const char* emu_kernel_name(int index) {
  const auto& table = dab_emu::kernels();
  return index >= 0 && static_cast<std::size_t>(index) < table.size() ? table[index].name : nullptr;
}
