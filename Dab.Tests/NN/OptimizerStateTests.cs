using Dab.Optim;
using NUnit.Framework;

namespace Dab.Tests.NN;

public class OptimizerStateTests
{
    private static Tensor Leaf(Tensor t)
    {
        t.RequiresGrad = true;
        return t;
    }

    private static Tensor[] Params() =>
    [
        Leaf(Tensor.FromArray(new[] { 1f, -2f, 3f }, [3])),
        Leaf(Tensor.FromArray(new[] { 0.5f, 0.25f, -1f, 2f }, [2, 2])),
    ];

    private static void Train(Optimizer opt, Tensor[] ps, int steps, bool onlyFirst = false)
    {
        for (int s = 0; s < steps; s++)
        {
            opt.ZeroGrad();
            using var scope = Tensor.Scope();
            var loss = ps[0].Square().Sum();
            if (!onlyFirst) loss = loss.Add(ps[1].Mul(ps[1]).Sum().Mul(0.5));
            loss.Backward();
            opt.Step();
        }
    }

    private static IEnumerable<TestCaseData> Optimizers()
    {
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(p => new Adam(p, 0.1))).SetName("Adam");
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(p => new Sgd(p, 0.1, momentum: 0.9))).SetName("SgdMomentum");
        yield return new TestCaseData((Func<Tensor[], Optimizer>)(p => new RmsProp(p, 0.01))).SetName("RmsProp");
    }

    [TestCaseSource(nameof(Optimizers))]
    public void SavedStateContinuesExactlyLikeTheOriginal(Func<Tensor[], Optimizer> make)
    {
        var a = Params();
        using var optA = make(a);
        Train(optA, a, 3, onlyFirst: true); // the second parameter has no state yet: that must survive too
        Train(optA, a, 2);

        var b = Params();
        using var optB = make(b);
        using (Autograd.Autograd.NoGrad())
            for (int i = 0; i < a.Length; i++) b[i].CopyFrom(a[i]);
        var state = optA.SaveState();
        try { optB.LoadState(state.ToDictionary(s => s.Name, s => s.Value)); }
        finally { foreach (var (_, t) in state) t.Dispose(); }

        Train(optA, a, 4);
        Train(optB, b, 4);
        for (int i = 0; i < a.Length; i++) Assert.That(b[i].ToArray<float>(), Is.EqualTo(a[i].ToArray<float>()));
        Assert.That(optB.StepCount, Is.EqualTo(optA.StepCount));
    }

    [Test]
    public void StateForOtherParametersIsRefusedAndChangesNothing()
    {
        var a = Params();
        using var adam = new Adam(a, 0.1);
        Train(adam, a, 2);
        var other = new[] { Leaf(Tensor.Zeros([5])), Leaf(Tensor.Zeros([2, 2])) };
        using var fresh = new Adam(other, 0.1);
        var state = adam.SaveState();
        try
        {
            var dict = state.ToDictionary(s => s.Name, s => s.Value);
            Assert.That(() => fresh.LoadState(dict), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("m.0").And.Message.Contains("[3]"));
            Assert.That(fresh.StepCount, Is.EqualTo(0));
            dict.Remove("step_count");
            Assert.That(() => adam.LoadState(dict), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("step_count"));
        }
        finally { foreach (var (_, t) in state) t.Dispose(); }
    }
}
