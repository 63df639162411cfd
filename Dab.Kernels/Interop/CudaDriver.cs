using System.Runtime.InteropServices;

namespace Dab.Kernels.Interop;

/// <summary>
/// Raw CUDA driver API entry points (cuda.h). Every method returns a CUresult (0 = CUDA_SUCCESS).
/// Internal on purpose: call them through <see cref="Cu"/>, or through <see cref="Check.CuResult"/>
/// after <see cref="Cu.Initialize"/>, so that a missing driver or entry point becomes a
/// <see cref="CudaUnavailableException"/> instead of a DllNotFoundException.
/// Each method is named exactly as its exported symbol, so nameof() gives the entry point.
/// Types: CUdeviceptr is a 64-bit unsigned integer (ulong); CUdevice an int; contexts, modules,
/// functions, streams, events and graphs are opaque pointers (IntPtr); size_t is nuint.
/// The _v2 symbols are the ones cuda.h has mapped the plain names to since CUDA 3.2/4.0/11.0.
/// </summary>
internal static unsafe partial class CudaDriver
{
    const string Lib = NativeLibraries.CudaDriverName;

    [LibraryImport(Lib, EntryPoint = "cuInit")] internal static partial int cuInit(uint flags);
    [LibraryImport(Lib, EntryPoint = "cuDriverGetVersion")] internal static partial int cuDriverGetVersion(int* version);

    [LibraryImport(Lib, EntryPoint = "cuDeviceGetCount")] internal static partial int cuDeviceGetCount(int* count);
    [LibraryImport(Lib, EntryPoint = "cuDeviceGet")] internal static partial int cuDeviceGet(int* device, int ordinal);
    [LibraryImport(Lib, EntryPoint = "cuDeviceGetName")] internal static partial int cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Lib, EntryPoint = "cuDeviceTotalMem_v2")] internal static partial int cuDeviceTotalMem_v2(nuint* bytes, int device);
    [LibraryImport(Lib, EntryPoint = "cuDeviceGetAttribute")] internal static partial int cuDeviceGetAttribute(int* value, CuDeviceAttribute attribute, int device);

    [LibraryImport(Lib, EntryPoint = "cuDevicePrimaryCtxRetain")] internal static partial int cuDevicePrimaryCtxRetain(IntPtr* context, int device);
    [LibraryImport(Lib, EntryPoint = "cuDevicePrimaryCtxRelease_v2")] internal static partial int cuDevicePrimaryCtxRelease_v2(int device);
    [LibraryImport(Lib, EntryPoint = "cuCtxSetCurrent")] internal static partial int cuCtxSetCurrent(IntPtr context);
    [LibraryImport(Lib, EntryPoint = "cuCtxSynchronize")] internal static partial int cuCtxSynchronize();

    [LibraryImport(Lib, EntryPoint = "cuMemAlloc_v2")] internal static partial int cuMemAlloc_v2(ulong* devicePtr, nuint bytes);
    [LibraryImport(Lib, EntryPoint = "cuMemFree_v2")] internal static partial int cuMemFree_v2(ulong devicePtr);
    [LibraryImport(Lib, EntryPoint = "cuMemGetInfo_v2")] internal static partial int cuMemGetInfo_v2(nuint* free, nuint* total);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyHtoD_v2")] internal static partial int cuMemcpyHtoD_v2(ulong dst, void* src, nuint bytes);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoH_v2")] internal static partial int cuMemcpyDtoH_v2(void* dst, ulong src, nuint bytes);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoD_v2")] internal static partial int cuMemcpyDtoD_v2(ulong dst, ulong src, nuint bytes);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyHtoDAsync_v2")] internal static partial int cuMemcpyHtoDAsync_v2(ulong dst, void* src, nuint bytes, IntPtr stream);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoHAsync_v2")] internal static partial int cuMemcpyDtoHAsync_v2(void* dst, ulong src, nuint bytes, IntPtr stream);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoDAsync_v2")] internal static partial int cuMemcpyDtoDAsync_v2(ulong dst, ulong src, nuint bytes, IntPtr stream);
    [LibraryImport(Lib, EntryPoint = "cuMemsetD8_v2")] internal static partial int cuMemsetD8_v2(ulong dst, byte value, nuint count);
    [LibraryImport(Lib, EntryPoint = "cuMemsetD32_v2")] internal static partial int cuMemsetD32_v2(ulong dst, uint value, nuint count);
    // The asynchronous memsets never got a _v2: their first version already took size_t.
    [LibraryImport(Lib, EntryPoint = "cuMemsetD8Async")] internal static partial int cuMemsetD8Async(ulong dst, byte value, nuint count, IntPtr stream);
    [LibraryImport(Lib, EntryPoint = "cuMemsetD32Async")] internal static partial int cuMemsetD32Async(ulong dst, uint value, nuint count, IntPtr stream);

    [LibraryImport(Lib, EntryPoint = "cuModuleLoadData")] internal static partial int cuModuleLoadData(IntPtr* module, void* image);
    [LibraryImport(Lib, EntryPoint = "cuModuleLoadFatBinary")] internal static partial int cuModuleLoadFatBinary(IntPtr* module, void* fatbin);
    [LibraryImport(Lib, EntryPoint = "cuModuleUnload")] internal static partial int cuModuleUnload(IntPtr module);
    [LibraryImport(Lib, EntryPoint = "cuModuleGetFunction")]
    internal static partial int cuModuleGetFunction(IntPtr* function, IntPtr module, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    [LibraryImport(Lib, EntryPoint = "cuFuncSetAttribute")] internal static partial int cuFuncSetAttribute(IntPtr function, CuFunctionAttribute attribute, int value);

    [LibraryImport(Lib, EntryPoint = "cuLaunchKernel")]
    internal static partial int cuLaunchKernel(IntPtr function, uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ, uint sharedMemBytes, IntPtr stream, void** kernelParams, void** extra);

    [LibraryImport(Lib, EntryPoint = "cuStreamCreate")] internal static partial int cuStreamCreate(IntPtr* stream, CuStreamFlags flags);
    [LibraryImport(Lib, EntryPoint = "cuStreamDestroy_v2")] internal static partial int cuStreamDestroy_v2(IntPtr stream);
    [LibraryImport(Lib, EntryPoint = "cuStreamSynchronize")] internal static partial int cuStreamSynchronize(IntPtr stream);

    [LibraryImport(Lib, EntryPoint = "cuEventCreate")] internal static partial int cuEventCreate(IntPtr* ev, CuEventFlags flags);
    [LibraryImport(Lib, EntryPoint = "cuEventRecord")] internal static partial int cuEventRecord(IntPtr ev, IntPtr stream);
    [LibraryImport(Lib, EntryPoint = "cuEventSynchronize")] internal static partial int cuEventSynchronize(IntPtr ev);
    [LibraryImport(Lib, EntryPoint = "cuEventElapsedTime")] internal static partial int cuEventElapsedTime(float* milliseconds, IntPtr start, IntPtr end);
    [LibraryImport(Lib, EntryPoint = "cuEventDestroy_v2")] internal static partial int cuEventDestroy_v2(IntPtr ev);

    [LibraryImport(Lib, EntryPoint = "cuStreamBeginCapture_v2")] internal static partial int cuStreamBeginCapture_v2(IntPtr stream, CuStreamCaptureMode mode);
    [LibraryImport(Lib, EntryPoint = "cuStreamEndCapture")] internal static partial int cuStreamEndCapture(IntPtr stream, IntPtr* graph);
    [LibraryImport(Lib, EntryPoint = "cuGraphInstantiateWithFlags")] internal static partial int cuGraphInstantiateWithFlags(IntPtr* graphExec, IntPtr graph, ulong flags);
    [LibraryImport(Lib, EntryPoint = "cuGraphLaunch")] internal static partial int cuGraphLaunch(IntPtr graphExec, IntPtr stream);
    [LibraryImport(Lib, EntryPoint = "cuGraphExecDestroy")] internal static partial int cuGraphExecDestroy(IntPtr graphExec);
    [LibraryImport(Lib, EntryPoint = "cuGraphDestroy")] internal static partial int cuGraphDestroy(IntPtr graph);

    // Both work before cuInit and return static strings owned by the driver.
    [LibraryImport(Lib, EntryPoint = "cuGetErrorName")] internal static partial int cuGetErrorName(int error, byte** name);
    [LibraryImport(Lib, EntryPoint = "cuGetErrorString")] internal static partial int cuGetErrorString(int error, byte** description);
}
