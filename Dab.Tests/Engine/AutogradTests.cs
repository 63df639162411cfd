using Dab.Autograd;
using NUnit.Framework;
using AG = Dab.Autograd.Autograd;

namespace Dab.Tests.Engine;

/// <summary>Semantics of the tape: accumulation, Autograd.Grad, retained graphs, NoGrad, Detach.</summary>
public class AutogradTests
{
    private static double[] G(Tensor t) => t.Grad!.ToArray<double>();

    [Test]
    public void BackwardAccumulatesIntoGrad()
    {
        var x = TestData.LeafOf([1.0, -2, 3], 3);
        x.Mul(x).Sum().Backward();
        Assert.That(G(x), Is.EqualTo(new double[] { 2, -4, 6 }));
        x.Mul(x).Sum().Backward();
        Assert.That(G(x), Is.EqualTo(new double[] { 4, -8, 12 }));
        x.Grad = null;
        x.Mul(3.0).Sum().Backward();
        Assert.That(G(x), Is.EqualTo(new double[] { 3, 3, 3 }));
    }

    [Test]
    public void GradIsOwnedAndNotAliasedToTheGraph()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var y = x.Add(0.0);
        y.Backward(Tensor.FromArray(new[] { 5.0, 7 }));
        var first = G(x);
        y = x.Add(0.0);
        y.Backward(Tensor.FromArray(new[] { 1.0, 1 }));
        Assert.That(first, Is.EqualTo(new double[] { 5, 7 }));
        Assert.That(G(x), Is.EqualTo(new double[] { 6, 8 }));
    }

    [Test]
    public void GradDoesNotTouchDotGrad()
    {
        var x = TestData.LeafOf([1.0, 2, 3], 3);
        var g = AG.Grad([x.Mul(x).Sum()], [x]);
        Assert.That(g[0].ToArray<double>(), Is.EqualTo(new double[] { 2, 4, 6 }));
        Assert.That(x.Grad, Is.Null);
        x.Sum().Backward();
        var g2 = AG.Grad([x.Exp().Sum()], [x]);
        Assert.That(g2[0].ToArray<double>(), Is.EqualTo(x.Exp().ToArray<double>()));
        Assert.That(G(x), Is.EqualTo(new double[] { 1, 1, 1 }));
    }

    [Test]
    public void GradWithOutputGradientsIsAVectorJacobianProduct()
    {
        var x = TestData.LeafOf([1.0, 2, 3], 3);
        var y = x.Square();
        var v = Tensor.FromArray(new[] { 1.0, 10, 100 });
        var g = AG.Grad([y], [x], [v]);
        Assert.That(g[0].ToArray<double>(), Is.EqualTo(new double[] { 2, 40, 600 }));
    }

    [Test]
    public void GradOfSeveralOutputsSumsTheirContributions()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var a = x.Square().Sum();
        var b = x.Mul(3.0).Sum();
        var g = AG.Grad([a, b], [x]);
        Assert.That(g[0].ToArray<double>(), Is.EqualTo(new double[] { 5, 7 }));
    }

    [Test]
    public void SecondBackwardWithoutRetainGraphThrows()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var y = x.Exp().Mul(x).Sum();
        y.Backward();
        Assert.That(() => y.Backward(), Throws.InstanceOf<InvalidOperationException>().With.Message.Contains("retainGraph"));
    }

    [Test]
    public void SecondGradWithoutRetainGraphThrows()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var y = x.Exp().Sum();
        AG.Grad([y], [x]);
        Assert.That(() => AG.Grad([y], [x]), Throws.InstanceOf<InvalidOperationException>().With.Message.Contains("retainGraph"));
    }

    [Test]
    public void RetainGraphAllowsASecondPass()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var y = x.Exp().Mul(x).Sum();
        y.Backward(retainGraph: true);
        var once = G(x);
        y.Backward();
        TestData.AssertClose(G(x), once.Select(v => 2 * v).ToArray(), 1e-15, 1e-15, "grad after two passes");
        var z = x.Square().Sum();
        var g1 = AG.Grad([z], [x], retainGraph: true)[0].ToArray<double>();
        var g2 = AG.Grad([z], [x])[0].ToArray<double>();
        Assert.That(g2, Is.EqualTo(g1));
    }

    [Test]
    public void NoGradDisablesRecording()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        Tensor y;
        using (AG.NoGrad())
        {
            Assert.That(AG.IsEnabled, Is.False);
            using (AG.NoGrad()) Assert.That(AG.IsEnabled, Is.False);
            Assert.That(AG.IsEnabled, Is.False, "leaving a nested NoGrad keeps the outer one");
            y = x.Mul(x).Exp().Sum();
            Assert.That(y.RequiresGrad, Is.False);
            Assert.That(y.GradFn, Is.Null);
            Assert.That(x.Reshape(1, 2).MatMul(x.Reshape(2, 1)).RequiresGrad, Is.False);
        }
        Assert.That(AG.IsEnabled, Is.True);
        Assert.That(() => y.Backward(), Throws.InstanceOf<InvalidOperationException>());
        Assert.That(x.Mul(x).RequiresGrad, Is.True, "recording resumes after the scope");
    }

    [Test]
    public void NoInputRequiringGradRecordsNothing()
    {
        var x = Tensor.FromArray(new[] { 1.0, 2 });
        var y = x.Exp().Sum();
        Assert.That(y.RequiresGrad, Is.False);
        Assert.That(y.IsLeaf, Is.True);
    }

    [Test]
    public void DetachCutsTheGraph()
    {
        var x = TestData.LeafOf([1.0, 2, 3], 3);
        var d = x.Detach();
        Assert.That(d.RequiresGrad, Is.False);
        Assert.That(d.ToArray<double>(), Is.EqualTo(x.ToArray<double>()));
        // d(x * detach(x))/dx = detach(x): only one path is differentiated.
        x.Mul(x.Detach()).Sum().Backward();
        Assert.That(G(x), Is.EqualTo(new double[] { 1, 2, 3 }));
        var h = x.Exp();
        var y = h.Detach().Mul(x).Sum();
        Assert.That(AG.Grad([y], [x])[0].ToArray<double>(), Is.EqualTo(x.Exp().ToArray<double>()));
    }

    [Test]
    public void GradWithRespectToAnIntermediate()
    {
        var x = TestData.LeafOf([0.5, -1, 2], 3);
        var h = x.Exp();
        var w = Tensor.FromArray(new[] { 2.0, 3, 4 });
        var y = h.Mul(w).Square().Sum(); // dy/dh = 2 (h w) w
        var hv = h.ToArray<double>();
        double[] wv = [2, 3, 4];
        var gh = AG.Grad([y], [h]);
        TestData.AssertClose(gh[0].ToArray<double>(), hv.Select((v, i) => 2 * v * wv[i] * wv[i]).ToArray(), 1e-12, 1e-12, "dy/dh");
        Assert.That(x.Grad, Is.Null);
    }

    [Test]
    public void GradWithRespectToAnIntermediateAndALeafBelowIt()
    {
        // torch.autograd.grad(y, [h, x]) gives the full dy/dx, not only the paths that avoid h.
        var x = TestData.LeafOf([0.5, -1, 2], 3);
        var h = x.Exp();
        var w = Tensor.FromArray(new[] { 2.0, 3, 4 });
        var y = h.Mul(w).Square().Sum();
        var hv = h.ToArray<double>();
        double[] wv = [2, 3, 4];
        var g = AG.Grad([y], [h, x]);
        TestData.AssertClose(g[0].ToArray<double>(), hv.Select((v, i) => 2 * v * wv[i] * wv[i]).ToArray(), 1e-12, 1e-12, "dy/dh");
        TestData.AssertClose(g[1].ToArray<double>(), hv.Select((v, i) => 2 * v * wv[i] * wv[i] * v).ToArray(), 1e-12, 1e-12, "dy/dx");
        Assert.That(x.Grad, Is.Null);
    }

    [Test]
    public void GradWithRespectToAnIntermediateWhoseHistoryWasFreed()
    {
        var x = TestData.LeafOf([0.5, -1], 2);
        var h = x.Exp();
        h.Sum().Backward(); // frees the Exp node below h
        var y = h.Mul(2.0).Sum();
        Assert.That(AG.Grad([y], [h])[0].ToArray<double>(), Is.EqualTo(new double[] { 2, 2 }));
    }

    [Test]
    public void UnusedInputGetsZeros()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var unused = TestData.LeafOf([5.0, 6, 7, 8], 2, 2);
        var g = AG.Grad([x.Square().Sum()], [x, unused]);
        Assert.That(g[1].Shape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(g[1].ToArray<double>(), Is.All.EqualTo(0.0));
        Assert.That(g[0].ToArray<double>(), Is.EqualTo(new double[] { 2, 4 }));
    }

    [Test]
    public void DiamondGraphAccumulatesBothPaths()
    {
        var x = TestData.LeafOf([0.3, -0.7], 2);
        GradCheck.Check(t => { var h = t[0].Tanh(); return h.Mul(h.Exp()).Add(h.Square()); }, x);
    }

    [Test]
    public void NonScalarBackwardNeedsAnOutputGradient()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var y = x.Exp();
        Assert.That(() => y.Backward(), Throws.InstanceOf<ArgumentException>().With.Message.Contains("not a scalar"));
        var y2 = x.Exp();
        Assert.That(() => y2.Backward(Tensor.FromArray(new[] { 1.0, 2, 3 })), Throws.InstanceOf<ArgumentException>().With.Message.Contains("[3]"));
        x.Exp().Backward(Tensor.FromArray(new[] { 1.0, 2 }));
        TestData.AssertClose(G(x), [Math.E, 2 * Math.Exp(2)], 1e-15, 1e-15, "weighted backward");
    }

    [Test]
    public void RequiresGradRules()
    {
        var i = Tensor.FromArray(new long[] { 1, 2 });
        Assert.That(() => i.RequiresGrad = true, Throws.InstanceOf<ArgumentException>().With.Message.Contains("int64"));
        var x = TestData.LeafOf([1.0], 1);
        var y = x.Exp();
        Assert.That(y.RequiresGrad, Is.True);
        Assert.That(y.IsLeaf, Is.False);
        Assert.That(() => y.RequiresGrad = false, Throws.InstanceOf<InvalidOperationException>().With.Message.Contains("Detach"));
    }

    [Test]
    public void ComparisonsCarryNoGradient()
    {
        var x = TestData.LeafOf([1.0, -2], 2);
        Assert.That(x.Gt(0.0).RequiresGrad, Is.False);
        Assert.That(x.Ge(x.Neg()).RequiresGrad, Is.False);
        Assert.That(x.ArgMax(0).RequiresGrad, Is.False);
    }

    [Test]
    public void InPlaceAddOnATensorThatRequiresGradIsRefused()
    {
        var x = TestData.LeafOf([1.0, 2], 2);
        var d = Tensor.FromArray(new[] { 1.0, 1 });
        Assert.That(() => x.AddInPlace(d), Throws.InstanceOf<InvalidOperationException>().With.Message.Contains("NoGrad"));
        using (AG.NoGrad()) x.AddInPlace(d, 0.5);
        Assert.That(x.ToArray<double>(), Is.EqualTo(new double[] { 1.5, 2.5 }));
    }
}
