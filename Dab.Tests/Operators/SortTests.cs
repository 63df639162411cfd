using Dab.Tests.Engine;
using NUnit.Framework;

namespace Dab.Tests.Operators;

/// <summary>Sort and top-k on the CPU against the LINQ reference; gradients; argument errors.</summary>
public class SortTests
{
    private static readonly int[] Lengths = [1, 2, 3, 7, 33, 100, 1000, 4097];

    [Test]
    public void SortsRowsWithTiesInfinitiesAndNaN([Values] bool descending, [Values] bool f64)
    {
        foreach (int n in Lengths)
        {
            int rows = n > 1000 ? 2 : 5;
            var data = OperatorReference.Nasty(rows * n, n);
            using var x32 = Tensor.FromArray(data, [rows, n]);
            using var x = f64 ? x32.To(DType.Float64) : x32.Alias();
            var (v, i) = x.Sort(1, descending);
            Assert.That(v.Shape, Is.EqualTo(new[] { rows, n }));
            Assert.That(i.DType, Is.EqualTo(DType.Int64));
            Assert.That(v.DType, Is.EqualTo(x.DType));
            OperatorReference.AssertRowsSorted(data.Select(f => (double)f).ToArray(), rows, n, n, descending, v.ToArray<double>(), i.ToArray<long>(), $"n={n}");
        }
    }

    [Test]
    public void MinusZeroAndPlusZeroAreTies()
    {
        using var x = Tensor.FromArray(new[] { 0f, -0f, 0f, -0f });
        var (_, i) = x.Sort();
        Assert.That(i.ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 2, 3 }));
        var (_, j) = x.Sort(descending: true);
        Assert.That(j.ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 2, 3 }));
    }

    [Test]
    public void NaNSortsLastAscendingAndFirstDescending()
    {
        using var x = Tensor.FromArray(new[] { float.NaN, 1f, float.PositiveInfinity, float.NaN, float.NegativeInfinity });
        var (va, ia) = x.Sort();
        Assert.That(ia.ToArray<long>(), Is.EqualTo(new long[] { 4, 1, 2, 0, 3 }));
        Assert.That(float.IsNaN(va.ToArray<float>()[4]), Is.True);
        var (_, id) = x.Sort(descending: true);
        Assert.That(id.ToArray<long>(), Is.EqualTo(new long[] { 0, 3, 2, 1, 4 }));
        var (tv, ti) = x.TopK(2);
        Assert.That(ti.ToArray<long>(), Is.EqualTo(new long[] { 0, 3 }), "NaN counts as the largest");
        Assert.That(tv.ToArray<float>().All(float.IsNaN), Is.True);
    }

    [Test]
    public void SortsAlongEveryDim([Values(0, 1, 2, -1)] int dim, [Values] bool descending)
    {
        int[] shape = [4, 5, 6];
        var data = OperatorReference.Nasty(120, 7 + dim);
        using var x = Tensor.FromArray(data, shape);
        var (v, i) = x.Sort(dim, descending);
        Assert.That(v.Shape, Is.EqualTo(shape));
        // Compare with sorting the moved-last copy.
        int d = dim < 0 ? dim + 3 : dim;
        using var moved = x.Transpose(d, 2);
        var (mv, mi) = moved.Sort(2, descending);
        using var back = mv.Transpose(d, 2);
        using var backI = mi.Transpose(d, 2);
        Assert.That(i.ToArray<long>(), Is.EqualTo(backI.ToArray<long>()));
        var md = moved.ToArray<double>();
        int n = shape[d];
        OperatorReference.AssertRowsSorted(md, md.Length / n, n, n, descending, mv.ToArray<double>(), mi.ToArray<long>(), "moved last");
        // Values are the input gathered at the indices.
        using var g = x.Gather(d, i);
        Assert.That(g.ToArray<float>(), Is.EqualTo(v.ToArray<float>()));
    }

    [Test]
    public void TopKMatchesTheFirstKOfTheSort([Values] bool largest, [Values] bool f64)
    {
        foreach (int n in new[] { 1, 5, 64, 1000 })
            foreach (int k in new[] { 0, 1, 3, n / 2, n - 1, n }.Where(k => k >= 0 && k <= n).Distinct())
            {
                int rows = 3;
                var data = OperatorReference.Nasty(rows * n, n * 31 + k);
                using var x32 = Tensor.FromArray(data, [rows, n]);
                using var x = f64 ? x32.To(DType.Float64) : x32.Alias();
                var (v, i) = x.TopK(k, 1, largest);
                Assert.That(v.Shape, Is.EqualTo(new[] { rows, k }));
                OperatorReference.AssertRowsSorted(data.Select(f => (double)f).ToArray(), rows, n, k, largest, v.ToArray<double>(), i.ToArray<long>(), $"n={n} k={k}");
            }
    }

    [Test]
    public void TopKAlongTheFirstDim()
    {
        using var x = Tensor.FromArray(new[] { 1f, 9f, 5f, 5f, 3f, 2f }, [3, 2]);
        var (v, i) = x.TopK(2, 0);
        Assert.That(v.ToArray<float>(), Is.EqualTo(new[] { 5f, 9f, 3f, 5f }));
        Assert.That(i.ToArray<long>(), Is.EqualTo(new long[] { 1, 0, 2, 1 }));
    }

    [Test]
    public void EmptyAndSingleElementRows()
    {
        using var e = Tensor.Zeros([0, 5]);
        var (v, i) = e.Sort(1);
        Assert.That(v.Shape, Is.EqualTo(new[] { 0, 5 }));
        using var z = Tensor.Zeros([3, 0]);
        var (zv, zi) = z.Sort(1);
        Assert.That(zi.Shape, Is.EqualTo(new[] { 3, 0 }));
        var (tv, _) = z.TopK(0);
        Assert.That(tv.Shape, Is.EqualTo(new[] { 3, 0 }));
        using var one = Tensor.FromArray(new[] { 2f, float.NaN }, [2, 1]);
        var (ov, oi) = one.Sort(1, descending: true);
        Assert.That(oi.ToArray<long>(), Is.EqualTo(new long[] { 0, 0 }));
    }

    [Test]
    public void SortGradientScattersThroughTheIndices([Values(0, 1, -1)] int dim, [Values] bool descending)
    {
        GradCheck.Check(t => t[0].Sort(dim, descending).Values.Square(), TestData.Leaf([4, 5, 3], 900 + dim));
    }

    [Test]
    public void TopKGradient([Values] bool largest)
    {
        GradCheck.Check(t => t[0].TopK(3, 1, largest).Values.Mul(t[0].TopK(3, 1, largest).Values), TestData.Leaf([4, 7], 910));
        GradCheck.Check(t => t[0].TopK(2, 0, largest).Values.Exp(), TestData.Leaf([5, 3], 911));
    }

    [Test]
    public void BadArgumentsRaiseClearErrors()
    {
        using var x = Tensor.Zeros([3, 4]);
        Assert.That(() => x.TopK(5), Throws.InstanceOf<ArgumentException>().With.Message.Contains("k = 5").And.Message.Contains("[3, 4]"));
        Assert.That(() => x.TopK(-1), Throws.InstanceOf<ArgumentException>().With.Message.Contains("k = -1"));
        Assert.That(() => x.Sort(2), Throws.InstanceOf<ArgumentException>().With.Message.Contains("dim 2"));
        Assert.That(() => x.TopK(1, -3), Throws.InstanceOf<ArgumentException>().With.Message.Contains("dim -3"));
        using var ints = Tensor.FromArray(new long[] { 3, 1 });
        Assert.That(() => ints.Sort(), Throws.InstanceOf<ArgumentException>().With.Message.Contains("int64"));
        using var s = Tensor.Scalar(1);
        Assert.That(() => s.Sort(), Throws.InstanceOf<ArgumentException>().With.Message.Contains("scalar"));
    }

    [Test]
    public void IndicesCarryNoGradientAndArgSortMatches()
    {
        var x = TestData.Leaf([6], 77);
        var (v, i) = x.Sort();
        Assert.That(i.RequiresGrad, Is.False);
        Assert.That(v.RequiresGrad, Is.True);
        Assert.That(x.ArgSort().ToArray<long>(), Is.EqualTo(i.ToArray<long>()));
    }
}
