using Dab.Autograd;
using NUnit.Framework;
using AG = Dab.Autograd.Autograd;

namespace Dab.Tests.Engine;

/// <summary>User-defined functions with a hand-written backward.</summary>
public class CustomFunctionTests
{
    /// <summary>x^3, saving x for the backward.</summary>
    private sealed class Cube : CustomFunction
    {
        public int BackwardCalls;

        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
        {
            Assert.That(AG.IsEnabled, Is.False, "forward runs without recording");
            ctx.Saved["x"] = inputs[0];
            return inputs[0].Mul(inputs[0]).Mul(inputs[0]);
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            BackwardCalls++;
            var x = (Tensor)ctx.Saved["x"];
            return [gradOutput.Mul(x.Square()).Mul(3.0)];
        }
    }

    /// <summary>a * exp(b), returning a gradient only where one is asked for.</summary>
    private sealed class ScaledExp : CustomFunction
    {
        public bool[] LastNeeds = [];

        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
        {
            var e = inputs[1].Exp();
            ctx.Saved["e"] = e;
            return inputs[0].Mul(e);
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g)
        {
            LastNeeds = (bool[])ctx.NeedsInputGrad.Clone();
            var e = (Tensor)ctx.Saved["e"];
            var a = ctx.Inputs[0];
            return [ctx.NeedsInputGrad[0] ? g.Mul(e) : null, ctx.NeedsInputGrad[1] ? g.Mul(e).Mul(a) : null];
        }
    }

    /// <summary>Deliberately wrong backward (twice the true gradient).</summary>
    private sealed class WrongSquare : CustomFunction
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) => inputs[0].Square();
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g) => [g.Mul(ctx.Inputs[0]).Mul(4.0)];
    }

    [Test]
    public void HandWrittenBackwardIsUsed()
    {
        var f = new Cube();
        var x = TestData.LeafOf([1.0, -2, 0.5], 3);
        var y = f.Apply(x);
        Assert.That(y.RequiresGrad, Is.True);
        Assert.That(y.ToArray<double>(), Is.EqualTo(new double[] { 1, -8, 0.125 }));
        y.Sum().Backward();
        Assert.That(f.BackwardCalls, Is.EqualTo(1));
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new double[] { 3, 12, 0.75 }));
    }

    [Test]
    public void CustomFunctionPassesGradCheckInsideAGraph()
    {
        var x = TestData.Leaf([2, 3], 120);
        GradCheck.Check(t => new Cube().Apply(t[0].Tanh()).Mul(t[0]), x);
    }

    [Test]
    public void TwoInputsAndNeedsInputGrad()
    {
        var a = TestData.Leaf([4], 121);
        var b = TestData.Leaf([4], 122);
        GradCheck.Check(t => new ScaledExp().Apply(t[0], t[1]), a, b);

        var f = new ScaledExp();
        var fixedA = Tensor.FromArray(new[] { 1.0, 2, 3, 4 });
        var y = f.Apply(fixedA, b).Sum();
        y.Backward();
        Assert.That(f.LastNeeds, Is.EqualTo(new[] { false, true }));
        TestData.AssertClose(b.Grad!.ToArray<double>(), b.Exp().Mul(fixedA).ToArray<double>(), 1e-15, 1e-15, "d/db");
    }

    [Test]
    public void GradCheckCatchesAWrongBackward()
    {
        var x = TestData.Leaf([5], 123);
        var y = new WrongSquare().Apply(x);
        y.Sum().Backward();
        var numeric = GradCheck.Numeric(t => new WrongSquare().Apply(t[0]).Sum(), [x], [x], null, [])[0];
        var analytic = x.Grad!.ToArray<double>();
        for (int i = 0; i < 5; i++)
            Assert.That(analytic[i], Is.EqualTo(2 * numeric[i]).Within(1e-6), "the checker's numeric side sees the true gradient");
    }

    [Test]
    public void StopGradientBlocksTheOpsBehindIt()
    {
        var cube = new Cube();
        var x = TestData.LeafOf([0.5, -1], 2);
        var h = cube.Apply(x);
        var s = AG.StopGradient(h);
        Assert.That(s.RequiresGrad, Is.True, "the stop is part of the graph");
        Assert.That(s.ToArray<double>(), Is.EqualTo(h.ToArray<double>()));
        var w = Tensor.FromArray(new[] { 2.0, 3 });
        var y = s.Mul(w).Sum().Add(x.Sum());
        var gs = AG.Grad([y], [s], retainGraph: true);
        Assert.That(gs[0].ToArray<double>(), Is.EqualTo(new double[] { 2, 3 }), "gradients can be taken with respect to the stop");
        y.Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new double[] { 1, 1 }), "only the direct path reaches x");
        Assert.That(cube.BackwardCalls, Is.EqualTo(0), "the op behind the stop never runs its backward");
    }

    [Test]
    public void WrongNumberOfGradientsIsReported()
    {
        var x = TestData.LeafOf([1.0], 1);
        var y = new TooMany().Apply(x).Sum();
        Assert.That(() => y.Backward(), Throws.InstanceOf<InvalidOperationException>().With.Message.Contains("TooMany"));
    }

    /// <summary>Gradient reversal: the identity forward (returning its input), the negated gradient backward.</summary>
    private sealed class ReverseGradient : CustomFunction
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) => inputs[0];
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g) => [g.Neg()];
    }

    [Test]
    public void ForwardMayReturnItsInputUnchanged()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var y = new ReverseGradient().Apply(x);
        Assert.That(x.IsLeaf, Is.True, "the input must stay a leaf");
        y.Mul(Tensor.FromArray(new[] { 3.0, 4 })).Sum().Backward();
        Assert.That(x.Grad, Is.Not.Null);
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new double[] { -3, -4 }));
    }

    private sealed class TooMany : CustomFunction
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) => inputs[0].Mul(2.0);
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g) => [g, g];
    }
}
