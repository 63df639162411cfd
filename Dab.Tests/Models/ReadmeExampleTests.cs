using Dab.Models;
using Dab.Models.Hard;
using Dab.NN;
using Dab.Optim;
using NUnit.Framework;

namespace Dab.Tests.Models;

/// <summary>The README's example, verbatim in spirit: a custom hard function with a surrogate learns.</summary>
public class ReadmeExampleTests
{
    private const int Bits = 12;

    private sealed class Step : HardFunction
    {
        public override string Name => "step";
        public override Tensor Apply(Tensor x) => x.Gt(0); // 1 where x > 0, else 0
    }

    [Test]
    public void BinaryAutoencoderWithACustomHardFunctionLearns()
    {
        double trained = Train(trainEncoder: true), frozen = Train(trainEncoder: false);
        TestContext.Out.WriteLine($"final reconstruction mse: encoder trained through the DAB {trained:F4}, encoder frozen {frozen:F4}");
        Assert.That(trained, Is.LessThan(frozen * 0.7), "the encoder learns through the surrogate's gradient");
    }

    private static double Train(bool trainEncoder)
    {
        var gen = new Dab.Random.Generator(seed: 1);
        var encoder = new Sequential(new Linear(8, Bits, gen: gen), new Tanh());
        var dab = new DabLayer(new Step(), new Sequential(new Linear(Bits, 32, gen: gen), new Tanh(), new Linear(32, Bits, gen: gen)), gamma: 10);
        var decoder = new Linear(Bits, 8, gen: gen);
        using var model = new Sequential(encoder, dab, decoder);
        var trainable = trainEncoder ? model.Parameters() : dab.Parameters().Concat(decoder.Parameters());
        using var opt = new Adam(trainable, lr: 3e-3);

        double first = 0, last = 0;
        for (int step = 0; step < 1000; step++)
        {
            using var scope = Tensor.Scope();
            var x = gen.Uniform([64, 8], low: -1, high: 1);
            var task = Tensor.Mse(model.Forward(x), x);
            var loss = task.Add(DabLayer.TotalBridgeLoss(model)!);
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
            if (step == 0) first = task.Item();
            last = task.Item();
        }
        Assert.That(last, Is.LessThan(first), "the loss goes down");
        return last;
    }
}
