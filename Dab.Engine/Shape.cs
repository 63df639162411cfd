namespace Dab;

/// <summary>Shape arithmetic shared by the ops: element counts, broadcasting, dim normalisation.</summary>
public static class ShapeUtil
{
    public static long Numel(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static int NormalizeDim(int dim, int rank, string op)
    {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= Math.Max(rank, 1) || (rank == 0 && d != 0))
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dim {dim} is out of range for a tensor of rank {rank}");
        return d;
    }

    public static int[] Broadcast(int[] a, int[] b, string op)
    {
        int r = Math.Max(a.Length, b.Length);
        var o = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (dim {i}: {da} vs {db})");
            o[i] = da == 1 ? db : da;
        }
        return o;
    }

    /// <summary>Strides (in elements) of <paramref name="shape"/> broadcast to rank/shape <paramref name="outShape"/>: 0 where broadcast.</summary>
    public static int[] BroadcastStrides(int[] shape, int[] outShape)
    {
        var s = new int[outShape.Length];
        BroadcastStrides(shape, outShape, s);
        return s;
    }

    /// <summary><see cref="BroadcastStrides(int[], int[])"/> into <paramref name="strides"/> (outShape's length).</summary>
    public static void BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape, Span<int> strides)
    {
        int r = outShape.Length, off = r - shape.Length;
        strides.Slice(0, r).Clear();
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i + off] = shape[i] == 1 ? 0 : stride;
            stride *= shape[i];
        }
    }

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>Splits a shape around <paramref name="dim"/> into (outer, n, inner) for dim-wise kernels.</summary>
    public static (int outer, int n, int inner) Split(int[] shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape.Length == 0 ? 1 : shape[dim], inner);
    }
}
