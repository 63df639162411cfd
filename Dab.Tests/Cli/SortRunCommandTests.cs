using System.Text.Json;
using Dab.Cli;
using Dab.Models;
using Dab.Models.Sort;
using NUnit.Framework;

namespace Dab.Tests.Cli;

/// <summary><c>dab sort</c>'s run management: epochs, seed sweeps, checkpoints and --resume.</summary>
public class SortRunCommandTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "dab-runs-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    private static readonly string[] Tiny = ["--length", "4", "--batch", "32", "--latent", "16", "--test-size", "300", "--eval-size", "100"];

    private static JsonElement Results(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "results.json"))).RootElement;

    [Test]
    public void EpochsAreCountedInThePapersSamples()
    {
        var dir = Path.Combine(_dir, "e");
        var (code, _, err) = Run(["sort", .. Tiny, "--epochs", "0.5", "--epoch-size", "1000", "--out", dir]);
        Assert.That(code, Is.EqualTo(0), err);
        var r = Results(dir);
        Assert.That(r.GetProperty("steps").GetInt32(), Is.EqualTo(16), "500 samples in batches of 32, rounded up");
        Assert.That(r.GetProperty("best_test_accuracy").GetDouble(), Is.InRange(0.0, 1.0));
        Assert.That(File.Exists(Path.Combine(dir, SortCheckpoint.FileName)) && File.Exists(Path.Combine(dir, "config.json")));
        var png = File.ReadAllBytes(Path.Combine(dir, "curves.png"));
        Assert.That(png[..8], Is.EqualTo(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), "curves.png is a PNG");
    }

    [Test]
    public void SeedsRunIndependentlyAndAreSummarised()
    {
        var dir = Path.Combine(_dir, "sweep");
        var (code, output, err) = Run(["sort", .. Tiny, "--steps", "20", "--seeds", "3", "--seed", "5", "--out", dir]);
        Assert.That(code, Is.EqualTo(0), err);
        var accs = new[] { 5, 6, 7 }.Select(s => Results(Path.Combine(dir, $"seed-{s}")).GetProperty("test_all_or_none_accuracy").GetDouble()).ToArray();
        var summary = Results(dir);
        Assert.That(summary.GetProperty("runs").GetArrayLength(), Is.EqualTo(3));
        double mean = accs.Average();
        double std = Math.Sqrt(accs.Sum(a => (a - mean) * (a - mean)) / 2);
        Assert.That(summary.GetProperty("test_all_or_none_accuracy_mean").GetDouble(), Is.EqualTo(mean).Within(1e-12));
        Assert.That(summary.GetProperty("test_all_or_none_accuracy_std").GetDouble(), Is.EqualTo(std).Within(1e-12));
        Assert.That(output.Trim().Split('\n')[^1], Does.Contain("over 3 seeds").And.Contain(Path.Combine(dir, "results.json")));
    }

    [Test]
    public void ResumeFinishesAKilledRunWithTheSameModelAsAnUninterruptedOne()
    {
        string straight = Path.Combine(_dir, "straight"), killed = Path.Combine(_dir, "killed");
        string[] args = [.. Tiny, "--steps", "60", "--eval-every", "20", "--seed", "9"];
        Assert.That(Run(["sort", .. args, "--out", straight]).Code, Is.EqualTo(0));
        Assert.That(Run(["sort", .. args, "--out", killed]).Code, Is.EqualTo(0));

        // Make "killed" look like a process killed right after its checkpoint at step 20.
        File.Delete(Path.Combine(killed, "results.json"));
        File.Delete(Path.Combine(killed, "model.safetensors"));
        var config = SortConfig.FromJson(File.ReadAllText(Path.Combine(killed, "config.json")), "config.json");
        using (var cancel = new CancellationTokenSource())
        using (var t = new SortTrainer(config))
            t.Run(new SyncProgress<SortProgress>(p => { if (p.Step >= 20) cancel.Cancel(); }), cancel.Token, Path.Combine(killed, SortCheckpoint.FileName));
        var (code, output, err) = Run("sort", "--resume", killed);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("resumed at step 20"));
        Assert.That(File.ReadAllBytes(Path.Combine(killed, "model.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "model.safetensors"))));
        Assert.That(Results(killed).GetProperty("test_all_or_none_accuracy").GetDouble(),
            Is.EqualTo(Results(straight).GetProperty("test_all_or_none_accuracy").GetDouble()));
        Assert.That(Results(killed).GetProperty("resumed").GetBoolean(), Is.True);
    }

    [Test]
    public void ResumeOfASweepSkipsFinishedSeedsAndRunsTheRest()
    {
        var dir = Path.Combine(_dir, "sweep");
        Assert.That(Run(["sort", .. Tiny, "--steps", "10", "--seeds", "2", "--out", dir]).Code, Is.EqualTo(0));
        var second = Path.Combine(dir, "seed-2");
        var before = File.ReadAllBytes(Path.Combine(second, "model.safetensors"));
        foreach (var f in new[] { "results.json", "model.safetensors", SortCheckpoint.FileName }) File.Delete(Path.Combine(second, f));
        File.Delete(Path.Combine(dir, "results.json"));

        var (code, output, err) = Run("sort", "--resume", dir);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("seed-1: finished earlier"));
        Assert.That(File.ReadAllBytes(Path.Combine(second, "model.safetensors")), Is.EqualTo(before), "seed 2 rerun from its config.json");
        Assert.That(Results(dir).GetProperty("completed").GetInt32(), Is.EqualTo(2));
    }

    [TestCase("--steps", "5", "--steps cannot be given with it")]
    [TestCase("--lr", "0.1", "--lr cannot be given with it")]
    [TestCase("--out", "x", "--out cannot be given with it")]
    public void ResumeKeepsTheRecordedSettings(string option, string value, string message)
    {
        var (code, _, err) = Run("sort", "--resume", _dir, option, value);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain(message));
    }

    [Test]
    public void UsageErrors()
    {
        Assert.That(Run("sort", "--resume", _dir).Err, Does.Contain("is not a dab sort run"));
        Assert.That(Run("sort", "--steps", "5", "--epochs", "1").Err, Does.Contain("not both"));
        Assert.That(Run("sort", "--epoch-size", "5").Err, Does.Contain("only with --epochs"));
        Assert.That(Run("sort", "--seeds", "0").Err, Does.Contain("--seeds must be between 1"));
        Assert.That(Run("sort", "--patience", "-1").Err, Does.Contain("--patience"));
        Assert.That(Run("sort", "--model", "elu-dense", "--estimator", "ste").Err, Does.Contain("no hard layer").Or.Contain("has none"));
        var dir = Path.Combine(_dir, "once");
        Assert.That(Run(["sort", .. Tiny, "--steps", "3", "--out", dir]).Code, Is.EqualTo(0));
        var (code, _, err) = Run(["sort", .. Tiny, "--steps", "3", "--out", dir]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("already holds a run"), "a finished run is never overwritten");
    }
}
