// The CUDA layer of the emulated device: with -DDAB_EMU it lets CUDA kernel source compile as plain
// C++17 and run on the CPU under native/emu's runtime (design.md 4.4, README.md beside this file).
// Kernels normally include native/emu/dab_portable.h, which includes this header under DAB_EMU.
#pragma once

#ifndef DAB_EMU
#error "cuda_emu.h is for the emulated device: compile with -DDAB_EMU, or include dab_portable.h"
#endif

#include "device/qualifiers.h"
#include "device/vector_types.h"
#include "device/thread_builtins.h"
#include "device/math_functions.h"
#include "device/intrinsics.h"
#include "device/atomic_functions.h"
#include "device/sync_functions.h"
#include "device/kernel_export.h"
