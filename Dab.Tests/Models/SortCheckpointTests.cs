using Dab.IO;
using Dab.Models;
using Dab.Models.Sort;
using NUnit.Framework;

namespace Dab.Tests.Models;

public class SortCheckpointTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "dab-ckpt-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    private static SortConfig Small => new()
    {
        Length = 4, Steps = 120, Batch = 32, Latent = 16, Seed = 3, TestSize = 300, EvalSize = 100, EvalEvery = 40, LearningRate = 3e-3,
    };

    private static float[][] Parameters(SortTrainer t) => t.Model.Parameters().Select(p => p.ToArray<float>()).ToArray();

    /// <summary>Runs until the progress report at or after <paramref name="killAt"/>, then stops without saving, as a kill would.</summary>
    private static void RunAndKill(SortTrainer t, int killAt, string checkpoint)
    {
        using var cancel = new CancellationTokenSource();
        t.Run(new SyncProgress<SortProgress>(p => { if (p.Step >= killAt) cancel.Cancel(); }), cancel.Token, checkpoint);
    }

    [Test]
    public void AKilledAndResumedRunEndsWithTheSameParametersBitForBit()
    {
        using var straight = new SortTrainer(Small);
        var expected = straight.Run();

        var checkpoint = Path.Combine(_dir, SortCheckpoint.FileName);
        using (var killed = new SortTrainer(Small)) RunAndKill(killed, killAt: 100, checkpoint); // last checkpoint: step 80
        using var resumed = SortCheckpoint.Resume(checkpoint);
        Assert.That(resumed.State.Step, Is.EqualTo(80));
        var actual = resumed.Run();

        Assert.That(Parameters(resumed), Is.EqualTo(Parameters(straight)), "same final parameters, bit for bit");
        Assert.That(actual.TestAccuracy, Is.EqualTo(expected.TestAccuracy));
        Assert.That(actual.BestTestAccuracy, Is.EqualTo(expected.BestTestAccuracy));
        Assert.That(actual.Curve.Select(r => r[..5]), Is.EqualTo(expected.Curve.Select(r => r[..5])), "the same curves");
        Assert.That(resumed.Optimizer.StepCount, Is.EqualTo(straight.Optimizer.StepCount));
    }

    [Test]
    public void ACheckpointHoldsTheSettings()
    {
        var path = Path.Combine(_dir, "c.safetensors");
        var config = Small with { Model = SortModelKind.EluDense, Patience = 4, CosineDecay = false, Seed = ulong.MaxValue - 1 };
        using (var t = new SortTrainer(config)) SortCheckpoint.Save(path, t);
        Assert.That(SortCheckpoint.ReadConfig(path), Is.EqualTo(config));
        Assert.That(SortConfig.FromJson(config.ToJson(), "test"), Is.EqualTo(config));
    }

    [Test]
    public void ADamagedOrForeignFileIsRefusedClearly()
    {
        var path = Path.Combine(_dir, "c.safetensors");
        using (var t = new SortTrainer(Small)) SortCheckpoint.Save(path, t);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.That(() => SortCheckpoint.Resume(path), Throws.InstanceOf<InvalidDataException>());

        using (var t = new SortTrainer(Small)) SafeTensors.Save(path, t.Model); // parameters only: not a checkpoint
        Assert.That(() => SortCheckpoint.Resume(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("not a Dab sort checkpoint"));

        using (var t = new SortTrainer(Small)) SortCheckpoint.Save(path, t);
        Assert.That(() => SortCheckpoint.Resume(path) is var t2 && t2.Config.Length == 4 && Dispose(t2), Throws.Nothing);
    }

    private static bool Dispose(IDisposable d) { d.Dispose(); return true; }

    [Test]
    public void AModelOfAnotherSizeDoesNotLoad()
    {
        var path = Path.Combine(_dir, "c.safetensors");
        using var t = new SortTrainer(Small);
        SortCheckpoint.Save(path, t);
        using var other = new SortTrainer(Small with { Latent = 8 });
        var loaded = SafeTensors.Load(path);
        try
        {
            var before = Parameters(other);
            Assert.That(() => SafeTensors.CopyInto(other.Model, loaded, "c", "model/"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("shape"));
            Assert.That(Parameters(other), Is.EqualTo(before), "nothing was copied");
        }
        finally { foreach (var x in loaded.Values) x.Dispose(); }
    }

    [Test]
    public void APlateauStopsTheRunEarly()
    {
        // A learning rate this small cannot move the accuracy: every evaluation after the first is no better.
        using var t = new SortTrainer(Small with { LearningRate = 1e-12, EvalEvery = 10, Patience = 2, Steps = 1000 });
        var r = t.Run();
        Assert.That(r.StoppedEarly, Is.True);
        Assert.That(r.StepsDone, Is.EqualTo(30), "best at step 10, no better at 20 and 30");
    }

    [Test]
    public void EvaluationsAreInTheCurve()
    {
        using var t = new SortTrainer(Small);
        var r = t.Run();
        var evaluated = r.Curve.Where(row => !double.IsNaN(row[5])).Select(row => (int)row[0]).ToArray();
        Assert.That(evaluated, Is.EqualTo(new[] { 40, 80, 120 }));
        Assert.That(r.BestTestAccuracy, Is.GreaterThanOrEqualTo(r.Curve.Where(row => !double.IsNaN(row[5])).Max(row => row[5])));
    }
}
