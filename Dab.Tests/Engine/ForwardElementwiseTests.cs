using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Float32 elementwise kernels (SIMD body and scalar tail) against double-precision loops.</summary>
public class ForwardElementwiseTests
{
    private static readonly int[] Sizes = [1, 7, 33, 1023];

    public static IEnumerable<TestCaseData> UnaryCases()
    {
        foreach (var op in new[] { "neg", "exp", "log", "sqrt", "abs", "square", "reciprocal", "tanh", "sigmoid", "relu", "elu", "softplus", "sign" })
            foreach (var n in Sizes)
                yield return new TestCaseData(op, n).SetName($"Unary_{op}_{n}");
    }

    [TestCaseSource(nameof(UnaryCases))]
    public void Unary(string op, int n)
    {
        (double lo, double hi) = op switch { "log" or "sqrt" => (1e-3, 20.0), "exp" => (-20.0, 20.0), _ => (-8.0, 8.0) };
        var data = TestData.Uniform(n, n + op.Length, lo, hi).Select(v => (double)(float)v).ToArray();
        var x = Tensor.FromArray(data.Select(v => (float)v).ToArray(), [n]);
        (Func<Tensor, Tensor> f, Func<double, double> r) = op switch
        {
            "neg" => ((Func<Tensor, Tensor>)(t => t.Neg()), (Func<double, double>)(v => -v)),
            "exp" => (t => t.Exp(), Math.Exp),
            "log" => (t => t.Log(), Math.Log),
            "sqrt" => (t => t.Sqrt(), Math.Sqrt),
            "abs" => (t => t.Abs(), Math.Abs),
            "square" => (t => t.Square(), v => v * v),
            "reciprocal" => (t => t.Reciprocal(), v => 1 / v),
            "tanh" => (t => t.Tanh(), Math.Tanh),
            "sigmoid" => (t => t.Sigmoid(), Reference.Sigmoid),
            "relu" => (t => t.Relu(), v => Math.Max(v, 0)),
            "elu" => (t => t.Elu(), v => v > 0 ? v : Math.Exp(v) - 1),
            "softplus" => (t => t.Softplus(), Reference.Softplus),
            _ => (t => t.Sign(), v => Math.Sign(v)),
        };
        var y = f(x);
        Assert.That(y.DType, Is.EqualTo(DType.Float32));
        Assert.That(y.Shape, Is.EqualTo(new[] { n }));
        TestData.AssertClose(y.ToArray<float>(), data.Select(r).ToArray(), 1e-6, 4e-6, op);
    }

    [Test]
    public void EluWithAlpha()
    {
        var data = TestData.Uniform(33, 5, -4, 4);
        var y = Tensor.FromArray(data.Select(v => (float)v).ToArray()).Elu(0.3);
        TestData.AssertClose(y.ToArray<float>(), data.Select(v => v > 0 ? (double)(float)v : 0.3 * (Math.Exp((float)v) - 1)).ToArray(), 1e-6, 4e-6, "elu(0.3)");
    }

    [Test]
    public void SaturatingFunctionsAtLargeMagnitudes()
    {
        float[] xs = [-200, -90, -30, 30, 90, 200];
        var x = Tensor.FromArray(xs);
        Assert.Multiple(() =>
        {
            Assert.That(x.Tanh().ToArray<float>(), Is.EqualTo(new float[] { -1, -1, -1, 1, 1, 1 }));
            TestData.AssertClose(x.Sigmoid().ToArray<float>(), xs.Select(v => Reference.Sigmoid(v)).ToArray(), 1e-30, 1e-5, "sigmoid");
            Assert.That(x.Softplus().ToArray<float>().All(float.IsFinite), "softplus must not overflow");
            TestData.AssertClose(x.Softplus().ToArray<float>(), xs.Select(v => Reference.Softplus(v)).ToArray(), 1e-6, 1e-6, "softplus");
            Assert.That(x.Elu().ToArray<float>().Take(3), Is.All.EqualTo(-1f).Within(1e-6));
        });
    }

    [Test]
    public void NaNPassesThroughUnaryOps()
    {
        var x = Tensor.FromArray(Enumerable.Repeat(float.NaN, 9).ToArray());
        foreach (var (name, f) in new (string, Func<Tensor, Tensor>)[]
                 { ("tanh", t => t.Tanh()), ("exp", t => t.Exp()), ("sigmoid", t => t.Sigmoid()), ("sign", t => t.Sign()), ("abs", t => t.Abs()), ("clamp", t => t.Clamp(-1, 1)) })
            Assert.That(f(x).ToArray<float>(), Is.All.NaN, name);
    }

    private static readonly (int[] A, int[] B)[] BinaryShapes =
    [
        ([1], [1]),
        ([33], [33]),
        ([1023], [1]),
        ([1], [1023]),
        ([7, 33], [33]),
        ([7, 33], [7, 1]),
        ([7, 1], [1, 33]),
        ([3, 1, 33], [7, 1]),
        ([5, 1, 7], [1, 3, 1]),
        ([2, 7, 3, 5], [7, 1, 5]),
        ([], [7, 3]),
    ];

    public static IEnumerable<TestCaseData> BinaryCases()
    {
        foreach (var op in new[] { "add", "sub", "mul", "div", "pow", "maximum", "minimum", "ge", "gt", "le", "lt", "eq" })
            for (int s = 0; s < BinaryShapes.Length; s++)
                yield return new TestCaseData(op, s).SetName($"Binary_{op}_{ShapeUtil.Format(BinaryShapes[s].A)}_{ShapeUtil.Format(BinaryShapes[s].B)}");
    }

    [TestCaseSource(nameof(BinaryCases))]
    public void Binary(string op, int shapeIndex)
    {
        var (sa, sb) = BinaryShapes[shapeIndex];
        bool pow = op == "pow", cmp = op is "ge" or "gt" or "le" or "lt" or "eq";
        var a = Rounded(TestData.Uniform(TestData.Numel(sa), shapeIndex, pow ? 0.1 : -4, 4), cmp);
        var b = Rounded(op == "div" ? TestData.AwayFromZero(TestData.Numel(sb), shapeIndex + 50, 0.25, 4) : TestData.Uniform(TestData.Numel(sb), shapeIndex + 50, pow ? -3 : -4, pow ? 3 : 4), cmp);
        var ta = Tensor.FromArray(a.Select(v => (float)v).ToArray(), sa);
        var tb = Tensor.FromArray(b.Select(v => (float)v).ToArray(), sb);
        (Func<Tensor, Tensor, Tensor> f, Func<double, double, double> r) = op switch
        {
            "add" => ((Func<Tensor, Tensor, Tensor>)((p, q) => p.Add(q)), (Func<double, double, double>)((p, q) => p + q)),
            "sub" => ((p, q) => p.Sub(q), (p, q) => p - q),
            "mul" => ((p, q) => p.Mul(q), (p, q) => p * q),
            "div" => ((p, q) => p.Div(q), (p, q) => p / q),
            "pow" => ((p, q) => p.Pow(q), Math.Pow),
            "maximum" => ((p, q) => p.Maximum(q), Math.Max),
            "minimum" => ((p, q) => p.Minimum(q), Math.Min),
            "ge" => ((p, q) => p.Ge(q), (p, q) => p >= q ? 1 : 0),
            "gt" => ((p, q) => p.Gt(q), (p, q) => p > q ? 1 : 0),
            "le" => ((p, q) => p.Le(q), (p, q) => p <= q ? 1 : 0),
            "lt" => ((p, q) => p.Lt(q), (p, q) => p < q ? 1 : 0),
            _ => ((p, q) => p.Eq(q), (p, q) => p == q ? 1 : 0),
        };
        var expected = Reference.Binary(a, sa, b, sb, r, out var shape);
        var y = f(ta, tb);
        Assert.That(y.Shape, Is.EqualTo(shape));
        Assert.That(y.DType, Is.EqualTo(DType.Float32));
        if (cmp) Assert.That(y.ToArray<float>().Select(v => (double)v).ToArray(), Is.EqualTo(expected), op);
        else TestData.AssertClose(y.ToArray<float>(), expected, 1e-6, 4e-6, op);
        // Swapped operands broadcast the other way.
        var expectedSwapped = Reference.Binary(b, sb, a, sa, r, out _);
        if (op is "add" or "mul" or "maximum" or "minimum" or "sub" or "eq" or "lt")
        {
            var ys = f(tb, ta);
            TestData.AssertClose(ys.ToArray<float>(), expectedSwapped, 1e-6, 4e-6, op + " swapped");
        }
    }

    /// <summary>For comparisons: values on a coarse grid (so ties happen) that float32 holds exactly.</summary>
    private static double[] Rounded(double[] v, bool coarse) => coarse ? v.Select(x => Math.Round(x)).ToArray() : v.Select(x => (double)(float)x).ToArray();

    [Test]
    public void MaximumMinimumPropagateNaN()
    {
        var a = Tensor.FromArray(new[] { float.NaN, 1f, 2f, float.NaN, 5, 6, 7, 8, 9 });
        var b = Tensor.FromArray(new[] { 0f, float.NaN, 1f, float.NaN, 1, 1, 1, float.NaN, 1 });
        var mx = a.Maximum(b).ToArray<float>();
        var mn = a.Minimum(b).ToArray<float>();
        bool[] nan = [true, true, false, true, false, false, false, true, false];
        for (int i = 0; i < nan.Length; i++)
        {
            Assert.That(float.IsNaN(mx[i]), Is.EqualTo(nan[i]), $"maximum element {i}");
            Assert.That(float.IsNaN(mn[i]), Is.EqualTo(nan[i]), $"minimum element {i}");
        }
    }

    [Test]
    public void ScalarOps([Values(1, 7, 33, 1023)] int n)
    {
        var data = TestData.AwayFromZero(n, n, 0.25, 4).Select(v => (double)(float)v).ToArray();
        var x = Tensor.FromArray(data.Select(v => (float)v).ToArray());
        Assert.Multiple(() =>
        {
            TestData.AssertClose(x.Add(1.5).ToArray<float>(), data.Select(v => v + 1.5).ToArray(), 1e-6, 1e-6, "add");
            TestData.AssertClose(x.Mul(-2.5).ToArray<float>(), data.Select(v => v * -2.5).ToArray(), 1e-6, 1e-6, "mul");
            TestData.AssertClose(x.Div(3).ToArray<float>(), data.Select(v => v / 3).ToArray(), 1e-6, 1e-6, "div");
            TestData.AssertClose(x.RSub(2).ToArray<float>(), data.Select(v => 2 - v).ToArray(), 1e-6, 1e-6, "rsub");
            TestData.AssertClose(x.RDiv(2).ToArray<float>(), data.Select(v => 2 / v).ToArray(), 1e-6, 1e-6, "rdiv");
            TestData.AssertClose(x.Abs().Pow(1.5).ToArray<float>(), data.Select(v => Math.Pow(Math.Abs(v), 1.5)).ToArray(), 1e-6, 4e-6, "pow");
            Assert.That(x.Gt(0.5).ToArray<float>(), Is.EqualTo(data.Select(v => v > 0.5 ? 1f : 0f).ToArray()), "gt");
            Assert.That(x.Le(0.5).ToArray<float>(), Is.EqualTo(data.Select(v => v <= 0.5 ? 1f : 0f).ToArray()), "le");
        });
    }

    [Test]
    public void Clamp([Values(1, 7, 33, 1023)] int n)
    {
        var data = TestData.Uniform(n, n + 1, -3, 3).Select(v => (double)(float)v).ToArray();
        var y = Tensor.FromArray(data.Select(v => (float)v).ToArray()).Clamp(-1, 0.5);
        Assert.That(y.ToArray<float>().Select(v => (double)v), Is.EqualTo(data.Select(v => Math.Clamp(v, -1, (double)0.5f))));
    }

    [Test]
    public void Float64MatchesFloat32Kernels()
    {
        var data = TestData.Uniform(1023, 7, -3, 3);
        var x64 = Tensor.FromArray(data);
        var x32 = Tensor.FromArray(data.Select(v => (float)v).ToArray());
        foreach (var (name, f) in new (string, Func<Tensor, Tensor>)[]
                 { ("tanh", t => t.Tanh()), ("sigmoid", t => t.Sigmoid()), ("softplus", t => t.Softplus()), ("exp", t => t.Exp()), ("elu", t => t.Elu()) })
            TestData.AssertClose(f(x32).ToArray<float>(), f(x64).ToArray<double>(), 1e-6, 4e-6, name);
    }

    [Test]
    public void TanhKeepsRelativePrecisionNearZero()
    {
        // Decades from 1e-7 to 0.5, both signs, 40 values: most go through the SIMD path.
        var xs = Enumerable.Range(0, 40).Select(i => (float)((i % 2 == 0 ? 1 : -1) * Math.Pow(10, -7 + 6.7 * i / 39))).ToArray();
        var y = Tensor.FromArray(xs).Tanh().ToArray<float>();
        TestData.AssertClose(y, xs.Select(v => Math.Tanh(v)).ToArray(), 0, 4e-7, "float32 tanh, relative");
        var d = Tensor.FromArray(xs.Select(v => (double)v).ToArray()).Tanh().ToArray<double>();
        TestData.AssertClose(d, xs.Select(v => Math.Tanh(v)).ToArray(), 0, 1e-14, "float64 tanh, relative");
    }

    [TestCase(DType.Float32, 0.5)]
    [TestCase(DType.Float64, 0.5)]
    [TestCase(DType.Float32, 0.0)]
    public void MarginSignIsTheTwoComparisonsSubtracted(DType dtype, double margin)
    {
        // 37 values: the vector body and the scalar tail; the margins themselves, zeros, infinities, NaN
        var v = new List<double> { 0.5, -0.5, 0.50001, -0.50001, 0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 1e-30, -1e-30 };
        var gen = new Dab.Random.Generator(5);
        v.AddRange(gen.Normal([26], DType.Float64).ToArray<double>());
        var x = Tensor.FromArray(v.ToArray()).To(dtype);
        var fused = x.MarginSign(margin).To(DType.Float64).ToArray<double>();
        var xs = x.To(DType.Float64).ToArray<double>();
        for (int i = 0; i < xs.Length; i++)
        {
            double expected = (xs[i] > margin ? 1 : 0) - (xs[i] < -margin ? 1 : 0);
            Assert.That(fused[i], Is.EqualTo(expected), $"margin_sign({xs[i]:R}, {margin})");
        }
        Assert.That(x.MarginSign(margin).DType, Is.EqualTo(dtype));
    }

    [Test]
    public void MarginSignRejectsANegativeMargin()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros([3]).MarginSign(-0.1));
        Assert.That(ex!.Message, Does.Contain("margin"));
    }
}
