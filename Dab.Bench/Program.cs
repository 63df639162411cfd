using BenchmarkDotNet.Running;

namespace Dab.Bench;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project Dab.Bench -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // OpenBLAS reads these when it loads: the environment here pins it to the Haswell (AVX2)
        // kernels; a fair comparison lets it pick its AVX-512 kernels (design.md section 7).
        if (Environment.GetEnvironmentVariable("DAB_BENCH_KEEP_OPENBLAS_ENV") != "1")
            foreach (var v in new[] { "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE" })
                if (Environment.GetEnvironmentVariable(v) is { } val)
                {
                    Console.WriteLine($"dab bench: unsetting {v}={val} so OpenBLAS picks its kernels for this CPU (DAB_BENCH_KEEP_OPENBLAS_ENV=1 keeps it)");
                    Environment.SetEnvironmentVariable(v, null);
                }
        if (!OpenBlas.Available) Console.WriteLine($"dab bench: {OpenBlas.WhyUnavailable}; the OpenBLAS benchmarks will fail.");
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
