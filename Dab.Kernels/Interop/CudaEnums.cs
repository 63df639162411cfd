namespace Dab.Kernels.Interop;

// The subsets of cuda.h enums that Dab uses; values are the header's.

/// <summary>CUdevice_attribute.</summary>
public enum CuDeviceAttribute
{
    MaxThreadsPerBlock = 1,
    MaxSharedMemoryPerBlock = 8,
    WarpSize = 10,
    ClockRateKHz = 13,
    MultiprocessorCount = 16,
    L2CacheSize = 38,
    ComputeCapabilityMajor = 75,
    ComputeCapabilityMinor = 76,
    MaxSharedMemoryPerMultiprocessor = 81,
    MaxRegistersPerMultiprocessor = 82,
    /// <summary>The most dynamic shared memory a kernel may use after raising its own limit with
    /// <see cref="CuFunctionAttribute.MaxDynamicSharedSizeBytes"/> (227 KiB on sm_90).</summary>
    MaxSharedMemoryPerBlockOptin = 97,
}

/// <summary>CUfunction_attribute (settable ones).</summary>
public enum CuFunctionAttribute
{
    /// <summary>Must be raised before launching with more than 48 KiB of dynamic shared memory.</summary>
    MaxDynamicSharedSizeBytes = 8,
    PreferredSharedMemoryCarveout = 9,
}

/// <summary>CUstream_flags.</summary>
[Flags]
public enum CuStreamFlags : uint
{
    /// <summary>Synchronises with the legacy default stream (stream 0).</summary>
    Default = 0,
    /// <summary>Runs concurrently with the legacy default stream.</summary>
    NonBlocking = 1,
}

/// <summary>CUevent_flags.</summary>
[Flags]
public enum CuEventFlags : uint
{
    Default = 0,
    BlockingSync = 1,
    /// <summary>Cheaper for pure synchronisation; such an event cannot be timed.</summary>
    DisableTiming = 2,
}

/// <summary>CUstreamCaptureMode.</summary>
public enum CuStreamCaptureMode
{
    /// <summary>Unsafe calls (cuMemAlloc, synchronisation) on any thread invalidate the capture.</summary>
    Global = 0,
    /// <summary>Only unsafe calls made by the capturing thread invalidate it.</summary>
    ThreadLocal = 1,
    Relaxed = 2,
}

/// <summary>Grid or block dimensions of a launch.</summary>
public readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1)
{
    public static implicit operator Dim3(uint x) => new(x);
    public override string ToString() => $"({X}, {Y}, {Z})";
}
