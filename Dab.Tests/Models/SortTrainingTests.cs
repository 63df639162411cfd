using Dab.Models.Sort;
using NUnit.Framework;

namespace Dab.Tests.Models;

public class SortTrainingTests
{
    [Test]
    public void TargetsAreTheArgsortOfEachRow()
    {
        using var x = Tensor.FromArray(new[] { 0.6f, 0.234f, 0.9812f, 0.5f, 0.1f, 0.3f }, [2, 3]);
        using var y = SortData.Targets(x);
        Assert.That(y.DType, Is.EqualTo(DType.Int64));
        Assert.That(y.ToArray<long>(), Is.EqualTo(new long[] { 1, 0, 2, 1, 2, 0 }));
    }

    [Test]
    public void SameSeedGivesSameBatches()
    {
        var a = new SortData(5, 42).Next(8, Device.Cpu);
        var b = new SortData(5, 42).Next(8, Device.Cpu);
        var c = new SortData(5, 43).Next(8, Device.Cpu);
        Assert.That(a.X.ToArray<float>(), Is.EqualTo(b.X.ToArray<float>()));
        Assert.That(a.X.ToArray<float>(), Is.Not.EqualTo(c.X.ToArray<float>()));
    }

    [Test]
    public void AllOrNoneNeedsEveryPosition()
    {
        // Two samples, T = 2: logits (B, classes, positions).
        using var logits = Tensor.FromArray(new[] { 5f, 0f, 0f, 5f, /* sample 2 */ 5f, 5.5f, 0f, 0f }, [2, 2, 2]);
        using var targets = Tensor.FromArray(new long[] { 0, 1, 0, 1 }, [2, 2]);
        Assert.That(SortMetrics.AllOrNoneCorrect(logits, targets), Is.EqualTo(1));
    }

    [Test]
    public void ThreeSortLearnsInAFewSeconds()
    {
        var config = new SortConfig { Length = 3, Steps = 600, Batch = 128, LearningRate = 3e-3, Latent = 64, Seed = 7, TestSize = 4000 };
        using var trainer = new SortTrainer(config);
        double before = trainer.Evaluate(2000);
        var result = trainer.Run();
        TestContext.Out.WriteLine($"3-sort: {before:P1} -> {result.TestAccuracy:P1} in {result.Seconds:F1}s");
        Assert.That(result.TestAccuracy, Is.GreaterThan(0.9));
        Assert.That(result.TestAccuracy, Is.GreaterThan(before + 0.5));
        Assert.That(result.FinalBridgeLoss, Is.GreaterThan(0), "the DAB's bridge loss is reported");
    }

    [Test]
    public void TrainingIsDeterministicForASeed()
    {
        var config = new SortConfig { Length = 4, Steps = 5, Batch = 32, Latent = 16, Seed = 11, TestSize = 64 };
        double[] Losses()
        {
            using var t = new SortTrainer(config);
            return Enumerable.Range(0, 5).Select(_ => t.Step().Loss).ToArray();
        }
        Assert.That(Losses(), Is.EqualTo(Losses()));
    }

    [Test]
    public void ScopedStepsDoNotLeakTensors()
    {
        var config = new SortConfig { Length = 4, Steps = 5, Batch = 32, Latent = 16, Seed = 11 };
        using var t = new SortTrainer(config);
        t.Step();
        using var outer = Tensor.Scope();
        for (int i = 0; i < 3; i++) t.Step();
        Assert.That(outer.Count, Is.EqualTo(0), "every step's tensors are freed by the step's own scope");
    }
}
