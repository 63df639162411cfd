using System.Runtime.CompilerServices;
using Dab.Autograd;
using Dab.Backends;
using NUnit.Framework;
using AG = Dab.Autograd.Autograd;

namespace Dab.Tests.Engine;

/// <summary>
/// What the allocation-free backward pass must keep: each thread reuses its passes' collections, a pass
/// started inside a backward closure (the DAB's hard node) gets its own, a failed pass leaves nothing behind,
/// and nodes hold no reference to their outputs.
/// </summary>
public class BackwardPassReuseTests
{
    /// <summary>
    /// A node whose value is x and whose backward runs a pass of its own, Autograd.Grad over a separate graph
    /// s = 3 * Nested(xs, depth - 1), as the DAB's hard node does: the gradient is 3^depth.
    /// </summary>
    private static Tensor Nested(Tensor x, int depth)
    {
        if (depth == 0) return x.Mul(1.0);
        var xs = x.Detach();
        xs.RequiresGrad = true;
        var s = Nested(xs, depth - 1).Mul(3.0);
        var y = x.Detach();
        AG.Record("Nested", y, [x], (g, _) => [AG.Grad([s], [xs], [g], retainGraph: true)[0]]);
        return y;
    }

    [Test]
    public void PassesNestedInsideABackwardClosureDoNotDisturbTheOuterPass()
    {
        for (int round = 0; round < 3; round++) // fresh graphs, reused collections
        {
            var x = TestData.LeafOf([1.0, 2, 3], 3);
            // d/dx (Nested(x) * x) = 9x + x.
            Nested(x, depth: 2).Mul(x).Sum().Backward();
            Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new double[] { 10, 20, 30 }), $"round {round}");
            var g = AG.Grad([Nested(x, depth: 3).Sum(), x.Square().Sum()], [x]);
            Assert.That(g[0].ToArray<double>(), Is.EqualTo(new double[] { 29, 31, 33 }), $"round {round}: 27 + 2x");
        }
    }

    [Test]
    public void APassThatThrowsLeavesTheNextPassClean()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var broken = x.Detach();
        AG.Record("Throws", broken, [x], (_, _) => throw new InvalidOperationException("backward failed"));
        var loss = broken.Mul(x).Sum();
        Assert.That(() => loss.Backward(), Throws.InvalidOperationException.With.Message.EqualTo("backward failed"));
        Assert.That(AG.IsEnabled, Is.True, "the pass's NoGrad ends with the pass");

        x.Grad = null;
        x.Square().Sum().Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new double[] { 2, 4 }));
        var y = TestData.LeafOf([3.0, 5], 2);
        Assert.That(AG.Grad([y.Mul(x).Sum()], [y])[0].ToArray<double>(), Is.EqualTo(new double[] { 1, 2 }));
        Assert.That(y.Grad, Is.Null, "a Grad pass after a failed Backward pass does not write .Grad");
    }

    /// <summary>a * b, keeping its context so the test can look at the flags after later passes.</summary>
    private sealed class KeepsContext : CustomFunction
    {
        public FunctionContext? Context;
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) => inputs[0].Mul(inputs[1]);
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g)
        {
            Context = ctx;
            return [ctx.NeedsInputGrad[0] ? g.Mul(ctx.Inputs[1]) : null, ctx.NeedsInputGrad[1] ? g.Mul(ctx.Inputs[0]) : null];
        }
    }

    [Test]
    public void NeedsFlagsHandedToACustomFunctionStayItsOwn()
    {
        var a = TestData.LeafOf([1.0, 2], 2);
        var b = Tensor.FromArray(new[] { 3.0, 4 });
        var f = new KeepsContext();
        f.Apply(a, b).Sum().Backward();
        Assert.That(f.Context!.NeedsInputGrad, Is.EqualTo(new[] { true, false }));
        for (int i = 0; i < 3; i++) b.Mul(a).Sum().Backward(); // two-input nodes with the other flags
        Assert.That(f.Context.NeedsInputGrad, Is.EqualTo(new[] { true, false }), "later passes reuse their flag arrays, not this one");
    }

    [Test]
    public void SumAndLinearGradientsNeedOnlyTheShapeOfTheirInput()
    {
        var x = TestData.LeafOf([1.0, 2, 3, 4, 5, 6], 2, 3);
        var w = Tensor.FromArray(new[] { 1.0, 0, -1, 2, 1, 0 }, [2, 3]);
        var loss = x.Linear(w).Sum().Add(x.Sum());
        x.Dispose(); // a leaf's data is not needed when its weight takes no gradient
        loss.Backward();
        // d/dx sum(x W^T) = column sums of W, plus 1 from sum(x).
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new double[] { 4, 2, 0, 4, 2, 0 }));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Node Node, WeakReference<Tensor> Output) ReshapeAndForget(Tensor x)
    {
        var y = x.Reshape(1, 2);
        return (y.GradFn!, new WeakReference<Tensor>(y));
    }

    [Test]
    public void ANodeDoesNotKeepItsOutputAlive()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var (node, output) = ReshapeAndForget(x);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.That(output.TryGetTarget(out _), Is.False, "only the output points to its node, not the other way");
        GC.KeepAlive(node);
    }

    [Test]
    public void NodeNamesAreTheOpNames()
    {
        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            Assert.That(OpNames.Node(op), Is.EqualTo(op.ToString()));
            Assert.That(OpNames.Lower(op), Is.EqualTo(op.ToString().ToLowerInvariant()));
        }
        foreach (var op in Enum.GetValues<ScalarOp>())
        {
            Assert.That(OpNames.Node(op), Is.EqualTo(op + "Scalar"));
            Assert.That(OpNames.Lower(op), Is.EqualTo(op.ToString().ToLowerInvariant()));
        }
        foreach (var op in Enum.GetValues<ReduceOp>())
            Assert.That(OpNames.Lower(op), Is.EqualTo(op.ToString().ToLowerInvariant()));
    }
}
