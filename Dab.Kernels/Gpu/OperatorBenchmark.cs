using Dab.Backends;
using Dab.Random;

namespace Dab.Kernels.Gpu;

/// <summary>
/// Device times of the sort, top-k and k-means kernels at the sizes on a GPU (scaled down on
/// the emulated device), each next to a plain baseline where one exists on the device: top-k against
/// a full sort then slice, k-means assignment against GEMM (x c^T) then a broadcast add and argmin,
/// which writes the N x K distance matrix the fused kernel avoids.
/// </summary>
public static class OperatorBenchmark
{
    public sealed record Result(string Name, double Ms, string? Baseline, double? BaselineMs, double ItemsPerSecond);

    public static List<Result> Run(Device device, int iterations = 10)
    {
        var backend = BackendRegistry.Get(device) as GpuBackend ?? throw new ArgumentException($"{device} is not a GPU device");
        bool real = device.Kind == DeviceKind.Cuda;
        var gen = new Generator(5);
        var results = new List<Result>();
        double T(Action a) => GemmBenchmark.Time(backend, iterations, a);

        foreach (var (rows, n) in real ? new[] { (1_000_000, 32), (10_000, 1024), (1_000, 16_384) } : [(64, 32), (8, 1024)])
        {
            using var x = gen.Normal([rows, n], device: device);
            using var v = Tensor.Zeros([rows, n], device: device);
            using var i = Tensor.Zeros([rows, n], DType.Int64, device);
            double ms = T(() => backend.SortRows(x, rows, n, false, v, i));
            results.Add(new($"sort {rows} rows x {n}", ms, null, null, (double)rows * n / (ms * 1e-3)));
        }

        {
            int rows = real ? 10_000 : 16, n = 1024, k = 10;
            using var x = gen.Normal([rows, n], device: device);
            using var v = Tensor.Zeros([rows, k], device: device);
            using var i = Tensor.Zeros([rows, k], DType.Int64, device);
            using var sv = Tensor.Zeros([rows, n], device: device);
            using var si = Tensor.Zeros([rows, n], DType.Int64, device);
            double ms = T(() => backend.TopKRows(x, rows, n, k, true, v, i));
            double full = T(() => { backend.SortRows(x, rows, n, true, sv, si); backend.CopyBlocks(sv, n, 0, v, k, 0, rows, k); });
            results.Add(new($"top-{k} of {rows} rows x {n}", ms, "full sort + slice", full, (double)rows * n / (ms * 1e-3)));
        }

        {
            int n = real ? 1_000_000 : 256, d = 64, k = real ? 1024 : 64;
            using var x = gen.Normal([n, d], device: device);
            using var c = gen.Normal([k, d], device: device);
            using var a = Tensor.Zeros([n], DType.Int64, device);
            using var dist = Tensor.Zeros([n], device: device);
            double ms = T(() => backend.KMeansAssign(x, n, d, c, k, a, dist));
            using var cc = c.Square().Sum(1);
            using var g = Tensor.Zeros([n, k], device: device);
            using var am = Tensor.Zeros([n], DType.Int64, device);
            double gemm = T(() =>
            {
                backend.MatMul(x, false, 0, c, true, 0, g, 1, n, k, d, false);
                backend.Scalar(Backends.ScalarOp.Mul, g, -2, g);
                backend.Binary(Backends.BinaryOp.Add, g, cc, g);
                backend.Reduce(Backends.ReduceOp.ArgMin, g, n, k, 1, am);
            });
            results.Add(new($"kmeans assign {n} x {d} to {k}", ms, "GEMM + add + argmin", gemm, 2.0 * n * k * d / (ms * 1e-3)));
        }
        return results;
    }
}
