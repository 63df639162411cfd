using Dab.Backends;
using Dab.Kernels.Interop;
using Dab.Random;

namespace Dab.Kernels.Gpu;

/// <summary>Times our SGEMM against cuBLAS (full FP32) on the same operands, in one run, device synchronised.</summary>
public static class GemmBenchmark
{
    public sealed record Result(int M, int N, int K, double OursMs, double? CublasMs, double MaxRelativeDifference)
    {
        public double OursGflops => 2.0 * M * N * K / (OursMs * 1e6);
        public double? CublasGflops => CublasMs is { } t ? 2.0 * M * N * K / (t * 1e6) : null;
    }

    public static Result Run(Device device, int m, int n, int k, int iterations)
    {
        var backend = BackendRegistry.Get(device) as GpuBackend ?? throw new ArgumentException($"{device} is not a GPU device");
        var gen = new Generator(7);
        using var a = gen.Uniform([m, k], device: device, low: -1, high: 1);
        using var b = gen.Uniform([k, n], device: device, low: -1, high: 1);
        using var c = Tensor.Zeros([m, n], device: device);
        double ours = Time(backend, iterations, () => backend.MatMul(a, false, 0, b, false, 0, c, 1, m, n, k, false));
        if (backend.Runtime is not CudaRuntime cuda) return new Result(m, n, k, ours, null, 0);

        using var c2 = Tensor.Zeros([m, n], device: device);
        var handle = Cublas.Create();
        try
        {
            Cublas.SetStream(handle, cuda.Stream);
            Cublas.SetMathMode(handle, CublasMath.Default);
            ulong pa = GpuBackend.P(a), pb = GpuBackend.P(b), pc = GpuBackend.P(c2);
            double theirs = Time(backend, iterations, () => Cublas.RowMajorSgemm(handle, false, false, m, n, k, 1f, pa, pb, 0f, pc));
            var x = c.ToArray<float>();
            var y = c2.ToArray<float>();
            double diff = 0;
            for (int i = 0; i < x.Length; i++) diff = Math.Max(diff, Math.Abs(x[i] - y[i]) / (1e-3 + Math.Abs(y[i])));
            return new Result(m, n, k, ours, theirs, diff);
        }
        finally { Cublas.Destroy(handle); }
    }

    /// <summary>Device milliseconds per call after warm-up, measured with events around the timed loop.</summary>
    public static double Time(GpuBackend backend, int iterations, Action work)
    {
        for (int i = 0; i < Math.Max(2, iterations / 10); i++) work();
        backend.Runtime.Synchronize();
        return backend.Runtime.TimeMilliseconds(() =>
        {
            for (int i = 0; i < iterations; i++) work();
        }) / iterations;
    }
}
