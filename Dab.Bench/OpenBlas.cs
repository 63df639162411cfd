using System.Runtime.InteropServices;

namespace Dab.Bench;

/// <summary>
/// OpenBLAS through P/Invoke, for the benchmarks only (the library itself never calls it).
/// Debian's <c>libopenblas0-pthread</c>; absent, <see cref="WhyUnavailable"/> says how to get it.
/// </summary>
internal static unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static readonly string[] Candidates =
    [
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "libopenblas.so.0",
        "libopenblas.so",
    ];

    private static readonly Lazy<Api?> Loaded = new(Load);
    private static string? _why;

    private sealed class Api
    {
        public delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm;
        public delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> Dgemm;
        public delegate* unmanaged<int, void> SetThreads;
        public string Path = "";
    }

    public static bool Available => Loaded.Value != null;
    public static string? WhyUnavailable => Available ? null : _why;
    public static string LibraryPath => Loaded.Value?.Path ?? "";

    private static Api? Load()
    {
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var h)) continue;
            if (!NativeLibrary.TryGetExport(h, "cblas_sgemm", out var s) || !NativeLibrary.TryGetExport(h, "cblas_dgemm", out var d)
                || !NativeLibrary.TryGetExport(h, "openblas_set_num_threads", out var t))
                continue;
            return new Api
            {
                Sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)s,
                Dgemm = (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)d,
                SetThreads = (delegate* unmanaged<int, void>)t,
                Path = name,
            };
        }
        _why = "OpenBLAS not found (tried " + string.Join(", ", Candidates) + "); install it with 'apt-get install libopenblas0-pthread' to compare against it";
        return null;
    }

    private static Api Get() => Loaded.Value ?? throw new InvalidOperationException(_why);

    public static void SetThreads(int n) => Get().SetThreads(n);

    /// <summary>Row-major C (m x n) = op(A) op(B), with the same conventions as our GEMM.</summary>
    public static void Sgemm(float* a, bool transA, float* b, bool transB, float* c, int m, int n, int k) =>
        Get().Sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, 1f, a, transA ? m : k, b, transB ? k : n, 0f, c, n);

    public static void Dgemm(double* a, bool transA, double* b, bool transB, double* c, int m, int n, int k) =>
        Get().Dgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, 1.0, a, transA ? m : k, b, transB ? k : n, 0.0, c, n);
}
