using Dab.Backends;
using Dab.Kernels.Interop;

namespace Dab.Kernels.Gpu;

/// <summary>Registers the GPU backends with the engine: <c>emu</c> always (when libdabemu.so is built), <c>cuda</c> when a GPU is present.</summary>
public static class KernelBackends
{
    private static readonly object Gate = new();
    private static GpuBackend? _emu;
    private static bool _registered;

    public static void Register()
    {
        lock (Gate)
        {
            if (_registered) return;
            _registered = true;
            BackendRegistry.Register(DeviceKind.Emu, _ => Emu, EmuUnavailable);
            BackendRegistry.Register(DeviceKind.Cuda, d => new GpuBackend(new CudaRuntime(CudaDevices.Enumerate()[d.Index])), CudaUnavailable);
        }
    }

    /// <summary>The emulated device's backend (created on first use).</summary>
    public static GpuBackend Emu
    {
        get
        {
            lock (Gate)
            {
                if (_emu != null) return _emu;
                var rt = EmuRuntime.TryGet(out var why) ?? throw new DeviceUnavailableException(why!);
                return _emu = new GpuBackend(rt);
            }
        }
    }

    private static string? CudaUnavailable(Device d)
    {
        var devices = CudaDevices.Enumerate();
        if (devices.Count == 0) return $"device {d} is not available: {CudaDevices.WhyUnavailable ?? "no CUDA device found"}";
        return d.Index < devices.Count ? null : $"device {d} is not available: this machine has {devices.Count} CUDA device(s), cuda:0 to cuda:{devices.Count - 1}";
    }

    private static string? EmuUnavailable(Device d)
    {
        if (d.Index != 0) return $"device {d} does not exist (there is one emulated device, 'emu')";
        EmuRuntime.TryGet(out var why);
        return why;
    }
}
