using System.Globalization;
using Dab.Backends.Cpu;
using Dab.IO;
using Dab.Models;
using Dab.Models.Sort;

namespace Dab.Cli;

/// <summary><c>dab sort</c>: trains a sorting network and writes results.json, curves.csv and the model.</summary>
public static class SortCommand
{
    private static readonly string[] ValueOptions =
        ["length", "steps", "batch", "lr", "gamma", "latent", "model", "estimator", "bridge", "seed", "device", "out", "test-size", "threads", "schedule", "ponder"];

    private static readonly Dictionary<string, SortModelKind> Models = new()
    {
        ["dense"] = SortModelKind.Dense, ["signum-dense"] = SortModelKind.Dense,
        ["elu-dense"] = SortModelKind.EluDense, ["tanh-dense"] = SortModelKind.TanhDense,
        ["rnn"] = SortModelKind.Rnn, ["signum-rnn"] = SortModelKind.Rnn,
    };

    public const string Help = """
        usage: dab sort [options]
          --length T       sequence length (default 5)
          --steps N        training steps, a fresh batch each (default 30000)
          --batch B        batch size (default 512)
          --lr X           Adam learning rate (default 0.002)
          --schedule S     cosine (decay to zero over the run) | constant (the paper's) (default cosine)
          --gamma G        weight of the bridge (DAB) loss (default 10)
          --latent N       width of the hard layer (default 256)
          --model M        dense (Signum-Dense) | elu-dense | tanh-dense | rnn (Signum-RNN: LSTM, gradient clip 5) (default dense)
          --ponder N       extra LSTM steps on zero input after the sequence (rnn only) (default 0)
          --estimator E    dab | ste (straight-through; dense and rnn) (default dab)
          --bridge B       surrogate (bridge loss trains the surrogate only) | input (it also reaches the input)
          --seed S         seed of initialisation and data (default 1)
          --device D       cpu | emu | cuda[:N] (default cpu)
          --threads N      CPU threads for the kernels (default: all cores)
          --test-size N    held-out sequences for the final accuracy (default 20000)
          --out DIR        output directory (default runs/sort-<UTC timestamp>)
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, ValueOptions, ["help"], "sort");
        if (a.Flag("help")) { stdout.WriteLine(Help); return 0; }
        if (a.Positional.Count > 0) throw new UsageException($"'sort' takes no positional arguments, got '{a.Positional[0]}'");
        var model = a.Choice("model", SortModelKind.Dense, Models);
        bool ste = a.Choice("estimator", false, new Dictionary<string, bool> { ["dab"] = false, ["ste"] = true });
        if (ste && model is not (SortModelKind.Dense or SortModelKind.Rnn)) throw new UsageException("--estimator ste applies to the signum models (dense, rnn) only");
        if (a.String("ponder") != null && model != SortModelKind.Rnn) throw new UsageException("--ponder applies to --model rnn only");
        var config = new SortConfig
        {
            Length = a.Int("length", 5, 2, 64),
            Steps = a.Int("steps", 30000, 1),
            Batch = a.Int("batch", 512, 1, 1 << 20),
            LearningRate = a.Double("lr", 2e-3, 0, 10, exclusiveMin: true),
            Gamma = a.Double("gamma", 10, 0),
            Latent = a.Int("latent", 256, 1, 1 << 16),
            Model = model,
            StraightThrough = ste,
            BridgeMode = a.Choice("bridge", BridgeMode.SurrogateOnly, new Dictionary<string, BridgeMode> { ["surrogate"] = BridgeMode.SurrogateOnly, ["input"] = BridgeMode.AlsoInput }),
            Seed = a.ULong("seed", 1),
            Device = a.Device(),
            TestSize = a.Int("test-size", 20_000, 1),
            CosineDecay = a.Choice("schedule", true, new Dictionary<string, bool> { ["cosine"] = true, ["constant"] = false }),
            Ponder = a.Int("ponder", 0, 0, 1024),
        };
        if (a.String("threads") != null) Par.Threads = a.Int("threads", Par.Threads, 1, 1024);
        var outDir = a.String("out") ?? Path.Combine("runs", $"sort-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--out: cannot create '{outDir}': {e.Message}"); }

        string name = SortNet.Name(model, ste);
        stdout.WriteLine($"dab sort: {name}, T={config.Length}, {config.Steps} steps of {config.Batch}, Adam lr {config.LearningRate}, gamma {config.Gamma}, device {config.Device}, {Par.Threads} threads");
        using var trainer = new SortTrainer(config);
        var bar = new ProgressBar("train", stderr);
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        SortResult result;
        try
        {
            result = trainer.Run(new SyncProgress<SortProgress>(p => bar.Update(p.Step, p.Steps,
                $"loss {p.Loss:F4} bridge {p.BridgeLoss:F4} acc {p.BatchAccuracy:P1} {p.SamplesPerSecond / 1000:F1}k samples/s")), cancel.Token);
        }
        finally { Console.CancelKeyPress -= onCancel; }

        var results = new Dictionary<string, object?>
        {
            ["task"] = "sort",
            ["model"] = name,
            ["length"] = config.Length,
            ["steps"] = result.Samples / config.Batch,
            ["batch"] = config.Batch,
            ["samples"] = result.Samples,
            ["seconds"] = Math.Round(result.Seconds, 3),
            ["samples_per_second"] = Math.Round(result.Samples / Math.Max(1e-9, result.Seconds), 1),
            ["test_all_or_none_accuracy"] = result.TestAccuracy,
            ["test_size"] = config.TestSize,
            ["final_loss"] = result.FinalLoss,
            ["final_bridge_loss"] = result.FinalBridgeLoss,
            ["lr"] = config.LearningRate,
            ["schedule"] = config.CosineDecay ? "cosine" : "constant",
            ["gamma"] = config.Gamma,
            ["latent"] = config.Latent,
            ["estimator"] = ste ? "ste" : (model is SortModelKind.Dense or SortModelKind.Rnn ? "dab" : "none"),
            ["ponder"] = config.Ponder,
            ["bridge"] = config.BridgeMode == BridgeMode.SurrogateOnly ? "surrogate" : "input",
            ["seed"] = config.Seed,
            ["device"] = config.Device.ToString(),
            ["threads"] = Par.Threads,
            ["interrupted"] = cancel.IsCancellationRequested,
            ["finished_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
        var resultsPath = Path.Combine(outDir, "results.json");
        SafeTensors.Save(Path.Combine(outDir, "model.safetensors"), trainer.Model,
            new Dictionary<string, string> { ["model"] = name, ["length"] = config.Length.ToString(CultureInfo.InvariantCulture) });
        AtomicFile.WriteAllText(Path.Combine(outDir, "curves.csv"), Csv(result.Curve));
        AtomicFile.WriteAllText(resultsPath, JsonOut.Serialize(results));
        stdout.WriteLine($"test all-or-none accuracy {result.TestAccuracy * 100:F2}% on {config.TestSize} held-out sequences ({result.Seconds:F1}s); results in {resultsPath}");
        return 0;
    }

    private static string Csv(List<double[]> curve)
    {
        var sb = new System.Text.StringBuilder("step,samples,loss,bridge_loss,batch_accuracy\n");
        foreach (var r in curve) sb.AppendLine(string.Join(",", r.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        return sb.ToString();
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
