using System.Runtime.InteropServices;
using Dab.Kernels.Interop;
using NUnit.Framework;

namespace Dab.Tests.Kernels.Interop;

/// <summary>
/// Without a usable GPU every checked call fails with CudaUnavailableException and a message that
/// says what is missing, never with DllNotFoundException or EntryPointNotFoundException. Two
/// machines without a GPU differ: one has no libcuda at all ("CUDA driver not found"), another has
/// the driver's user-space library but no device or kernel module ("cuInit failed with
/// CUDA_ERROR_NO_DEVICE"). The gate tests below produce the first case on any machine.
/// </summary>
public class UnavailableTests
{
    private static void RequireNoDevice()
    {
        if (CudaDevices.IsAvailable) Assert.Ignore("a CUDA device is present; this test is about its absence");
    }

    private static void AssertSaysWhyDriverIsUnusable(CudaUnavailableException e)
    {
        Assert.That(e.Library, Is.EqualTo("CUDA driver"));
        Assert.That(e, Is.InstanceOf<CudaInteropException>());
        if (NativeLibraries.TryLoad("cuda", out _, out _))
        {
            Assert.That(e.Message, Does.StartWith("CUDA driver unusable: cuInit failed with CUDA_ERROR_"));
            Assert.That(e.InnerException, Is.TypeOf<CudaException>());
        }
        else
        {
            Assert.That(e.Message, Does.StartWith("CUDA driver not found (tried libcuda.so.1, libcuda.so"));
            Assert.That(e.Message, Does.EndWith("this machine has no NVIDIA driver"));
            Assert.That(e.Tried, Has.Some.Contains("libcuda.so.1"));
        }
    }

    [Test]
    public void Driver_calls_say_why_there_is_no_gpu()
    {
        RequireNoDevice();
        foreach (var call in new Action[]
                 {
                     Cu.Initialize,
                     () => Cu.DeviceCount(),
                     () => Cu.MemAlloc(1024, "allocating 1.0 KiB for tensor [256] float32"),
                     () => Cu.StreamSynchronize(IntPtr.Zero),
                     () => Cublas.Create(),
                 })
        {
            // Twice: the first failure is remembered, and the second says the same.
            AssertSaysWhyDriverIsUnusable(Assert.Throws<CudaUnavailableException>(() => call())!);
            AssertSaysWhyDriverIsUnusable(Assert.Throws<CudaUnavailableException>(() => call())!);
        }
    }

    [Test]
    public void Enumerate_is_empty_with_the_reason()
    {
        RequireNoDevice();
        Assert.That(CudaDevices.Enumerate(), Is.Empty);
        Assert.That(CudaDevices.IsAvailable, Is.False);
        Assert.That(CudaDevices.WhyUnavailable, Does.StartWith("CUDA driver "));
    }

    [Test]
    public void Enumerate_from_many_threads_agrees()
    {
        var results = new IReadOnlyList<CudaDeviceInfo>[16];
        Parallel.For(0, results.Length, i => results[i] = CudaDevices.Enumerate());
        Assert.That(results.Distinct().Count(), Is.EqualTo(1), "one discovery, one list");
        Assert.That(CudaDevices.WhyUnavailable is null, Is.EqualTo(results[0].Count > 0));
    }

    [Test]
    public void A_missing_library_is_refused_by_the_gate()
    {
        NativeLibraries.Register("dab-test-gate-absent", "Test driver", ["libdab-gate.so.1", "libdab-gate.so"], "nothing to see");
        var gate = new LibraryGate("dab-test-gate-absent", typeof(CudaDriver));
        Assert.That(gate.IsLoaded, Is.False);
        Assert.That(gate.Has("cuInit"), Is.False);
        var e = Assert.Throws<CudaUnavailableException>(() => gate.Require("cuInit"))!;
        Assert.That(e.Message, Does.StartWith("Test driver not found (tried libdab-gate.so.1, libdab-gate.so in "));
        Assert.That(e.Message, Does.EndWith(": nothing to see"));
        Assert.That(e.Tried, Has.Count.EqualTo(2));
        Assert.That(e.Tried[0], Does.StartWith("libdab-gate.so.1: "));
    }

    [Test]
    public void A_library_without_the_entry_point_is_refused_by_the_gate()
    {
        // A real library that exports none of the driver's functions stands in for a driver too old.
        var real = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so");
        NativeLibraries.Register("dab-test-gate-old", "Old driver", [real], "");
        var gate = new LibraryGate("dab-test-gate-old", typeof(CudaDriver));
        Assert.That(gate.IsLoaded, Is.True);
        Assert.That(gate.MissingEntryPoints, Does.Contain("cuGraphInstantiateWithFlags").And.Contain("cuInit"));
        var e = Assert.Throws<CudaUnavailableException>(() => gate.Require("cuGraphInstantiateWithFlags"))!;
        Assert.That(e.Message, Is.EqualTo(
            $"{real} has no cuGraphInstantiateWithFlags: the installed Old driver is older than Dab needs for this call"));
    }

    [Test]
    public void A_missing_nvrtc_or_cublas_says_so()
    {
        if (NativeLibraries.TryLoad("nvrtc", out _, out _) && NativeLibraries.TryLoad("cublas", out _, out _))
            Assert.Ignore("NVRTC and cuBLAS are both present here");
        if (!NativeLibraries.TryLoad("nvrtc", out _, out _))
        {
            var e = Assert.Throws<CudaUnavailableException>(() =>
                Nvrtc.Compile("extern \"C\" __global__ void k() {}", "k.cu", ["--gpu-architecture=sm_90"], out _))!;
            Assert.That(e.Message, Does.StartWith("NVRTC not found (tried libnvrtc.so.13, libnvrtc.so.12, libnvrtc.so.11.2"));
            Assert.That(e.Message, Does.Contain("CUDA_PATH"));
            Assert.That(() => Nvrtc.Version(), Throws.TypeOf<CudaUnavailableException>());
        }
        if (!NativeLibraries.TryLoad("cublas", out _, out _))
        {
            // Not Cublas.Create: it asks the driver first, which may be missing too.
            var e = Assert.Throws<CudaUnavailableException>(() => Cublas.SetMathMode(IntPtr.Zero, CublasMath.Default))!;
            Assert.That(e.Message, Does.StartWith("cuBLAS not found (tried libcublas.so.13, libcublas.so.12"));
        }
    }
}
