using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>The float32 tanh (single-precision exp inside) against Math.Tanh over its whole range.</summary>
public class TanhAccuracyTests
{
    [Test]
    public void Float32TanhIsWithinAFewUlpEverywhere()
    {
        int n = 200_003; // odd: the vector body and the scalar tail both run
        var xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = (float)(-25.0 + 50.0 * i / (n - 1));
        var y = Tensor.FromArray(xs).Tanh().ToArray<float>();
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            double exact = Math.Tanh(xs[i]);
            double err = Math.Abs(y[i] - exact) / Math.Max(Math.Abs(exact), 1e-30);
            worst = Math.Max(worst, err);
            Assert.That(Math.Abs(y[i]), Is.LessThanOrEqualTo(1f), $"tanh({xs[i]:R}) = {y[i]:R}");
        }
        Assert.That(worst, Is.LessThan(4 * 5.96e-8), "relative error, in units of float32's 2^-24");
    }
}
