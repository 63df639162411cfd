using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Seeded random inputs and closeness assertions shared by the engine tests.</summary>
internal static class TestData
{
    /// <summary>Uniform values in [lo, hi).</summary>
    public static double[] Uniform(int n, int seed, double lo = -1, double hi = 1)
    {
        var r = new System.Random(seed);
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * r.NextDouble();
        return a;
    }

    /// <summary>Values with |v| in [min, max) and a random sign: away from the kinks at 0.</summary>
    public static double[] AwayFromZero(int n, int seed, double min = 0.2, double max = 1.5)
    {
        var r = new System.Random(seed);
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (r.Next(2) == 0 ? -1 : 1) * (min + (max - min) * r.NextDouble());
        return a;
    }

    /// <summary>A float64 leaf that requires grad.</summary>
    public static Tensor LeafOf(double[] data, params int[] shape)
    {
        var t = Tensor.FromArray(data, shape);
        t.RequiresGrad = true;
        return t;
    }

    public static Tensor Leaf(int[] shape, int seed, double lo = -1, double hi = 1)
        => LeafOf(Uniform(Numel(shape), seed, lo, hi), shape);

    public static Tensor LeafAway(int[] shape, int seed, double min = 0.2, double max = 1.5)
        => LeafOf(AwayFromZero(Numel(shape), seed, min, max), shape);

    public static Tensor F32(int[] shape, int seed, double lo = -1, double hi = 1)
        => Tensor.FromArray(Uniform(Numel(shape), seed, lo, hi).Select(v => (float)v).ToArray(), shape);

    public static Tensor Longs(long[] data, params int[] shape) => Tensor.FromArray(data, shape);

    public static long[] RandomIndices(int n, int seed, int bound)
    {
        var r = new System.Random(seed);
        var a = new long[n];
        for (int i = 0; i < n; i++) a[i] = r.Next(bound);
        return a;
    }

    public static int Numel(int[] shape)
    {
        int n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    /// <summary>Asserts |a - e| &lt;= atol + rtol |e| elementwise, naming the first offending index.</summary>
    public static void AssertClose(double[] actual, double[] expected, double atol, double rtol, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i], e = expected[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && a == e) continue;
            if (!(Math.Abs(a - e) <= atol + rtol * Math.Abs(e)))
                Assert.Fail($"{what}: element {i} is {a:R}, expected {e:R} (diff {Math.Abs(a - e):G3}, tolerance {atol + rtol * Math.Abs(e):G3})");
        }
    }

    public static void AssertClose(float[] actual, double[] expected, double atol, double rtol, string what)
        => AssertClose(actual.Select(v => (double)v).ToArray(), expected, atol, rtol, what);
}
