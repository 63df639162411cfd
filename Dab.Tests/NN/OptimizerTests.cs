using Dab.NN;
using Dab.Optim;
using Dab.Random;
using Dab.Tests.Engine;
using NUnit.Framework;

namespace Dab.Tests.NN;

/// <summary>
/// Adam/AdamW, SGD and RMSProp against the textbook (PyTorch) update rules written out in float64,
/// over several steps with changing gradients; argument checks; gradient clipping; and a tiny
/// regression that each optimizer must solve.
/// </summary>
public class OptimizerTests
{
    // 37 elements: the fused CPU Adam kernel runs a SIMD body and a scalar tail.
    private const int N = 37;
    private const int Steps = 6;

    private static double[] Grad(int step, int seed) => TestData.Uniform(N, 1000 * seed + step, -2, 2);

    /// <summary>Runs an optimizer for <see cref="Steps"/> steps with fixed per-step gradients; returns the parameter after each step.</summary>
    private static List<double[]> Run(Func<Tensor[], Optimizer> make, double[] p0, int seed, DType dtype = DType.Float64)
    {
        using var p = Tensor.FromArray(p0, [N]);
        using var pt = dtype == DType.Float64 ? null : p.To(dtype);
        var param = pt ?? p;
        if (pt != null) pt.DetachFromScopes();
        param.RequiresGrad = true;
        using var opt = make([param]);
        var trace = new List<double[]>();
        for (int t = 1; t <= Steps; t++)
        {
            opt.ZeroGrad();
            using (var g = Tensor.FromArray(Grad(t, seed), [N])) param.Grad = g.To(dtype).DetachFromScopes();
            opt.Step();
            Assert.That(opt.StepCount, Is.EqualTo(t));
            Assert.That(param.IsLeaf && param.RequiresGrad, "the parameter stays a leaf that requires grad");
            trace.Add(param.ToArray<double>());
        }
        opt.ZeroGrad();
        return trace;
    }

    private static List<double[]> AdamReference(double[] p0, int seed, double lr, double b1, double b2, double eps, double wd, bool decoupled)
    {
        var p = (double[])p0.Clone();
        var m = new double[N];
        var v = new double[N];
        var trace = new List<double[]>();
        for (int t = 1; t <= Steps; t++)
        {
            var g = Grad(t, seed);
            for (int i = 0; i < N; i++)
            {
                double gi = g[i];
                if (decoupled) p[i] *= 1 - lr * wd;
                else gi += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                double mHat = m[i] / (1 - Math.Pow(b1, t));
                double vHat = v[i] / (1 - Math.Pow(b2, t));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
            trace.Add((double[])p.Clone());
        }
        return trace;
    }

    private static void AssertTrace(List<double[]> actual, List<double[]> expected, double atol, double rtol, string what)
    {
        for (int t = 0; t < Steps; t++) TestData.AssertClose(actual[t], expected[t], atol, rtol, $"{what}, after step {t + 1}");
    }

    // eps = 0.3 with gradients of order 1 makes the placement of eps (after sqrt of the bias-corrected v) visible.
    [TestCase(1e-3, 0.9, 0.999, 1e-8, 0.0, false, TestName = "Adam defaults")]
    [TestCase(0.05, 0.8, 0.95, 0.3, 0.0, false, TestName = "Adam large eps")]
    [TestCase(0.05, 0.0, 0.5, 1e-3, 0.0, false, TestName = "Adam beta1 = 0")]
    [TestCase(0.05, 0.9, 0.99, 1e-2, 0.1, false, TestName = "Adam with L2 weight decay")]
    [TestCase(0.05, 0.9, 0.99, 1e-2, 0.1, true, TestName = "AdamW decoupled weight decay")]
    [TestCase(0.05, 0.9, 0.99, 1e-2, 0.0, true, TestName = "AdamW without weight decay equals Adam")]
    public void AdamMatchesTextbookFloat64(double lr, double b1, double b2, double eps, double wd, bool decoupled)
    {
        var p0 = TestData.Uniform(N, 7);
        var actual = Run(ps => new Adam(ps, lr, b1, b2, eps, wd, decoupled), p0, 3);
        AssertTrace(actual, AdamReference(p0, 3, lr, b1, b2, eps, wd, decoupled), 1e-13, 1e-12, "adam");
    }

    [Test]
    public void AdamFloat32MatchesFloat64Reference()
    {
        var p0 = TestData.Uniform(N, 7).Select(v => (double)(float)v).ToArray();
        var actual = Run(ps => new Adam(ps, 0.01, weightDecay: 0.05, decoupled: true), p0, 5, DType.Float32);
        AssertTrace(actual, AdamReference(p0, 5, 0.01, 0.9, 0.999, 1e-8, 0.05, true), 2e-6, 2e-6, "adamw float32");
    }

    [Test]
    public void AdamAndAdamWDifferWhenDecaying()
    {
        var p0 = TestData.Uniform(N, 7);
        var l2 = Run(ps => new Adam(ps, 0.05, weightDecay: 0.1), p0, 3);
        var w = Run(ps => new Adam(ps, 0.05, weightDecay: 0.1, decoupled: true), p0, 3);
        Assert.That(l2[^1].Zip(w[^1], (a, b) => Math.Abs(a - b)).Max(), Is.GreaterThan(1e-4));
    }

    [Test]
    public void AdamFirstStepMovesEveryCoordinateByAboutLr()
    {
        // With bias correction, step 1 is lr * g / (|g| + eps): a sign step of size ~lr.
        var p0 = new double[N];
        var actual = Run(ps => new Adam(ps, 0.01), p0, 9);
        var g = Grad(1, 9);
        TestData.AssertClose(actual[0], g.Select(v => -0.01 * Math.Sign(v)).ToArray(), 1e-8, 1e-6, "first Adam step");
    }

    private static List<double[]> SgdReference(double[] p0, int seed, double lr, double mu, double wd)
    {
        var p = (double[])p0.Clone();
        double[]? buf = null;
        var trace = new List<double[]>();
        for (int t = 1; t <= Steps; t++)
        {
            var g = Grad(t, seed);
            var d = new double[N];
            for (int i = 0; i < N; i++) d[i] = g[i] + wd * p[i];
            if (mu != 0)
            {
                if (buf == null) buf = (double[])d.Clone();
                else for (int i = 0; i < N; i++) buf[i] = mu * buf[i] + d[i];
                d = buf;
            }
            for (int i = 0; i < N; i++) p[i] -= lr * d[i];
            trace.Add((double[])p.Clone());
        }
        return trace;
    }

    [TestCase(0.1, 0.0, 0.0, TestName = "SGD plain")]
    [TestCase(0.1, 0.9, 0.0, TestName = "SGD momentum")]
    [TestCase(0.1, 0.0, 0.3, TestName = "SGD weight decay")]
    [TestCase(0.05, 0.5, 0.2, TestName = "SGD momentum and weight decay")]
    public void SgdMatchesPyTorchFormulation(double lr, double mu, double wd)
    {
        var p0 = TestData.Uniform(N, 8);
        var actual = Run(ps => new Sgd(ps, lr, mu, wd), p0, 4);
        AssertTrace(actual, SgdReference(p0, 4, lr, mu, wd), 1e-14, 1e-13, "sgd");
    }

    [Test]
    public void SgdPlainFirstStepIsExact()
    {
        var p0 = TestData.Uniform(N, 8);
        var actual = Run(ps => new Sgd(ps, 0.25), p0, 4);
        var g = Grad(1, 4);
        Assert.That(actual[0], Is.EqualTo(p0.Select((v, i) => v - 0.25 * g[i]).ToArray()));
    }

    [Test]
    public void SgdMomentumFirstStepUsesTheRawGradient()
    {
        // PyTorch: buf = g on the first step (not (1 - dampening) g, not mu * 0 + g * something else).
        var p0 = TestData.Uniform(N, 8);
        var withMomentum = Run(ps => new Sgd(ps, 0.1, momentum: 0.9), p0, 4);
        var plain = Run(ps => new Sgd(ps, 0.1), p0, 4);
        Assert.That(withMomentum[0], Is.EqualTo(plain[0]));
        Assert.That(withMomentum[1], Is.Not.EqualTo(plain[1]));
    }

    private static List<double[]> RmsPropReference(double[] p0, int seed, double lr, double alpha, double eps)
    {
        var p = (double[])p0.Clone();
        var sq = new double[N];
        var trace = new List<double[]>();
        for (int t = 1; t <= Steps; t++)
        {
            var g = Grad(t, seed);
            for (int i = 0; i < N; i++)
            {
                sq[i] = alpha * sq[i] + (1 - alpha) * g[i] * g[i];
                p[i] -= lr * g[i] / (Math.Sqrt(sq[i]) + eps);
            }
            trace.Add((double[])p.Clone());
        }
        return trace;
    }

    [TestCase(1e-2, 0.99, 1e-8, TestName = "RMSProp defaults")]
    [TestCase(0.05, 0.9, 0.2, TestName = "RMSProp large eps")]
    [TestCase(0.05, 0.0, 1e-3, TestName = "RMSProp alpha = 0")]
    public void RmsPropMatchesPyTorchFormulation(double lr, double alpha, double eps)
    {
        var p0 = TestData.Uniform(N, 9);
        var actual = Run(ps => new RmsProp(ps, lr, alpha, eps), p0, 6);
        AssertTrace(actual, RmsPropReference(p0, 6, lr, alpha, eps), 1e-14, 1e-12, "rmsprop");
    }

    [Test]
    public void DefaultsAreThoseOfPyTorch()
    {
        using var p = TestData.Leaf([3], 1);
        using var adam = new Adam([p]);
        Assert.That((adam.LearningRate, adam.Beta1, adam.Beta2, adam.Eps, adam.WeightDecay, adam.Decoupled), Is.EqualTo((1e-3, 0.9, 0.999, 1e-8, 0.0, false)));
        using var rms = new RmsProp([p]);
        Assert.That((rms.LearningRate, rms.Alpha, rms.Eps), Is.EqualTo((1e-2, 0.99, 1e-8)));
        using var sgd = new Sgd([p], 0.1);
        Assert.That((sgd.Momentum, sgd.WeightDecay), Is.EqualTo((0.0, 0.0)));
    }

    [Test]
    public void LearningRateCanBeChangedBetweenSteps()
    {
        using var p = TestData.LeafOf([1.0, 2.0], 2);
        using var opt = new Sgd([p], 0.1);
        p.Grad = Tensor.FromArray(new[] { 1.0, 1.0 }).DetachFromScopes();
        opt.Step();
        opt.LearningRate = 0.5;
        opt.Step();
        TestData.AssertClose(p.ToArray<double>(), [1 - 0.1 - 0.5, 2 - 0.1 - 0.5], 1e-15, 0, "after two steps");
    }

    public static IEnumerable<TestCaseData> AllOptimizers()
    {
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(ps => new Sgd(ps, 0.1))).SetName("Untouched: SGD");
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(ps => new Sgd(ps, 0.1, momentum: 0.9, weightDecay: 0.1))).SetName("Untouched: SGD momentum wd");
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(ps => new Adam(ps, 0.1, weightDecay: 0.1))).SetName("Untouched: Adam wd");
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(ps => new Adam(ps, 0.1, weightDecay: 0.1, decoupled: true))).SetName("Untouched: AdamW");
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(ps => new RmsProp(ps, 0.1))).SetName("Untouched: RMSProp");
    }

    [TestCaseSource(nameof(AllOptimizers))]
    public void ParametersWithoutGradientAreLeftUntouched(Func<Tensor[], Optimizer> make)
    {
        using var a = TestData.Leaf([5], 1);
        using var b = TestData.Leaf([2, 3], 2);
        var a0 = a.ToArray<double>();
        var b0 = b.ToArray<double>();
        using var opt = make([a, b]);
        for (int t = 0; t < 3; t++)
        {
            a.Grad = Tensor.FromArray(TestData.Uniform(5, t + 10)).DetachFromScopes();
            opt.Step();
            opt.ZeroGrad();
        }
        Assert.That(b.ToArray<double>(), Is.EqualTo(b0), "b had no gradient");
        Assert.That(b.Grad, Is.Null);
        Assert.That(a.ToArray<double>(), Is.Not.EqualTo(a0), "a had a gradient");
        Assert.That(a.Grad, Is.Null, "Optimizer.ZeroGrad clears");
    }

    [TestCaseSource(nameof(AllOptimizers))]
    public void StepIsNotRecordedOnTheTape(Func<Tensor[], Optimizer> make)
    {
        using var lin = new Linear(3, 2, gen: new Generator(1));
        using var opt = make(lin.Parameters().ToArray());
        using (var scope = Tensor.Scope())
            lin.Forward(TestData.F32([4, 3], 2)).Sum().Backward();
        opt.Step();
        foreach (var (name, p) in lin.NamedParameters())
        {
            Assert.That(p.IsLeaf, Is.True, name);
            Assert.That(p.RequiresGrad, Is.True, name);
        }
        // A second forward/backward still works and the grads are for the updated parameters.
        lin.ZeroGrad();
        using (var scope = Tensor.Scope())
            lin.Forward(TestData.F32([4, 3], 2)).Sum().Backward();
        Assert.That(lin.Bias!.Grad!.ToArray<float>(), Is.EqualTo(new[] { 4f, 4f }));
    }

    private static void ThrowsNaming<T>(TestDelegate code, string? paramName, params string[] fragments) where T : ArgumentException
    {
        var ex = Assert.Throws(Is.InstanceOf<T>(), code)!;
        var ae = (ArgumentException)ex;
        if (paramName != null) Assert.That(ae.ParamName, Is.EqualTo(paramName), ae.Message);
        foreach (var f in fragments) Assert.That(ae.Message, Does.Contain(f), $"message \"{ae.Message}\" should mention \"{f}\"");
    }

    [Test]
    public void BadLearningRatesThrow()
    {
        using var p = TestData.Leaf([3], 1);
        foreach (var lr in new[] { 0.0, -1e-3, double.NaN, double.PositiveInfinity })
        {
            ThrowsNaming<ArgumentOutOfRangeException>(() => new Sgd([p], lr), "lr", "learning rate");
            ThrowsNaming<ArgumentOutOfRangeException>(() => new Adam([p], lr), "lr", "learning rate");
            ThrowsNaming<ArgumentOutOfRangeException>(() => new RmsProp([p], lr), "lr", "learning rate");
        }
    }

    [Test]
    public void BadHyperparametersThrow()
    {
        using var p = TestData.Leaf([3], 1);
        foreach (var b1 in new[] { -0.1, 1.0, 1.5 })
            ThrowsNaming<ArgumentOutOfRangeException>(() => new Adam([p], beta1: b1), "beta1", "betas", b1.ToString());
        foreach (var b2 in new[] { -0.1, 1.0 })
            ThrowsNaming<ArgumentOutOfRangeException>(() => new Adam([p], beta2: b2), null, "betas", b2.ToString());
        foreach (var eps in new[] { 0.0, -1e-8, double.NaN })
            ThrowsNaming<ArgumentOutOfRangeException>(() => new Adam([p], eps: eps), "eps", "eps");
        foreach (var alpha in new[] { -0.5, 1.0 })
            ThrowsNaming<ArgumentOutOfRangeException>(() => new RmsProp([p], alpha: alpha), "alpha", "alpha");
        ThrowsNaming<ArgumentOutOfRangeException>(() => new Sgd([p], 0.1, momentum: -0.1), "momentum", "momentum");
    }

    [Test]
    public void BadParameterListsThrow()
    {
        ThrowsNaming<ArgumentException>(() => new Sgd([], 0.1), null, "no parameters");
        ThrowsNaming<ArgumentException>(() => new Adam(Array.Empty<Tensor>()), null, "no parameters");
        ThrowsNaming<ArgumentException>(() => new RmsProp(Enumerable.Empty<Tensor>()), null, "no parameters");

        using var leaf = TestData.Leaf([3], 1);
        using var nonLeaf = leaf.Mul(2.0);
        ThrowsNaming<ArgumentException>(() => new Sgd([leaf, nonLeaf], 0.1), null, "parameter", "[3]", "leaf");
        ThrowsNaming<ArgumentException>(() => new Adam([nonLeaf]), null, "leaf");

        using var frozen = Tensor.Zeros([2, 2], DType.Float64);
        ThrowsNaming<ArgumentException>(() => new RmsProp([frozen]), null, "[2, 2]", "requires grad");
    }

    // ---- gradient clipping -------------------------------------------------------------------------

    private static (Tensor A, Tensor B, Tensor C) ThreeParams(double gScale)
    {
        var a = TestData.Leaf([4], 1);
        var b = TestData.Leaf([2, 3], 2);
        var c = TestData.Leaf([2], 3); // no gradient
        a.Grad = Tensor.FromArray(TestData.Uniform(4, 11).Select(v => v * gScale).ToArray()).DetachFromScopes();
        b.Grad = Tensor.FromArray(TestData.Uniform(6, 12).Select(v => v * gScale).ToArray(), [2, 3]).DetachFromScopes();
        return (a, b, c);
    }

    private static double Norm(params Tensor[] grads) => Math.Sqrt(grads.Sum(g => g.ToArray<double>().Sum(v => v * v)));

    [Test]
    public void ClipByNormRescalesToMaxNormAndReturnsThePreClipNorm()
    {
        var (a, b, c) = ThreeParams(10);
        var ga = a.Grad!.ToArray<double>();
        var gb = b.Grad!.ToArray<double>();
        double before = Norm(a.Grad, b.Grad!);
        Assert.That(before, Is.GreaterThan(5));

        double returned = GradClip.ClipByNorm([a, b, c], 1.5);
        Assert.That(returned, Is.EqualTo(before).Within(1e-12).Percent);
        Assert.That(Norm(a.Grad, b.Grad!), Is.EqualTo(1.5).Within(1e-5).Percent, "norm after clipping");
        // The direction is kept: one common factor for every gradient.
        double k = 1.5 / (before + 1e-6);
        TestData.AssertClose(a.Grad.ToArray<double>(), ga.Select(v => v * k).ToArray(), 1e-14, 1e-12, "a");
        TestData.AssertClose(b.Grad!.ToArray<double>(), gb.Select(v => v * k).ToArray(), 1e-14, 1e-12, "b");
        Assert.That(c.Grad, Is.Null);
        foreach (var t in new[] { a, b, c }) { t.Grad?.Dispose(); t.Dispose(); }
    }

    [Test]
    public void ClipByNormLeavesSmallGradientsUnchanged()
    {
        var (a, b, c) = ThreeParams(0.1);
        var ga = a.Grad!.ToArray<double>();
        var gb = b.Grad!.ToArray<double>();
        double before = Norm(a.Grad, b.Grad!);
        Assert.That(GradClip.ClipByNorm([a, b, c], 5.0), Is.EqualTo(before).Within(1e-12).Percent);
        Assert.That(a.Grad.ToArray<double>(), Is.EqualTo(ga));
        Assert.That(b.Grad!.ToArray<double>(), Is.EqualTo(gb));
        foreach (var t in new[] { a, b, c }) { t.Grad?.Dispose(); t.Dispose(); }
    }

    [Test]
    public void ClipByNormFloat32AndNoGradients()
    {
        using var lin = new Linear(50, 20, gen: new Generator(4));
        Assert.That(GradClip.ClipByNorm(lin.Parameters(), 1.0), Is.EqualTo(0), "no gradients: norm 0");
        using (var scope = Tensor.Scope())
            lin.Forward(TestData.F32([8, 50], 3, 0, 3)).Sum().Backward();
        double before = Norm(lin.Weight.Grad!, lin.Bias!.Grad!);
        Assert.That(before, Is.GreaterThan(1));
        Assert.That(GradClip.ClipByNorm(lin.Parameters(), 0.5), Is.EqualTo(before).Within(1e-4).Percent);
        Assert.That(Norm(lin.Weight.Grad!, lin.Bias!.Grad!), Is.EqualTo(0.5).Within(1e-4).Percent);
    }

    [Test]
    public void ClipByValueClamps()
    {
        var (a, b, c) = ThreeParams(3);
        var ga = a.Grad!.ToArray<double>();
        var gb = b.Grad!.ToArray<double>();
        GradClip.ClipByValue([a, b, c], 1.25);
        Assert.That(a.Grad.ToArray<double>(), Is.EqualTo(ga.Select(v => Math.Clamp(v, -1.25, 1.25)).ToArray()));
        Assert.That(b.Grad!.ToArray<double>(), Is.EqualTo(gb.Select(v => Math.Clamp(v, -1.25, 1.25)).ToArray()));
        Assert.That(ga.Concat(gb).Count(v => Math.Abs(v) > 1.25), Is.GreaterThan(2), "the test clamps something");
        Assert.That(ga.Concat(gb).Count(v => Math.Abs(v) < 1.25), Is.GreaterThan(2), "and leaves something");
        Assert.That(c.Grad, Is.Null);
        foreach (var t in new[] { a, b, c }) { t.Grad?.Dispose(); t.Dispose(); }
    }

    [Test]
    public void ClipArgumentsAreChecked()
    {
        using var p = TestData.Leaf([3], 1);
        foreach (var bad in new[] { 0.0, -1.0, double.NaN })
        {
            ThrowsNaming<ArgumentOutOfRangeException>(() => GradClip.ClipByNorm([p], bad), "maxNorm", "max norm");
            ThrowsNaming<ArgumentOutOfRangeException>(() => GradClip.ClipByValue([p], bad), "value", "value");
        }
    }

    // ---- convergence ------------------------------------------------------------------------------

    public static IEnumerable<TestCaseData> Regressions()
    {
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(ps => new Sgd(ps, 0.3)), 150).SetName("Fit 3x-1: SGD");
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(ps => new Sgd(ps, 0.05, momentum: 0.9)), 200).SetName("Fit 3x-1: SGD momentum");
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(ps => new Adam(ps, 0.05)), 400).SetName("Fit 3x-1: Adam");
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(ps => new Adam(ps, 0.05, weightDecay: 1e-4, decoupled: true)), 400).SetName("Fit 3x-1: AdamW");
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(ps => new RmsProp(ps, 0.01)), 600).SetName("Fit 3x-1: RMSProp");
    }

    [TestCaseSource(nameof(Regressions))]
    public void FitsALine(Func<Tensor[], Optimizer> make, int steps)
    {
        var xs = Enumerable.Range(0, 64).Select(i => -1 + 2.0 * i / 63).ToArray();
        using var x = Tensor.FromArray(xs.Select(v => (float)v).ToArray(), [64, 1]);
        using var y = Tensor.FromArray(xs.Select(v => (float)(3 * v - 1)).ToArray(), [64, 1]);
        using var model = new Linear(1, 1, gen: new Generator(17));
        using var opt = make(model.Parameters().ToArray());
        double first = double.NaN, last = double.NaN;
        for (int s = 0; s < steps; s++)
        {
            using var scope = Tensor.Scope();
            opt.ZeroGrad();
            var loss = Tensor.Mse(model.Forward(x), y);
            loss.Backward();
            opt.Step();
            last = loss.Item();
            if (s == 0) first = last;
        }
        double w = model.Weight.Item(), b = model.Bias!.Item();
        Assert.That(first, Is.GreaterThan(1), "the fit starts far off");
        Assert.That(w, Is.EqualTo(3).Within(0.05), $"weight (loss {first:G3} -> {last:G3})");
        Assert.That(b, Is.EqualTo(-1).Within(0.05), $"bias (loss {first:G3} -> {last:G3})");
        Assert.That(last, Is.LessThan(2e-3));
    }
}
