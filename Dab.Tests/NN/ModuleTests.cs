using Dab.NN;
using Dab.Random;
using Dab.Tests.Engine;
using NUnit.Framework;

namespace Dab.Tests.NN;

/// <summary>Linear's PyTorch-default initialisation and forward, and Module's bookkeeping (names, modes, grads, devices).</summary>
public class ModuleTests
{
    /// <summary>A module with its own parameter and named children, to check the order and the dotted names.</summary>
    private sealed class Net : Module
    {
        public readonly Tensor Scale;
        public readonly Sequential Encoder;
        public readonly Linear Head;

        public Net(Generator g)
        {
            Scale = RegisterParameter("scale", Tensor.Ones([3]));
            Encoder = RegisterModule("encoder", new Sequential(new Linear(4, 5, gen: g), new Tanh(), new Linear(5, 3, gen: g)));
            Head = RegisterModule("head", new Linear(3, 2, bias: false, gen: g));
        }

        public override Tensor Forward(Tensor x) => Head.Forward(Encoder.Forward(x).Mul(Scale));
    }

    private static double Variance(double[] a)
    {
        double mean = a.Average();
        return a.Sum(v => (v - mean) * (v - mean)) / (a.Length - 1);
    }

    [Test]
    public void LinearInitIsUniformWithinOneOverSqrtFanIn()
    {
        using var lin = new Linear(100, 200, gen: new Generator(11));
        double bound = 1 / Math.Sqrt(100);
        Assert.That(lin.Weight.Shape, Is.EqualTo(new[] { 200, 100 }));
        Assert.That(lin.Bias!.Shape, Is.EqualTo(new[] { 200 }));
        Assert.That(lin.Weight.DType, Is.EqualTo(DType.Float32));

        var w = lin.Weight.ToArray<double>();
        var b = lin.Bias.ToArray<double>();
        Assert.That(w.All(v => v >= -bound && v <= bound), "weights within [-1/sqrt(in), 1/sqrt(in)]");
        Assert.That(b.All(v => v >= -bound && v <= bound), "bias within [-1/sqrt(in), 1/sqrt(in)]");

        // U(-a, a): mean 0, variance a^2/3. For 20000 draws the standard errors are ~4e-4 (mean) and ~0.6% (variance).
        Assert.That(w.Average(), Is.EqualTo(0).Within(0.003), "weight mean");
        Assert.That(Variance(w), Is.EqualTo(bound * bound / 3).Within(0.04 * bound * bound / 3), "weight variance ~ bound^2/3");
        Assert.That(w.Min(), Is.LessThan(-0.99 * bound), "weights reach the lower end of the range");
        Assert.That(w.Max(), Is.GreaterThan(0.99 * bound), "weights reach the upper end of the range");

        // Flat histogram: 10 bins of ~2000 draws each (standard deviation ~42).
        var bins = new int[10];
        foreach (var v in w) bins[Math.Min(9, (int)((v + bound) / (2 * bound) * 10))]++;
        foreach (var c in bins) Assert.That(c, Is.InRange(1800, 2200), $"histogram {string.Join(", ", bins)}");

        // 200 bias draws: spread over the range, not a constant (e.g. zeros) and not a copy of the weights.
        Assert.That(b.Max() - b.Min(), Is.GreaterThan(1.5 * bound), "bias spread");
        Assert.That(Variance(b), Is.EqualTo(bound * bound / 3).Within(0.35 * bound * bound / 3), "bias variance");
        Assert.That(b, Is.Not.EqualTo(w.Take(200).ToArray()), "bias is a fresh draw");
    }

    [Test]
    public void LinearInitBoundFollowsInFeaturesNotOutFeatures()
    {
        using var lin = new Linear(9, 400, gen: new Generator(5));
        var w = lin.Weight.ToArray<double>();
        Assert.That(w.Max(v => Math.Abs(v)), Is.LessThanOrEqualTo(1.0 / 3).And.GreaterThan(0.32));
        using var wide = new Linear(400, 9, gen: new Generator(5));
        Assert.That(wide.Weight.ToArray<double>().Max(v => Math.Abs(v)), Is.LessThanOrEqualTo(0.05).And.GreaterThan(0.048));
    }

    [Test]
    public void SameSeedSameParameters()
    {
        using var a = new Sequential(new Linear(6, 4, gen: new Generator(42)), new ReLU());
        using var b = new Sequential(new Linear(6, 4, gen: new Generator(42)), new ReLU());
        using var c = new Sequential(new Linear(6, 4, gen: new Generator(43)), new ReLU());
        var pa = a.Parameters().ToArray();
        var pb = b.Parameters().ToArray();
        var pc = c.Parameters().ToArray();
        for (int i = 0; i < pa.Length; i++)
        {
            Assert.That(pb[i].ToArray<float>(), Is.EqualTo(pa[i].ToArray<float>()), $"parameter {i}, same seed");
            Assert.That(pc[i].ToArray<float>(), Is.Not.EqualTo(pa[i].ToArray<float>()), $"parameter {i}, other seed");
        }

        // One generator feeding two layers gives two different layers.
        var g = new Generator(42);
        using var l1 = new Linear(6, 4, gen: g);
        using var l2 = new Linear(6, 4, gen: g);
        Assert.That(l1.Weight.ToArray<float>(), Is.EqualTo(pa[0].ToArray<float>()));
        Assert.That(l2.Weight.ToArray<float>(), Is.Not.EqualTo(l1.Weight.ToArray<float>()));
    }

    private static double[] LinearByHand(double[] x, int rows, double[] w, double[]? b, int inF, int outF)
    {
        var y = new double[rows * outF];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double s = b?[o] ?? 0;
                for (int i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
                y[r * outF + o] = s;
            }
        return y;
    }

    [TestCase(true)]
    [TestCase(false)]
    public void LinearForwardIsXWTransposePlusB(bool bias)
    {
        using var lin = new Linear(3, 4, bias, new Generator(8), DType.Float64);
        Assert.That(lin.Bias == null, Is.EqualTo(!bias));
        var w = lin.Weight.ToArray<double>();
        var b = lin.Bias?.ToArray<double>();

        var x2 = TestData.Uniform(5 * 3, 1);
        using var y2 = lin.Forward(Tensor.FromArray(x2, [5, 3]));
        Assert.That(y2.Shape, Is.EqualTo(new[] { 5, 4 }));
        TestData.AssertClose(y2.ToArray<double>(), LinearByHand(x2, 5, w, b, 3, 4), 1e-14, 1e-14, "2-D input");

        var x3 = TestData.Uniform(2 * 6 * 3, 2);
        using var y3 = lin.Call(Tensor.FromArray(x3, [2, 6, 3]));
        Assert.That(y3.Shape, Is.EqualTo(new[] { 2, 6, 4 }));
        TestData.AssertClose(y3.ToArray<double>(), LinearByHand(x3, 12, w, b, 3, 4), 1e-14, 1e-14, "3-D input");

        var x1 = TestData.Uniform(3, 3);
        using var y1 = lin.Forward(Tensor.FromArray(x1, [3]));
        Assert.That(y1.Shape, Is.EqualTo(new[] { 4 }));
        TestData.AssertClose(y1.ToArray<double>(), LinearByHand(x1, 1, w, b, 3, 4), 1e-14, 1e-14, "1-D input");
    }

    [Test]
    public void LinearForwardFloat32MatchesFloat64Reference()
    {
        using var lin = new Linear(33, 7, gen: new Generator(9));
        var x = TestData.Uniform(10 * 33, 4);
        using var y = lin.Forward(Tensor.FromArray(x.Select(v => (float)v).ToArray(), [10, 33]));
        var xr = x.Select(v => (double)(float)v).ToArray();
        TestData.AssertClose(y.ToArray<double>(), LinearByHand(xr, 10, lin.Weight.ToArray<double>(), lin.Bias!.ToArray<double>(), 33, 7), 1e-5, 1e-5, "float32 linear");
    }

    [Test]
    public void LinearGradientsReachWeightAndBias()
    {
        using var lin = new Linear(3, 2, gen: new Generator(1), dtype: DType.Float64);
        var x = TestData.Uniform(4 * 3, 6);
        using (var y = lin.Forward(Tensor.FromArray(x, [4, 3])))
        using (var s = y.Sum())
            s.Backward();
        // d sum(x W^T + b) / dW[o, i] = sum_r x[r, i]; / db[o] = rows.
        var colSums = Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, 4).Sum(r => x[r * 3 + i])).ToArray();
        TestData.AssertClose(lin.Weight.Grad!.ToArray<double>(), [.. colSums, .. colSums], 1e-14, 1e-14, "dW");
        TestData.AssertClose(lin.Bias!.Grad!.ToArray<double>(), [4, 4], 0, 0, "db");
    }

    [Test]
    public void LinearWrongInputWidthNamesBothSizes()
    {
        using var lin = new Linear(4, 3);
        var ex = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => lin.Forward(Tensor.Zeros([2, 5])))!;
        Assert.That(ex.Message, Does.Contain("4").And.Contain("[2, 5]"), ex.Message);
        ex = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => lin.Forward(Tensor.Zeros([4, 2, 3])))!;
        Assert.That(ex.Message, Does.Contain("4").And.Contain("[4, 2, 3]"), ex.Message);
        Assert.Throws(Is.InstanceOf<ArgumentException>(), () => lin.Forward(Tensor.Scalar(1)));
    }

    [Test]
    public void LinearRejectsNonPositiveSizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Linear(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Linear(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Linear(-1, 3));
    }

    [Test]
    public void SequentialNamesAreDottedInRegistrationOrder()
    {
        var g = new Generator(3);
        using var seq = new Sequential(
            new Linear(2, 3, gen: g), new Tanh(),
            new Sequential(new Linear(3, 4, gen: g), new ReLU(), new Linear(4, 1, bias: false, gen: g)),
            new Linear(1, 2, gen: g));
        var names = seq.NamedParameters().Select(p => p.Name).ToArray();
        Assert.That(names, Is.EqualTo(new[] { "0.weight", "0.bias", "2.0.weight", "2.0.bias", "2.2.weight", "3.weight", "3.bias" }));

        var l0 = (Linear)seq[0];
        var inner = (Sequential)seq[2];
        var named = seq.NamedParameters().ToDictionary(p => p.Name, p => p.Param);
        Assert.That(named["0.weight"], Is.SameAs(l0.Weight));
        Assert.That(named["0.bias"], Is.SameAs(l0.Bias));
        Assert.That(named["2.2.weight"], Is.SameAs(((Linear)inner[2]).Weight));
        Assert.That(seq.Parameters(), Is.EqualTo(seq.NamedParameters().Select(p => p.Param)).AsCollection);
        Assert.That(seq.Count, Is.EqualTo(4));
        Assert.That(seq.Children().ToArray(), Is.EqualTo(new Module[] { seq[0], seq[1], seq[2], seq[3] }));
        Assert.That(seq.NamedParameters("model.").First().Name, Is.EqualTo("model.0.weight"));

        foreach (var (name, p) in seq.NamedParameters())
        {
            Assert.That(p.RequiresGrad, Is.True, name);
            Assert.That(p.IsLeaf, Is.True, name);
        }
    }

    [Test]
    public void CustomModuleNamesOwnParametersFirstThenChildren()
    {
        using var net = new Net(new Generator(4));
        Assert.That(net.NamedParameters().Select(p => p.Name).ToArray(), Is.EqualTo(new[]
        {
            "scale", "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias", "head.weight",
        }));
        Assert.That(net.ParameterCount(), Is.EqualTo(3 + 4 * 5 + 5 + 5 * 3 + 3 + 3 * 2));
        using var y = net.Forward(Tensor.Ones([2, 4]));
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 2 }));
    }

    [Test]
    public void ParameterCountSumsElements()
    {
        using var seq = new Sequential(new Linear(2, 3), new Tanh(), new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 1)));
        Assert.That(seq.ParameterCount(), Is.EqualTo(2 * 3 + 3 + 3 * 4 + 4 + 4 * 1 + 1));
        using var act = new Sequential(new Tanh(), new Identity());
        Assert.That(act.ParameterCount(), Is.EqualTo(0));
        Assert.That(act.NamedParameters(), Is.Empty);
        using var big = new Linear(1000, 1000, bias: false);
        Assert.That(big.ParameterCount(), Is.EqualTo(1_000_000));
    }

    [Test]
    public void TrainAndEvalPropagateToAllDescendants()
    {
        var leaf = new Linear(3, 3);
        var act = new ReLU();
        var inner = new Sequential(leaf, act);
        using var net = new Sequential(new Linear(2, 3), inner, new Sigmoid());
        Module[] all = [net, net[0], inner, leaf, act, net[2]];
        Assert.That(all.All(m => m.Training), "modules start in training mode");

        net.Eval();
        Assert.That(all.Select(m => m.Training), Is.All.False, "after Eval");
        net.Train();
        Assert.That(all.Select(m => m.Training), Is.All.True, "after Train");
        net.Train(false);
        Assert.That(all.Select(m => m.Training), Is.All.False, "after Train(false)");

        // Switching a child does not touch its parent.
        net.Train();
        inner.Eval();
        Assert.That(net.Training, Is.True);
        Assert.That(leaf.Training, Is.False);
        Assert.That(((Module)net[0]).Training, Is.True);
    }

    [Test]
    public void ZeroGradClearsEveryGradient()
    {
        using var net = new Sequential(new Linear(3, 4, gen: new Generator(2)), new Tanh(), new Linear(4, 1, gen: new Generator(3)));
        using (var scope = Tensor.Scope())
            net.Forward(TestData.F32([5, 3], 1)).Sum().Backward();
        Assert.That(net.Parameters().All(p => p.Grad != null), "every parameter got a gradient");
        Assert.That(net.Parameters().Any(p => p.Grad!.ToArray<float>().Any(v => v != 0)), "gradients are not zero");

        net.ZeroGrad();
        Assert.That(net.Parameters().Select(p => p.Grad), Is.All.Null);

        // Gradients accumulate across backward passes until cleared.
        float[] once;
        using (var scope = Tensor.Scope())
            net.Forward(TestData.F32([5, 3], 1)).Sum().Backward();
        once = ((Linear)net[0]).Weight.Grad!.ToArray<float>();
        using (var scope = Tensor.Scope())
            net.Forward(TestData.F32([5, 3], 1)).Sum().Backward();
        TestData.AssertClose(((Linear)net[0]).Weight.Grad!.ToArray<float>(), once.Select(v => 2.0 * v).ToArray(), 1e-6, 1e-6, "accumulated");
        net.ZeroGrad();
        Assert.That(net.Parameters().Select(p => p.Grad), Is.All.Null);
    }

    [Test]
    public void ToCpuIsANoOpKeepingTheSameTensors()
    {
        using var net = new Sequential(new Linear(3, 4, gen: new Generator(2)), new Tanh(), new Linear(4, 1, gen: new Generator(3)));
        using (var scope = Tensor.Scope())
            net.Forward(TestData.F32([2, 3], 1)).Sum().Backward();
        var before = net.Parameters().ToArray();
        var values = before.Select(p => p.ToArray<float>()).ToArray();
        var grads = before.Select(p => p.Grad).ToArray();

        net.To(Device.Cpu);

        var after = net.Parameters().ToArray();
        for (int i = 0; i < before.Length; i++)
        {
            Assert.That(after[i], Is.SameAs(before[i]), $"parameter {i}");
            Assert.That(after[i].IsDisposed, Is.False);
            Assert.That(after[i].ToArray<float>(), Is.EqualTo(values[i]));
            Assert.That(after[i].Grad, Is.SameAs(grads[i]), $"gradient {i}");
            Assert.That(after[i].RequiresGrad, Is.True);
        }
        Assert.That(((Linear)net[0]).Weight, Is.SameAs(before[0]));
        net.To(Device.Parse("cpu"));
        Assert.That(net.Parameters().ToArray(), Is.EqualTo(before).AsCollection, "a second To(cpu)");
    }

    [Test]
    public void ParametersSurviveScopesTheyWereCreatedIn()
    {
        Linear lin;
        using (var scope = Tensor.Scope())
        {
            lin = new Linear(3, 2);
        }
        Assert.That(lin.Weight.IsDisposed, Is.False);
        Assert.That(lin.Bias!.IsDisposed, Is.False);
        using var y = lin.Forward(Tensor.Ones([1, 3]));
        Assert.That(y.Shape, Is.EqualTo(new[] { 1, 2 }));
        lin.Dispose();
        Assert.That(lin.Weight.IsDisposed, Is.True);
    }

    [Test]
    public void ActivationModulesApplyTheirOps()
    {
        var x = new[] { -2.0, -0.5, 0.0, 0.5, 2.0 };
        using var t = Tensor.FromArray(x);
        void Check(Module m, Func<double, double> f, string name)
        {
            using var y = m.Forward(t);
            TestData.AssertClose(y.ToArray<double>(), x.Select(f).ToArray(), 1e-12, 1e-12, name);
        }
        Check(new Tanh(), Math.Tanh, "tanh");
        Check(new Sigmoid(), v => 1 / (1 + Math.Exp(-v)), "sigmoid");
        Check(new ReLU(), v => Math.Max(v, 0), "relu");
        Check(new Softplus(), v => Math.Log(1 + Math.Exp(v)), "softplus");
        Check(new ELU(0.7), v => v > 0 ? v : 0.7 * (Math.Exp(v) - 1), "elu");
        Check(new Lambda(v => v.Mul(3.0)), v => 3 * v, "lambda");
        Assert.That(new Identity().Forward(t), Is.SameAs(t));
    }
}
