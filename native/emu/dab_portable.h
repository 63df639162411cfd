// Portability for kernel code: under nvcc the CUDA spellings, under DAB_EMU the emulator's.
#pragma once
#ifdef DAB_EMU
#include "native/emu/cuda_emu.h"
#else
#define DAB_EXPORT_KERNEL(name)
#define DAB_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif
