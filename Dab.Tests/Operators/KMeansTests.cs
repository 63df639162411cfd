using NUnit.Framework;

namespace Dab.Tests.Operators;

/// <summary>k-means assignment against brute force, Lloyd iterations with k-means++ seeding, errors.</summary>
public class KMeansTests
{
    private static double[] Normal(int n, int seed, double scale = 1)
    {
        var r = new System.Random(seed);
        return Enumerable.Range(0, n).Select(_ => scale * (r.NextDouble() + r.NextDouble() + r.NextDouble() - 1.5)).ToArray();
    }

    [Test]
    public void AssignmentMatchesBruteForce([Values(1, 3, 17, 64, 130)] int k, [Values(1, 5, 16, 33)] int d, [Values] bool f64)
    {
        int n = 97;
        var x = Normal(n * d, k * 100 + d);
        var c = Normal(k * d, k * 7 + d);
        using var xt = Tensor.FromArray(x, [n, d]);
        using var ct = Tensor.FromArray(c, [k, d]);
        using var xs = f64 ? xt.Alias() : xt.To(DType.Float32);
        using var cs = f64 ? ct.Alias() : ct.To(DType.Float32);
        var (a, dist) = Tensor.KMeansAssign(xs, cs);
        var (ea, ed) = OperatorReference.Nearest(xs.ToArray<double>(), n, d, cs.ToArray<double>(), k);
        var ga = a.ToArray<long>();
        var gd = dist.ToArray<double>();
        double tol = f64 ? 1e-10 : 1e-4;
        for (int p = 0; p < n; p++)
        {
            Assert.That(gd[p], Is.EqualTo(ed[p]).Within(tol * (1 + ed[p])), $"distance of point {p}");
            if (ga[p] != ea[p])
            {
                // Only a near-tie may differ from the float64 reference.
                var cg = cs.ToArray<double>().AsSpan((int)ga[p] * d, d).ToArray();
                double sg = 0;
                for (int e = 0; e < d; e++) sg += Math.Pow(xs.ToArray<double>()[p * d + e] - cg[e], 2);
                Assert.That(sg, Is.EqualTo(ed[p]).Within(tol * (1 + ed[p])), $"point {p}: centroid {ga[p]}, expected {ea[p]}");
            }
        }
    }

    [Test]
    public void TiesGoToTheLowestCentroid()
    {
        // Integer coordinates: every distance is exact, so equal distances are exact ties.
        using var x = Tensor.FromArray(new[] { 0f, 0f, 1f, 0f, 2f, 2f, 5f, 5f }, [4, 2]);
        using var c = Tensor.FromArray(new[] { 1f, 1f, -1f, -1f, 1f, 1f, 3f, 1f, 1f, -1f }, [5, 2]);
        var (a, dist) = Tensor.KMeansAssign(x, c);
        Assert.That(a.ToArray<long>(), Is.EqualTo(new long[] { 0, 0, 0, 3 }), "(0,0): 0 1 4 tie; (1,0): 0 2 4 tie; (2,2): 0 2 3 tie");
        Assert.That(dist.ToArray<float>(), Is.EqualTo(new[] { 2f, 1f, 2f, 20f }));
    }

    [Test]
    public void NaNAndInfinity()
    {
        using var x = Tensor.FromArray(new[] { float.NaN, 0f, float.PositiveInfinity, 0f, 1f, 1f }, [3, 2]);
        using var c = Tensor.FromArray(new[] { 0f, 0f, 2f, 2f }, [2, 2]);
        var (a, dist) = Tensor.KMeansAssign(x, c);
        var da = dist.ToArray<float>();
        Assert.That(a.ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 0 }));
        Assert.That(float.IsNaN(da[0]), Is.True, "a NaN point has NaN distance and centroid 0");
        Assert.That(da[1], Is.EqualTo(float.PositiveInfinity), "(inf, 0): x.c0 = inf * 0 is NaN and never wins; c1 wins at distance inf");
        using var c2 = Tensor.FromArray(new[] { float.NaN, 0f, 2f, 2f }, [2, 2]);
        var (a2, _) = Tensor.KMeansAssign(x, c2);
        Assert.That(a2.ToArray<long>()[2], Is.EqualTo(1), "a NaN centroid never wins");
    }

    [Test]
    public void LloydFindsSeparatedClusters([Values] bool f64)
    {
        int per = 40, d = 3;
        var r = new System.Random(5);
        double[][] centres = [[0, 0, 0], [10, 0, 0], [0, 10, 10]];
        var data = new List<double>();
        for (int p = 0; p < 3 * per; p++)
            for (int e = 0; e < d; e++) data.Add(centres[p % 3][e] + r.NextDouble() - 0.5);
        using var xt = Tensor.FromArray(data.ToArray(), [3 * per, d]);
        using var x = f64 ? xt.Alias() : xt.To(DType.Float32);
        using var res = Tensor.KMeans(x, 3, seed: 11);
        var a = res.Assignments.ToArray<long>();
        for (int p = 3; p < 3 * per; p++) Assert.That(a[p], Is.EqualTo(a[p % 3]), $"point {p} is in its cluster");
        Assert.That(new[] { a[0], a[1], a[2] }.Distinct().Count(), Is.EqualTo(3));
        Assert.That(res.Iterations, Is.GreaterThanOrEqualTo(1));
        Assert.That(res.Quantized.Shape, Is.EqualTo(new[] { 3 * per, d }));
        var q = res.Quantized.ToArray<double>();
        var cent = res.Centroids.ToArray<double>();
        for (int p = 0; p < 3 * per; p++)
            for (int e = 0; e < d; e++) Assert.That(q[p * d + e], Is.EqualTo(cent[a[p] * d + e]));
        // Centroids are the means of their members.
        for (int j = 0; j < 3; j++)
            for (int e = 0; e < d; e++)
            {
                var members = Enumerable.Range(0, 3 * per).Where(p => a[p] == j).Select(p => x.ToArray<double>()[p * d + e]).ToArray();
                Assert.That(cent[j * d + e], Is.EqualTo(members.Average()).Within(1e-5));
            }
    }

    [Test]
    public void SameSeedSameResultAndKGreaterThanN()
    {
        using var x = Tensor.FromArray(Normal(30, 3).Select(v => (float)v).ToArray(), [10, 3]);
        using var a = Tensor.KMeans(x, 4, seed: 7);
        using var b = Tensor.KMeans(x, 4, seed: 7);
        Assert.That(a.Centroids.ToArray<float>(), Is.EqualTo(b.Centroids.ToArray<float>()));
        Assert.That(a.Assignments.ToArray<long>(), Is.EqualTo(b.Assignments.ToArray<long>()));
        using var big = Tensor.KMeans(x, 15, seed: 1);
        Assert.That(big.Centroids.Shape, Is.EqualTo(new[] { 15, 3 }));
        // Every point is its own cluster: quantisation is exact.
        Assert.That(big.Quantized.ToArray<float>(), Is.EqualTo(x.ToArray<float>()));
        using var k1 = Tensor.KMeans(x, 1);
        Assert.That(k1.Assignments.ToArray<long>().All(v => v == 0), Is.True);
    }

    [Test]
    public void BadArgumentsRaiseClearErrors()
    {
        using var x = Tensor.Zeros([5, 3]);
        Assert.That(() => Tensor.KMeans(x, 0), Throws.InstanceOf<ArgumentException>().With.Message.Contains("K = 0"));
        using var r3 = Tensor.Zeros([2, 5, 3]);
        Assert.That(() => Tensor.KMeans(r3, 2), Throws.InstanceOf<ArgumentException>().With.Message.Contains("(N, D)").And.Message.Contains("[2, 5, 3]"));
        using var c = Tensor.Zeros([2, 4]);
        Assert.That(() => Tensor.KMeansAssign(x, c), Throws.InstanceOf<ArgumentException>().With.Message.Contains("[2, 4]"));
        using var c0 = Tensor.Zeros([0, 3]);
        Assert.That(() => Tensor.KMeansAssign(x, c0), Throws.InstanceOf<ArgumentException>().With.Message.Contains("at least one centroid"));
        using var ints = Tensor.FromArray(new long[] { 1, 2 }, [2, 1]);
        Assert.That(() => Tensor.KMeans(ints, 1), Throws.InstanceOf<ArgumentException>().With.Message.Contains("int64"));
        using var c64 = Tensor.Zeros([2, 3], DType.Float64);
        Assert.That(() => Tensor.KMeansAssign(x, c64), Throws.InstanceOf<ArgumentException>().With.Message.Contains("dtype"));
    }
}
