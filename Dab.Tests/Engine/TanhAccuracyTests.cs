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

    [Test]
    public void Float32TanhKeepsTinyValuesSignedZeroInfinitiesAndNaN()
    {
        // 17 values: the 16-lane vector body sees them all (plus one in the scalar tail).
        float[] xs = [1e-30f, -1e-30f, 1e-40f, 1e-6f, -1e-6f, 3e-4f, 0.34f, 0.35f, -0f, 0f,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, 9.5f, -10.5f, 1e30f, 2e-3f];
        var y = Tensor.FromArray(xs).Tanh().ToArray<float>();
        for (int i = 0; i < xs.Length; i++)
        {
            if (float.IsNaN(xs[i])) { Assert.That(y[i], Is.NaN); continue; }
            double exact = Math.Tanh(xs[i]);
            Assert.That(Math.Abs(y[i] - exact), Is.LessThanOrEqualTo(4 * 5.96e-8 * Math.Abs(exact)), $"tanh({xs[i]:R}) = {y[i]:R}, exact {exact:R}");
            Assert.That(float.IsNegative(y[i]), Is.EqualTo(float.IsNegative(xs[i])), $"sign of tanh({xs[i]:R})");
        }
    }

    [Test]
    public void Float32TanhGradientAndFusedLinearTanhMatchDoublePrecision()
    {
        var gen = new Dab.Random.Generator(7);
        var x = gen.Normal([37, 33], std: 3);          // odd widths: vector body and scalar tail
        var w = gen.Normal([19, 33], std: 0.3);
        var b = gen.Normal([19]);
        x.RequiresGrad = true;
        var y = x.LinearTanh(w, b);
        y.Sum().Backward();
        var xd = x.To(DType.Float64).ToArray<double>(); var wd = w.To(DType.Float64).ToArray<double>(); var bd = b.To(DType.Float64).ToArray<double>();
        var yf = y.ToArray<float>(); var gx = x.Grad!.ToArray<float>();
        var gxRef = new double[37 * 33];
        for (int r = 0; r < 37; r++)
            for (int o = 0; o < 19; o++)
            {
                double z = bd[o];
                for (int k = 0; k < 33; k++) z += xd[r * 33 + k] * wd[o * 33 + k];
                double t = Math.Tanh(z);
                Assert.That(yf[r * 19 + o], Is.EqualTo(t).Within(1e-5 + 1e-5 * Math.Abs(t)), $"y[{r},{o}]");
                for (int k = 0; k < 33; k++) gxRef[r * 33 + k] += (1 - t * t) * wd[o * 33 + k];
            }
        for (int i = 0; i < gxRef.Length; i++) Assert.That(gx[i], Is.EqualTo(gxRef[i]).Within(1e-4 + 1e-4 * Math.Abs(gxRef[i])), $"dx[{i}]");
    }
}
