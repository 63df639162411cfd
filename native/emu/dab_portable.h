// The portability layer every kernel header includes unconditionally (design.md 4.4): under nvcc
// and NVRTC it is a couple of macros; with -DDAB_EMU it pulls in the emulated device's CUDA layer.
// Keep the CUDA branch free of system headers: NVRTC compiles it without any.
#pragma once

#ifdef DAB_EMU
#include "cuda_emu.h"
#else
// Dynamic shared memory as a typed pointer. A raw byte array (rather than `extern __shared__ T x[]`)
// because nvcc rejects two `extern __shared__` arrays of the same name with different types in one
// translation unit; 16-byte alignment covers float4/double2 loads. Use inside a kernel body.
#define DAB_DYNAMIC_SHARED(type, name)                                           \
  extern __shared__ __align__(16) unsigned char dab_dynamic_shared_##name[];     \
  type* const name = reinterpret_cast<type*>(dab_dynamic_shared_##name)
// Registration by name is only needed by the emulator; on a GPU the module exports the symbol.
#define DAB_EXPORT_KERNEL(name) static_assert(true, "")
#endif
