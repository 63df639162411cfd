// Dab's CUDA kernels: one translation unit, one header per kernel family (design.md 4.5).
// nvcc compiles it into the fatbin the CUDA backend loads (or NVRTC compiles it at run time);
// with DAB_EMU defined the host compiler builds it into the emulated device (native/emu).
// Every kernel is extern "C" so the backend finds it by name; DAB_EXPORT_KERNEL registers it
// with the emulator and expands to nothing under nvcc.
#include "kernels/common.cuh"
#include "kernels/elementwise.cuh"
#include "kernels/reduce.cuh"
#include "kernels/softmax.cuh"
#include "kernels/gemm.cuh"
#include "kernels/layout.cuh"
#include "kernels/adam.cuh"
#include "kernels/philox.cuh"
#include "kernels/lstm.cuh"
#include "kernels/sort.cuh"
#include "kernels/topk.cuh"
#include "kernels/kmeans.cuh"
