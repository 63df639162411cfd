using System.Runtime.InteropServices;

namespace Dab.Kernels.Interop;

/// <summary>
/// Checked CUDA driver calls. Each one initialises the driver on first use (thread-safe), throws
/// <see cref="CudaUnavailableException"/> when there is no usable driver or device, and
/// <see cref="CudaException"/> when the call itself fails. The optional context argument ends up in
/// the message ("... while allocating 4.0 GiB for tensor [1024, 1048576] float32"); callers on hot
/// paths pass a constant or nothing and add detail with <see cref="CudaException.WithContext"/>.
/// Contexts are per thread: after <see cref="PrimaryContextRetain"/>, every thread that uses the
/// device must call <see cref="SetCurrentContext"/> first.
/// </summary>
public static unsafe class Cu
{
    static readonly object InitLock = new();
    static volatile bool _initialized;
    static string? _initFailure;
    static CudaException? _initError;

    /// <summary>Calls cuInit once per process. Failure (no device, driver too old, stub library) is remembered.</summary>
    public static void Initialize()
    {
        if (_initialized) return;
        lock (InitLock)
        {
            if (_initialized) return;
            LibraryGate.Driver.Require(nameof(CudaDriver.cuInit));
            if (_initFailure is null)
            {
                var rc = CudaDriver.cuInit(0);
                if (rc == 0)
                {
                    _initialized = true;
                    return;
                }
                _initError = Check.DriverError(rc, nameof(CudaDriver.cuInit), null);
                _initFailure = $"CUDA driver unusable: {_initError.Message}";
            }
            throw new CudaUnavailableException(LibraryGate.Driver.DisplayName, _initFailure, [], _initError);
        }
    }

    static void Enter(string entryPoint)
    {
        if (!_initialized) Initialize();
        LibraryGate.Driver.Require(entryPoint);
    }

    /// <summary>The CUDA version the driver supports, e.g. 12080 for 12.8. Needs no device.</summary>
    public static int DriverVersion()
    {
        LibraryGate.Driver.Require(nameof(CudaDriver.cuDriverGetVersion));
        int v;
        Check.CuResult(CudaDriver.cuDriverGetVersion(&v), nameof(CudaDriver.cuDriverGetVersion));
        return v;
    }

    // ---- devices -------------------------------------------------------------------------------

    public static int DeviceCount()
    {
        Enter(nameof(CudaDriver.cuDeviceGetCount));
        int n;
        Check.CuResult(CudaDriver.cuDeviceGetCount(&n), nameof(CudaDriver.cuDeviceGetCount));
        return n;
    }

    /// <summary>The CUdevice handle of a device ordinal (the same number in practice, but not by contract).</summary>
    public static int DeviceGet(int ordinal)
    {
        Enter(nameof(CudaDriver.cuDeviceGet));
        int d;
        Check.CuResult(CudaDriver.cuDeviceGet(&d, ordinal), nameof(CudaDriver.cuDeviceGet), $"getting device {ordinal}");
        return d;
    }

    public static string DeviceName(int device)
    {
        Enter(nameof(CudaDriver.cuDeviceGetName));
        const int size = 256;
        var buffer = stackalloc byte[size];
        Check.CuResult(CudaDriver.cuDeviceGetName(buffer, size, device), nameof(CudaDriver.cuDeviceGetName));
        return Marshal.PtrToStringUTF8((IntPtr)buffer) ?? "";
    }

    public static ulong DeviceTotalMemory(int device)
    {
        Enter(nameof(CudaDriver.cuDeviceTotalMem_v2));
        nuint bytes;
        Check.CuResult(CudaDriver.cuDeviceTotalMem_v2(&bytes, device), nameof(CudaDriver.cuDeviceTotalMem_v2));
        return bytes;
    }

    public static int DeviceAttribute(int device, CuDeviceAttribute attribute)
    {
        Enter(nameof(CudaDriver.cuDeviceGetAttribute));
        int value;
        Check.CuResult(CudaDriver.cuDeviceGetAttribute(&value, attribute, device), nameof(CudaDriver.cuDeviceGetAttribute),
            $"reading {attribute} of device {device}");
        return value;
    }

    // ---- contexts ------------------------------------------------------------------------------

    /// <summary>The device's primary context (the one the runtime API shares); pair with <see cref="PrimaryContextRelease"/>.</summary>
    public static IntPtr PrimaryContextRetain(int device)
    {
        Enter(nameof(CudaDriver.cuDevicePrimaryCtxRetain));
        IntPtr ctx;
        Check.CuResult(CudaDriver.cuDevicePrimaryCtxRetain(&ctx, device), nameof(CudaDriver.cuDevicePrimaryCtxRetain),
            $"creating the context of device {device}");
        return ctx;
    }

    public static void PrimaryContextRelease(int device)
    {
        Enter(nameof(CudaDriver.cuDevicePrimaryCtxRelease_v2));
        Check.CuResult(CudaDriver.cuDevicePrimaryCtxRelease_v2(device), nameof(CudaDriver.cuDevicePrimaryCtxRelease_v2));
    }

    public static void SetCurrentContext(IntPtr context)
    {
        Enter(nameof(CudaDriver.cuCtxSetCurrent));
        Check.CuResult(CudaDriver.cuCtxSetCurrent(context), nameof(CudaDriver.cuCtxSetCurrent));
    }

    /// <summary>Waits for all work of the current context; asynchronous kernel faults surface here.</summary>
    public static void ContextSynchronize(string? context = null)
    {
        Enter(nameof(CudaDriver.cuCtxSynchronize));
        Check.CuResult(CudaDriver.cuCtxSynchronize(), nameof(CudaDriver.cuCtxSynchronize), context);
    }

    // ---- memory --------------------------------------------------------------------------------

    public static ulong MemAlloc(ulong bytes, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemAlloc_v2));
        ulong ptr;
        Check.CuResult(CudaDriver.cuMemAlloc_v2(&ptr, (nuint)bytes), nameof(CudaDriver.cuMemAlloc_v2),
            context ?? $"allocating {Check.FormatBytes(bytes)}");
        return ptr;
    }

    public static void MemFree(ulong devicePtr, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemFree_v2));
        Check.CuResult(CudaDriver.cuMemFree_v2(devicePtr), nameof(CudaDriver.cuMemFree_v2), context);
    }

    /// <summary>Free and total memory of the current context's device, in bytes.</summary>
    public static (ulong Free, ulong Total) MemGetInfo()
    {
        Enter(nameof(CudaDriver.cuMemGetInfo_v2));
        nuint free, total;
        Check.CuResult(CudaDriver.cuMemGetInfo_v2(&free, &total), nameof(CudaDriver.cuMemGetInfo_v2));
        return (free, total);
    }

    public static void MemcpyHtoD(ulong dst, void* src, ulong bytes, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemcpyHtoD_v2));
        Check.CuResult(CudaDriver.cuMemcpyHtoD_v2(dst, src, (nuint)bytes), nameof(CudaDriver.cuMemcpyHtoD_v2), context);
    }

    public static void MemcpyHtoD<T>(ulong dst, ReadOnlySpan<T> src, string? context = null) where T : unmanaged
    {
        if (src.IsEmpty) return;   // a null host pointer would be refused even for zero bytes
        fixed (T* p = src) MemcpyHtoD(dst, p, (ulong)src.Length * (ulong)sizeof(T), context);
    }

    public static void MemcpyDtoH(void* dst, ulong src, ulong bytes, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemcpyDtoH_v2));
        Check.CuResult(CudaDriver.cuMemcpyDtoH_v2(dst, src, (nuint)bytes), nameof(CudaDriver.cuMemcpyDtoH_v2), context);
    }

    public static void MemcpyDtoH<T>(Span<T> dst, ulong src, string? context = null) where T : unmanaged
    {
        if (dst.IsEmpty) return;
        fixed (T* p = dst) MemcpyDtoH(p, src, (ulong)dst.Length * (ulong)sizeof(T), context);
    }

    public static void MemcpyDtoD(ulong dst, ulong src, ulong bytes, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemcpyDtoD_v2));
        Check.CuResult(CudaDriver.cuMemcpyDtoD_v2(dst, src, (nuint)bytes), nameof(CudaDriver.cuMemcpyDtoD_v2), context);
    }

    /// <summary>
    /// Asynchronous only from page-locked host memory; from ordinary (pageable) memory the driver
    /// stages the copy and returns once <paramref name="src"/> may be reused. Either way the host
    /// buffer must stay alive (and pinned by the caller) until the stream reaches the copy.
    /// </summary>
    public static void MemcpyHtoDAsync(ulong dst, void* src, ulong bytes, IntPtr stream, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemcpyHtoDAsync_v2));
        Check.CuResult(CudaDriver.cuMemcpyHtoDAsync_v2(dst, src, (nuint)bytes, stream), nameof(CudaDriver.cuMemcpyHtoDAsync_v2), context);
    }

    /// <summary>The host buffer is written when the stream reaches the copy: synchronise before reading it.</summary>
    public static void MemcpyDtoHAsync(void* dst, ulong src, ulong bytes, IntPtr stream, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemcpyDtoHAsync_v2));
        Check.CuResult(CudaDriver.cuMemcpyDtoHAsync_v2(dst, src, (nuint)bytes, stream), nameof(CudaDriver.cuMemcpyDtoHAsync_v2), context);
    }

    public static void MemcpyDtoDAsync(ulong dst, ulong src, ulong bytes, IntPtr stream, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemcpyDtoDAsync_v2));
        Check.CuResult(CudaDriver.cuMemcpyDtoDAsync_v2(dst, src, (nuint)bytes, stream), nameof(CudaDriver.cuMemcpyDtoDAsync_v2), context);
    }

    /// <summary>Sets <paramref name="count"/> bytes.</summary>
    public static void MemsetD8(ulong dst, byte value, ulong count, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemsetD8_v2));
        Check.CuResult(CudaDriver.cuMemsetD8_v2(dst, value, (nuint)count), nameof(CudaDriver.cuMemsetD8_v2), context);
    }

    /// <summary>Sets <paramref name="count"/> 32-bit words (not bytes); dst must be 4-byte aligned.
    /// For floats pass the bit pattern: BitConverter.SingleToUInt32Bits(1f).</summary>
    public static void MemsetD32(ulong dst, uint value, ulong count, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemsetD32_v2));
        Check.CuResult(CudaDriver.cuMemsetD32_v2(dst, value, (nuint)count), nameof(CudaDriver.cuMemsetD32_v2), context);
    }

    public static void MemsetD8Async(ulong dst, byte value, ulong count, IntPtr stream, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemsetD8Async));
        Check.CuResult(CudaDriver.cuMemsetD8Async(dst, value, (nuint)count, stream), nameof(CudaDriver.cuMemsetD8Async), context);
    }

    public static void MemsetD32Async(ulong dst, uint value, ulong count, IntPtr stream, string? context = null)
    {
        Enter(nameof(CudaDriver.cuMemsetD32Async));
        Check.CuResult(CudaDriver.cuMemsetD32Async(dst, value, (nuint)count, stream), nameof(CudaDriver.cuMemsetD32Async), context);
    }

    // ---- modules and launches ------------------------------------------------------------------

    /// <summary>
    /// Loads a cubin, a fatbin or PTX text. The driver reads PTX up to a NUL byte, so text that lacks
    /// one (say, read from a .ptx file) is copied with one appended.
    /// </summary>
    public static IntPtr ModuleLoadData(ReadOnlySpan<byte> image, string? context = null)
    {
        Enter(nameof(CudaDriver.cuModuleLoadData));
        if (image.IsEmpty) throw new ArgumentException("empty module image", nameof(image));
        if (ModuleImage.NeedsTerminator(image)) image = ModuleImage.WithTerminator(image);
        IntPtr module;
        fixed (byte* p = image)
            Check.CuResult(CudaDriver.cuModuleLoadData(&module, p), nameof(CudaDriver.cuModuleLoadData),
                context ?? $"loading a {ModuleImage.Kind(image)} module of {Check.FormatBytes((ulong)image.Length)}");
        return module;
    }

    /// <summary>Loads a fatbin as nvcc's -fatbin writes it (SASS for several architectures plus PTX).</summary>
    public static IntPtr ModuleLoadFatBinary(ReadOnlySpan<byte> fatbin, string? context = null)
    {
        Enter(nameof(CudaDriver.cuModuleLoadFatBinary));
        if (fatbin.IsEmpty) throw new ArgumentException("empty fatbin", nameof(fatbin));
        IntPtr module;
        fixed (byte* p = fatbin)
            Check.CuResult(CudaDriver.cuModuleLoadFatBinary(&module, p), nameof(CudaDriver.cuModuleLoadFatBinary),
                context ?? $"loading a fatbin of {Check.FormatBytes((ulong)fatbin.Length)}");
        return module;
    }

    public static void ModuleUnload(IntPtr module)
    {
        Enter(nameof(CudaDriver.cuModuleUnload));
        Check.CuResult(CudaDriver.cuModuleUnload(module), nameof(CudaDriver.cuModuleUnload));
    }

    public static IntPtr ModuleGetFunction(IntPtr module, string name)
    {
        Enter(nameof(CudaDriver.cuModuleGetFunction));
        IntPtr function;
        Check.CuResult(CudaDriver.cuModuleGetFunction(&function, module, name), nameof(CudaDriver.cuModuleGetFunction),
            $"looking up kernel {name}");
        return function;
    }

    public static void FuncSetAttribute(IntPtr function, CuFunctionAttribute attribute, int value, string? context = null)
    {
        Enter(nameof(CudaDriver.cuFuncSetAttribute));
        Check.CuResult(CudaDriver.cuFuncSetAttribute(function, attribute, value), nameof(CudaDriver.cuFuncSetAttribute),
            context ?? $"setting {attribute} to {value}");
    }

    /// <summary>
    /// Launches a kernel. <paramref name="args"/>[i] points at the i-th kernel argument's value (not
    /// the value itself), exactly as cuLaunchKernel wants. The launch is asynchronous: faults inside
    /// the kernel surface at a later synchronising call, not here.
    /// </summary>
    public static void LaunchKernel(IntPtr function, Dim3 grid, Dim3 block, uint sharedMemBytes, IntPtr stream,
        void** args, string? context = null)
    {
        Enter(nameof(CudaDriver.cuLaunchKernel));
        var rc = CudaDriver.cuLaunchKernel(function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z,
            sharedMemBytes, stream, args, null);
        if (rc != 0)
            throw Check.DriverError(rc, nameof(CudaDriver.cuLaunchKernel),
                $"launching {context ?? "a kernel"} with grid {grid}, block {block}, {sharedMemBytes} B dynamic shared memory");
    }

    // ---- streams, events, graphs ---------------------------------------------------------------

    /// <summary>A new stream; non-blocking by default so it never waits on the legacy default stream.</summary>
    public static IntPtr StreamCreate(CuStreamFlags flags = CuStreamFlags.NonBlocking)
    {
        Enter(nameof(CudaDriver.cuStreamCreate));
        IntPtr stream;
        Check.CuResult(CudaDriver.cuStreamCreate(&stream, flags), nameof(CudaDriver.cuStreamCreate));
        return stream;
    }

    public static void StreamDestroy(IntPtr stream)
    {
        Enter(nameof(CudaDriver.cuStreamDestroy_v2));
        Check.CuResult(CudaDriver.cuStreamDestroy_v2(stream), nameof(CudaDriver.cuStreamDestroy_v2));
    }

    public static void StreamSynchronize(IntPtr stream, string? context = null)
    {
        Enter(nameof(CudaDriver.cuStreamSynchronize));
        Check.CuResult(CudaDriver.cuStreamSynchronize(stream), nameof(CudaDriver.cuStreamSynchronize), context);
    }

    public static IntPtr EventCreate(CuEventFlags flags = CuEventFlags.Default)
    {
        Enter(nameof(CudaDriver.cuEventCreate));
        IntPtr ev;
        Check.CuResult(CudaDriver.cuEventCreate(&ev, flags), nameof(CudaDriver.cuEventCreate));
        return ev;
    }

    public static void EventRecord(IntPtr ev, IntPtr stream)
    {
        Enter(nameof(CudaDriver.cuEventRecord));
        Check.CuResult(CudaDriver.cuEventRecord(ev, stream), nameof(CudaDriver.cuEventRecord));
    }

    public static void EventSynchronize(IntPtr ev, string? context = null)
    {
        Enter(nameof(CudaDriver.cuEventSynchronize));
        Check.CuResult(CudaDriver.cuEventSynchronize(ev), nameof(CudaDriver.cuEventSynchronize), context);
    }

    /// <summary>Milliseconds between two recorded (and completed) events, resolution about 0.5 µs.</summary>
    public static float EventElapsedMilliseconds(IntPtr start, IntPtr end)
    {
        Enter(nameof(CudaDriver.cuEventElapsedTime));
        float ms;
        Check.CuResult(CudaDriver.cuEventElapsedTime(&ms, start, end), nameof(CudaDriver.cuEventElapsedTime));
        return ms;
    }

    public static void EventDestroy(IntPtr ev)
    {
        Enter(nameof(CudaDriver.cuEventDestroy_v2));
        Check.CuResult(CudaDriver.cuEventDestroy_v2(ev), nameof(CudaDriver.cuEventDestroy_v2));
    }

    /// <summary>
    /// Starts recording the stream's work into a graph instead of running it. Capture a
    /// non-default stream; allocations and synchronisation are not allowed until <see cref="StreamEndCapture"/>.
    /// </summary>
    public static void StreamBeginCapture(IntPtr stream, CuStreamCaptureMode mode = CuStreamCaptureMode.ThreadLocal)
    {
        Enter(nameof(CudaDriver.cuStreamBeginCapture_v2));
        Check.CuResult(CudaDriver.cuStreamBeginCapture_v2(stream, mode), nameof(CudaDriver.cuStreamBeginCapture_v2));
    }

    /// <summary>Ends a capture and returns the graph (destroy it with <see cref="GraphDestroy"/>).</summary>
    public static IntPtr StreamEndCapture(IntPtr stream)
    {
        Enter(nameof(CudaDriver.cuStreamEndCapture));
        IntPtr graph;
        Check.CuResult(CudaDriver.cuStreamEndCapture(stream, &graph), nameof(CudaDriver.cuStreamEndCapture));
        return graph;
    }

    public static IntPtr GraphInstantiate(IntPtr graph, ulong flags = 0)
    {
        Enter(nameof(CudaDriver.cuGraphInstantiateWithFlags));
        IntPtr exec;
        Check.CuResult(CudaDriver.cuGraphInstantiateWithFlags(&exec, graph, flags), nameof(CudaDriver.cuGraphInstantiateWithFlags));
        return exec;
    }

    public static void GraphLaunch(IntPtr graphExec, IntPtr stream, string? context = null)
    {
        Enter(nameof(CudaDriver.cuGraphLaunch));
        Check.CuResult(CudaDriver.cuGraphLaunch(graphExec, stream), nameof(CudaDriver.cuGraphLaunch), context);
    }

    public static void GraphExecDestroy(IntPtr graphExec)
    {
        Enter(nameof(CudaDriver.cuGraphExecDestroy));
        Check.CuResult(CudaDriver.cuGraphExecDestroy(graphExec), nameof(CudaDriver.cuGraphExecDestroy));
    }

    public static void GraphDestroy(IntPtr graph)
    {
        Enter(nameof(CudaDriver.cuGraphDestroy));
        Check.CuResult(CudaDriver.cuGraphDestroy(graph), nameof(CudaDriver.cuGraphDestroy));
    }
}
