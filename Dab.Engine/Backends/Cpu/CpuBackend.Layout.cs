namespace Dab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Permute(Tensor x, int[] perm, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: Permute(A<float>(x), x.Shape, perm, A<float>(y)); break;
            case DType.Float64: Permute(A<double>(x), x.Shape, perm, A<double>(y)); break;
            case DType.Int32: Permute(A<int>(x), x.Shape, perm, A<int>(y)); break;
            default: Permute(A<long>(x), x.Shape, perm, A<long>(y)); break;
        }
    }

    /// <summary>y[i0..ir] = x[...] with y's dim d being x's dim perm[d]; iterates y in order.</summary>
    private static void Permute<T>(T[] x, int[] shape, int[] perm, T[] y) where T : unmanaged
    {
        int r = shape.Length;
        if (r == 0) { y[0] = x[0]; return; } // a 0-d tensor has nothing to permute
        var xStride = new int[r];
        for (int i = r - 1, s = 1; i >= 0; i--) { xStride[i] = s; s *= shape[i]; }
        var outShape = new int[r]; var srcStride = new int[r];
        for (int d = 0; d < r; d++) { outShape[d] = shape[perm[d]]; srcStride[d] = xStride[perm[d]]; }
        int n = y.Length == 0 ? 0 : (int)ShapeUtil.Numel(outShape);
        if (n == 0) return;
        int inner = outShape[r - 1], innerStride = srcStride[r - 1], rows = n / inner;
        Par.For(rows, inner, (r0, r1) =>
        {
            var idx = new int[r];
            for (int row = r0; row < r1; row++)
            {
                int rem = row, src = 0;
                for (int d = r - 2; d >= 0; d--) { idx[d] = rem % outShape[d]; rem /= outShape[d]; src += idx[d] * srcStride[d]; }
                int dst = row * inner;
                for (int j = 0; j < inner; j++) y[dst + j] = x[src + j * innerStride];
            }
        });
    }

    public void CopyBlocks(Tensor src, int srcRow, int srcOff, Tensor dst, int dstRow, int dstOff, int outer, int len)
    {
        var s = src.Storage as CpuStorage; var d = dst.Storage as CpuStorage;
        switch (src.DType)
        {
            case DType.Float32: Blocks(s!.Array<float>(), srcRow, srcOff, d!.Array<float>(), dstRow, dstOff, outer, len); break;
            case DType.Float64: Blocks(s!.Array<double>(), srcRow, srcOff, d!.Array<double>(), dstRow, dstOff, outer, len); break;
            case DType.Int32: Blocks(s!.Array<int>(), srcRow, srcOff, d!.Array<int>(), dstRow, dstOff, outer, len); break;
            default: Blocks(s!.Array<long>(), srcRow, srcOff, d!.Array<long>(), dstRow, dstOff, outer, len); break;
        }
    }

    private static void Blocks<T>(T[] s, int srcRow, int srcOff, T[] d, int dstRow, int dstOff, int outer, int len)
    {
        for (int o = 0; o < outer; o++) Array.Copy(s, o * srcRow + srcOff, d, o * dstRow + dstOff, len);
    }

    public void Gather(Tensor x, int outer, int n, int inner, Tensor index, int m, Tensor y)
    {
        if (x.DType == DType.Float32) GatherT(A<float>(x), outer, n, inner, A<long>(index), m, A<float>(y));
        else GatherT(A<double>(x), outer, n, inner, A<long>(index), m, A<double>(y));
    }

    private static void GatherT<T>(T[] x, int outer, int n, int inner, long[] index, int m, T[] y)
    {
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                for (int i = 0; i < inner; i++)
                {
                    int p = (o * m + j) * inner + i;
                    y[p] = x[(o * n + CheckIndex(index[p], n, "gather")) * inner + i];
                }
    }

    public void ScatterAdd(Tensor g, int outer, int n, int inner, Tensor index, int m, Tensor dx)
    {
        if (g.DType == DType.Float32) ScatterT(A<float>(g), outer, n, inner, A<long>(index), m, A<float>(dx));
        else ScatterT(A<double>(g), outer, n, inner, A<long>(index), m, A<double>(dx));
    }

    private static void ScatterT<T>(T[] g, int outer, int n, int inner, long[] index, int m, T[] dx) where T : System.Numerics.INumber<T>
    {
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                for (int i = 0; i < inner; i++)
                {
                    int p = (o * m + j) * inner + i;
                    dx[(o * n + CheckIndex(index[p], n, "scatter_add")) * inner + i] += g[p];
                }
    }

    public void IndexSelect(Tensor x, int outer, int n, int inner, Tensor index, Tensor y)
    {
        var idx = A<long>(index); int m = index.Numel;
        foreach (var v in idx.AsSpan(0, m)) CheckIndex(v, n, "index_select");
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                CopyBlocks(x, 0, (o * n + (int)idx[j]) * inner, y, 0, (o * m + j) * inner, 1, inner);
    }

    public void IndexAdd(Tensor g, int outer, int n, int inner, Tensor index, Tensor dx)
    {
        int m = index.Numel;
        var idx = A<long>(index);
        if (g.DType == DType.Float32) IndexAddT(A<float>(g), outer, n, inner, idx, m, A<float>(dx));
        else IndexAddT(A<double>(g), outer, n, inner, idx, m, A<double>(dx));
    }

    private static void IndexAddT<T>(T[] g, int outer, int n, int inner, long[] idx, int m, T[] dx) where T : System.Numerics.INumber<T>
    {
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                for (int i = 0; i < inner; i++)
                    dx[(o * n + (int)idx[j]) * inner + i] += g[(o * m + j) * inner + i];
    }

    private static int CheckIndex(long v, int n, string op) =>
        (ulong)v < (ulong)n ? (int)v : throw new ArgumentException($"{op}: index {v} is out of range for a dimension of size {n}");
}
