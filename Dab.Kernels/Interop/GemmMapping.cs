namespace Dab.Kernels.Interop;

/// <summary>
/// The arguments of a column-major (BLAS) GEMM call. <see cref="GemmMapping.RowMajor"/> fills them so
/// that the first BLAS operand is the row-major B and the second the row-major A (the operands swap).
/// </summary>
public readonly record struct ColumnMajorGemm(
    CublasOperation TransA, CublasOperation TransB, int M, int N, int K, int Lda, int Ldb, int Ldc);

/// <summary>Pure argument mapping, kept apart from the cuBLAS calls so it can be tested without a GPU.</summary>
public static class GemmMapping
{
    /// <summary>
    /// Maps row-major C (m x n) = op(A) op(B) onto a column-major GEMM. A row-major matrix read as
    /// column-major is its transpose, so computing C^T = op(B)^T op(A)^T in column-major order writes C
    /// in row-major order. Hence the BLAS call gets (op of B, op of A), m and n swapped, k unchanged,
    /// B as its first operand and A as its second. Each leading dimension is the row length of the
    /// matrix as stored: A is stored m x k (k x m if transposed), B k x n (n x k), C m x n.
    /// </summary>
    public static ColumnMajorGemm RowMajor(bool transA, bool transB, int m, int n, int k)
    {
        if (m <= 0 || n <= 0 || k <= 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM sizes must be positive, got m={m} n={n} k={k}");
        var lda = transA ? m : k;
        var ldb = transB ? k : n;
        return new ColumnMajorGemm(
            TransA: transB ? CublasOperation.T : CublasOperation.N,
            TransB: transA ? CublasOperation.T : CublasOperation.N,
            M: n, N: m, K: k,
            Lda: ldb, Ldb: lda, Ldc: n);
    }
}
