using System.Numerics;

namespace Dab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public unsafe void MatMul(Tensor a, bool transA, long strideA, Tensor b, bool transB, long strideB, Tensor c,
        int batch, int m, int n, int k, bool accumulate)
    {
        if (a.DType == DType.Float32)
        {
            fixed (float* pa = A<float>(a)) fixed (float* pb = A<float>(b)) fixed (float* pc = A<float>(c))
                for (int i = 0; i < batch; i++)
                    Sgemm.Run(pa + i * strideA, transA, pb + i * strideB, transB, pc + (long)i * m * n, m, n, k, accumulate);
        }
        else
        {
            fixed (double* pa = A<double>(a)) fixed (double* pb = A<double>(b)) fixed (double* pc = A<double>(c))
                for (int i = 0; i < batch; i++)
                    Dgemm.Run(pa + i * strideA, transA, pb + i * strideB, transB, pc + (long)i * m * n, m, n, k, accumulate);
        }
    }

    /// <summary>The plain triple loop: the reference the fast GEMMs are tested and benchmarked against.</summary>
    internal static void ReferenceGemm<T>(T[] a, int oa, bool transA, T[] b, int ob, bool transB, T[] c, int oc,
        int m, int n, int k, bool accumulate) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T s = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    var av = transA ? a[oa + p * m + i] : a[oa + i * k + p];
                    var bv = transB ? b[ob + j * k + p] : b[ob + p * n + j];
                    s += av * bv;
                }
                c[oc + i * n + j] = accumulate ? c[oc + i * n + j] + s : s;
            }
    }
}
