using System.Diagnostics;
using Dab.Backends;
using Dab.IO;
using Dab.Kernels.Gpu;
using Dab.Models.Sort;
using Dab.Models.Validation;

namespace Dab.Cli;

/// <summary>
/// <c>dab check</c>: on a GPU machine (or the emulated device), every op's parity with the CPU, our
/// GEMM against cuBLAS, and the time of a sort training step. Exit code 1 when a parity case fails.
/// </summary>
public static class CheckCommand
{
    public const string Help = """
        usage: dab check [options]
          --device D     cuda[:N] or emu (default cuda)
          --filter S     run only parity cases whose name contains S
          --no-bench     skip the timings
          --json FILE    also write the results as JSON
        """;

    public static int Run(string[] args, TextWriter stdout)
    {
        var a = new CliArgs(args, ["device", "filter", "json"], ["help", "no-bench"], "check");
        if (a.Flag("help")) { stdout.WriteLine(Help); return 0; }
        var device = a.Device(fallback: "cuda");
        if (device.Kind == DeviceKind.Cpu) throw new UsageException("--device: 'check' compares a GPU device with the CPU; give cuda or emu");
        var backend = (GpuBackend)BackendRegistry.Get(device);
        stdout.WriteLine($"device {device}: kernels from {backend.Runtime.KernelSource}");

        var filter = a.String("filter") ?? "";
        var results = new List<Dictionary<string, object?>>();
        int failed = 0;
        foreach (var (name, _) in ParityCatalog.Cases.Where(c => c.Name.Contains(filter)))
        {
            var ctx = new ParityContext(device);
            var sw = Stopwatch.StartNew();
            string? error = null;
            try { ParityCatalog.Run(name, ctx); }
            catch (Exception e) { error = e.Message; failed++; }
            stdout.WriteLine($"  {(error == null ? "pass" : "FAIL")}  {name,-32} {sw.Elapsed.TotalMilliseconds,8:F1} ms  max rel err {ctx.MaxError:E1}{(error == null ? "" : "  " + error)}");
            results.Add(new() { ["case"] = name, ["pass"] = error == null, ["ms"] = sw.Elapsed.TotalMilliseconds, ["max_rel_err"] = ctx.MaxError, ["error"] = error });
        }
        stdout.WriteLine($"parity: {results.Count - failed} passed, {failed} failed");

        var timings = new List<Dictionary<string, object?>>();
        if (!a.Flag("no-bench"))
        {
            bool real = device.Kind == DeviceKind.Cuda;
            foreach (var (m, n, k, iters) in real ? new[] { (4096, 4096, 4096, 20), (1024, 256, 128, 200) } : [(128, 128, 128, 2)])
            {
                var r = GemmBenchmark.Run(device, m, n, k, iters);
                stdout.WriteLine($"sgemm {m}x{n}x{k}: ours {r.OursMs:F3} ms ({r.OursGflops:F0} GFLOP/s)" +
                    (r.CublasMs is { } t ? $", cuBLAS {t:F3} ms ({r.CublasGflops:F0} GFLOP/s), ours/cuBLAS time {r.OursMs / t:F2}, max rel diff {r.MaxRelativeDifference:E1}" : ""));
                timings.Add(new() { ["bench"] = $"sgemm {m}x{n}x{k}", ["ours_ms"] = r.OursMs, ["cublas_ms"] = r.CublasMs, ["max_rel_diff"] = r.MaxRelativeDifference });
            }
            foreach (var r in OperatorBenchmark.Run(device, real ? 10 : 1))
            {
                stdout.WriteLine($"{r.Name}: {r.Ms:F3} ms" + (r.BaselineMs is { } b ? $", {r.Baseline} {b:F3} ms (x{b / r.Ms:F2})" : ""));
                timings.Add(new() { ["bench"] = r.Name, ["ms"] = r.Ms, ["baseline"] = r.Baseline, ["baseline_ms"] = r.BaselineMs });
            }
            int batch = real ? 1024 : 32;
            using var trainer = new SortTrainer(new SortConfig { Length = 10, Batch = batch, Device = device, Latent = real ? 256 : 32 });
            int steps = real ? 200 : 3;
            trainer.Step();
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) trainer.Step();
            double ms = sw.Elapsed.TotalMilliseconds / steps;
            using var graph = new SortGraphStep(trainer);
            graph.Step();
            sw.Restart();
            for (int i = 0; i < steps; i++) graph.Step();
            double msGraph = sw.Elapsed.TotalMilliseconds / steps;
            stdout.WriteLine($"sort training step (T=10, batch {batch}): eager {ms:F3} ms/step ({batch / ms * 1000:F0} samples/s), graph replay {msGraph:F3} ms/step ({batch / msGraph * 1000:F0} samples/s)");
            timings.Add(new() { ["bench"] = $"sort step T=10 batch {batch}", ["ms_per_step"] = ms, ["ms_per_step_graph"] = msGraph });
        }

        if (a.String("json") is { } path)
            AtomicFile.WriteAllText(path, JsonOut.Serialize(new Dictionary<string, object?>
            {
                ["device"] = device.ToString(), ["kernels"] = backend.Runtime.KernelSource, ["parity"] = results, ["timings"] = timings,
            }));
        return failed == 0 ? 0 : 1;
    }
}
