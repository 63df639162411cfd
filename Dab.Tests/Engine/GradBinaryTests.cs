using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Gradient checks of the broadcasting binary ops.</summary>
public class GradBinaryTests
{
    private static readonly (int[] A, int[] B)[] Shapes =
    [
        ([3, 4], [3, 4]),
        ([3, 4], [4]),
        ([3, 4], [3, 1]),
        ([3, 4], [1]),
        ([2, 3, 4], [3, 1]),
        ([4], [3, 4]),
        ([3, 1], [1, 4]),
        ([2, 1, 4], [3, 1]),
    ];

    private static readonly string[] Ops = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"];

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var op in Ops)
            for (int s = 0; s < Shapes.Length; s++)
                yield return new TestCaseData(op, s).SetName($"Binary_{op}_{ShapeUtil.Format(Shapes[s].A)}_{ShapeUtil.Format(Shapes[s].B)}");
    }

    [TestCaseSource(nameof(Cases))]
    public void Binary(string op, int shapeIndex)
    {
        var (sa, sb) = Shapes[shapeIndex];
        int seed = 100 * shapeIndex + op.Length;
        Tensor a, b;
        switch (op)
        {
            case "div":
                a = TestData.Leaf(sa, seed);
                b = TestData.LeafAway(sb, seed + 1, 0.5, 2);
                break;
            case "pow":
                a = TestData.Leaf(sa, seed, 0.5, 2);
                b = TestData.Leaf(sb, seed + 1, -1.5, 1.5);
                break;
            case "maximum":
            case "minimum":
                // Well separated values so no pair is within the difference step of a tie.
                a = TestData.LeafOf(Spread(TestData.Numel(sa), seed, 0), sa);
                b = TestData.LeafOf(Spread(TestData.Numel(sb), seed + 1, 0.05), sb);
                break;
            default:
                a = TestData.Leaf(sa, seed);
                b = TestData.Leaf(sb, seed + 1);
                break;
        }
        Func<Tensor[], Tensor> f = op switch
        {
            "add" => x => x[0].Add(x[1]),
            "sub" => x => x[0].Sub(x[1]),
            "mul" => x => x[0].Mul(x[1]),
            "div" => x => x[0].Div(x[1]),
            "pow" => x => x[0].Pow(x[1]),
            "maximum" => x => x[0].Maximum(x[1]),
            _ => x => x[0].Minimum(x[1]),
        };
        GradCheck.Check(f, a, b);
    }

    /// <summary>Multiples of 0.1 (shuffled) plus an offset: any two values differ by at least 0.05.</summary>
    private static double[] Spread(int n, int seed, double offset)
    {
        var r = new System.Random(seed);
        return Enumerable.Range(0, n).Select(i => (i - n / 2) * 0.1 + offset).OrderBy(_ => r.Next()).ToArray();
    }

    [Test]
    public void OperatorsMatchMethods()
    {
        var a = TestData.Leaf([2, 3], 1);
        var b = TestData.LeafAway([3], 2, 0.5, 2);
        GradCheck.Check(x => (x[0] + x[1]) * x[0] - x[1] / x[0].Exp() + (-x[0]), a, b);
    }

    [Test]
    public void SameTensorOnBothSides()
    {
        var a = TestData.Leaf([5], 3);
        GradCheck.Check(x => x[0].Mul(x[0]).Add(x[0]), a);
    }

    [Test]
    public void OnlyOneSideRequiresGrad()
    {
        var a = TestData.Leaf([3, 4], 4);
        var b = Tensor.FromArray(TestData.AwayFromZero(4, 5), [4]);
        GradCheck.Check(x => x[0].Div(b).Mul(b.Exp()), a);
        GradCheck.Check(x => b.Div(x[0].Exp()), a);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void MaximumMinimumTiesSendGradientToFirstOperand(bool max)
    {
        var a = TestData.LeafOf([1.0, 2.0, 3.0], 3);
        var b = TestData.LeafOf([1.0, 5.0, 3.0], 3);
        var y = max ? a.Maximum(b) : a.Minimum(b);
        y.Sum().Backward();
        // Ties at 0 and 2 go to a; at 1 the strict winner takes it.
        var expA = max ? new double[] { 1, 0, 1 } : [1, 1, 1];
        var expB = max ? new double[] { 0, 1, 0 } : [0, 0, 0];
        Assert.That(a.Grad!.ToArray<double>(), Is.EqualTo(expA));
        Assert.That(b.Grad!.ToArray<double>(), Is.EqualTo(expB));
    }
}
