using Dab.Kernels.Interop;
using NUnit.Framework;

namespace Dab.Tests.Kernels.Interop;

/// <summary>cuBLAS status names and the row-major to column-major GEMM mapping, both without a GPU.</summary>
public class CublasTests
{
    [TestCase(0, "CUBLAS_STATUS_SUCCESS")]
    [TestCase(1, "CUBLAS_STATUS_NOT_INITIALIZED")]
    [TestCase(3, "CUBLAS_STATUS_ALLOC_FAILED")]
    [TestCase(7, "CUBLAS_STATUS_INVALID_VALUE")]
    [TestCase(8, "CUBLAS_STATUS_ARCH_MISMATCH")]
    [TestCase(11, "CUBLAS_STATUS_MAPPING_ERROR")]
    [TestCase(13, "CUBLAS_STATUS_EXECUTION_FAILED")]
    [TestCase(14, "CUBLAS_STATUS_INTERNAL_ERROR")]
    [TestCase(15, "CUBLAS_STATUS_NOT_SUPPORTED")]
    [TestCase(16, "CUBLAS_STATUS_LICENSE_ERROR")]
    [TestCase(2, "CUBLAS_STATUS_UNKNOWN(2)")]
    [TestCase(99, "CUBLAS_STATUS_UNKNOWN(99)")]
    public void Status_names(int status, string name) => Assert.That(Cublas.StatusName(status), Is.EqualTo(name));

    [Test]
    public void A_failed_status_becomes_an_exception()
    {
        var e = Assert.Throws<CudaException>(() => Check.CublasStatus(7, "cublasSgemm_v2", "row-major SGEMM [2, 3] x [3, 4]"))!;
        Assert.That(e.Library, Is.EqualTo("cuBLAS"));
        Assert.That(e.ErrorName, Is.EqualTo("CUBLAS_STATUS_INVALID_VALUE"));
        Assert.That(e.Message, Does.StartWith("cublasSgemm_v2 failed with CUBLAS_STATUS_INVALID_VALUE ("));
        Assert.That(e.Message, Does.EndWith("while row-major SGEMM [2, 3] x [3, 4]"));
    }

    [Test]
    public void Mapping_arguments()
    {
        // Row-major C[2x3] = A[2x4] B[3x4]^T is, column-major, C^T[3x2] = B[3x4] A^T[4x2]. Read
        // column-major, the stored B is B^T (so it takes op T) and the stored A is A^T (op N).
        var g = GemmMapping.RowMajor(transA: false, transB: true, m: 2, n: 3, k: 4);
        Assert.That(g, Is.EqualTo(new ColumnMajorGemm(CublasOperation.T, CublasOperation.N, M: 3, N: 2, K: 4, Lda: 4, Ldb: 4, Ldc: 3)));

        g = GemmMapping.RowMajor(transA: true, transB: false, m: 5, n: 6, k: 7);
        Assert.That(g, Is.EqualTo(new ColumnMajorGemm(CublasOperation.N, CublasOperation.T, M: 6, N: 5, K: 7, Lda: 6, Ldb: 5, Ldc: 6)));

        Assert.That(() => GemmMapping.RowMajor(false, false, 0, 1, 1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    /// <summary>
    /// Runs the mapped arguments through a column-major reference GEMM with BLAS semantics (the
    /// operands swapped, as Cublas.RowMajorSgemm passes them) and compares with a row-major product.
    /// </summary>
    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(true, true)]
    public void Mapping_computes_the_row_major_product(bool transA, bool transB)
    {
        const int m = 3, n = 5, k = 4;
        var rng = new System.Random(7);
        var a = Enumerable.Range(0, m * k).Select(_ => (float)rng.Next(-5, 6)).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)rng.Next(-5, 6)).ToArray();

        var expected = new float[m * n];
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        for (var p = 0; p < k; p++)
            expected[i * n + j] += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);

        var g = GemmMapping.RowMajor(transA, transB, m, n, k);
        var c = new float[m * n];
        ColumnMajorSgemm(g.TransA, g.TransB, g.M, g.N, g.K, b, g.Lda, a, g.Ldb, c, g.Ldc);
        Assert.That(c, Is.EqualTo(expected));
    }

    /// <summary>C = op(A) op(B), column-major, element (i, j) of X at X[i + j * ldx], as BLAS defines it.</summary>
    private static void ColumnMajorSgemm(CublasOperation ta, CublasOperation tb, int m, int n, int k,
        float[] a, int lda, float[] b, int ldb, float[] c, int ldc)
    {
        Assert.That(lda, Is.GreaterThanOrEqualTo(ta == CublasOperation.N ? m : k), "BLAS requires lda >= rows of A as stored");
        Assert.That(ldb, Is.GreaterThanOrEqualTo(tb == CublasOperation.N ? k : n), "BLAS requires ldb >= rows of B as stored");
        Assert.That(ldc, Is.GreaterThanOrEqualTo(m), "BLAS requires ldc >= m");
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        {
            float s = 0;
            for (var p = 0; p < k; p++)
            {
                var av = ta == CublasOperation.N ? a[i + p * lda] : a[p + i * lda];
                var bv = tb == CublasOperation.N ? b[p + j * ldb] : b[j + p * ldb];
                s += av * bv;
            }
            c[i + j * ldc] = s;
        }
    }
}
