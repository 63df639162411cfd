using Dab.Backends;
using Dab.Random;
using NUnit.Framework;

namespace Dab.Tests.Kernels;

/// <summary>
/// One suite for every GPU-backed device (ILGPU style): each concrete fixture names a device, and
/// every test compares that device with the CPU reference. A device that is not there marks the
/// fixture's tests ignored with the reason.
/// </summary>
public abstract class DeviceFixture
{
    protected abstract Device Device { get; }
    protected Generator Gen = null!;

    [SetUp]
    public void RequireDevice()
    {
        var why = BackendRegistry.WhyUnavailable(Device);
        if (why != null) Assert.Ignore(why);
        Gen = new Generator(1234);
    }

    protected Tensor Rand(params int[] shape) => Gen.Normal(shape);
    protected Tensor Rand64(params int[] shape) => Gen.Normal(shape, DType.Float64);
    protected Tensor OnDevice(Tensor cpu) { using (Autograd.Autograd.NoGrad()) return cpu.To(Device); }

    protected static void AssertClose(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string what = "")
    {
        Assert.That(actual.Shape, Is.EqualTo(expected.Shape), $"{what} shape");
        Assert.That(actual.DType, Is.EqualTo(expected.DType), $"{what} dtype");
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i])) { Assert.That(double.IsNaN(a[i]), $"{what}[{i}]: expected NaN, got {a[i]}"); continue; }
            if (double.IsInfinity(e[i])) { Assert.That(a[i], Is.EqualTo(e[i]), $"{what}[{i}]"); continue; }
            Assert.That(a[i], Is.EqualTo(e[i]).Within(atol + rtol * Math.Abs(e[i])), $"{what}[{i}]");
        }
    }

    protected static void AssertEqualInts(Tensor expected, Tensor actual, string what = "") =>
        Assert.That(actual.ToArray<long>(), Is.EqualTo(expected.ToArray<long>()), what);
}

[TestFixture]
public sealed class EmuParityTests : ParityTests { protected override Device Device => new(DeviceKind.Emu); }

[TestFixture]
public sealed class CudaParityTests : ParityTests { protected override Device Device => new(DeviceKind.Cuda, 0); }
