using Dab.NN;
using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>The fused Linear+Tanh node: gradient-checked in float64, and equal to Linear then Tanh.</summary>
public class FusedLinearTanhTests
{
    [Test]
    public void GradCheck2D([Values] bool bias)
    {
        var x = TestData.Leaf([7, 3], 60);
        var w = TestData.Leaf([33, 3], 61);
        var b = TestData.Leaf([33], 62);
        if (bias) GradCheck.Check(t => t[0].LinearTanh(t[1], t[2]), x, w, b);
        else GradCheck.Check(t => t[0].LinearTanh(t[1]), x, w);
    }

    [Test]
    public void GradCheck3D()
    {
        var x = TestData.Leaf([2, 3, 4], 63);
        var w = TestData.Leaf([5, 4], 64);
        var b = TestData.Leaf([5], 65);
        Assert.That(x.LinearTanh(w, b).Shape, Is.EqualTo(new[] { 2, 3, 5 }));
        GradCheck.Check(t => t[0].LinearTanh(t[1], t[2]), x, w, b);
    }

    [Test]
    public void SameValuesAndGradientsAsLinearThenTanh([Values(1, 7, 33)] int rows, [Values(1, 9, 17)] int outF)
    {
        int inF = 5;
        var x = TestData.F32([rows, inF], 66, -2, 2);
        var w = TestData.F32([outF, inF], 67, -2, 2);
        var b = TestData.F32([outF], 68, -2, 2);
        var gy = TestData.F32([rows, outF], 69);
        foreach (var t in new[] { x, w, b }) t.RequiresGrad = true;

        var fused = x.LinearTanh(w, b);
        var gFused = Autograd.Autograd.Grad([fused], [x, w, b], [gy]);
        var plain = x.Linear(w, b).Tanh();
        var gPlain = Autograd.Autograd.Grad([plain], [x, w, b], [gy]);

        // The same sums; tanh may take its vector or scalar form for a different set of elements (a row's
        // tail against the array's tail), which differ by an ulp or so.
        Close(fused.ToArray<float>(), plain.ToArray<float>(), "forward");
        for (int i = 0; i < 3; i++) Close(gFused[i].ToArray<float>(), gPlain[i].ToArray<float>(), $"gradient {i}");
    }

    [Test]
    public void SequentialFusesLinearTanhWithoutChangingTheResult()
    {
        var gen = new Dab.Random.Generator(3);
        var net = new Sequential(new Linear(4, 6, gen: gen), new Tanh(), new Linear(6, 3, gen: gen), new Tanh(), new Linear(3, 2, gen: gen));
        var x = TestData.F32([5, 4], 70);
        var viaSequential = net.Forward(x).ToArray<float>();
        var byHand = ((Linear)net[4]).Forward(((Linear)net[2]).Forward(((Linear)net[0]).Forward(x).Tanh()).Tanh()).ToArray<float>();
        Close(viaSequential, byHand, "sequential");
    }

    private static void Close(float[] a, float[] b, string what) =>
        TestData.AssertClose(a.Select(v => (double)v).ToArray(), b.Select(v => (double)v).ToArray(), 1e-6, 1e-5, what);
}
