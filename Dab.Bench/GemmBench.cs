using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Dab.Backends.Cpu;

namespace Dab.Bench;

/// <summary>
/// Our SGEMM against OpenBLAS's, side by side in one run, with 1 and 2 threads. Cases are
/// <c>MxNxK:XY</c> (C is M x N, X and Y the transposes of A and B). Square sizes 256 to 2048 and the
/// sort model's Linear layers at batch 1024: for Linear(in, out) the forward is
/// <c>1024 x out x in : NT</c> (x W^T), the input gradient <c>1024 x in x out : NN</c> (g W) and the
/// weight gradient <c>out x in x 1024 : TN</c> (g^T x).
/// </summary>
[Config(typeof(GflopsConfig))]
public class GemmBench
{
    public static IEnumerable<string> Cases() =>
    [
        "256x256x256:NN", "512x512x512:NN", "1024x1024x1024:NN", "2048x2048x2048:NN",
        // Linear(10, 128), Linear(128, 128), Linear(128, 256), Linear(256, 100): forward, dX, dW
        "1024x128x10:NT", "1024x10x128:NN", "128x10x1024:TN",
        "1024x128x128:NT", "1024x128x128:NN", "128x128x1024:TN",
        "1024x256x128:NT", "1024x128x256:NN", "256x128x1024:TN",
        "1024x100x256:NT", "1024x256x100:NN", "100x256x1024:TN",
    ];

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    private float[] _a = [], _b = [], _c = [];
    private int _m, _n, _k;
    private bool _ta, _tb;

    public static (int M, int N, int K, bool TA, bool TB) Parse(string c)
    {
        var parts = c.Split(':');
        var d = parts[0].Split('x').Select(int.Parse).ToArray();
        return (d[0], d[1], d[2], parts[1][0] == 'T', parts[1][1] == 'T');
    }

    [GlobalSetup]
    public void Setup()
    {
        (_m, _n, _k, _ta, _tb) = Parse(Case);
        var r = new System.Random(1);
        _a = Enumerable.Range(0, _m * _k).Select(_ => (float)r.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, _k * _n).Select(_ => (float)r.NextDouble() - 0.5f).ToArray();
        _c = new float[_m * _n];
        Par.Threads = Threads;
        if (OpenBlas.Available) OpenBlas.SetThreads(Threads);
    }

    [Benchmark]
    public unsafe void Dab()
    {
        fixed (float* a = _a) fixed (float* b = _b) fixed (float* c = _c)
            Sgemm.Run(a, _ta, b, _tb, c, _m, _n, _k, false);
    }

    [Benchmark(Baseline = true)]
    public unsafe void OpenBLAS()
    {
        fixed (float* a = _a) fixed (float* b = _b) fixed (float* c = _c)
            global::Dab.Bench.OpenBlas.Sgemm(a, _ta, b, _tb, c, _m, _n, _k);
    }
}

/// <summary>Adds a GFLOP/s column (2 M N K per call) to the GEMM benchmarks.</summary>
public sealed class GflopsConfig : ManualConfig
{
    public GflopsConfig() => AddColumn(new GflopsColumn());

    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPs";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "2 M N K / mean time";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            if (stats == null || benchmarkCase.Parameters["Case"] is not string c) return "-";
            var (m, n, k, _, _) = GemmBench.Parse(c);
            return (2.0 * m * n * k / stats.Mean).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
