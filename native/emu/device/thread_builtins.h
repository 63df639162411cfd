// threadIdx, blockIdx, blockDim, gridDim and warpSize. They are per OS thread (__thread): the
// runtime writes threadIdx each time it switches to another fiber, and the other three when a block
// starts. They are defined inside libdabemu, so they are hidden and use the local-dynamic TLS model:
// a kernel then finds all of them (and its __shared__ arrays) with a single __tls_get_addr call,
// where GCC would otherwise make one call per variable.
#pragma once

#include "vector_types.h"

#define DAB_EMU_MODULE_TLS __attribute__((visibility("hidden"), tls_model("local-dynamic")))

extern __thread uint3 threadIdx DAB_EMU_MODULE_TLS;
extern __thread uint3 blockIdx DAB_EMU_MODULE_TLS;
extern __thread dim3 blockDim DAB_EMU_MODULE_TLS;
extern __thread dim3 gridDim DAB_EMU_MODULE_TLS;
// A variable rather than a constant, as in CUDA: code that needs warpSize in a constant expression
// would not compile with nvcc either.
extern const int warpSize __attribute__((visibility("hidden")));
