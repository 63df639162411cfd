using Dab.Backends.Cpu;
using Dab.Models;
using Dab.Models.Sort;

namespace Dab.Cli;

/// <summary>
/// <c>dab sort</c>: trains sorting networks (one run, or one per seed), checkpointing as it goes;
/// <c>--resume DIR</c> continues a killed run or sweep with its recorded settings.
/// </summary>
public static class SortCommand
{
    private static readonly string[] TrainingOptions =
        ["length", "steps", "epochs", "epoch-size", "batch", "lr", "gamma", "latent", "model", "ponder", "estimator", "bridge", "seed", "seeds",
         "test-size", "eval-every", "eval-size", "patience", "checkpoint-every", "schedule"];
    private static readonly string[] ValueOptions = [.. TrainingOptions, "device", "out", "threads", "resume"];

    private static readonly Dictionary<string, SortModelKind> Models = new()
    {
        ["dense"] = SortModelKind.Dense, ["signum-dense"] = SortModelKind.Dense,
        ["elu-dense"] = SortModelKind.EluDense, ["tanh-dense"] = SortModelKind.TanhDense,
        ["rnn"] = SortModelKind.Rnn, ["signum-rnn"] = SortModelKind.Rnn,
    };

    public const string Help = """
        usage: dab sort [options]            train a sorting network (paper section IV-A)
               dab sort --resume DIR         continue a killed run or seed sweep with its recorded settings
          --length T         sequence length (default 5)
          --steps N          training steps, a fresh batch each (default 30000)
          --epochs E         train for E epochs instead (may be fractional; replaces --steps)
          --epoch-size N     sequences per epoch (default 2000000, the paper's)
          --batch B          batch size (default 512; the paper's is 1024)
          --lr X             Adam learning rate (default 0.002; the paper's is 0.0001)
          --schedule S       cosine (decay to zero over the run) | constant (the paper's) (default cosine)
          --gamma G          weight of the bridge (DAB) loss (default 10)
          --latent N         width of the hard layer (default 256)
          --model M          dense (Signum-Dense) | elu-dense | tanh-dense | rnn (Signum-RNN: LSTM, gradient clip 5) (default dense)
          --ponder N         extra LSTM steps on zero input after the sequence (rnn only) (default 0)
          --estimator E      dab | ste (straight-through; dense and rnn) (default dab)
          --bridge B         surrogate (bridge loss trains the surrogate only) | input (it also reaches the input)
          --seed S           seed of initialisation and data (default 1)
          --seeds N          N independent runs with seeds S, S+1, ... in DIR/seed-K; mean and std reported (default 1)
          --test-size N      held-out sequences for the final accuracy (default 400000, the paper's)
          --eval-every N     steps between evaluations on the held-out set (default: 25 over the run)
          --eval-size N      held-out sequences per evaluation (default 20000)
          --patience N       stop after N evaluations without a better accuracy (default 0: never)
          --checkpoint-every N  steps between checkpoints (default: at every evaluation)
          --device D         cpu | emu | cuda[:N] (default cpu)
          --threads N        CPU threads for the kernels (default: all cores)
          --out DIR          output directory (default runs/sort-<UTC timestamp>)
        Each run directory gets config.json, checkpoint.safetensors, results.json, curves.csv, curves.png and model.safetensors.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, ValueOptions, ["help"], "sort");
        if (a.Flag("help")) { stdout.WriteLine(Help); return 0; }
        if (a.Positional.Count > 0) throw new UsageException($"'sort' takes no positional arguments, got '{a.Positional[0]}'");
        if (a.String("threads") != null) Par.Threads = a.Int("threads", Par.Threads, 1, 1024);
        var runner = new SortRunner(stdout, stderr);
        if (a.String("resume") is { } resume)
        {
            if (TrainingOptions.FirstOrDefault(o => a.String(o) != null) is { } fixedOption)
                throw new UsageException($"--resume continues a run with its recorded settings; --{fixedOption} cannot be given with it");
            if (a.String("out") != null) throw new UsageException("--resume writes into the run's own directory; --out cannot be given with it");
            return runner.Resume(resume, a.String("device") != null ? a.Device() : null);
        }
        var config = Parse(a);
        int seeds = a.Int("seeds", 1, 1, 1000);
        var outDir = a.String("out") ?? Path.Combine("runs", $"sort-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        return seeds == 1 ? runner.Single(config, outDir) : runner.Sweep(config, seeds, outDir);
    }

    private static SortConfig Parse(CliArgs a)
    {
        var model = a.Choice("model", SortModelKind.Dense, Models);
        bool ste = a.Choice("estimator", false, new Dictionary<string, bool> { ["dab"] = false, ["ste"] = true });
        if (ste && model is SortModelKind.EluDense or SortModelKind.TanhDense)
            throw new UsageException($"--estimator ste needs a model with a hard layer; {SortNet.Name(model)} has none");
        if (a.String("ponder") != null && model != SortModelKind.Rnn) throw new UsageException("--ponder applies to --model rnn only");
        int batch = a.Int("batch", 512, 1, 1 << 20);
        if (a.String("epochs") != null && a.String("steps") != null) throw new UsageException("give --steps or --epochs, not both");
        if (a.String("epoch-size") != null && a.String("epochs") == null) throw new UsageException("--epoch-size applies only with --epochs");
        int steps = a.Int("steps", 30000, 1);
        if (a.String("epochs") != null)
        {
            double epochs = a.Double("epochs", 1, 0, 1e6, exclusiveMin: true);
            long samples = (long)Math.Ceiling(epochs * a.Int("epoch-size", SortConfig.PaperEpochSize, 1));
            long s = (samples + batch - 1) / batch;
            if (s > int.MaxValue) throw new UsageException($"--epochs {epochs} is {s} steps of {batch}, too many");
            steps = (int)Math.Max(1, s);
        }
        var config = new SortConfig
        {
            Length = a.Int("length", 5, 2, 64),
            Steps = steps,
            Batch = batch,
            LearningRate = a.Double("lr", 2e-3, 0, 10, exclusiveMin: true),
            Gamma = a.Double("gamma", 10, 0),
            Latent = a.Int("latent", 256, 1, 1 << 16),
            Model = model,
            StraightThrough = ste,
            BridgeMode = a.Choice("bridge", BridgeMode.SurrogateOnly, new Dictionary<string, BridgeMode> { ["surrogate"] = BridgeMode.SurrogateOnly, ["input"] = BridgeMode.AlsoInput }),
            Seed = a.ULong("seed", 1),
            Device = a.Device(),
            TestSize = a.Int("test-size", SortConfig.PaperTestSize, 1),
            CosineDecay = a.Choice("schedule", true, new Dictionary<string, bool> { ["cosine"] = true, ["constant"] = false }),
            EvalEvery = a.Int("eval-every", 0, 1),
            EvalSize = a.Int("eval-size", 20_000, 1),
            Patience = a.Int("patience", 0, 0),
            CheckpointEvery = a.Int("checkpoint-every", 0, 1),
            Ponder = a.Int("ponder", 0, 0, 1024),
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        return config;
    }
}
