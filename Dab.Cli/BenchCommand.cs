using System.Diagnostics;
using System.Globalization;
using Dab.Backends.Cpu;
using Dab.Models.Sort;

namespace Dab.Cli;

/// <summary><c>dab bench &lt;what&gt;</c>: times whole training steps (kernels are in Dab.Bench).</summary>
public static class BenchCommand
{
    public const string Help = """
        usage: dab bench <benchmark> [options]
          sort-step    time training steps of the Signum-Dense sort model exactly as 'dab sort' trains it

        'dab bench <benchmark> --help' lists its options.
        """;

    public static int Run(string[] args, TextWriter stdout)
    {
        if (args.Length == 0) throw new UsageException("bench needs a benchmark name (benchmarks: sort-step)");
        if (args[0] is "-h" or "--help" or "help") { stdout.WriteLine(Help); return 0; }
        return args[0] switch
        {
            "sort-step" => SortStep(args[1..], stdout),
            _ => throw new UsageException($"unknown benchmark '{args[0]}' (benchmarks: sort-step)"),
        };
    }

    public const string SortStepHelp = """
        usage: dab bench sort-step [options]
          --length T     sequence length (default 10)
          --batch B      batch size (default 1024)
          --latent N     width of the hard layer (default 256)
          --steps N      timed training steps (default 50)
          --warmup N     untimed steps first (default 5)
          --threads N    CPU threads for the kernels (default: all cores)
          --device D     cpu | emu | cuda[:N] (default cpu)
          --json         print one JSON object instead of text
        """;

    private static int SortStep(string[] args, TextWriter stdout)
    {
        var a = new CliArgs(args, ["length", "batch", "latent", "steps", "warmup", "threads", "device"], ["json", "help"], "bench sort-step");
        if (a.Flag("help")) { stdout.WriteLine(SortStepHelp); return 0; }
        if (a.Positional.Count > 0) throw new UsageException($"'bench sort-step' takes no positional arguments, got '{a.Positional[0]}'");
        int steps = a.Int("steps", 50, 1, 1_000_000), warmup = a.Int("warmup", 5, 0, 1_000_000);
        // The model and optimiser of 'dab sort' (Signum-Dense, DAB gamma 10, Adam); a constant rate so
        // every timed step does the same work.
        var config = new SortConfig
        {
            Length = a.Int("length", 10, 2, 64),
            Batch = a.Int("batch", 1024, 1, 1 << 20),
            Latent = a.Int("latent", 256, 1, 1 << 16),
            Steps = warmup + steps,
            LearningRate = 1e-4,
            CosineDecay = false,
            TestSize = 1,
            Device = a.Device(),
        };
        int savedThreads = Par.Threads;
        if (a.String("threads") != null) Par.Threads = a.Int("threads", Par.Threads, 1, 1024);
        try
        {
            using var trainer = new SortTrainer(config);
            for (int i = 0; i < warmup; i++) trainer.Step();
            var times = new double[steps];
            // All threads, not just this one: with several threads the kernels' workers allocate too.
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            int gcs = GC.CollectionCount(0);
            var total = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                trainer.Step();
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            double seconds = total.Elapsed.TotalSeconds;
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            gcs = GC.CollectionCount(0) - gcs;
            Array.Sort(times);
            double mean = seconds * 1000 / steps, best = times[0], median = times[steps / 2];
            var r = new Dictionary<string, object?>
            {
                ["benchmark"] = "sort-step",
                ["model"] = SortNet.Name(config.Model),
                ["length"] = config.Length,
                ["batch"] = config.Batch,
                ["latent"] = config.Latent,
                ["steps"] = steps,
                ["warmup"] = warmup,
                ["ms_per_step"] = Math.Round(mean, 4),
                ["ms_per_step_best"] = Math.Round(best, 4),
                ["ms_per_step_median"] = Math.Round(median, 4),
                ["samples_per_second"] = Math.Round(config.Batch * 1000.0 / mean, 1),
                ["allocated_bytes_per_step"] = allocated / steps,
                ["gen0_collections"] = gcs,
                ["threads"] = Par.Threads,
                ["device"] = config.Device.ToString(),
                ["gemm_kernel"] = CpuGemm.Kernel.ToString(),
            };
            if (a.Flag("json")) stdout.Write(JsonOut.Serialize(r));
            else
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"sort-step {r["model"]} T={config.Length} batch {config.Batch} latent {config.Latent}, {Par.Threads} threads, {config.Device}: " +
                    $"{mean:F3} ms/step (best {best:F3}, median {median:F3}), {config.Batch * 1000.0 / mean:F0} samples/s, {allocated / steps} bytes allocated per step"));
            return 0;
        }
        finally { Par.Threads = savedThreads; }
    }
}
