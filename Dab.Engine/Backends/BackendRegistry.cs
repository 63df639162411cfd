using Dab.Backends.Cpu;

namespace Dab.Backends;

/// <summary>Maps device kinds to backends. The engine only knows the CPU; other assemblies register theirs.</summary>
public static class BackendRegistry
{
    private static readonly Dictionary<DeviceKind, IBackend> Backends = new() { [DeviceKind.Cpu] = CpuBackend.Instance };
    private static readonly Dictionary<DeviceKind, Func<Device, string?>> Availability = new();

    public static void Register(IBackend backend, Func<Device, string?> whyUnavailable)
    {
        lock (Backends)
        {
            Backends[backend.Kind] = backend;
            Availability[backend.Kind] = whyUnavailable;
        }
    }

    /// <summary>Null when the device can be used, otherwise the reason it cannot.</summary>
    public static string? WhyUnavailable(Device device)
    {
        lock (Backends)
        {
            if (!Backends.ContainsKey(device.Kind))
                return device.Kind == DeviceKind.Cpu ? null : $"device {device} is not available: no {device.Kind.ToString().ToLowerInvariant()} backend is loaded";
            return Availability.TryGetValue(device.Kind, out var f) ? f(device) : null;
        }
    }

    public static IBackend Get(Device device)
    {
        var why = WhyUnavailable(device);
        if (why != null) throw new DeviceUnavailableException(why);
        lock (Backends) return Backends[device.Kind];
    }
}

public sealed class DeviceUnavailableException(string message) : Exception(message);
