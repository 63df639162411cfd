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
}
