using System.Globalization;
using System.Text.Json;
using Dab.Backends.Cpu;
using Dab.IO;
using Dab.Models;
using Dab.Models.Plotting;
using Dab.Models.Sort;

namespace Dab.Cli;

/// <summary>
/// Runs <c>dab sort</c>'s trainings in their directories: writes config.json first, checkpoints while
/// training (and on Ctrl+C), then model.safetensors, curves.csv and results.json, each atomically.
/// </summary>
public sealed class SortRunner(TextWriter stdout, TextWriter stderr)
{
    private const string ConfigFile = "config.json", ResultsFile = "results.json";

    private sealed record Outcome(string Dir, ulong Seed, double TestAccuracy, double BestAccuracy, bool Interrupted);

    public int Single(SortConfig config, string dir)
    {
        PrepareNew(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), config.ToJson());
        using var trainer = new SortTrainer(config);
        return Train(trainer, dir, "train", resumed: false).Interrupted ? 130 : 0;
    }

    public int Sweep(SortConfig config, int seeds, string dir)
    {
        PrepareNew(dir);
        var dirs = new List<string>();
        for (int k = 0; k < seeds; k++)
        {
            var seedDir = Path.Combine(dir, $"seed-{config.Seed + (ulong)k}");
            PrepareNew(seedDir);
            AtomicFile.WriteAllText(Path.Combine(seedDir, ConfigFile), (config with { Seed = config.Seed + (ulong)k }).ToJson());
            dirs.Add(seedDir);
        }
        return RunSweep(dir, dirs, device: null);
    }

    public int Resume(string dir, Device? device)
    {
        if (File.Exists(Path.Combine(dir, ConfigFile)))
        {
            var outcome = ResumeRun(dir, device, "train");
            return outcome.Interrupted ? 130 : 0;
        }
        var seedDirs = Directory.Exists(dir)
            ? Directory.GetDirectories(dir, "seed-*").Where(d => File.Exists(Path.Combine(d, ConfigFile)))
                .OrderBy(d => ulong.TryParse(Path.GetFileName(d)["seed-".Length..], out var s) ? s : ulong.MaxValue).ToList()
            : [];
        if (seedDirs.Count == 0)
            throw new UsageException($"--resume: '{dir}' is not a dab sort run (no {ConfigFile}, no seed-*/{ConfigFile})");
        return RunSweep(dir, seedDirs, device);
    }

    private int RunSweep(string dir, List<string> dirs, Device? device)
    {
        var outcomes = new List<Outcome>();
        SortConfig? first = null;
        for (int k = 0; k < dirs.Count; k++)
        {
            first ??= ReadConfig(dirs[k]);
            var o = ResumeRun(dirs[k], device, $"seed {k + 1}/{dirs.Count}");
            outcomes.Add(o);
            if (o.Interrupted) break;
        }
        bool interrupted = outcomes.Count < dirs.Count || outcomes.Any(o => o.Interrupted);
        var (mean, std) = SortReport.MeanStd(outcomes.Where(o => !o.Interrupted).Select(o => o.TestAccuracy).ToList());
        var (bestMean, bestStd) = SortReport.MeanStd(outcomes.Where(o => !o.Interrupted).Select(o => o.BestAccuracy).ToList());
        var summary = new Dictionary<string, object?>
        {
            ["task"] = "sort",
            ["model"] = SortNet.Name(first!.Model, first.StraightThrough),
            ["length"] = first.Length,
            ["ponder"] = first.Ponder,
            ["seeds"] = dirs.Count,
            ["completed"] = outcomes.Count(o => !o.Interrupted),
            ["test_all_or_none_accuracy_mean"] = mean,
            ["test_all_or_none_accuracy_std"] = std,
            ["best_test_accuracy_mean"] = bestMean,
            ["best_test_accuracy_std"] = bestStd,
            ["interrupted"] = interrupted,
            ["runs"] = outcomes.Select(o => (object?)new Dictionary<string, object?>
            {
                ["seed"] = o.Seed, ["dir"] = Path.GetFileName(o.Dir), ["test_all_or_none_accuracy"] = o.TestAccuracy,
                ["best_test_accuracy"] = o.BestAccuracy, ["interrupted"] = o.Interrupted,
            }).ToList(),
        };
        var path = Path.Combine(dir, ResultsFile);
        AtomicFile.WriteAllText(path, JsonOut.Serialize(summary));
        if (interrupted)
        {
            stdout.WriteLine($"interrupted after {outcomes.Count(o => !o.Interrupted)} of {dirs.Count} runs; continue with: dab sort --resume {dir}");
            return 130;
        }
        stdout.WriteLine($"test all-or-none accuracy {mean * 100:F2} ± {std * 100:F2}% over {dirs.Count} seeds (best {bestMean * 100:F2} ± {bestStd * 100:F2}%); results in {path}");
        return 0;
    }

    /// <summary>Finishes one run directory: nothing to do when it has finished, else from its checkpoint or from the start.</summary>
    private Outcome ResumeRun(string dir, Device? device, string label)
    {
        var resultsPath = Path.Combine(dir, ResultsFile);
        if (File.Exists(resultsPath) && ReadFinished(resultsPath) is { } done)
        {
            stdout.WriteLine($"{dir}: finished earlier, test all-or-none accuracy {done.TestAccuracy * 100:F2}%");
            return done with { Dir = dir };
        }
        var checkpoint = Path.Combine(dir, SortCheckpoint.FileName);
        SortTrainer trainer;
        bool resumed = File.Exists(checkpoint);
        if (resumed) trainer = SortCheckpoint.Resume(checkpoint, device);
        else
        {
            var config = ReadConfig(dir);
            trainer = new SortTrainer(device is { } d ? config with { Device = d } : config);
        }
        using (trainer) return Train(trainer, dir, label, resumed);
    }

    private Outcome Train(SortTrainer trainer, string dir, string label, bool resumed)
    {
        var config = trainer.Config;
        string name = SortNet.Name(config.Model, config.StraightThrough);
        string from = resumed ? $", resumed at step {trainer.State.Step}" : "";
        stdout.WriteLine($"dab sort: {name}, T={config.Length}, {config.Steps} steps of {config.Batch}, Adam lr {config.LearningRate}, gamma {config.Gamma}, seed {config.Seed}, device {config.Device}, {Par.Threads} threads{from}");
        var checkpoint = Path.Combine(dir, SortCheckpoint.FileName);
        var bar = new ProgressBar(label, stderr);
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        // A job scheduler's SIGTERM (or a kill) gets the same orderly stop as Ctrl+C: checkpoint, results, exit code 130.
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM,
            ctx => { ctx.Cancel = true; cancel.Cancel(); });
        SortResult result;
        try
        {
            result = trainer.Run(new SyncProgress<SortProgress>(p => bar.Update(p.Step, p.Steps,
                $"loss {p.Loss:F4} bridge {p.BridgeLoss:F4} acc {p.BatchAccuracy:P1}{(p.TestAccuracy is { } t ? $" test {t:P1}" : "")} {p.SamplesPerSecond / 1000:F1}k samples/s")),
                cancel.Token, checkpoint);
        }
        finally { Console.CancelKeyPress -= onCancel; }
        bool interrupted = cancel.IsCancellationRequested && result.StepsDone < config.Steps && !result.StoppedEarly;
        if (interrupted) SortCheckpoint.Save(checkpoint, trainer); // resume continues from exactly here

        var results = new Dictionary<string, object?>
        {
            ["task"] = "sort",
            ["model"] = name,
            ["length"] = config.Length,
            ["steps"] = result.StepsDone,
            ["planned_steps"] = config.Steps,
            ["batch"] = config.Batch,
            ["samples"] = result.Samples,
            ["epochs"] = Math.Round(result.Samples / (double)SortConfig.PaperEpochSize, 4),
            ["seconds"] = Math.Round(result.Seconds, 3),
            ["samples_per_second"] = Math.Round(result.SamplesPerSecond, 1),
            ["eval_seconds"] = Math.Round(result.EvalSeconds, 3),
            ["test_all_or_none_accuracy"] = result.TestAccuracy,
            ["best_test_accuracy"] = result.BestTestAccuracy,
            ["test_size"] = config.TestSize,
            ["eval_size"] = Math.Min(config.EvalSize, config.TestSize),
            ["eval_every"] = config.EvalInterval,
            ["final_loss"] = result.FinalLoss,
            ["final_bridge_loss"] = result.FinalBridgeLoss,
            ["lr"] = config.LearningRate,
            ["schedule"] = config.CosineDecay ? "cosine" : "constant",
            ["gamma"] = config.Gamma,
            ["latent"] = config.Latent,
            ["estimator"] = config.StraightThrough ? "ste" : (config.Model is SortModelKind.Dense or SortModelKind.Rnn ? "dab" : "none"),
            ["ponder"] = config.Ponder,
            ["bridge"] = config.BridgeMode == BridgeMode.SurrogateOnly ? "surrogate" : "input",
            ["seed"] = config.Seed,
            ["device"] = config.Device.ToString(),
            ["threads"] = Par.Threads,
            ["patience"] = config.Patience,
            ["stopped_early"] = result.StoppedEarly,
            ["resumed"] = resumed,
            ["interrupted"] = interrupted,
            ["finished_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
        SafeTensors.Save(Path.Combine(dir, "model.safetensors"), trainer.Model,
            new Dictionary<string, string> { ["model"] = name, ["length"] = config.Length.ToString(CultureInfo.InvariantCulture) });
        AtomicFile.WriteAllText(Path.Combine(dir, "curves.csv"), Csv(result.Curve));
        CurvesPlot(name, config, result.Curve).Save(Path.Combine(dir, "curves.png"));
        var resultsPath = Path.Combine(dir, ResultsFile);
        AtomicFile.WriteAllText(resultsPath, JsonOut.Serialize(results));
        if (interrupted)
            stdout.WriteLine($"interrupted at step {result.StepsDone}: test all-or-none accuracy {result.TestAccuracy * 100:F2}% so far; continue with: dab sort --resume {dir}");
        else
            stdout.WriteLine($"test all-or-none accuracy {result.TestAccuracy * 100:F2}% on {config.TestSize} held-out sequences (best {result.BestTestAccuracy * 100:F2}%{(result.StoppedEarly ? ", stopped early on a plateau" : "")}, {result.Seconds:F1}s); results in {resultsPath}");
        return new Outcome(dir, config.Seed, result.TestAccuracy, result.BestTestAccuracy, interrupted);
    }

    private static void PrepareNew(string dir)
    {
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--out: cannot create '{dir}': {e.Message}"); }
        if (File.Exists(Path.Combine(dir, ConfigFile)) || File.Exists(Path.Combine(dir, ResultsFile)))
            throw new UsageException($"--out: '{dir}' already holds a run; continue it with --resume {dir} or choose another directory");
    }

    private static SortConfig ReadConfig(string dir)
    {
        var path = Path.Combine(dir, ConfigFile);
        return SortConfig.FromJson(File.ReadAllText(path), $"'{path}'");
    }

    private static Outcome? ReadFinished(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement;
            if (r.TryGetProperty("interrupted", out var i) && i.GetBoolean()) return null;
            double test = r.GetProperty("test_all_or_none_accuracy").GetDouble();
            double best = r.TryGetProperty("best_test_accuracy", out var b) ? b.GetDouble() : test;
            return new Outcome(Path.GetDirectoryName(path)!, r.GetProperty("seed").GetUInt64(), test, best, false);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"'{path}' is not a readable results file: {e.Message}", e);
        }
    }

    /// <summary>Test accuracy (at each evaluation) and the smoothed batch accuracy against samples seen.</summary>
    private static LinePlot CurvesPlot(string name, SortConfig config, List<double[]> curve)
    {
        var plot = new LinePlot
        {
            Title = $"{name}, T={config.Length}, seed {config.Seed}: all-or-none accuracy",
            XLabel = "samples seen",
            YLabel = "accuracy",
            YRange = (0, 1),
            YAsPercent = true,
            Legend = LegendPosition.BottomRight,
        };
        var evaluated = curve.Where(r => !double.IsNaN(r[5])).ToList();
        plot.Add($"test ({Math.Min(config.EvalSize, config.TestSize)} held-out sequences)", evaluated.Select(r => r[1]).ToList(), evaluated.Select(r => r[5]).ToList()).Markers = true;
        var batch = plot.Add("training batches (smoothed)", curve.Select(r => r[1]).ToList(), curve.Select(r => r[4]).ToList());
        batch.LineWidth = 1;
        batch.Opacity = 0.6;
        return plot;
    }

    private static string Csv(List<double[]> curve)
    {
        var sb = new System.Text.StringBuilder("step,samples,loss,bridge_loss,batch_accuracy,test_accuracy\n");
        foreach (var r in curve)
            sb.AppendLine(string.Join(",", r.Select(v => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture))));
        return sb.ToString();
    }
}
