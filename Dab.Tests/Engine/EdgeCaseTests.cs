using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Empty dimensions, NaN and infinities, ties.</summary>
public class EdgeCaseTests
{
    [Test]
    public void EmptyElementwise([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        var x = Tensor.Zeros([0, 3], dtype);
        var b = Tensor.Ones([3], dtype);
        Assert.That(x.Add(b).Shape, Is.EqualTo(new[] { 0, 3 }));
        Assert.That(x.Mul(b).Numel, Is.EqualTo(0));
        Assert.That(x.Exp().Shape, Is.EqualTo(new[] { 0, 3 }));
        Assert.That(x.Tanh().Numel, Is.EqualTo(0));
        Assert.That(x.Mul(2.0).Shape, Is.EqualTo(new[] { 0, 3 }));
        Assert.That(x.Clamp(0, 1).Numel, Is.EqualTo(0));
        Assert.That(x.Permute(1, 0).Shape, Is.EqualTo(new[] { 3, 0 }));
        Assert.That(x.Reshape(3, 0, 5).Numel, Is.EqualTo(0));
        Assert.That(Tensor.Concat([x, Tensor.Ones([2, 3], dtype)], 0).ToArray<double>(), Is.EqualTo(new double[] { 1, 1, 1, 1, 1, 1 }));
    }

    [Test]
    public void EmptySum([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        var x = Tensor.Zeros([0, 3], dtype);
        Assert.That(x.Sum().Item(), Is.EqualTo(0.0));
        var s0 = x.Sum(0);
        Assert.That(s0.Shape, Is.EqualTo(new[] { 3 }));
        Assert.That(s0.ToArray<double>(), Is.EqualTo(new double[] { 0, 0, 0 }));
        var s1 = x.Sum(1);
        Assert.That(s1.Shape, Is.EqualTo(new[] { 0 }));
        Assert.That(x.Sum(0, keepDim: true).Shape, Is.EqualTo(new[] { 1, 3 }));
        Assert.That(double.IsNaN(x.Mean().Item()), "mean of nothing is NaN, as in PyTorch");
        Assert.That(x.LogSumExp(0).ToArray<double>(), Is.All.EqualTo(double.NegativeInfinity));
    }

    [Test]
    public void EmptyMatMul([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        var a = Tensor.Zeros([0, 3], dtype);
        var b = Tensor.Ones([3, 4], dtype);
        Assert.That(a.MatMul(b).Shape, Is.EqualTo(new[] { 0, 4 }));
        // k = 0: the product of an empty inner dimension is all zeros, not uninitialised memory.
        var p = Tensor.Full([2, 0], 1, dtype);
        var q = Tensor.Full([0, 3], 1, dtype);
        var c = p.MatMul(q);
        Assert.That(c.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(c.ToArray<double>(), Is.All.EqualTo(0.0));
        Assert.That(Tensor.Ones([2, 3], dtype).MatMul(Tensor.Ones([3, 0], dtype)).Shape, Is.EqualTo(new[] { 2, 0 }));
    }

    [Test]
    public void EmptyGradient()
    {
        var x = TestData.LeafOf([], 0, 3);
        var w = TestData.Leaf([3, 2], 1);
        x.MatMul(w).Sum().Backward();
        Assert.That(w.Grad!.ToArray<double>(), Is.All.EqualTo(0.0));
    }

    [Test]
    public void NaNCountsAsTheMaximum([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        var x = Tensor.FromArray(new[] { 1.0, 7, double.NaN, 9, double.NaN, 2, 5, 3, 4 }, [3, 3]).To(dtype);
        // Rows (inner == 1).
        Assert.That(x.ArgMax(1).ToArray<long>(), Is.EqualTo(new long[] { 2, 1, 0 }));
        Assert.That(x.ArgMin(1).ToArray<long>(), Is.EqualTo(new long[] { 2, 1, 1 }));
        var mx = x.Max(1).ToArray<double>();
        Assert.That(double.IsNaN(mx[0]) && double.IsNaN(mx[1]) && mx[2] == 5, $"max along rows: {string.Join(", ", mx)}");
        // Columns (strided): column 1 is [7, NaN, 3], column 2 is [NaN, 2, 4].
        Assert.That(x.ArgMax(0).ToArray<long>(), Is.EqualTo(new long[] { 1, 1, 0 }));
        var mc = x.Max(0).ToArray<double>();
        Assert.That(mc[0] == 9 && double.IsNaN(mc[1]) && double.IsNaN(mc[2]), $"max along columns: {string.Join(", ", mc)}");
        var mn = x.Min(0).ToArray<double>();
        Assert.That(mn[0] == 1 && double.IsNaN(mn[1]) && double.IsNaN(mn[2]), $"min along columns: {string.Join(", ", mn)}");
    }

    [Test]
    public void InfinitiesInMaxAndArgMax()
    {
        var x = Tensor.FromArray(new[] { float.NegativeInfinity, -1e30f, float.PositiveInfinity, 3, float.NegativeInfinity, float.NegativeInfinity }, [2, 3]);
        Assert.That(x.ArgMax(1).ToArray<long>(), Is.EqualTo(new long[] { 2, 0 }));
        Assert.That(x.Max(1).ToArray<float>(), Is.EqualTo(new[] { float.PositiveInfinity, 3f }));
        Assert.That(x.ArgMin(1).ToArray<long>(), Is.EqualTo(new long[] { 0, 1 }));
        Assert.That(x.Min(1).ToArray<float>(), Is.EqualTo(new[] { float.NegativeInfinity, float.NegativeInfinity }));
    }

    [Test]
    public void ArgMaxTiesGoToTheLowestIndex()
    {
        var x = Tensor.FromArray(new float[] { 1, 5, 5, 2, 5, 3, 3, 3, 3, 0, 0, 0 }, [3, 4]);
        Assert.That(x.ArgMax(1).ToArray<long>(), Is.EqualTo(new long[] { 1, 0, 0 }));
        Assert.That(x.ArgMin(1).ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 1 }));
        // Along dim 0 (strided): columns [1,5,3], [5,3,0], [5,3,0], [2,3,0].
        var y = Tensor.FromArray(new float[] { 1, 5, 5, 2, 5, 3, 3, 3, 5, 0, 0, 3 }, [3, 4]);
        Assert.That(y.ArgMax(0).ToArray<long>(), Is.EqualTo(new long[] { 1, 0, 0, 1 }));
        var big = Tensor.Full([1023], 2f);
        Assert.That(big.ArgMax(0).Item(), Is.EqualTo(0));
    }

    [Test]
    public void SoftmaxWithNegativeInfinity([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        double ninf = double.NegativeInfinity;
        var x = Tensor.FromArray(new[] { 0, ninf, 1, ninf, 2, ninf, ninf, ninf, ninf }, [3, 3]).To(dtype);
        var p = x.Softmax(1).ToArray<double>();
        double e = Math.E;
        TestData.AssertClose(p[..6], [1 / (1 + e), 0, e / (1 + e), 0, 1, 0], 1e-7, 1e-6, "softmax rows with -inf");
        Assert.That(p[6..], Is.All.NaN, "a row of only -inf gives NaN, as in PyTorch");
        var lp = x.LogSoftmax(1).ToArray<double>();
        Assert.That(lp[1], Is.EqualTo(double.NegativeInfinity));
        Assert.That(lp[4], Is.EqualTo(0.0));
        Assert.That(lp[0], Is.EqualTo(-Math.Log(1 + e)).Within(1e-6));
        // Along the strided dim as well.
        var pc = x.Softmax(0).ToArray<double>();
        Assert.That(pc[0], Is.EqualTo(1.0).Within(1e-7));
        Assert.That(pc[3], Is.EqualTo(0.0));
    }

    [Test]
    public void SoftmaxGradientWithNegativeInfinityIsFinite()
    {
        var x = TestData.LeafOf([0.5, double.NegativeInfinity, -0.25, 1], 4);
        var w = Tensor.FromArray(new[] { 1.0, 2, 3, 4 });
        x.Softmax(0).Mul(w).Sum().Backward();
        var g = x.Grad!.ToArray<double>();
        Assert.That(g.All(double.IsFinite), string.Join(", ", g));
        Assert.That(g[1], Is.EqualTo(0.0));
    }

    [Test]
    public void LogSumExpWithInfinities()
    {
        double ninf = double.NegativeInfinity, pinf = double.PositiveInfinity;
        var x = Tensor.FromArray(new[] { 0, ninf, 0, ninf, ninf, ninf, 1, pinf, 2 }, [3, 3]);
        var y = x.LogSumExp(1).ToArray<double>();
        Assert.That(y[0], Is.EqualTo(Math.Log(2)).Within(1e-15));
        Assert.That(y[1], Is.EqualTo(ninf));
        Assert.That(y[2], Is.EqualTo(pinf));
    }

    [Test]
    public void LargeLogitsDoNotOverflow()
    {
        var x = Tensor.FromArray(new[] { 1000f, 999f, -1000f, 0f });
        var p = x.Softmax(0).ToArray<float>();
        Assert.That(p.All(float.IsFinite));
        Assert.That(p[0], Is.EqualTo(1 / (1 + Math.Exp(-1))).Within(1e-6));
        Assert.That(x.LogSumExp(0).Item(), Is.EqualTo(1000 + Math.Log(1 + Math.Exp(-1))).Within(1e-3));
        var ce = Tensor.CrossEntropy(Tensor.FromArray(new[] { 1000f, -1000f }, [1, 2]), Tensor.FromArray(new long[] { 1 }));
        Assert.That(ce.Item(), Is.EqualTo(2000).Within(1e-2));
    }
}
