using Dab.Models;
using Dab.Models.Hard;
using Dab.NN;
using Dab.Random;
using NUnit.Framework;

namespace Dab.Tests.Models;

/// <summary>
/// The hard node's routing rules (design.md section 3) on a small float64 network, checked against
/// hand-derived gradients and central differences:
/// x0 -> h = tanh(x0 W1^T) -> z = signum(h) [surrogate soft(h) = L2(tanh(L1 h))] -> out = z W2^T.
/// </summary>
public class DabLayerTests
{
    private const int B = 3, In = 4, H = 5, S = 6, Out = 2;
    private const double Margin = 0.3, Gamma = 2.5;

    private sealed class Net : IDisposable
    {
        public readonly Tensor X0, W1, W2, R;
        public readonly Linear L1, L2;
        public readonly DabLayer Dab;

        public Net(BridgeMode mode = BridgeMode.SurrogateOnly, ulong seed = 3)
        {
            var g = new Generator(seed);
            X0 = g.Normal([B, In], DType.Float64);
            W1 = g.Normal([H, In], DType.Float64);
            W1.RequiresGrad = true;
            W2 = g.Normal([Out, H], DType.Float64);
            W2.RequiresGrad = true;
            R = g.Normal([B, Out], DType.Float64);
            L1 = new Linear(H, S, gen: g, dtype: DType.Float64);
            L2 = new Linear(S, H, gen: g, dtype: DType.Float64);
            Dab = new DabLayer(new Signum(Margin), new Sequential(L1, new Tanh(), L2), Gamma, mode);
        }

        public Tensor Hidden() => X0.Linear(W1).Tanh();

        /// <summary>Runs the net; returns (task loss, z).</summary>
        public (Tensor Task, Tensor Z) Forward()
        {
            var z = Dab.Forward(Hidden());
            var task = z.Linear(W2).Mul(R).Sum();
            return (task, z);
        }

        public Tensor[] SurrogateParams => [L1.Weight, L1.Bias!, L2.Weight, L2.Bias!];

        public void Dispose() => Dab.Dispose();
    }

    private static double[] D(Tensor t) => t.ToArray<double>();

    /// <summary>d/dp of f by central differences, perturbing p in place.</summary>
    private static double[] NumericGrad(Tensor p, Func<double> f, double h = 1e-6)
    {
        var g = new double[p.Numel];
        var data = p.Span<double>();
        for (int i = 0; i < g.Length; i++)
        {
            double keep = data[i];
            data[i] = keep + h; double up = f();
            data[i] = keep - h; double down = f();
            data[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    private static void AssertClose(double[] expected, double[] actual, double tol, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), what);
        for (int i = 0; i < expected.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tol + tol * Math.Abs(expected[i])), $"{what}[{i}]");
    }

    private static bool AllZeroOrNull(Tensor? g) => g == null || D(g).All(v => v == 0);

    [Test]
    public void ForwardIsTheExactHardFunction()
    {
        using var net = new Net();
        var h = D(net.Hidden());
        var (_, z) = net.Forward();
        var zs = D(z);
        for (int i = 0; i < h.Length; i++)
            Assert.That(zs[i], Is.EqualTo(h[i] > Margin ? 1 : h[i] < -Margin ? -1 : 0), $"z[{i}] for h={h[i]}");
        Assert.That(net.Dab.Soft, Is.Not.Null, "the surrogate runs in training");
    }

    [Test]
    public void TaskGradientReachesInputThroughSurrogateJacobianOnly()
    {
        using var net = new Net();
        var (task, z) = net.Forward();
        task.Backward();

        // Hand-derived: G = dL/dz = R W2; dL/dh = J_soft(h)^T G; dL/dW1 = (dL/dh * (1 - h^2))^T x0.
        var hT = net.Hidden();
        var G = D(net.R.MatMul(net.W2));
        var h = D(hT);
        var w1s = D(net.L1.Weight); var b1s = D(net.L1.Bias!); var w2s = D(net.L2.Weight);
        var x0 = D(net.X0);
        var expected = new double[H * In];
        for (int b = 0; b < B; b++)
        {
            var a = new double[S];
            for (int s = 0; s < S; s++)
            {
                double pre = b1s[s];
                for (int k = 0; k < H; k++) pre += w1s[s * H + k] * h[b * H + k];
                a[s] = Math.Tanh(pre);
            }
            var u = new double[S]; // (W2s^T G_b) * (1 - a^2)
            for (int s = 0; s < S; s++)
            {
                double acc = 0;
                for (int k = 0; k < H; k++) acc += w2s[k * S + s] * G[b * H + k];
                u[s] = acc * (1 - a[s] * a[s]);
            }
            for (int k = 0; k < H; k++)
            {
                double dh = 0;
                for (int s = 0; s < S; s++) dh += w1s[s * H + k] * u[s];
                double dpre = dh * (1 - h[b * H + k] * h[b * H + k]);
                for (int i = 0; i < In; i++) expected[k * In + i] += dpre * x0[b * In + i];
            }
        }
        AssertClose(expected, D(net.W1.Grad!), 1e-12, "W1.grad vs hand-derived");

        // The same by central differences of phi(W1) = sum(soft(h(W1)) * G), G held fixed.
        using var gT = net.R.MatMul(net.W2).Detach();
        double Phi()
        {
            using var _ = Autograd.Autograd.NoGrad();
            using var s = Tensor.Scope();
            return net.Dab.Surrogate.Forward(net.Hidden()).Mul(gT).Sum().Item();
        }
        AssertClose(NumericGrad(net.W1, Phi), D(net.W1.Grad!), 1e-7, "W1.grad vs finite differences");

        foreach (var p in net.SurrogateParams)
            Assert.That(AllZeroOrNull(p.Grad), "the task loss must not train the surrogate");
        Assert.That(net.W2.Grad, Is.Not.Null);
        GC.KeepAlive(z);
    }

    [Test]
    public void BridgeLossTrainsSurrogateOnlyByDefault()
    {
        using var net = new Net();
        var (_, z) = net.Forward();
        var bridge = net.Dab.BridgeLoss!;
        bridge.Backward();
        Assert.That(AllZeroOrNull(net.W1.Grad), Is.True, "earlier layers get exactly zero from the bridge loss");

        using var zc = z.Detach();
        double Bridge()
        {
            using var _ = Autograd.Autograd.NoGrad();
            using var s = Tensor.Scope();
            var d = net.Dab.Surrogate.Forward(net.Hidden()).Sub(zc);
            return d.Square().Sum(1).Mean().Item() * Gamma;
        }
        Assert.That(bridge.Item(), Is.EqualTo(Bridge()).Within(1e-12), "bridge loss = gamma * mean over batch of sum over features");
        foreach (var p in net.SurrogateParams)
        {
            Assert.That(p.Grad, Is.Not.Null);
            Assert.That(D(p.Grad!).Any(v => v != 0), "surrogate parameters learn from the bridge loss");
            AssertClose(NumericGrad(p, Bridge), D(p.Grad!), 1e-7, "surrogate grad vs finite differences");
        }
    }

    [Test]
    public void BridgeLossReachesInputWhenAsked()
    {
        using var net = new Net(BridgeMode.AlsoInput);
        var (_, z) = net.Forward();
        net.Dab.BridgeLoss!.Backward();
        using var zc = z.Detach();
        double Bridge()
        {
            using var _ = Autograd.Autograd.NoGrad();
            using var s = Tensor.Scope();
            return net.Dab.Surrogate.Forward(net.Hidden()).Sub(zc).Square().Sum(1).Mean().Item() * Gamma;
        }
        Assert.That(net.W1.Grad, Is.Not.Null);
        Assert.That(D(net.W1.Grad!).Any(v => v != 0));
        AssertClose(NumericGrad(net.W1, Bridge), D(net.W1.Grad!), 1e-7, "W1.grad from the bridge loss (z constant)");
    }

    [Test]
    public void TotalLossGradientIsTheSumOfBothPaths()
    {
        using var a = new Net();
        var (task, _) = a.Forward();
        task.Add(a.Dab.BridgeLoss!).Backward();
        using var b = new Net();
        var (taskB, _) = b.Forward();
        taskB.Backward();
        AssertClose(D(b.W1.Grad!), D(a.W1.Grad!), 1e-14, "W1 gets the task path only");
        using var c = new Net();
        c.Forward();
        c.Dab.BridgeLoss!.Backward();
        for (int i = 0; i < 4; i++)
            AssertClose(D(c.SurrogateParams[i].Grad!), D(a.SurrogateParams[i].Grad!), 1e-14, "surrogate gets the bridge path only");
    }

    [Test]
    public void SurrogateIsNotRunAtInference()
    {
        int calls = 0;
        using var layer = new DabLayer(new Signum(), new Lambda(x => { calls++; return x.Tanh(); }));
        using var x = Tensor.FromArray(new[] { -1.0f, -0.2f, 0.7f, 0.5f }, [2, 2]);
        x.RequiresGrad = true;
        layer.Eval();
        var z = layer.Forward(x);
        Assert.That(calls, Is.EqualTo(0));
        Assert.That(layer.BridgeLoss, Is.Null);
        Assert.That(z.ToArray<float>(), Is.EqualTo(new[] { -1f, 0f, 1f, 0f }));
        layer.Train();
        using (Autograd.Autograd.NoGrad()) layer.Forward(x);
        Assert.That(calls, Is.EqualTo(0), "no surrogate under NoGrad either");
        layer.Forward(x);
        Assert.That(calls, Is.EqualTo(1));
    }

    [Test]
    public void HardFunctionMayChangeTheShape()
    {
        var doubled = HardFunction.Create("signum-twice", x =>
        {
            var s = new Signum(Margin).Apply(x);
            return Tensor.Concat([s, s.Mul(2)], 1);
        });
        var g = new Generator(9);
        var sur = new Linear(H, 2 * H, gen: g, dtype: DType.Float64);
        using var layer = new DabLayer(doubled, sur);
        var x = g.Normal([B, H], DType.Float64);
        x.RequiresGrad = true;
        var z = layer.Forward(x);
        Assert.That(z.Shape, Is.EqualTo(new[] { B, 2 * H }));
        var up = g.Normal([B, 2 * H], DType.Float64);
        z.Mul(up).Sum().Backward();
        // Linear surrogate: J^T g = g W.
        AssertClose(D(up.MatMul(sur.Weight)), D(x.Grad!), 1e-12, "x.grad = g W_surrogate");
        Assert.That(AllZeroOrNull(sur.Weight.Grad), Is.True);
    }

    [Test]
    public void SurrogateWithWrongShapeIsAClearError()
    {
        using var layer = new DabLayer(new Signum(), new Linear(4, 3));
        using var x = Tensor.Zeros([2, 4]);
        x.RequiresGrad = true;
        Assert.That(() => layer.Forward(x), Throws.InstanceOf<ArgumentException>()
            .With.Message.Contains("[2, 3]").And.Message.Contains("[2, 4]"));
    }

    [Test]
    public void StraightThroughPassesTheGradientUnchanged()
    {
        using var layer = DabLayer.StraightThrough(new Signum(Margin));
        var g = new Generator(5);
        var x = g.Normal([B, H], DType.Float64);
        x.RequiresGrad = true;
        var up = g.Normal([B, H], DType.Float64);
        var z = layer.Forward(x);
        z.Mul(up).Sum().Add(layer.BridgeLoss!).Backward();
        AssertClose(D(up), D(x.Grad!), 0, "identity surrogate: dL/dx = dL/dz");
    }

    [Test]
    public void BinaryThresholdIsAtLeastTheSampleMean()
    {
        using var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, -1f, -1f, -1f, 5f }, [2, 4]);
        using var z = new BinaryThreshold().Apply(x);
        Assert.That(z.ToArray<float>(), Is.EqualTo(new[] { 0f, 0f, 1f, 1f, 0f, 0f, 0f, 1f }));
        using var flat = Tensor.FromArray(new[] { 2f, 2f }, [1, 2]);
        using var zf = new BinaryThreshold().Apply(flat);
        Assert.That(zf.ToArray<float>(), Is.EqualTo(new[] { 1f, 1f }), "equal to the mean counts as above");
    }
}
