using Dab.Models;
using Dab.Models.Hard;
using Dab.NN;
using Dab.Random;
using NUnit.Framework;

namespace Dab.Tests.Models;

/// <summary>The sort, top-k, k-means and Bernoulli hard functions, alone and inside a DAB layer.</summary>
public class OperatorHardFunctionTests
{
    private static Tensor M(float[] v, int rows, int cols) => Tensor.FromArray(v, [rows, cols]);

    [Test]
    public void RowColumnSortConcatenatesBothSorts()
    {
        using var x = M([3, 1, 2, 0, 5, 4], 2, 3);
        using var y = new RowColumnSort().Apply(x);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 6 }));
        // rows: [1 2 3], [0 4 5]; columns of [[3 1 2], [0 5 4]] sorted: [[0 1 2], [3 5 4]].
        Assert.That(y.ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3, 0, 1, 2, 0, 4, 5, 3, 5, 4 }));
        Assert.That(new RowColumnSort().OutputShape([4, 2, 3, 5]), Is.EqualTo(new[] { 4, 2, 3, 10 }));
        using var fm = Tensor.Zeros([2, 3, 4, 5]);
        using var fy = new RowColumnSort().Apply(fm);
        Assert.That(fy.Shape, Is.EqualTo(new[] { 2, 3, 4, 10 }));
    }

    [Test]
    public void TopKIsTheFirstKOfTheConcatenation()
    {
        using var x = M([3, 1, 2, 0, 5, 4], 2, 3);
        using var y = new TopKOfSorts(4).Apply(x);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 4 }));
        Assert.That(y.ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3, 0, 0, 4, 5, 3 }));
        Assert.That(() => new TopKOfSorts(7).Apply(x), Throws.InstanceOf<ArgumentException>().With.Message.Contains("k = 7"));
        Assert.That(() => new TopKOfSorts(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void FlatSortKeepsTheShape()
    {
        using var x = Tensor.FromArray(new float[] { 4, 3, 2, 1, 0, 9, 8, 7 }, [2, 2, 2]);
        using var y = new FlatSort().Apply(x);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 2, 2 }));
        Assert.That(y.ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3, 4, 0, 7, 8, 9 }));
    }

    [Test]
    public void KMeansQuantisesRowsToAtMostKCentroids()
    {
        using var x = new Generator(4).Normal([8, 6, 3]);
        using var y = new KMeansQuantize(10).Apply(x);
        Assert.That(y.Shape, Is.EqualTo(x.Shape));
        var v = y.ToArray<float>();
        var rows = Enumerable.Range(0, 48).Select(r => string.Join(",", v.Skip(r * 3).Take(3))).Distinct().Count();
        Assert.That(rows, Is.LessThanOrEqualTo(10));
        Assert.That(rows, Is.GreaterThan(1));
        using var again = new KMeansQuantize(10).Apply(x);
        Assert.That(again.ToArray<float>(), Is.EqualTo(v), "a fixed seed gives the same quantisation");
    }

    [Test]
    public void BernoulliSampleIsBinaryAndFollowsTheLogits()
    {
        using var logits = Tensor.FromArray(Enumerable.Range(0, 4000).Select(i => i < 2000 ? -20f : 20f).ToArray(), [2, 2000]);
        using var y = new BernoulliSample(new Generator(1)).Apply(logits);
        var v = y.ToArray<float>();
        Assert.That(v.Take(2000).All(e => e == 0) && v.Skip(2000).All(e => e == 1), Is.True);
        using var half = Tensor.Zeros([1, 10000]);
        using var h = new BernoulliSample(new Generator(2)).Apply(half);
        Assert.That(h.ToArray<float>().Average(), Is.EqualTo(0.5).Within(0.03));
    }

    [TestCaseSource(nameof(SameShapeFunctions))]
    public void StraightThroughPassesTheGradient(HardFunction f)
    {
        var x = new Generator(9).Normal([4, 6], DType.Float64);
        x.RequiresGrad = true;
        using var layer = DabLayer.StraightThrough(f);
        var z = layer.Forward(x);
        var w = new Generator(10).Normal([4, 6], DType.Float64);
        z.Mul(w).Sum().Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(w.ToArray<double>()), "identity surrogate: dL/dx = dL/dz");
    }

    public static IEnumerable<TestCaseData> SameShapeFunctions()
    {
        yield return new TestCaseData(new FlatSort()).SetName("STE_sort1d");
        yield return new TestCaseData(new KMeansQuantize(3)).SetName("STE_kmeans");
        yield return new TestCaseData(new BernoulliSample(new Generator(3))).SetName("STE_bernoulli");
        yield return new TestCaseData(new Signum()).SetName("STE_signum");
        yield return new TestCaseData(new BinaryThreshold()).SetName("STE_binary");
    }

    [Test]
    public void StraightThroughRefusesAShapeChange()
    {
        var x = new Generator(9).Normal([4, 6]);
        x.RequiresGrad = true;
        using var layer = DabLayer.StraightThrough(new RowColumnSort());
        Assert.That(() => layer.Forward(x), Throws.InstanceOf<ArgumentException>().With.Message.Contains("[4, 12]"));
    }

    [TestCaseSource(nameof(ShapeChanging))]
    public void ASurrogateOfTheOutputShapeTrainsTheLayer(HardFunction f, int outFeatures)
    {
        var g = new Generator(12);
        var x = g.Normal([5, 6], DType.Float64);
        x.RequiresGrad = true;
        var surrogate = new Sequential(new Linear(6, 16, gen: g, dtype: DType.Float64), new Tanh(), new Linear(16, outFeatures, gen: g, dtype: DType.Float64));
        using var layer = new DabLayer(f, surrogate, gamma: 10);
        var z = layer.Forward(x);
        Assert.That(z.Shape, Is.EqualTo(f.OutputShape(x.Shape)));
        var loss = z.Square().Sum().Add(layer.BridgeLoss!);
        loss.Backward();
        var gx = x.Grad!.ToArray<double>();
        Assert.That(gx.Any(v => v != 0) && gx.All(double.IsFinite), Is.True, "the task gradient reaches x through the surrogate");
        foreach (var p in surrogate.Parameters())
            Assert.That(p.Grad!.ToArray<double>().Any(v => v != 0), Is.True, "the bridge loss trains the surrogate");
    }

    public static IEnumerable<TestCaseData> ShapeChanging()
    {
        yield return new TestCaseData(new RowColumnSort(), 12).SetName("DAB_sort_rows_cols");
        yield return new TestCaseData(new TopKOfSorts(4), 4).SetName("DAB_topk");
        yield return new TestCaseData(new FlatSort(), 6).SetName("DAB_sort1d");
        yield return new TestCaseData(new KMeansQuantize(10), 6).SetName("DAB_kmeans");
    }
}
