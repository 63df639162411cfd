using BenchmarkDotNet.Attributes;
using Dab.Backends.Cpu;
using Dab.Random;

namespace Dab.Bench;

// The CPU operators next to plain baselines in the same run (docs/performance.md). "Ours" uses every
// core (Par), "OursOneThread" one, the baselines one. Sizes are the scaled down where the
// 2-core machine needs it: set them with --envVars or edit the Params for a bigger machine.

/// <summary>Row sort (values and indices) against Span.Sort(keys, items) per row.</summary>
[MemoryDiagnoser]
public class SortBench
{
    [Params("250000x32", "10000x1024")]
    public string Shape { get; set; } = "";

    private Tensor _x = null!, _v = null!, _i = null!;
    private float[] _data = [], _keys = [];
    private int[] _items = [];
    private int _rows, _n;

    [GlobalSetup]
    public void Setup()
    {
        var p = Shape.Split('x').Select(int.Parse).ToArray();
        (_rows, _n) = (p[0], p[1]);
        _x = new Generator(1).Normal([_rows, _n]).DetachFromScopes();
        _v = Tensor.Zeros([_rows, _n]);
        _i = Tensor.Zeros([_rows, _n], DType.Int64);
        _data = _x.ToArray<float>();
        _keys = new float[_n];
        _items = new int[_n];
    }

    [Benchmark]
    public void Ours() => CpuBackend.Instance.SortRows(_x, _rows, _n, false, _v, _i);

    [Benchmark]
    public void OursOneThread()
    {
        int t = Par.Threads;
        Par.Threads = 1;
        try { CpuBackend.Instance.SortRows(_x, _rows, _n, false, _v, _i); }
        finally { Par.Threads = t; }
    }

    [Benchmark(Baseline = true)]
    public void SpanSortPerRow()
    {
        for (int r = 0; r < _rows; r++)
        {
            _data.AsSpan(r * _n, _n).CopyTo(_keys);
            for (int j = 0; j < _n; j++) _items[j] = j;
            _keys.AsSpan().Sort(_items.AsSpan());
        }
    }

    [GlobalCleanup]
    public void Cleanup() { _x.Dispose(); _v.Dispose(); _i.Dispose(); }
}

/// <summary>Top-10 of rows of 1024 against a bounded heap (a partial sort) and a full Span.Sort per row.</summary>
[MemoryDiagnoser]
public class TopKBench
{
    private const int Rows = 10_000, N = 1024, K = 10;
    private Tensor _x = null!, _v = null!, _i = null!;
    private float[] _data = [], _keys = [];
    private int[] _items = [], _out = [];
    private readonly PriorityQueue<int, float> _heap = new(K + 1);

    [GlobalSetup]
    public void Setup()
    {
        _x = new Generator(2).Normal([Rows, N]).DetachFromScopes();
        _v = Tensor.Zeros([Rows, K]);
        _i = Tensor.Zeros([Rows, K], DType.Int64);
        _data = _x.ToArray<float>();
        _keys = new float[N];
        _items = new int[N];
        _out = new int[Rows * K];
    }

    [Benchmark]
    public void Ours() => CpuBackend.Instance.TopKRows(_x, Rows, N, K, true, _v, _i);

    [Benchmark]
    public void OursOneThread()
    {
        int t = Par.Threads;
        Par.Threads = 1;
        try { CpuBackend.Instance.TopKRows(_x, Rows, N, K, true, _v, _i); }
        finally { Par.Threads = t; }
    }

    [Benchmark(Baseline = true)]
    public void HeapPerRow()
    {
        for (int r = 0; r < Rows; r++)
        {
            _heap.Clear();
            var row = _data.AsSpan(r * N, N);
            for (int j = 0; j < N; j++)
            {
                if (_heap.Count < K) _heap.Enqueue(j, row[j]);
                else if (row[j] > row[_heap.Peek()]) _heap.EnqueueDequeue(j, row[j]);
            }
            for (int q = K - 1; q >= 0; q--) _out[r * K + q] = _heap.Dequeue();
        }
    }

    [Benchmark]
    public void FullSortPerRow()
    {
        for (int r = 0; r < Rows; r++)
        {
            _data.AsSpan(r * N, N).CopyTo(_keys);
            for (int j = 0; j < N; j++) _items[j] = j;
            _keys.AsSpan().Sort(_items.AsSpan(), (a, b) => b.CompareTo(a));
            _items.AsSpan(0, K).CopyTo(_out.AsSpan(r * K, K));
        }
    }

    [GlobalCleanup]
    public void Cleanup() { _x.Dispose(); _v.Dispose(); _i.Dispose(); }
}

/// <summary>
/// k-means assignment (fused distances and argmin, no N x K matrix) against our packed SGEMM of
/// x c^T followed by |c|^2 - 2 x.c and an argmin per row.
/// </summary>
[MemoryDiagnoser]
public class KMeansAssignBench
{
    private const int N = 32_768, D = 64, K = 1024;
    private Tensor _x = null!, _c = null!, _a = null!, _d = null!;
    private float[] _xs = [], _cs = [], _g = [], _cc = [];
    private long[] _am = [];

    [GlobalSetup]
    public void Setup()
    {
        var gen = new Generator(3);
        _x = gen.Normal([N, D]).DetachFromScopes();
        _c = gen.Normal([K, D]).DetachFromScopes();
        _a = Tensor.Zeros([N], DType.Int64);
        _d = Tensor.Zeros([N]);
        _xs = _x.ToArray<float>();
        _cs = _c.ToArray<float>();
        _g = new float[(long)N * K];
        _cc = Enumerable.Range(0, K).Select(j => _cs.AsSpan(j * D, D).ToArray().Sum(v => v * v)).ToArray();
        _am = new long[N];
    }

    [Benchmark]
    public void Ours() => CpuBackend.Instance.KMeansAssign(_x, N, D, _c, K, _a, _d);

    [Benchmark(Baseline = true)]
    public unsafe void GemmThenArgmin()
    {
        fixed (float* a = _xs) fixed (float* b = _cs) fixed (float* c = _g)
            Sgemm.Run(a, false, b, true, c, N, K, D, false);
        Par.For(N, K, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                var row = _g.AsSpan(p * K, K);
                float best = float.PositiveInfinity;
                int bi = 0;
                for (int j = 0; j < K; j++)
                {
                    float s = _cc[j] - 2 * row[j];
                    if (s < best) { best = s; bi = j; }
                }
                _am[p] = bi;
            }
        });
    }

    [GlobalCleanup]
    public void Cleanup() { _x.Dispose(); _c.Dispose(); _a.Dispose(); _d.Dispose(); }
}
