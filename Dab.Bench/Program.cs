using BenchmarkDotNet.Running;

namespace Dab.Bench;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project Dab.Bench -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        OpenBlasEnvironment.Prepare();
        if (!OpenBlas.Available) Console.WriteLine($"dab bench: {OpenBlas.WhyUnavailable}; the OpenBLAS benchmarks will fail.");
        if (args.Length > 0 && args[0] == "par-probe") { ParProbe.Run(); return; }
        if (args.Length > 0 && args[0] == "gemm-alternating") { GemmAlternating.Run(args[1..]); return; }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
