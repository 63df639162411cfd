using Dab.NN;
using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>
/// The LSTM op: float64 gradient checks of the sequence and the cell (inputs, both weights, both
/// biases, initial h and c; odd hidden sizes, one step), the forward against the same math written
/// with ordinary ops, and the errors for bad shapes.
/// </summary>
public class LstmTests
{
    private sealed record Inputs(Tensor X, Tensor WIh, Tensor WHh, Tensor BIh, Tensor BHh, Tensor H0, Tensor C0)
    {
        public Tensor[] All => [X, WIh, WHh, BIh, BHh, H0, C0];
    }

    private static Inputs Make(int batch, int time, int inF, int hidden, int seed) => new(
        TestData.Leaf([batch, time, inF], seed, -1.5, 1.5),
        TestData.Leaf([4 * hidden, inF], seed + 1),
        TestData.Leaf([4 * hidden, hidden], seed + 2),
        TestData.Leaf([4 * hidden], seed + 3, -0.5, 0.5),
        TestData.Leaf([4 * hidden], seed + 4, -0.5, 0.5),
        TestData.Leaf([batch, hidden], seed + 5),
        TestData.Leaf([batch, hidden], seed + 6));

    /// <summary>Every output of the op in one tensor: (batch, time*H + 2H).</summary>
    private static Tensor Joined(Tensor[] t)
    {
        var (y, h, c) = Tensor.Lstm(t[0], t[1], t[2], t[3], t[4], t[5], t[6]);
        return Tensor.Concat([y.Reshape(y.Shape[0], -1), h, c], 1);
    }

    [TestCase(2, 1, 2, 1)]
    [TestCase(2, 3, 2, 3)]
    [TestCase(3, 4, 1, 7)]
    [TestCase(1, 2, 3, 2)]
    public void SequenceGradients(int batch, int time, int inF, int hidden)
    {
        var v = Make(batch, time, inF, hidden, 100 + time * 10 + hidden);
        GradCheck.Check(Joined, v.All, 1e-6, 1e-5);
    }

    [Test]
    public void GradientsOfEachOutputAlone()
    {
        // Only the final c (the row of the node's output no slice of the outputs covers) and only h.
        var v = Make(2, 3, 2, 3, 7);
        GradCheck.Check(t => Tensor.Lstm(t[0], t[1], t[2], t[3], t[4], t[5], t[6]).C, v.All, 1e-6, 1e-5);
        GradCheck.Check(t => Tensor.Lstm(t[0], t[1], t[2], t[3], t[4], t[5], t[6]).H, v.All, 1e-6, 1e-5);
    }

    [Test]
    public void GradientsWithoutBiasesOrInitialState()
    {
        var v = Make(2, 3, 2, 3, 9);
        GradCheck.Check(t => Tensor.Lstm(t[0], t[1], t[2]).Output, [v.X, v.WIh, v.WHh], 1e-6, 1e-5);
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(7)]
    public void CellGradients(int hidden)
    {
        var v = Make(3, 1, 2, hidden, 50 + hidden);
        var x = TestData.Leaf([3, 2], 77);
        GradCheck.Check(t =>
        {
            var (h, c) = Tensor.LstmCell(t[0], t[5], t[6], t[1], t[2], t[3], t[4]);
            return Tensor.Concat([h, c], 1);
        }, [x, v.WIh, v.WHh, v.BIh, v.BHh, v.H0, v.C0], 1e-6, 1e-5);
    }

    /// <summary>The same recurrence with ordinary ops, PyTorch's formulas and gate order.</summary>
    private static (Tensor Y, Tensor H, Tensor C) Reference(Inputs v)
    {
        int T = v.X.Shape[1], H = v.WHh.Shape[1];
        var h = v.H0; var c = v.C0;
        var ys = new List<Tensor>();
        for (int t = 0; t < T; t++)
        {
            var xt = v.X.Slice(1, t, 1).Reshape(v.X.Shape[0], v.X.Shape[2]);
            var pre = xt.Linear(v.WIh, v.BIh).Add(h.Linear(v.WHh, v.BHh));
            var i = pre.Slice(1, 0, H).Sigmoid(); var f = pre.Slice(1, H, H).Sigmoid();
            var g = pre.Slice(1, 2 * H, H).Tanh(); var o = pre.Slice(1, 3 * H, H).Sigmoid();
            c = f.Mul(c).Add(i.Mul(g));
            h = o.Mul(c.Tanh());
            ys.Add(h.Unsqueeze(1));
        }
        return (Tensor.Concat([.. ys], 1), h, c);
    }

    [TestCase(4, 5, 3, 7)]
    [TestCase(2, 1, 1, 1)]
    [TestCase(3, 6, 2, 19)]
    public void ForwardAndBackwardMatchTheOpByOpRecurrence(int batch, int time, int inF, int hidden)
    {
        var v = Make(batch, time, inF, hidden, 3);
        var (y, h, c) = Tensor.Lstm(v.X, v.WIh, v.WHh, v.BIh, v.BHh, v.H0, v.C0);
        var (ry, rh, rc) = Reference(v);
        TestData.AssertClose(y.ToArray<double>(), ry.ToArray<double>(), 1e-12, 1e-12, "outputs");
        TestData.AssertClose(h.ToArray<double>(), rh.ToArray<double>(), 1e-12, 1e-12, "final h");
        TestData.AssertClose(c.ToArray<double>(), rc.ToArray<double>(), 1e-12, 1e-12, "final c");
        Assert.That(y.Shape, Is.EqualTo(new[] { batch, time, hidden }));

        var fused = Autograd.Autograd.Grad([y.Sum().Add(c.Mul(2).Sum())], v.All);
        var plain = Autograd.Autograd.Grad([ry.Sum().Add(rc.Mul(2).Sum())], v.All);
        for (int i = 0; i < fused.Length; i++)
            TestData.AssertClose(fused[i].ToArray<double>(), plain[i].ToArray<double>(), 1e-12, 1e-11, $"gradient of input {i}");
    }

    [Test]
    public void Float32MatchesFloat64()
    {
        var v = Make(5, 4, 3, 33, 21); // 33 units: the SIMD loops and their scalar tail
        var (y64, _, c64) = Tensor.Lstm(v.X, v.WIh, v.WHh, v.BIh, v.BHh, v.H0, v.C0);
        Tensor F(Tensor t) { var f = t.Detach().To(DType.Float32); f.RequiresGrad = true; return f; }
        var f32 = v.All.Select(F).ToArray();
        var (y32, _, c32) = Tensor.Lstm(f32[0], f32[1], f32[2], f32[3], f32[4], f32[5], f32[6]);
        TestData.AssertClose(y32.ToArray<double>(), y64.ToArray<double>(), 1e-5, 1e-4, "float32 outputs");
        TestData.AssertClose(c32.ToArray<double>(), c64.ToArray<double>(), 1e-5, 1e-4, "float32 final c");
        var g64 = Autograd.Autograd.Grad([y64.Sum()], v.All);
        var g32 = Autograd.Autograd.Grad([y32.Sum()], f32);
        for (int i = 0; i < g64.Length; i++)
            TestData.AssertClose(g32[i].ToArray<double>(), g64[i].ToArray<double>(), 1e-4, 1e-3, $"float32 gradient of input {i}");
    }

    [Test]
    public void MissingInitialStateIsZeros()
    {
        var v = Make(2, 3, 2, 4, 5);
        var (y, h, c) = Tensor.Lstm(v.X, v.WIh, v.WHh, v.BIh, v.BHh);
        using var z = Tensor.Zeros([2, 4], DType.Float64);
        var (y0, h0, c0) = Tensor.Lstm(v.X, v.WIh, v.WHh, v.BIh, v.BHh, z, z);
        Assert.That(y.ToArray<double>(), Is.EqualTo(y0.ToArray<double>()));
        Assert.That(c.ToArray<double>(), Is.EqualTo(c0.ToArray<double>()));
        Assert.That(h.ToArray<double>(), Is.EqualTo(h0.ToArray<double>()));
    }

    [Test]
    public void UnderNoGradNothingIsRecorded()
    {
        var v = Make(2, 3, 2, 4, 5);
        using var _ = Autograd.Autograd.NoGrad();
        var (y, h, c) = Tensor.Lstm(v.X, v.WIh, v.WHh, v.BIh, v.BHh, v.H0, v.C0);
        Assert.That(y.RequiresGrad || h.RequiresGrad || c.RequiresGrad, Is.False);
    }

    [Test]
    public void EmptyBatch()
    {
        var v = Make(1, 2, 3, 4, 5);
        var x = TestData.Leaf([0, 2, 3], 1);
        var (y, h, c) = Tensor.Lstm(x, v.WIh, v.WHh, v.BIh, v.BHh);
        Assert.That(y.Shape, Is.EqualTo(new[] { 0, 2, 4 }));
        Assert.That(h.Shape, Is.EqualTo(new[] { 0, 4 }));
        y.Sum().Add(c.Sum()).Backward();
        Assert.That(v.WHh.Grad!.ToArray<double>(), Is.All.EqualTo(0.0));
    }

    [Test]
    public void BadShapesNameTheShapes()
    {
        var v = Make(2, 3, 2, 4, 5);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Lstm(v.X.Reshape(6, 2), v.WIh, v.WHh))!;
        Assert.That(e.Message, Does.Contain("[6, 2]").And.Contain("(batch, time, features)"));
        e = Assert.Throws<ArgumentException>(() => Tensor.Lstm(v.X, v.WIh, v.WHh.Slice(0, 0, 15)))!;
        Assert.That(e.Message, Does.Contain("weight_hh").And.Contain("[15, 4]"));
        e = Assert.Throws<ArgumentException>(() => Tensor.Lstm(v.X, v.WIh.Slice(1, 0, 1), v.WHh))!;
        Assert.That(e.Message, Does.Contain("weight_ih [16, 1]").And.Contain("[2, 3, 2]").And.Contain("expected [16, 2]"));
        e = Assert.Throws<ArgumentException>(() => Tensor.Lstm(v.X, v.WIh, v.WHh, v.BIh.Slice(0, 0, 12)))!;
        Assert.That(e.Message, Does.Contain("bias_ih must be [16]").And.Contain("[12]"));
        e = Assert.Throws<ArgumentException>(() => Tensor.Lstm(v.X, v.WIh, v.WHh, h0: v.H0.Reshape(4, 2)))!;
        Assert.That(e.Message, Does.Contain("h0 must be [2, 4]").And.Contain("[4, 2]"));
        e = Assert.Throws<ArgumentException>(() => Tensor.Lstm(v.X, v.WIh, v.WHh, c0: v.C0.Slice(1, 0, 3)))!;
        Assert.That(e.Message, Does.Contain("c0 must be [2, 4]").And.Contain("[2, 3]"));
        e = Assert.Throws<ArgumentException>(() => Tensor.Lstm(v.X.Slice(1, 0, 0), v.WIh, v.WHh))!;
        Assert.That(e.Message, Does.Contain("at least one step").And.Contain("[2, 0, 2]"));
        e = Assert.Throws<ArgumentException>(() => Tensor.LstmCell(v.X, v.H0, v.C0, v.WIh, v.WHh))!;
        Assert.That(e.Message, Does.Contain("lstm_cell").And.Contain("[2, 3, 2]"));
        e = Assert.Throws<ArgumentException>(() => Tensor.Lstm(v.X.Detach().To(DType.Float32), v.WIh, v.WHh))!;
        Assert.That(e.Message, Does.Contain("lstm"));
    }
}

/// <summary>nn.LSTM: PyTorch's parameter names, shapes and initialisation; continuing from a state.</summary>
public class LstmModuleTests
{
    [Test]
    public void ParametersAreNamedAndInitialisedLikePyTorch()
    {
        using var lstm = new LSTM(3, 16, gen: new Dab.Random.Generator(4));
        var names = lstm.NamedParameters().Select(p => (p.Name, p.Param.Shape)).ToArray();
        Assert.That(names.Select(n => n.Name), Is.EqualTo(new[] { "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0" }));
        Assert.That(names.Select(n => n.Shape), Is.EqualTo(new[] { new[] { 64, 3 }, new[] { 64, 16 }, new[] { 64 }, new[] { 64 } }));
        foreach (var p in lstm.Parameters())
        {
            var a = p.ToArray<double>();
            Assert.That(a.All(x => Math.Abs(x) <= 0.25), "U(-1/sqrt(16), 1/sqrt(16))");
            Assert.That(a.Max() - a.Min(), Is.GreaterThan(0.3), "spread over the interval");
        }
        Assert.That(new LSTM(3, 16, bias: false).Parameters().Count(), Is.EqualTo(2));
    }

    [Test]
    public void ContinuingFromAStateEqualsOneLongRun()
    {
        using var lstm = new LSTM(2, 5, gen: new Dab.Random.Generator(8));
        var x = TestData.F32([3, 7, 2], 12);
        var (y, h, c) = lstm.Forward(x, null);
        var (ya, ha, ca) = lstm.Forward(x.Slice(1, 0, 4), null);
        var (yb, hb, cb) = lstm.Forward(x.Slice(1, 4, 3), (ha, ca));
        TestData.AssertClose(Tensor.Concat([ya, yb], 1).ToArray<double>(), y.ToArray<double>(), 1e-6, 1e-6, "outputs");
        TestData.AssertClose(hb.ToArray<double>(), h.ToArray<double>(), 1e-6, 1e-6, "h");
        TestData.AssertClose(cb.ToArray<double>(), c.ToArray<double>(), 1e-6, 1e-6, "c");
        Assert.That(lstm.Forward(x).Shape, Is.EqualTo(new[] { 3, 7, 5 }));
    }

    [Test]
    public void WrongInputSizeIsRejected()
    {
        using var lstm = new LSTM(2, 5);
        var e = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros([3, 7, 4])))!;
        Assert.That(e.Message, Does.Contain("LSTM(2, 5)").And.Contain("[3, 7, 4]"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LSTM(0, 5));
    }
}
