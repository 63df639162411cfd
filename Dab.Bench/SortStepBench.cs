using BenchmarkDotNet.Attributes;
using Dab.Backends.Cpu;
using Dab.Models.Sort;

namespace Dab.Bench;

/// <summary>
/// One training step (SortTrainer.Step, exactly what 'dab sort' runs) of Signum-Dense against
/// ELU-Dense (no hard node) at T=10, the paper's batch of 1024 and latent 256, with 1 and 2 threads.
/// MemoryDiagnoser gives the managed allocations per step.
/// </summary>
[MemoryDiagnoser]
public class SortStepBench
{
    [Params(10)]
    public int Length { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    private SortTrainer _dab = null!, _elu = null!;

    [GlobalSetup]
    public void Setup()
    {
        Par.Threads = Threads;
        _dab = new SortTrainer(new SortConfig { Length = Length, Batch = 1024, Latent = 256, LearningRate = 1e-4, CosineDecay = false, TestSize = 1 });
        _elu = new SortTrainer(new SortConfig { Length = Length, Batch = 1024, Latent = 256, LearningRate = 1e-4, CosineDecay = false, TestSize = 1, Model = SortModelKind.EluDense });
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
