using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Gradient checks of sum, mean, max/min along a dim and logsumexp.</summary>
public class GradReductionTests
{
    private static readonly int[] Shape = [3, 4, 5];

    [Test]
    public void SumAll()
    {
        GradCheck.Check(t => t[0].Sum(), TestData.Leaf(Shape, 30));
        GradCheck.Check(t => t[0].Square().Sum(), TestData.Leaf([7], 31));
    }

    [Test]
    public void MeanAll()
    {
        GradCheck.Check(t => t[0].Mean(), TestData.Leaf(Shape, 32));
        GradCheck.Check(t => t[0].Square().Mean(), TestData.Leaf([7], 33));
    }

    [Test]
    public void SumAndMeanOfScalar()
    {
        var x = TestData.LeafOf([0.75], []);
        GradCheck.Check(t => t[0].Square().Sum(), x);
        GradCheck.Check(t => t[0].Square().Mean(), x);
    }

    public static IEnumerable<TestCaseData> DimCases()
    {
        foreach (var op in new[] { "sum", "mean", "max", "min", "logsumexp" })
            foreach (var dim in new[] { 0, 1, 2, -1 })
                foreach (var keep in new[] { false, true })
                    yield return new TestCaseData(op, dim, keep).SetName($"OneDim_{op}_dim{dim}_keep{keep}");
    }

    [TestCaseSource(nameof(DimCases))]
    public void OneDim(string op, int dim, bool keep)
    {
        var x = TestData.LeafOf(Distinct(60, 34 + dim), Shape);
        Func<Tensor[], Tensor> f = op switch
        {
            "sum" => t => t[0].Sum(dim, keep),
            "mean" => t => t[0].Mean(dim, keep),
            "max" => t => t[0].Max(dim, keep),
            "min" => t => t[0].Min(dim, keep),
            _ => t => t[0].LogSumExp(dim, keep),
        };
        var y = f([x]);
        var expected = (int[])Shape.Clone();
        int d = dim < 0 ? dim + Shape.Length : dim;
        expected[d] = 1;
        Assert.That(y.Shape, Is.EqualTo(keep ? expected : expected.Where((_, i) => i != d).ToArray()));
        GradCheck.Check(f, x);
    }

    [TestCase(new[] { 0, 2 }, false)]
    [TestCase(new[] { 0, 2 }, true)]
    [TestCase(new[] { 1, 2 }, false)]
    [TestCase(new[] { -1, 0 }, true)]
    [TestCase(new[] { 0, 1, 2 }, false)]
    [TestCase(new[] { 0, 1, 2 }, true)]
    public void SeveralDims(int[] dims, bool keep)
    {
        var x = TestData.Leaf(Shape, 35);
        GradCheck.Check(t => t[0].Sum(dims, keep), x);
        GradCheck.Check(t => t[0].Mean(dims, keep), x);
    }

    [Test]
    public void MaxGradientGoesToTheFirstMaximum()
    {
        var x = TestData.LeafOf([1.0, 3, 3, 2, 5, 5], 2, 3);
        x.Max(1).Sum().Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new double[] { 0, 1, 0, 0, 1, 0 }));
    }

    /// <summary>A shuffled arithmetic sequence: no ties, and gaps far larger than the difference step.</summary>
    private static double[] Distinct(int n, int seed)
    {
        var r = new System.Random(seed);
        return Enumerable.Range(0, n).Select(i => i * 0.05 - 1.5).OrderBy(_ => r.Next()).ToArray();
    }
}
