using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Gradient checks of the reduced losses: cross-entropy, mse and binary cross-entropy with logits.</summary>
public class GradLossReductionTests
{
    [Test]
    public void CrossEntropy2D([Values(Reduction.Mean, Reduction.Sum, Reduction.None)] Reduction reduction)
    {
        var logits = TestData.Leaf([4, 5], 70, -2, 2);
        var target = TestData.Longs([0, 4, 2, 2], 4);
        GradCheck.Check(t => Tensor.CrossEntropy(t[0], target, reduction), logits);
    }

    [Test]
    public void CrossEntropy3D([Values(Reduction.Mean, Reduction.Sum, Reduction.None)] Reduction reduction)
    {
        var logits = TestData.Leaf([3, 4, 2], 71, -2, 2);
        var target = TestData.Longs([0, 3, 1, 1, 2, 0], 3, 2);
        GradCheck.Check(t => Tensor.CrossEntropy(t[0], target, reduction), logits);
    }

    [Test]
    public void Mse([Values(Reduction.Mean, Reduction.Sum, Reduction.None)] Reduction reduction)
    {
        var input = TestData.Leaf([3, 5], 72);
        var target = TestData.Leaf([3, 5], 73);
        GradCheck.Check(t => Tensor.Mse(t[0], t[1], reduction), input, target);
    }

    [Test]
    public void BinaryCrossEntropyWithLogits([Values(Reduction.Mean, Reduction.Sum, Reduction.None)] Reduction reduction)
    {
        var logits = TestData.Leaf([3, 5], 74, -4, 4);
        var target = Tensor.FromArray(TestData.Uniform(15, 75, 0, 1), [3, 5]);
        GradCheck.Check(t => Tensor.BinaryCrossEntropyWithLogits(t[0], target, reduction), logits);
    }

    [TestCase(new[] { 3, 5 }, 10.0)]
    [TestCase(new[] { 4 }, 1.0)]
    [TestCase(new[] { 2, 3, 2 }, 0.5)]
    public void SquaredDistanceLoss(int[] shape, double scale)
    {
        var input = TestData.Leaf(shape, 76);
        var target = TestData.Leaf(shape, 77);
        GradCheck.Check(t => Tensor.SquaredDistanceLoss(t[0], t[1], scale), input, target);
    }

    [Test]
    public void SquaredDistanceLossIsTheComposedBridgeLossInFloat32()
    {
        // odd sizes: more than one 8192-element chunk, a vector body and a scalar tail
        var gen = new Dab.Random.Generator(78);
        var a = gen.Normal([129, 67]); var b = gen.Normal([129, 67]);
        a.RequiresGrad = true;
        var fused = Tensor.SquaredDistanceLoss(a, b, 10);
        fused.Backward();
        var gFused = a.Grad!.ToArray<float>();
        a.Grad = null;
        var composed = a.Sub(b).Square().Sum(1).Mean().Mul(10);
        composed.Backward();
        Assert.That(fused.Item(), Is.EqualTo(composed.Item()).Within(1e-5 * composed.Item()));
        Assert.That(fused.Shape, Is.Empty);
        var gComposed = a.Grad!.ToArray<float>();
        for (int i = 0; i < gFused.Length; i++) Assert.That(gFused[i], Is.EqualTo(gComposed[i]).Within(1e-6 + 1e-6 * Math.Abs(gComposed[i])), $"grad[{i}]");
    }

    [Test]
    public void SquaredDistanceLossNamesMismatchedShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.SquaredDistanceLoss(Tensor.Zeros([2, 3]), Tensor.Zeros([3, 2])));
        Assert.That(ex!.Message, Does.Contain("squared_distance_loss"));
    }
}
