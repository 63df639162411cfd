using Dab.Random;
using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>The Philox 4x32-10 counter-based generator and the seeded draws built on it.</summary>
public class PhiloxTests
{
    [Test]
    public void KnownAnswerFromRandom123()
    {
        // Random123 kat_vectors: philox4x32 10 rounds, counter (0,0,0,0), key (0,0).
        var (a, b, c, d) = Philox.Block(0, 0);
        Assert.That(new[] { a, b, c, d }, Is.EqualTo(new uint[] { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 }));
    }

    [Test]
    public void BlockMatchesAnIndependentImplementation()
    {
        var r = new System.Random(5);
        for (int i = 0; i < 200; i++)
        {
            ulong counter = (ulong)r.NextInt64() ^ ((ulong)r.Next() << 40), key = (ulong)r.NextInt64() ^ ((ulong)r.Next() << 40);
            var got = Philox.Block(counter, key);
            var want = Reference(counter, key);
            Assert.That(new[] { got.Item1, got.Item2, got.Item3, got.Item4 }, Is.EqualTo(want), $"counter {counter:x16} key {key:x16}");
        }
    }

    /// <summary>Philox4x32-10 written from the paper: counter words (lo, hi, 0, 0), key words (lo, hi).</summary>
    private static uint[] Reference(ulong counter, ulong key)
    {
        uint[] x = [(uint)counter, (uint)(counter >> 32), 0, 0];
        uint[] k = [(uint)key, (uint)(key >> 32)];
        for (int round = 0; round < 10; round++)
        {
            if (round > 0) { k[0] = unchecked(k[0] + 0x9E3779B9u); k[1] = unchecked(k[1] + 0xBB67AE85u); }
            ulong p0 = 0xD2511F53UL * x[0], p1 = 0xCD9E8D57UL * x[2];
            x = [(uint)(p1 >> 32) ^ x[1] ^ k[0], (uint)p1, (uint)(p0 >> 32) ^ x[3] ^ k[1], (uint)p0];
        }
        return x;
    }

    [Test]
    public void SameSeedSameNumbers([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        var a = new Generator(1234).Uniform([1023], dtype).ToArray<double>();
        var b = new Generator(1234).Uniform([1023], dtype).ToArray<double>();
        Assert.That(b, Is.EqualTo(a));
        var n1 = new Generator(99).Normal([7, 33], dtype).ToArray<double>();
        var n2 = new Generator(99).Normal([7, 33], dtype).ToArray<double>();
        Assert.That(n2, Is.EqualTo(n1));
    }

    [Test]
    public void DifferentSeedsDiffer()
    {
        var a = new Generator(1).Uniform([1000]).ToArray<float>();
        var b = new Generator(2).Uniform([1000]).ToArray<float>();
        Assert.That(a.Zip(b).Count(p => p.First == p.Second), Is.LessThan(5));
    }

    [Test]
    public void ConsecutiveDrawsAdvanceTheOffset()
    {
        var g = new Generator(7);
        var first = g.Uniform([10]).ToArray<float>();
        Assert.That(g.Offset, Is.EqualTo(Philox.Blocks(10)));
        var second = g.Uniform([10]).ToArray<float>();
        Assert.That(g.Offset, Is.EqualTo(2 * Philox.Blocks(10)));
        Assert.That(second, Is.Not.EqualTo(first));
        Assert.That(first.Zip(second).Count(p => p.First == p.Second), Is.LessThan(2));
        g.Offset = 0;
        Assert.That(g.Uniform([10]).ToArray<float>(), Is.EqualTo(first), "rewinding the offset replays the stream");
    }

    [Test]
    public void ElementsDependOnlyOnSeedOffsetAndIndex()
    {
        // A draw of 5 takes 2 blocks (8 numbers); the next draw starts at number 8 of the stream.
        var g = new Generator(11);
        var a = g.Uniform([5]).ToArray<double>();
        var b = g.Uniform([5]).ToArray<double>();
        var whole = new Generator(11).Uniform([13]).ToArray<double>();
        Assert.That(a, Is.EqualTo(whole[..5]));
        Assert.That(b, Is.EqualTo(whole[8..13]));
    }

    [Test]
    public void Float32AndFloat64DrawTheSameUniforms()
    {
        var f = new Generator(3).Uniform([1023], DType.Float32).ToArray<float>();
        var d = new Generator(3).Uniform([1023], DType.Float64).ToArray<double>();
        Assert.That(f.Select(v => (double)v).ToArray(), Is.EqualTo(d));
    }

    [Test]
    public void UniformMoments()
    {
        const int n = 100_000;
        var u = new Generator(2024).Uniform([n], DType.Float64).ToArray<double>();
        Assert.That(u.Min(), Is.GreaterThanOrEqualTo(0.0));
        Assert.That(u.Max(), Is.LessThan(1.0));
        double mean = u.Average(), variance = u.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        // Standard errors: sqrt(1/12/n) = 9.1e-4 for the mean, sqrt((1/80 - 1/144)/n) = 2.4e-4 for the variance.
        Assert.That(mean, Is.EqualTo(0.5).Within(5 * 9.1e-4));
        Assert.That(variance, Is.EqualTo(1.0 / 12).Within(5 * 2.4e-4));
        // Every tenth of [0, 1) gets its share: 10000 +- 5 standard deviations (sqrt(n 0.1 0.9) = 95).
        var bins = new int[10];
        foreach (var v in u) bins[(int)(v * 10)]++;
        Assert.That(bins, Is.All.InRange(n / 10 - 5 * 95, n / 10 + 5 * 95));
    }

    [Test]
    public void NormalMoments()
    {
        const int n = 100_000;
        var z = new Generator(77).Normal([n], DType.Float64).ToArray<double>();
        Assert.That(z.All(double.IsFinite));
        double mean = z.Average(), variance = z.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        // Standard errors: 1/sqrt(n) = 3.2e-3 for the mean, sqrt(2/n) = 4.5e-3 for the variance.
        Assert.That(mean, Is.EqualTo(0.0).Within(5 * 3.2e-3));
        Assert.That(variance, Is.EqualTo(1.0).Within(5 * 4.5e-3));
        // P(|z| > 1.96) = 5%: 5000 +- 5 * 69.
        Assert.That(z.Count(v => Math.Abs(v) > 1.959964), Is.InRange(5000 - 5 * 69, 5000 + 5 * 69));
        double skew = z.Average(v => Math.Pow(v - mean, 3));
        Assert.That(skew, Is.EqualTo(0.0).Within(5 * Math.Sqrt(15.0 / n)));
    }

    [Test]
    public void ScaledDraws()
    {
        var u = new Generator(5).Uniform([10_000], DType.Float64, low: -3, high: 5).ToArray<double>();
        Assert.That(u.Min(), Is.GreaterThanOrEqualTo(-3.0));
        Assert.That(u.Max(), Is.LessThan(5.0));
        Assert.That(u.Average(), Is.EqualTo(1.0).Within(5 * 8 / Math.Sqrt(12 * 10_000.0)));
        var z = new Generator(6).Normal([10_000], DType.Float64, mean: 10, std: 0.5).ToArray<double>();
        Assert.That(z.Average(), Is.EqualTo(10.0).Within(5 * 0.5 / 100));
        var raw = new Generator(6).Normal([10_000], DType.Float64).ToArray<double>();
        TestData.AssertClose(z, raw.Select(v => v * 0.5 + 10).ToArray(), 1e-12, 1e-12, "normal(10, 0.5) = 10 + 0.5 normal(0, 1)");
    }

    [Test]
    public void Bernoulli()
    {
        var p = Tensor.FromArray(Enumerable.Range(0, 20_000).Select(i => i % 2 == 0 ? 0.25 : 0.0).ToArray());
        var s = new Generator(8).Bernoulli(p).ToArray<double>();
        Assert.That(s.All(v => v == 0 || v == 1));
        Assert.That(s.Where((_, i) => i % 2 == 1).All(v => v == 0), "p = 0 never fires");
        // 10000 draws with p = 0.25: 2500 +- 5 * 43.
        Assert.That(s.Where((_, i) => i % 2 == 0).Sum(), Is.InRange(2500 - 5 * 43, 2500 + 5 * 43));
    }

    [Test]
    public void IntegerDrawIsRefused()
    {
        Assert.That(() => new Generator(1).Uniform([3], DType.Int64), Throws.InstanceOf<ArgumentException>().With.Message.Contains("int64"));
    }
}
