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
    public void MatchesAFloat64Reference(float gradScale)
    {
        var ps = WithGrads(Device.Cpu, gradScale);
        var before = ps.Select(p => p.Grad!.ToArray<float>()).ToArray();
        double expectedNorm = Math.Sqrt(before.Sum(g => g.Sum(v => (double)v * v)));
        double scale = Math.Min(1, 5 / (expectedNorm + 1e-6));
        double norm = GradClip.ClipByNorm(ps, 5);
        Assert.That(norm, Is.EqualTo(expectedNorm).Within(1e-5 * expectedNorm));
        for (int i = 0; i < ps.Length; i++)
            Assert.That(ps[i].Grad!.ToArray<float>(), Is.EqualTo(before[i].Select(v => (float)(v * scale)).ToArray()).Within(1e-5f * Math.Max(1, gradScale)));
        using var again = GradClip.ClipByNormOnDevice(ps, 5)!;
        Assert.That(again.Item(), Is.LessThanOrEqualTo(5 + 1e-4), "clipped gradients are within the norm");
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
