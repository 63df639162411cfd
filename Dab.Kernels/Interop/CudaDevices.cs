namespace Dab.Kernels.Interop;

/// <summary>What Dab needs to know about one GPU.</summary>
public sealed record CudaDeviceInfo(
    int Ordinal,
    int Handle,
    string Name,
    ulong TotalMemoryBytes,
    int ComputeCapabilityMajor,
    int ComputeCapabilityMinor,
    int MultiprocessorCount,
    int MaxSharedMemoryPerBlockOptin)
{
    /// <summary>"9.0".</summary>
    public string ComputeCapability => $"{ComputeCapabilityMajor}.{ComputeCapabilityMinor}";

    /// <summary>The real architecture for NVRTC and nvcc, "sm_90".</summary>
    public string Architecture => $"sm_{ComputeCapabilityMajor}{ComputeCapabilityMinor}";

    public override string ToString() =>
        $"cuda:{Ordinal} {Name}, {Check.FormatBytes(TotalMemoryBytes)}, compute capability {ComputeCapability}, " +
        $"{MultiprocessorCount} SMs, {MaxSharedMemoryPerBlockOptin / 1024} KiB shared memory per block (opt-in)";
}

/// <summary>
/// The GPUs of this machine, found once per process (cuInit and the queries run on first use, under a
/// lock). No driver, no device, or a driver that fails to initialise all give an empty list and a
/// reason in <see cref="WhyUnavailable"/>; nothing here throws for those.
/// </summary>
public static class CudaDevices
{
    static readonly Lazy<(IReadOnlyList<CudaDeviceInfo> Devices, string? Why)> Found =
        new(Discover, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>All devices, in driver order (CUDA_VISIBLE_DEVICES applies); empty when CUDA is unusable.</summary>
    public static IReadOnlyList<CudaDeviceInfo> Enumerate() => Found.Value.Devices;

    /// <summary>Null when at least one device is usable, else why not (no driver, no device, cuInit's error).</summary>
    public static string? WhyUnavailable => Found.Value.Why;

    public static bool IsAvailable => Found.Value.Devices.Count > 0;

    static (IReadOnlyList<CudaDeviceInfo>, string?) Discover()
    {
        try
        {
            var count = Cu.DeviceCount();
            if (count == 0) return ([], "the NVIDIA driver reports no CUDA device");
            var devices = new List<CudaDeviceInfo>(count);
            for (var i = 0; i < count; i++) devices.Add(Describe(i));
            return (devices, null);
        }
        catch (CudaInteropException e)
        {
            return ([], e.Message);
        }
    }

    static CudaDeviceInfo Describe(int ordinal)
    {
        var d = Cu.DeviceGet(ordinal);
        return new CudaDeviceInfo(
            ordinal, d, Cu.DeviceName(d), Cu.DeviceTotalMemory(d),
            Cu.DeviceAttribute(d, CuDeviceAttribute.ComputeCapabilityMajor),
            Cu.DeviceAttribute(d, CuDeviceAttribute.ComputeCapabilityMinor),
            Cu.DeviceAttribute(d, CuDeviceAttribute.MultiprocessorCount),
            Cu.DeviceAttribute(d, CuDeviceAttribute.MaxSharedMemoryPerBlockOptin));
    }
}
