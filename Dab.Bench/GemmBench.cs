using BenchmarkDotNet.Attributes;
using Dab.Backends.Cpu;

namespace Dab.Bench;

/// <summary>Our packed SGEMM against the plain triple loop, at the sort model's shapes (M x N x K).</summary>
[MemoryDiagnoser]
public class GemmBench
{
    [Params("1024x128x10", "1024x128x128", "1024x256x128", "256x128x1024", "512x512x512")]
    public string Shape { get; set; } = "";

    private float[] _a = [], _b = [], _c = [];
    private int _m, _n, _k;

    [GlobalSetup]
    public void Setup()
    {
        var p = Shape.Split('x').Select(int.Parse).ToArray();
        (_m, _n, _k) = (p[0], p[1], p[2]);
        var r = new System.Random(1);
        _a = Enumerable.Range(0, _m * _k).Select(_ => (float)r.NextDouble()).ToArray();
        _b = Enumerable.Range(0, _k * _n).Select(_ => (float)r.NextDouble()).ToArray();
        _c = new float[_m * _n];
    }

    [Benchmark]
    public unsafe void Packed()
    {
        fixed (float* a = _a) fixed (float* b = _b) fixed (float* c = _c)
            Sgemm.Run(a, false, b, false, c, _m, _n, _k, false);
    }

    [Benchmark(Baseline = true)]
    public void TripleLoop() => CpuBackend.ReferenceGemm(_a, 0, false, _b, 0, false, _c, 0, _m, _n, _k, false);
}
