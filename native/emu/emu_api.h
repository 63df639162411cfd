// The C ABI of the emulated CUDA device (design.md 4.4). Dab.Kernels calls these through
// LibraryImport exactly where it would call the CUDA driver on a real GPU.
// Every function returns 0 on success, or a non-zero code with a message from emu_last_error().
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct { unsigned int x, y, z; } emu_dim3;

#define EMU_OK 0
#define EMU_ERROR_INVALID_VALUE 1
#define EMU_ERROR_OUT_OF_MEMORY 2
#define EMU_ERROR_NOT_FOUND 3
#define EMU_ERROR_LAUNCH_FAILED 4   /* bad configuration, or a kernel trapped */
#define EMU_ERROR_DEADLOCK 5        /* threads of a block never met at a barrier / warp sync */

/* Device memory is host memory under emulation; pointers are valid for memcpy from the host. */
int emu_malloc(void** ptr, size_t bytes);
int emu_free(void* ptr);
int emu_memcpy(void* dst, const void* src, size_t bytes);
int emu_memset(void* dst, int value, size_t bytes);

/* Runs a kernel registered with DAB_EXPORT_KERNEL to completion (launches are synchronous).
   args[i] points at the i-th kernel argument, as for cuLaunchKernel. */
int emu_launch(const char* kernel, emu_dim3 grid, emu_dim3 block, size_t dynamic_shared_bytes, void** args);

/* Seed of the random order in which the threads of a block run between synchronisation points. */
void emu_set_seed(uint64_t seed);
/* Number of OS threads that run blocks in parallel (default 1). */
void emu_set_workers(int workers);

int emu_kernel_count(void);
const char* emu_kernel_name(int index);
const char* emu_last_error(void);
/* Bytes currently allocated with emu_malloc. */
size_t emu_allocated_bytes(void);
/* The device's capacity in bytes: 8 GiB, or DAB_EMU_MEMORY (bytes, or with a K/M/G suffix). */
size_t emu_memory_capacity(void);

#ifdef __cplusplus
}
#endif
