using System.Diagnostics;
using System.Globalization;
using Dab.Backends.Cpu;

namespace Dab.Bench;

/// <summary>
/// <c>dotnet run -c Release --project Dab.Bench -- gemm-alternating [rounds] [case ...]</c>: ours and
/// OpenBLAS timed in alternating rounds of ~50 ms on the same buffers, best round of each, so noise
/// from other work on a shared machine hits both alike. Prints a markdown table of GFLOP/s.
/// </summary>
internal static unsafe class GemmAlternating
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 7;
        var cases = args.Skip(args.Length > 0 && int.TryParse(args[0], out _) ? 1 : 0).ToList();
        if (cases.Count == 0) cases = GemmBench.Cases().ToList();
        Console.WriteLine($"load average {LoadAverage()}");
        Console.WriteLine($"kernel {Gemm<float>.Native}, OpenBLAS {(OpenBlas.Available ? OpenBlas.LibraryPath : "absent: " + OpenBlas.WhyUnavailable)}, {rounds} alternating rounds, best of each");
        Console.WriteLine("| case (MxNxK:op) | threads | Dab GFLOP/s | OpenBLAS GFLOP/s | Dab / OpenBLAS |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var c in cases)
            foreach (var threads in new[] { 1, 2 })
            {
                var (m, n, k, ta, tb) = GemmBench.Parse(c);
                var rnd = new System.Random(1);
                var a = Enumerable.Range(0, m * k).Select(_ => (float)rnd.NextDouble() - 0.5f).ToArray();
                var b = Enumerable.Range(0, k * n).Select(_ => (float)rnd.NextDouble() - 0.5f).ToArray();
                var cc = new float[m * n];
                Par.Threads = threads;
                if (OpenBlas.Available) OpenBlas.SetThreads(threads);
                double flops = 2.0 * m * n * k;
                int reps = (int)Math.Clamp(5e9 / flops, 1, 100_000); // ~50 ms per round at 100 GFLOP/s
                double best = double.MaxValue, bestBlas = double.MaxValue;
                fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = cc)
                {
                    for (int round = 0; round < rounds + 1; round++) // round 0 warms both up
                    {
                        var sw = Stopwatch.StartNew();
                        for (int i = 0; i < reps; i++) Sgemm.Run(pa, ta, pb, tb, pc, m, n, k, false);
                        if (round > 0) best = Math.Min(best, sw.Elapsed.TotalSeconds / reps);
                        if (!OpenBlas.Available) continue;
                        sw.Restart();
                        for (int i = 0; i < reps; i++) OpenBlas.Sgemm(pa, ta, pb, tb, pc, m, n, k);
                        if (round > 0) bestBlas = Math.Min(bestBlas, sw.Elapsed.TotalSeconds / reps);
                    }
                }
                double ours = flops / best / 1e9, theirs = OpenBlas.Available ? flops / bestBlas / 1e9 : double.NaN;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c} | {threads} | {ours:F1} | {(double.IsNaN(theirs) ? "-" : theirs.ToString("F1", CultureInfo.InvariantCulture))} | {(double.IsNaN(theirs) ? "-" : (ours / theirs).ToString("F2", CultureInfo.InvariantCulture))} |"));
            }
        Console.WriteLine($"load average {LoadAverage()}");
    }

    /// <summary>The 1, 5 and 15 minute load averages (Linux), to say how busy the machine was.</summary>
    private static string LoadAverage()
    {
        try { return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }
}
