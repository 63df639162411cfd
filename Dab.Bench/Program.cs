using BenchmarkDotNet.Running;

namespace Dab.Bench;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project Dab.Bench -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
