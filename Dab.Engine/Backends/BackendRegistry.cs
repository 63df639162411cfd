using System.Diagnostics.CodeAnalysis;
using Dab.Backends.Cpu;

namespace Dab.Backends;

/// <summary>
/// Maps devices to backends. The engine itself only knows the CPU; Dab.Kernels registers the
/// <c>emu</c> and <c>cuda</c> backends (it is found and asked to register on first use of such a device).
/// </summary>
public static class BackendRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<DeviceKind, (Func<Device, IBackend> Create, Func<Device, string?> WhyUnavailable)> Kinds = new();
    private static readonly Dictionary<Device, IBackend> Created = new() { [Device.Cpu] = CpuBackend.Instance };
    private static bool _probedKernels;

    /// <summary>Registers a backend kind: a factory called once per device, and a check that says why a device cannot be used (null when it can).</summary>
    public static void Register(DeviceKind kind, Func<Device, IBackend> create, Func<Device, string?> whyUnavailable)
    {
        lock (Gate) Kinds[kind] = (create, whyUnavailable);
    }

    /// <summary>Null when the device can be used, otherwise the reason it cannot.</summary>
    public static string? WhyUnavailable(Device device)
    {
        if (device.Kind == DeviceKind.Cpu) return device.Index == 0 ? null : $"device cpu:{device.Index} does not exist";
        (Func<Device, IBackend>, Func<Device, string?> Why) entry;
        lock (Gate)
        {
            if (!Kinds.ContainsKey(device.Kind)) ProbeKernelsAssembly();
            if (!Kinds.TryGetValue(device.Kind, out entry))
                return $"device {device} is not available: the GPU backend (Dab.Kernels) is not loaded";
        }
        return entry.Why(device);
    }

    public static IBackend Get(Device device)
    {
        lock (Gate)
            if (Created.TryGetValue(device, out var b)) return b;
        var why = WhyUnavailable(device);
        if (why != null) throw new DeviceUnavailableException(why);
        lock (Gate)
        {
            if (!Created.TryGetValue(device, out var b)) Created[device] = b = Kinds[device.Kind].Create(device);
            return b;
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Programs that are trimmed reference Dab.Kernels and register it themselves.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "As above.")]
    private static void ProbeKernelsAssembly()
    {
        if (_probedKernels) return;
        _probedKernels = true;
        try
        {
            var type = Type.GetType("Dab.Kernels.Gpu.KernelBackends, Dab.Kernels", throwOnError: false);
            type?.GetMethod("Register")?.Invoke(null, null); // re-enters Gate on this thread, which Monitor allows
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or System.Reflection.TargetInvocationException) { }
    }
}

public sealed class DeviceUnavailableException(string message) : Exception(message);
