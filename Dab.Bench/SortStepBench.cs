using BenchmarkDotNet.Attributes;
using Dab.Models.Sort;

namespace Dab.Bench;

/// <summary>One training step of Signum-Dense against ELU-Dense (no hard node) at the paper's batch of 1024.</summary>
[MemoryDiagnoser]
public class SortStepBench
{
    [Params(5, 10)]
    public int Length { get; set; }

    private SortTrainer _dab = null!, _elu = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dab = new SortTrainer(new SortConfig { Length = Length, Batch = 1024 });
        _elu = new SortTrainer(new SortConfig { Length = Length, Batch = 1024, Model = SortModelKind.EluDense });
    }

    [Benchmark]
    public double SignumDense() => _dab.Step().Loss;

    [Benchmark(Baseline = true)]
    public double EluDense() => _elu.Step().Loss;

    [GlobalCleanup]
    public void Cleanup()
    {
        _dab.Dispose();
        _elu.Dispose();
    }
}
