using Dab.Kernels.Interop;

namespace Dab.Kernels.Gpu;

/// <summary>
/// What the GPU backend needs from a device: memory, copies and kernel launches by name. Implemented
/// by the CUDA driver (a real GPU) and by the emulated device (kernels.cu run on the CPU), so the
/// backend and its kernels are the same code on both.
/// </summary>
public interface IGpuRuntime : IDisposable
{
    Device Device { get; }
    /// <summary>Where the kernels come from: "prebuilt fatbin ...", "NVRTC ...", "emulation ...".</summary>
    string KernelSource { get; }

    ulong Alloc(long bytes);
    void Free(ulong ptr);
    unsafe void CopyHtoD(ulong dst, void* src, long bytes);
    unsafe void CopyDtoH(void* dst, ulong src, long bytes);
    void CopyDtoD(ulong dst, ulong src, long bytes);
    void Memset(ulong dst, byte value, long bytes);

    /// <summary>Launches a kernel with packed arguments. <paramref name="context"/> names what was being done, for errors.</summary>
    void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args, string context);

    /// <summary>Waits for all work queued on the device.</summary>
    void Synchronize();

    /// <summary>Device time of the work <paramref name="enqueue"/> queues, in milliseconds (CUDA events; wall clock on the emulator).</summary>
    double TimeMilliseconds(Action enqueue);

    /// <summary>From now on launches, device copies and memsets are recorded, not run, until <see cref="EndCapture"/>.</summary>
    void BeginCapture();
    /// <summary>The recorded work as a graph that can be replayed.</summary>
    IGraphExec EndCapture();
}

/// <summary>A captured sequence of device work, replayed as one unit.</summary>
public interface IGraphExec : IDisposable
{
    int NodeCount { get; }
    void Launch();
}

/// <summary>A failure reported by the device (a launch, an allocation, a copy), with what was being done.</summary>
public sealed class GpuException(string message) : Exception(message);
