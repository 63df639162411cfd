// Kernels registered with DAB_EXPORT_KERNEL, by name.
#pragma once

#include "../device/runtime_calls.h"

namespace dab_emu {

struct KernelEntry {
  const char* name;
  ErasedKernel function;
  KernelInvoker invoke;  // unpacks a launch's void** args into the typed call
  int arity;
};

const KernelEntry* find_kernel(const char* name);

}  // namespace dab_emu
