using BenchmarkDotNet.Attributes;
using Dab.Backends.Cpu;

namespace Dab.Bench;

/// <summary>
/// The cost of splitting a short loop over the two cores, the way the kernels of a training step do
/// (one elementwise pass, y = 2x + 1, over n floats): the loop on one thread (the baseline), on
/// <see cref="Par"/>'s persistent worker team, and on <c>Parallel.For</c> with one chunk per thread (what
/// Par used before). A team whose hand-off costs more than half the loop would lose to the baseline.
/// </summary>
[MemoryDiagnoser]
public class ParForBench
{
    [Params(8_192, 65_536, 262_144)]
    public int N { get; set; }

    private float[] _x = [], _y = [];

    [GlobalSetup]
    public void Setup()
    {
        _x = new float[N];
        _y = new float[N];
        for (int i = 0; i < N; i++) _x[i] = i % 97;
        Par.Threads = 2;
    }

    internal static void Body(in (float[] X, float[] Y) s, int start, int end)
    {
        var (x, y) = s;
        for (int i = start; i < end; i++) y[i] = 2 * x[i] + 1;
    }

    [Benchmark(Baseline = true)]
    public void OneThread() => Body((_x, _y), 0, N);

    [Benchmark]
    public void WorkerTeam() => Par.For(2, long.MaxValue / 4, (_x, _y), static (in (float[] X, float[] Y) s, int c0, int c1) =>
        Body(s, (int)((long)c0 * s.X.Length / 2), (int)((long)c1 * s.X.Length / 2)));

    [Benchmark]
    public void ParallelFor()
    {
        var (x, y, n) = (_x, _y, N);
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, c => Body((x, y), c * n / 2, (c + 1) * n / 2));
    }
}
