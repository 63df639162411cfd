using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Gradient checks of the layout ops: reshape, transpose, permute, concat, slice, gather, index-select, broadcast, clone, casts.</summary>
public class GradShapeOpsTests
{
    [Test]
    public void Reshape()
    {
        var x = TestData.Leaf([2, 3, 4], 80);
        // A product afterwards so the gradient is not the same in every element.
        var w = Tensor.FromArray(TestData.Uniform(24, 81), [6, 4]);
        GradCheck.Check(t => t[0].Reshape(6, 4).Mul(w), x);
        GradCheck.Check(t => t[0].Reshape(-1, 3).Square(), x);
        GradCheck.Check(t => t[0].Reshape(24), x);
        GradCheck.Check(t => t[0].Flatten().Unsqueeze(1).Squeeze(1), x);
    }

    [Test]
    public void Transpose([Values(0, 1, -1)] int d0, [Values(0, 2)] int d1)
    {
        var x = TestData.Leaf([2, 3, 4], 82);
        GradCheck.Check(t => t[0].Transpose(d0, d1), x);
    }

    [TestCase(new[] { 0, 1, 2 })]
    [TestCase(new[] { 2, 0, 1 })]
    [TestCase(new[] { 1, 2, 0 })]
    [TestCase(new[] { 2, 1, 0 })]
    public void Permute(int[] perm)
    {
        var x = TestData.Leaf([2, 3, 4], 83);
        var y = x.Permute(perm);
        Assert.That(y.Shape, Is.EqualTo(perm.Select(p => x.Shape[p]).ToArray()));
        GradCheck.Check(t => t[0].Permute(perm), x);
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(-1)]
    public void Concat(int dim)
    {
        int d = dim < 0 ? dim + 3 : dim;
        int[] Shape(int len) { int[] s = [2, 3, 4]; s[d] = len; return s; }
        var a = TestData.Leaf(Shape(1), 84);
        var b = TestData.Leaf(Shape(3), 85);
        var c = TestData.Leaf(Shape(2), 86);
        var y = Tensor.Concat([a, b, c], dim);
        Assert.That(y.Shape, Is.EqualTo(Shape(6)));
        GradCheck.Check(t => Tensor.Concat(t, dim), a, b, c);
    }

    [Test]
    public void ConcatSameTensorTwice()
    {
        var a = TestData.Leaf([2, 3], 87);
        GradCheck.Check(t => Tensor.Concat([t[0], t[0].Square()], 1), a);
    }

    [TestCase(0, 1, 2)]
    [TestCase(1, 0, 3)]
    [TestCase(-1, 2, 2)]
    [TestCase(2, 0, 4)]
    public void Slice(int dim, int start, int length)
    {
        var x = TestData.Leaf([3, 4, 4], 88);
        GradCheck.Check(t => t[0].Slice(dim, start, length), x);
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(-1)]
    public void Gather(int dim)
    {
        var x = TestData.Leaf([3, 4, 2], 89);
        int d = dim < 0 ? dim + 3 : dim;
        int[] idxShape = [3, 4, 2];
        idxShape[d] = 5; // more picks than entries: repeats must accumulate
        var index = TestData.Longs(TestData.RandomIndices(TestData.Numel(idxShape), 90 + d, x.Shape[d]), idxShape);
        GradCheck.Check(t => t[0].Gather(dim, index), x);
    }

    [Test]
    public void GatherForwardValues()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var index = TestData.Longs([2, 0, 0, 1, 1, 1], 2, 3);
        Assert.That(x.Gather(1, index).ToArray<double>(), Is.EqualTo(new double[] { 3, 1, 1, 5, 5, 5 }));
        var index0 = TestData.Longs([1, 0, 1], 1, 3);
        Assert.That(x.Gather(0, index0).ToArray<double>(), Is.EqualTo(new double[] { 4, 2, 6 }));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(-1)]
    public void IndexSelect(int dim)
    {
        var x = TestData.Leaf([3, 4, 2], 91);
        int d = dim < 0 ? dim + 3 : dim;
        var index = TestData.Longs([1, 0, 1, x.Shape[d] - 1, 1], 5);
        var y = x.IndexSelect(dim, index);
        var expected = (int[])x.Shape.Clone();
        expected[d] = 5;
        Assert.That(y.Shape, Is.EqualTo(expected));
        GradCheck.Check(t => t[0].IndexSelect(dim, index), x);
    }

    [Test]
    public void IndexSelectForwardValues()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, [3, 2]);
        Assert.That(x.IndexSelect(0, TestData.Longs([2, 0, 2], 3)).ToArray<double>(), Is.EqualTo(new double[] { 5, 6, 1, 2, 5, 6 }));
        Assert.That(x.IndexSelect(1, TestData.Longs([1], 1)).ToArray<double>(), Is.EqualTo(new double[] { 2, 4, 6 }));
    }

    [TestCase(new[] { 3, 1 }, new[] { 2, 3, 4 })]
    [TestCase(new[] { 4 }, new[] { 3, 4 })]
    [TestCase(new int[0], new[] { 2, 3 })]
    [TestCase(new[] { 2, 1, 4 }, new[] { 2, 3, 4 })]
    [TestCase(new[] { 2, 3 }, new[] { 2, 3 })]
    public void BroadcastTo(int[] from, int[] to)
    {
        var x = TestData.Leaf(from, 92);
        GradCheck.Check(t => t[0].BroadcastTo(to), x);
    }

    [Test]
    public void Clone()
    {
        var x = TestData.Leaf([3, 5], 93);
        var c = x.Clone();
        Assert.That(c.ToArray<double>(), Is.EqualTo(x.ToArray<double>()));
        GradCheck.Check(t => t[0].Clone().Square(), x);
    }

    [Test]
    public void CastFloat64ToFloat32()
    {
        var x = TestData.Leaf([2, 3], 94);
        var w = TestData.F32([2, 3], 95, 0.5, 1.5);
        var y = x.To(DType.Float32);
        Assert.That(y.DType, Is.EqualTo(DType.Float32));
        y.Mul(w).Sum().Backward();
        Assert.That(x.Grad!.DType, Is.EqualTo(DType.Float64));
        Assert.That(x.Grad.ToArray<double>(), Is.EqualTo(w.ToArray<float>().Select(v => (double)v).ToArray()));
    }

    [Test]
    public void CastFloat32ToFloat64()
    {
        var x = TestData.F32([2, 3], 96);
        x.RequiresGrad = true;
        var w = Tensor.FromArray(new[] { 0.5, 1.25, -2, 3, 0.75, 1 }, [2, 3]);
        var y = x.To(DType.Float64);
        Assert.That(y.DType, Is.EqualTo(DType.Float64));
        Assert.That(y.ToArray<double>(), Is.EqualTo(x.ToArray<float>().Select(v => (double)v).ToArray()));
        y.Mul(w).Sum().Backward();
        Assert.That(x.Grad!.DType, Is.EqualTo(DType.Float32));
        Assert.That(x.Grad.ToArray<float>(), Is.EqualTo(new[] { 0.5f, 1.25f, -2f, 3f, 0.75f, 1f }));
    }

    [Test]
    public void CastRoundTripIsDifferentiable()
    {
        var x = TestData.Leaf([4], 97);
        GradCheck.Check(t => t[0].To(DType.Float64).Square(), x);
        var y = x.To(DType.Float32).To(DType.Float64).Sum();
        y.Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new double[] { 1, 1, 1, 1 }));
    }

    [Test]
    public void PermuteOfAZeroDimTensor()
    {
        var x = TestData.LeafOf([2.5], []);
        var y = x.Permute();
        Assert.That(y.Shape, Is.Empty);
        Assert.That(y.Item(), Is.EqualTo(2.5));
        GradCheck.Check(t => t[0].Permute().Square(), x);
    }
}
