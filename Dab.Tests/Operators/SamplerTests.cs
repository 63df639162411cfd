using Dab.Random;
using NUnit.Framework;

namespace Dab.Tests.Operators;

/// <summary>
/// The samplers' moments at a fixed seed: sample mean and variance within 6 standard errors of
/// the distribution's (a wrong distribution, scale or shift fails; a fluke cannot at a fixed seed).
/// </summary>
public class SamplerTests
{
    private const int N = 200_000;

    private static (double Mean, double Var) Moments(Tensor t)
    {
        var v = t.ToArray<double>();
        double m = v.Average();
        return (m, v.Sum(e => (e - m) * (e - m)) / (v.Length - 1));
    }

    private static void AssertMoments(Tensor t, double mean, double variance, double fourthCentral, string what)
    {
        var (m, s2) = Moments(t);
        double seMean = Math.Sqrt(variance / N), seVar = Math.Sqrt((fourthCentral - variance * variance) / N);
        Assert.That(m, Is.EqualTo(mean).Within(6 * seMean), $"{what} mean");
        Assert.That(s2, Is.EqualTo(variance).Within(6 * seVar), $"{what} variance");
    }

    [Test]
    public void Uniform() => AssertMoments(new Generator(1).Uniform([N]), 0.5, 1.0 / 12, 1.0 / 80, "uniform");

    [Test]
    public void Normal() => AssertMoments(new Generator(2).Normal([N], DType.Float64, mean: 1, std: 2), 1, 4, 3 * 16, "normal(1, 2)");

    [Test]
    public void Gumbel()
    {
        const double euler = 0.5772156649015329;
        double v = Math.PI * Math.PI / 6;
        var g = new Generator(3).Gumbel([N], DType.Float64);
        AssertMoments(g, euler, v, 5.4 * v * v, "gumbel"); // kurtosis 5.4
        Assert.That(g.ToArray<double>().All(double.IsFinite), Is.True);
        AssertMoments(new Generator(4).Gumbel([N], DType.Float64, loc: -1, scale: 0.5), -1 + 0.5 * euler, 0.25 * v, 5.4 * 0.0625 * v * v, "gumbel(-1, 0.5)");
    }

    [Test]
    public void Bernoulli([Values(0.0, 0.3, 1.0)] double p)
    {
        var b = new Generator(5).Bernoulli([N], p);
        var v = b.ToArray<float>();
        Assert.That(v.All(e => e == 0 || e == 1), Is.True);
        AssertMoments(b, p, p * (1 - p), p * (1 - p) * (1 - 3 * p * (1 - p)), $"bernoulli({p})");
        using var probs = Tensor.Full([N], p);
        AssertMoments(new Generator(6).Bernoulli(probs), p, p * (1 - p), p * (1 - p) * (1 - 3 * p * (1 - p)), $"bernoulli(tensor {p})");
    }

    [Test]
    public void SameSeedSameNumbersAndBadProbability()
    {
        Assert.That(new Generator(9).Gumbel([100]).ToArray<float>(), Is.EqualTo(new Generator(9).Gumbel([100]).ToArray<float>()));
        Assert.That(() => new Generator(1).Bernoulli([3], 1.5), Throws.InstanceOf<ArgumentException>().With.Message.Contains("1.5"));
    }
}
