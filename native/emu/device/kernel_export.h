// DAB_EXPORT_KERNEL(name): registers an `extern "C" __global__` kernel under its name so that
// emu_launch("name", ...) can run it. The template recovers the kernel's parameter types and unpacks
// the launch's void** args (one pointer per argument, as for cuLaunchKernel) into a typed call.
#pragma once

#include <cstddef>
#include <utility>

#include "runtime_calls.h"

namespace dab_emu {

template <class... A, std::size_t... I>
inline void call_with_args(void (*kernel)(A...), void** args, std::index_sequence<I...>) {
  static_cast<void>(args);  // unused when the kernel takes no parameters
  kernel(*static_cast<A*>(args[I])...);
}

template <class... A>
void invoke_kernel(ErasedKernel erased, void** args) {
  call_with_args(reinterpret_cast<void (*)(A...)>(erased), args, std::index_sequence_for<A...>{});
}

template <class... A>
bool export_kernel(const char* name, void (*kernel)(A...)) {
  return register_kernel(name, reinterpret_cast<ErasedKernel>(kernel), &invoke_kernel<A...>,
                         static_cast<int>(sizeof...(A)));
}

}  // namespace dab_emu

// Place after the kernel's definition, at namespace scope, followed by a semicolon.
#define DAB_EXPORT_KERNEL(name) \
  [[maybe_unused]] static const bool dab_emu_exported_##name = ::dab_emu::export_kernel(#name, &name)
