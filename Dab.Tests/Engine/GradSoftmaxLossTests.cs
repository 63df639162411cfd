using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Gradient checks of softmax, log-softmax and the losses.</summary>
public class GradSoftmaxLossTests
{
    [Test]
    public void Softmax([Values(0, 1, 2, -1)] int dim)
    {
        var x = TestData.Leaf([3, 4, 5], 60, -2, 2);
        GradCheck.Check(t => t[0].Softmax(dim), x);
    }

    [Test]
    public void LogSoftmax([Values(0, 1, 2, -1)] int dim)
    {
        var x = TestData.Leaf([3, 4, 5], 61, -2, 2);
        GradCheck.Check(t => t[0].LogSoftmax(dim), x);
    }

    [Test]
    public void SoftmaxOfVector()
    {
        GradCheck.Check(t => t[0].Softmax(0), TestData.Leaf([7], 62, -3, 3));
        GradCheck.Check(t => t[0].LogSoftmax(-1), TestData.Leaf([7], 63, -3, 3));
    }

    [Test]
    public void CrossEntropyNone2D()
    {
        var logits = TestData.Leaf([4, 5], 64, -2, 2);
        var target = TestData.Longs([0, 4, 2, 2], 4);
        GradCheck.Check(t => Tensor.CrossEntropy(t[0], target, Reduction.None), logits);
    }

    [Test]
    public void CrossEntropyNone3D()
    {
        var logits = TestData.Leaf([3, 4, 2], 65, -2, 2);
        var target = TestData.Longs([0, 3, 1, 1, 2, 0], 3, 2);
        Assert.That(Tensor.CrossEntropy(logits, target, Reduction.None).Shape, Is.EqualTo(new[] { 3, 2 }));
        GradCheck.Check(t => Tensor.CrossEntropy(t[0], target, Reduction.None), logits);
    }

    [Test]
    public void CrossEntropyInt32Targets()
    {
        var logits = TestData.Leaf([3, 4], 66, -2, 2);
        var target = Tensor.FromArray(new[] { 3, 0, 1 });
        GradCheck.Check(t => Tensor.CrossEntropy(t[0], target, Reduction.None), logits);
    }

    [Test]
    public void CrossEntropyForwardMatchesLogSoftmax()
    {
        var logits = TestData.Leaf([3, 4, 2], 67, -2, 2);
        var target = TestData.Longs([0, 3, 1, 1, 2, 0], 3, 2);
        var ce = Tensor.CrossEntropy(logits, target, Reduction.None).ToArray<double>();
        var lp = logits.LogSoftmax(1).ToArray<double>();
        var t = target.ToArray<long>();
        var expected = new double[6];
        for (int b = 0; b < 3; b++)
            for (int p = 0; p < 2; p++)
                expected[b * 2 + p] = -lp[(b * 4 + (int)t[b * 2 + p]) * 2 + p];
        TestData.AssertClose(ce, expected, 1e-12, 1e-12, "cross-entropy vs -log_softmax[target]");
    }
}
