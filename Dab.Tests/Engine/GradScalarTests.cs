using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Gradient checks of the tensor-scalar ops.</summary>
public class GradScalarTests
{
    [TestCase(2.5)]
    [TestCase(-0.75)]
    public void AddSubMulDiv(double s)
    {
        var x = TestData.Leaf([3, 5], 10);
        GradCheck.Check(t => t[0].Add(s), x);
        GradCheck.Check(t => t[0].Sub(s), x);
        GradCheck.Check(t => t[0].Mul(s), x);
        GradCheck.Check(t => t[0].Div(s), x);
    }

    [TestCase(2.5)]
    [TestCase(-0.75)]
    public void RSubRDiv(double s)
    {
        var x = TestData.LeafAway([3, 5], 11, 0.4, 2);
        GradCheck.Check(t => t[0].RSub(s), x);
        GradCheck.Check(t => t[0].RDiv(s), x);
    }

    [TestCase(2.0)]
    [TestCase(3.0)]
    [TestCase(0.5)]
    [TestCase(-1.5)]
    [TestCase(1.0)]
    [TestCase(0.0)]
    public void PowScalar(double p)
    {
        var x = TestData.Leaf([2, 7], 12, 0.3, 2);
        GradCheck.Check(t => t[0].Pow(p), x);
    }

    [Test]
    public void ScalarOperators()
    {
        var x = TestData.LeafAway([9], 13, 0.4, 2);
        GradCheck.Check(t => 2.0 - t[0] * 3.0 + 1.5 / t[0] - t[0] / 4.0 + (t[0] + 1.0) + (0.5 + t[0]) * (2.0 * t[0]) - (t[0] - 0.5), x);
    }

    [Test]
    public void ScalarOpsForwardValues()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 4 });
        Assert.Multiple(() =>
        {
            Assert.That(x.Add(1).ToArray<double>(), Is.EqualTo(new double[] { 2, 3, 5 }));
            Assert.That(x.Sub(1).ToArray<double>(), Is.EqualTo(new double[] { 0, 1, 3 }));
            Assert.That(x.Mul(3).ToArray<double>(), Is.EqualTo(new double[] { 3, 6, 12 }));
            Assert.That(x.Div(4).ToArray<double>(), Is.EqualTo(new double[] { 0.25, 0.5, 1 }));
            Assert.That(x.RSub(10).ToArray<double>(), Is.EqualTo(new double[] { 9, 8, 6 }));
            Assert.That(x.RDiv(8).ToArray<double>(), Is.EqualTo(new double[] { 8, 4, 2 }));
            Assert.That(x.Pow(2).ToArray<double>(), Is.EqualTo(new double[] { 1, 4, 16 }));
        });
    }
}
