using Dab.Backends.Cpu;
using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>The 512-bit float32 exp behind softmax and cross-entropy, against double precision.</summary>
public unsafe class FastMathTests
{
    [Test]
    public void ExpOfNonPositiveValuesIsWithinAFewUlp()
    {
        if (!FastMath.Enabled) Assert.Ignore("no AVX-512 on this processor: the generic kernels run instead");
        int n = 100_003;
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(-100.0 * i / (n - 1));
        var x = (float[])a.Clone();
        fixed (float* p = a) FastMath.ExpNonPositiveInPlace(p, 0, n);
        for (int i = 0; i < n; i++)
        {
            double exact = Math.Exp(x[i]);
            // below the normal floats: 0 from the vector body, a subnormal from the scalar tail
            if (x[i] < -87.3f) Assert.That(a[i], Is.InRange(0f, 1.2e-38f), $"exp({x[i]:R}) is below the normal floats");
            else Assert.That(Math.Abs(a[i] - exact), Is.LessThanOrEqualTo(4 * 5.96e-8 * exact + 1.5e-45), $"exp({x[i]:R}) = {a[i]:R}, exact {exact:R}");
        }
    }

    [Test]
    public void ExpKeepsZeroInfinityAndNaN()
    {
        if (!FastMath.Enabled) Assert.Ignore("no AVX-512 on this processor: the generic kernels run instead");
        float[] a = [0f, -0f, float.NegativeInfinity, float.NaN, -1e-30f, -87.2f, -87.4f, -1f, -0.5f, -0.34657f, -0.34658f,
            -10f, -20f, -30f, -40f, -50f, -60f];
        var x = (float[])a.Clone();
        fixed (float* p = a) FastMath.ExpNonPositiveInPlace(p, 0, a.Length);
        Assert.That(a[0], Is.EqualTo(1f));
        Assert.That(a[1], Is.EqualTo(1f));
        Assert.That(a[2], Is.EqualTo(0f));
        Assert.That(a[3], Is.NaN);
        for (int i = 4; i < a.Length; i++)
            if (x[i] >= -87.3f) Assert.That(a[i], Is.EqualTo(Math.Exp(x[i])).Within(4 * 5.96e-8 * Math.Exp(x[i])), $"exp({x[i]:R})");
    }

    [Test]
    public void Float32SoftmaxAndLogSoftmaxWithInfinitiesMatchDoublePrecision()
    {
        // (outer 3, n 7, inner 5): classes strided by 5, like the sort model's (batch, classes, positions)
        var gen = new Dab.Random.Generator(11);
        var v = gen.Normal([3, 7, 5], std: 20).ToArray<float>();
        v[0] = float.NegativeInfinity; v[12] = float.NegativeInfinity; v[40] = -1e30f;
        var y = Tensor.FromArray(v, [3, 7, 5]).Softmax(1).ToArray<float>();
        var logY = Tensor.FromArray(v, [3, 7, 5]).LogSoftmax(1).ToArray<float>();
        for (int o = 0; o < 3; o++)
            for (int i = 0; i < 5; i++)
            {
                double m = double.NegativeInfinity, sum = 0;
                for (int j = 0; j < 7; j++) m = Math.Max(m, v[o * 35 + j * 5 + i]);
                for (int j = 0; j < 7; j++) sum += Math.Exp(v[o * 35 + j * 5 + i] - m);
                for (int j = 0; j < 7; j++)
                {
                    double exact = Math.Exp(v[o * 35 + j * 5 + i] - m) / sum;
                    // float's x - max carries up to half an ulp of |x - max|, which exp turns into relative error
                    double tol = exact == 0 ? 1e-37 : 4 * 5.96e-8 * (1 + Math.Abs(v[o * 35 + j * 5 + i] - m)) * exact + 1e-37;
                    Assert.That(y[o * 35 + j * 5 + i], Is.EqualTo(exact).Within(tol), $"softmax[{o},{j},{i}]");
                    double logExact = v[o * 35 + j * 5 + i] - m - Math.Log(sum);
                    if (double.IsNegativeInfinity(logExact)) Assert.That(logY[o * 35 + j * 5 + i], Is.EqualTo(float.NegativeInfinity));
                    else Assert.That(logY[o * 35 + j * 5 + i], Is.EqualTo(logExact).Within(4 * 5.96e-8 * (Math.Abs(logExact) + Math.Abs(m) + 1)), $"log_softmax[{o},{j},{i}]");
                }
            }
    }
}
