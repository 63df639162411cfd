using Dab.Optim;
using NUnit.Framework;

namespace Dab.Tests.NN;

public class GradClipOnDeviceTests
{
    private static Tensor[] WithGrads(Device device, float gradScale)
    {
        var gen = new Random.Generator(5);
        var ps = new[] { Tensor.Zeros([3, 7], device: device), Tensor.Zeros([33], device: device), Tensor.Zeros([1], device: device) };
        foreach (var p in ps)
        {
            p.RequiresGrad = true;
            using var g = gen.Normal(p.Shape);
            using var scaled = g.Mul(gradScale);
            p.Grad = scaled.To(device).DetachFromScopes();
        }
        return ps;
    }

    [TestCase(10f)]   // norm far above 5: scaled down
    [TestCase(0.1f)]  // norm below 5: untouched
    public void MatchesTheHostVersion(float gradScale)
    {
        var a = WithGrads(Device.Cpu, gradScale);
        var b = WithGrads(Device.Cpu, gradScale);
        double hostNorm = GradClip.ClipByNorm(a, 5);
        using var norm = GradClip.ClipByNormOnDevice(b, 5)!;
        Assert.That(norm.Item(), Is.EqualTo(hostNorm).Within(1e-5 * hostNorm));
        for (int i = 0; i < a.Length; i++)
            Assert.That(b[i].Grad!.ToArray<float>(), Is.EqualTo(a[i].Grad!.ToArray<float>()).Within(1e-6f * Math.Max(1, gradScale)));
        double after = Math.Sqrt(b.Sum(p => p.Grad!.ToArray<float>().Sum(v => (double)v * v)));
        Assert.That(after, Is.LessThanOrEqualTo(5 + 1e-4));
    }

    [Test]
    public void RunsOnTheEmulatedDevice()
    {
        var emu = new Device(DeviceKind.Emu);
        if (Backends.BackendRegistry.WhyUnavailable(emu) is { } why) Assert.Ignore(why);
        var a = WithGrads(Device.Cpu, 10);
        var b = WithGrads(emu, 10);
        GradClip.ClipByNorm(a, 5);
        GradClip.ClipByNormOnDevice(b, 5)!.Dispose();
        for (int i = 0; i < a.Length; i++)
            Assert.That(b[i].Grad!.ToArray<float>(), Is.EqualTo(a[i].Grad!.ToArray<float>()).Within(1e-4f));
    }

    [Test]
    public void NoGradientsNoNorm() => Assert.That(GradClip.ClipByNormOnDevice([Tensor.Zeros([2])], 1), Is.Null);
}
