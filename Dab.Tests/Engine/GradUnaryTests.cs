using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Gradient checks of the elementwise functions and activations.</summary>
public class GradUnaryTests
{
    // 2 x 9 = 18 elements: full SIMD vectors plus a scalar tail for any vector width up to 16 doubles.
    private static readonly int[] Shape = [2, 9];

    [TestCase("neg")]
    [TestCase("exp")]
    [TestCase("square")]
    [TestCase("tanh")]
    [TestCase("sigmoid")]
    [TestCase("softplus")]
    public void Smooth(string op)
    {
        var x = TestData.Leaf(Shape, 20 + op.Length, -3, 3);
        GradCheck.Check(Unary(op), x);
    }

    [TestCase("log")]
    [TestCase("sqrt")]
    public void PositiveDomain(string op)
    {
        var x = TestData.Leaf(Shape, 21, 0.2, 3);
        GradCheck.Check(Unary(op), x);
    }

    [TestCase("abs")]
    [TestCase("reciprocal")]
    [TestCase("relu")]
    [TestCase("elu")]
    [TestCase("sign")]
    public void AwayFromKinks(string op)
    {
        var x = TestData.LeafAway(Shape, 22 + op.Length, 0.2, 2);
        GradCheck.Check(Unary(op), x);
    }

    [TestCase(0.7)]
    [TestCase(2.0)]
    public void EluAlpha(double alpha)
    {
        var x = TestData.LeafAway(Shape, 23, 0.1, 3);
        GradCheck.Check(t => t[0].Elu(alpha), x);
    }

    [Test]
    public void SoftplusLargeMagnitudes()
    {
        var x = TestData.LeafOf([-30.0, -12.5, -4, 4, 12.5, 30, 0.25], 7);
        GradCheck.Check(t => t[0].Softplus(), x);
    }

    [Test]
    public void Clamp()
    {
        // Keep every value at least 0.05 from the edges -0.5 and 0.6.
        var vals = TestData.Uniform(18, 24, -1.5, 1.5).Select(v => Math.Abs(v + 0.5) < 0.05 || Math.Abs(v - 0.6) < 0.05 ? v + 0.2 : v).ToArray();
        Assert.That(vals.Count(v => v < -0.5), Is.GreaterThan(0));
        Assert.That(vals.Count(v => v > 0.6), Is.GreaterThan(0));
        Assert.That(vals.Count(v => v > -0.5 && v < 0.6), Is.GreaterThan(0));
        var x = TestData.LeafOf(vals, Shape);
        GradCheck.Check(t => t[0].Clamp(-0.5, 0.6), x);
    }

    [Test]
    public void SignHasZeroGradient()
    {
        var x = TestData.LeafAway([7], 25);
        x.Sign().Mul(x).Sum().Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(x.Sign().ToArray<double>()));
    }

    [Test]
    public void ChainOfFunctions()
    {
        var x = TestData.Leaf([3, 3], 26, 0.2, 1.5);
        GradCheck.Check(t => t[0].Sqrt().Log().Tanh().Sigmoid().Exp().Softplus().Square().Reciprocal(), x);
    }

    private static Func<Tensor[], Tensor> Unary(string op) => op switch
    {
        "neg" => t => t[0].Neg(),
        "exp" => t => t[0].Exp(),
        "log" => t => t[0].Log(),
        "sqrt" => t => t[0].Sqrt(),
        "abs" => t => t[0].Abs(),
        "square" => t => t[0].Square(),
        "reciprocal" => t => t[0].Reciprocal(),
        "tanh" => t => t[0].Tanh(),
        "sigmoid" => t => t[0].Sigmoid(),
        "relu" => t => t[0].Relu(),
        "elu" => t => t[0].Elu(),
        "softplus" => t => t[0].Softplus(),
        "sign" => t => t[0].Sign().Add(t[0]),
        _ => throw new ArgumentException(op),
    };
}
