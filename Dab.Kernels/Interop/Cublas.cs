using System.Runtime.InteropServices;

namespace Dab.Kernels.Interop;

/// <summary>cublasOperation_t.</summary>
public enum CublasOperation
{
    N = 0,
    T = 1,
    C = 2,
}

/// <summary>cublasMath_t.</summary>
[Flags]
public enum CublasMath
{
    /// <summary>Full FP32 for SGEMM (unless NVIDIA_TF32_OVERRIDE=1 is set in the environment).</summary>
    Default = 0,
    /// <summary>Also forbids reduced-precision algorithms and reductions: the reference to compare against.</summary>
    Pedantic = 2,
    /// <summary>SGEMM may use TF32 tensor cores (10-bit mantissa inputs): fast, not bit-comparable.</summary>
    Tf32TensorOp = 3,
    DisallowReducedPrecisionReduction = 16,
}

/// <summary>
/// cuBLAS, used only as the yardstick for Dab's own GEMM kernels (benchmarks and tests), never by the
/// backend's ops. cuBLAS is column-major; <see cref="RowMajorSgemm"/> hides that. Pointer mode is
/// the default (host), so alpha and beta are host values; A, B, C are device pointers.
/// A handle belongs to the context current when it was created and should be used from one thread
/// at a time.
/// </summary>
public static unsafe partial class Cublas
{
    const string Lib = NativeLibraries.CublasName;

    [LibraryImport(Lib, EntryPoint = "cublasCreate_v2")] internal static partial int cublasCreate_v2(IntPtr* handle);
    [LibraryImport(Lib, EntryPoint = "cublasDestroy_v2")] internal static partial int cublasDestroy_v2(IntPtr handle);
    [LibraryImport(Lib, EntryPoint = "cublasSetStream_v2")] internal static partial int cublasSetStream_v2(IntPtr handle, IntPtr stream);
    [LibraryImport(Lib, EntryPoint = "cublasSetMathMode")] internal static partial int cublasSetMathMode(IntPtr handle, CublasMath mode);
    [LibraryImport(Lib, EntryPoint = "cublasSgemm_v2")]
    internal static partial int cublasSgemm_v2(IntPtr handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float* alpha, ulong a, int lda, ulong b, int ldb, float* beta, ulong c, int ldc);
    [LibraryImport(Lib, EntryPoint = "cublasSgemmStridedBatched")]
    internal static partial int cublasSgemmStridedBatched(IntPtr handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float* alpha, ulong a, int lda, long strideA, ulong b, int ldb, long strideB, float* beta, ulong c, int ldc, long strideC, int batchCount);
    [LibraryImport(Lib, EntryPoint = "cublasDgemm_v2")]
    internal static partial int cublasDgemm_v2(IntPtr handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        double* alpha, ulong a, int lda, ulong b, int ldb, double* beta, ulong c, int ldc);
    // cuBLAS 11.4.2+; older libraries fall back to CublasStatus's own table.
    [LibraryImport(Lib, EntryPoint = "cublasGetStatusString")] internal static partial byte* cublasGetStatusString(int status);

    /// <summary>A handle on the current context. cuBLAS reserves some device memory per handle: create few.</summary>
    public static IntPtr Create()
    {
        // Without a usable device cublasCreate only says NOT_INITIALIZED; the driver says why.
        Cu.Initialize();
        LibraryGate.Cublas.Require(nameof(cublasCreate_v2));
        IntPtr handle;
        Check.CublasStatus(cublasCreate_v2(&handle), nameof(cublasCreate_v2), "creating a cuBLAS handle");
        return handle;
    }

    public static void Destroy(IntPtr handle)
    {
        LibraryGate.Cublas.Require(nameof(cublasDestroy_v2));
        Check.CublasStatus(cublasDestroy_v2(handle), nameof(cublasDestroy_v2));
    }

    /// <summary>Makes later calls on the handle run on <paramref name="stream"/> (a CUstream; 0 = legacy default stream).</summary>
    public static void SetStream(IntPtr handle, IntPtr stream)
    {
        LibraryGate.Cublas.Require(nameof(cublasSetStream_v2));
        Check.CublasStatus(cublasSetStream_v2(handle, stream), nameof(cublasSetStream_v2));
    }

    public static void SetMathMode(IntPtr handle, CublasMath mode)
    {
        LibraryGate.Cublas.Require(nameof(cublasSetMathMode));
        Check.CublasStatus(cublasSetMathMode(handle, mode), nameof(cublasSetMathMode));
    }

    /// <summary>Column-major C = alpha op(A) op(B) + beta C, exactly as cublasSgemm.</summary>
    public static void Sgemm(IntPtr handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float alpha, ulong a, int lda, ulong b, int ldb, float beta, ulong c, int ldc, string? context = null)
    {
        LibraryGate.Cublas.Require(nameof(cublasSgemm_v2));
        Check.CublasStatus(cublasSgemm_v2(handle, transA, transB, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc),
            nameof(cublasSgemm_v2), context ?? $"column-major SGEMM {transA}{transB} m={m} n={n} k={k}");
    }

    /// <summary>Column-major batched SGEMM; strides are in elements.</summary>
    public static void SgemmStridedBatched(IntPtr handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float alpha, ulong a, int lda, long strideA, ulong b, int ldb, long strideB, float beta, ulong c, int ldc, long strideC,
        int batchCount, string? context = null)
    {
        LibraryGate.Cublas.Require(nameof(cublasSgemmStridedBatched));
        Check.CublasStatus(cublasSgemmStridedBatched(handle, transA, transB, m, n, k, &alpha, a, lda, strideA, b, ldb, strideB,
                &beta, c, ldc, strideC, batchCount),
            nameof(cublasSgemmStridedBatched), context ?? $"column-major batched SGEMM {transA}{transB} m={m} n={n} k={k} batch={batchCount}");
    }

    /// <summary>Column-major C = alpha op(A) op(B) + beta C in double precision.</summary>
    public static void Dgemm(IntPtr handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        double alpha, ulong a, int lda, ulong b, int ldb, double beta, ulong c, int ldc, string? context = null)
    {
        LibraryGate.Cublas.Require(nameof(cublasDgemm_v2));
        Check.CublasStatus(cublasDgemm_v2(handle, transA, transB, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc),
            nameof(cublasDgemm_v2), context ?? $"column-major DGEMM {transA}{transB} m={m} n={n} k={k}");
    }

    /// <summary>
    /// Row-major C (m x n) = alpha op(A) op(B) + beta C with contiguous row-major A, B, C, as Dab stores
    /// tensors: A is m x k (k x m when <paramref name="transA"/>), B is k x n (n x k when
    /// <paramref name="transB"/>). Computed as the column-major product C^T = op(B)^T op(A)^T, see
    /// <see cref="GemmMapping.RowMajor"/>.
    /// </summary>
    public static void RowMajorSgemm(IntPtr handle, bool transA, bool transB, int m, int n, int k,
        float alpha, ulong a, ulong b, float beta, ulong c, string? context = null)
    {
        var g = GemmMapping.RowMajor(transA, transB, m, n, k);
        Sgemm(handle, g.TransA, g.TransB, g.M, g.N, g.K, alpha, b, g.Lda, a, g.Ldb, beta, c, g.Ldc,
            context ?? $"row-major SGEMM [{m}, {k}]{(transA ? "^T" : "")} x [{k}, {n}]{(transB ? "^T" : "")}");
    }

    /// <summary>
    /// <see cref="RowMajorSgemm"/> over <paramref name="batchCount"/> matrices laid out back to back
    /// (batch strides m*k, k*n and m*n elements), as a contiguous [batch, rows, cols] tensor is.
    /// </summary>
    public static void RowMajorSgemmStridedBatched(IntPtr handle, bool transA, bool transB, int m, int n, int k,
        float alpha, ulong a, ulong b, float beta, ulong c, int batchCount, string? context = null)
    {
        var g = GemmMapping.RowMajor(transA, transB, m, n, k);
        SgemmStridedBatched(handle, g.TransA, g.TransB, g.M, g.N, g.K, alpha, b, g.Lda, (long)k * n, a, g.Ldb, (long)m * k,
            beta, c, g.Ldc, (long)m * n, batchCount,
            context ?? $"row-major batched SGEMM {batchCount} x [{m}, {k}]{(transA ? "^T" : "")} x [{k}, {n}]{(transB ? "^T" : "")}");
    }
}
