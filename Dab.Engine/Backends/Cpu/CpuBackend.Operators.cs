using System.Numerics;

namespace Dab.Backends.Cpu;

// Sort, top-k and k-means on the CPU: the reference the kernels are compared with, and fast in its
// own right. Rows run in parallel; a float32 row sorts as one array of 64-bit (key << 32 | index)
// words, so the stable order by (key, index) is a plain integer sort.
public sealed partial class CpuBackend
{
    public void SortRows(Tensor x, int rows, int n, bool descending, Tensor values, Tensor indices)
    {
        if (rows == 0 || n == 0) return;
        var idx = A<long>(indices);
        if (x.DType == DType.Float32)
        {
            var xs = A<float>(x); var ys = A<float>(values);
            Par.For(rows, (long)n * 24, (r0, r1) =>
            {
                var words = new ulong[n];
                for (int r = r0; r < r1; r++) SortRow32(xs, ys, idx, r, n, n, descending, words);
            });
        }
        else
        {
            var xs = A<double>(x); var ys = A<double>(values);
            Par.For(rows, (long)n * 32, (r0, r1) =>
            {
                var keys = new ulong[n]; var pos = new int[n];
                for (int r = r0; r < r1; r++) SortRow64(xs, ys, idx, r, n, n, descending, keys, pos);
            });
        }
    }

    /// <summary>Sorts row r of xs and writes its first <paramref name="take"/> values and indices at row r of (rows, take) outputs.</summary>
    private static void SortRow32(float[] xs, float[] ys, long[] idx, int r, int n, int take, bool descending, ulong[] words)
    {
        int b = r * n;
        for (int j = 0; j < n; j++) words[j] = (ulong)SortKeys.Key(xs[b + j], descending) << 32 | (uint)j;
        words.AsSpan(0, n).Sort();
        int o = r * take;
        for (int j = 0; j < take; j++)
        {
            int i = (int)(uint)words[j];
            ys[o + j] = xs[b + i];
            idx[o + j] = i;
        }
    }

    private static void SortRow64(double[] xs, double[] ys, long[] idx, int r, int n, int take, bool descending, ulong[] keys, int[] pos)
    {
        int b = r * n;
        for (int j = 0; j < n; j++) { keys[j] = SortKeys.Key(xs[b + j], descending); pos[j] = j; }
        keys.AsSpan(0, n).Sort(pos.AsSpan(0, n));
        // Introsort is not stable: put each run of equal keys back in index order.
        for (int s = 0; s < n;)
        {
            int e = s + 1;
            while (e < n && keys[e] == keys[s]) e++;
            if (e - s > 1) pos.AsSpan(s, e - s).Sort();
            s = e;
        }
        int o = r * take;
        for (int j = 0; j < take; j++)
        {
            ys[o + j] = xs[b + pos[j]];
            idx[o + j] = pos[j];
        }
    }

    public void TopKRows(Tensor x, int rows, int n, int k, bool largest, Tensor values, Tensor indices)
    {
        if (rows == 0 || k == 0) return;
        var idx = A<long>(indices);
        bool select = (long)k * 16 <= n; // small k: one pass keeping the best k; else a full sort
        if (x.DType == DType.Float32)
        {
            var xs = A<float>(x); var ys = A<float>(values);
            Par.For(rows, (long)n * (select ? 4 : 24), (r0, r1) =>
            {
                var words = new ulong[select ? k : n];
                for (int r = r0; r < r1; r++)
                {
                    if (select) SelectRow32(xs, ys, idx, r, n, k, largest, words);
                    else SortRow32(xs, ys, idx, r, n, k, largest, words);
                }
            });
        }
        else
        {
            var xs = A<double>(x); var ys = A<double>(values);
            Par.For(rows, (long)n * 32, (r0, r1) =>
            {
                var keys = new ulong[n]; var pos = new int[n];
                for (int r = r0; r < r1; r++) SortRow64(xs, ys, idx, r, n, k, largest, keys, pos);
            });
        }
    }

    /// <summary>
    /// Keeps the k best (key, index) words of a row in a sorted buffer: most elements cost one
    /// comparison with the current k-th; a better one is inserted by shifting.
    /// </summary>
    private static void SelectRow32(float[] xs, float[] ys, long[] idx, int r, int n, int k, bool largest, ulong[] best)
    {
        int b = r * n, count = 0;
        for (int j = 0; j < n; j++)
        {
            ulong w = (ulong)SortKeys.Key(xs[b + j], largest) << 32 | (uint)j;
            if (count == k && w >= best[k - 1]) continue;
            int p = count < k ? count++ : k - 1;
            while (p > 0 && best[p - 1] > w) { best[p] = best[p - 1]; p--; }
            best[p] = w;
        }
        int o = r * k;
        for (int j = 0; j < k; j++)
        {
            int i = (int)(uint)best[j];
            ys[o + j] = xs[b + i];
            idx[o + j] = i;
        }
    }

    public void KMeansAssign(Tensor points, int n, int d, Tensor centroids, int k, Tensor assignments, Tensor distances)
    {
        if (n == 0) return;
        if (points.DType == DType.Float32) Assign<float>(A<float>(points), n, d, A<float>(centroids), k, A<long>(assignments), A<float>(distances));
        else Assign<double>(A<double>(points), n, d, A<double>(centroids), k, A<long>(assignments), A<double>(distances));
    }

    /// <summary>A fused multiply-add of float or double vectors (one rounding, like fmaf on the GPU).</summary>
    private static Vector<T> Fma<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged =>
        typeof(T) == typeof(float)
            ? Vector.As<float, T>(Vector.FusedMultiplyAdd(Vector.As<T, float>(a), Vector.As<T, float>(b), Vector.As<T, float>(c)))
            : Vector.As<double, T>(Vector.FusedMultiplyAdd(Vector.As<T, double>(a), Vector.As<T, double>(b), Vector.As<T, double>(c)));

    /// <summary>Squared norm as an fma chain over the dims in order (the kernels compute it the same way).</summary>
    private static T Norm2<T>(ReadOnlySpan<T> v) where T : IFloatingPointIeee754<T>
    {
        T acc = T.Zero;
        foreach (var e in v) acc = T.FusedMultiplyAdd(e, e, acc);
        return acc;
    }

    /// <summary>
    /// Centroids are transposed to (d, k padded to the vector width) so one vector holds one dim of
    /// several centroids; four points share each centroid load. Every lane runs the same fma chain
    /// over d as the kernels' threads, so the distances agree bit for bit.
    /// </summary>
    private static void Assign<T>(T[] x, int n, int d, T[] c, int k, long[] assign, T[] dist) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, kp = (k + w - 1) / w * w;
        var ct = new T[(long)d * kp];
        var cc = new T[kp];
        for (int j = 0; j < k; j++)
        {
            for (int e = 0; e < d; e++) ct[e * kp + j] = c[j * d + e];
            cc[j] = Norm2<T>(c.AsSpan(j * d, d));
        }
        int groups = (n + 3) / 4;
        Par.For(groups, (long)kp * d, (g0, g1) =>
        {
            Span<T> s = stackalloc T[4 * w];
            var bestS = new T[4]; var bestK = new int[4];
            var m2 = new Vector<T>(T.CreateChecked(-2));
            for (int g = g0; g < g1; g++)
            {
                int p0 = g * 4, np = Math.Min(4, n - p0);
                for (int q = 0; q < 4; q++) { bestK[q] = -1; bestS[q] = T.Zero; }
                // Missing points of the last group reuse point p0 (their results are dropped).
                int r0 = p0 * d, r1 = (p0 + Math.Min(1, np - 1)) * d, r2 = (p0 + Math.Min(2, np - 1)) * d, r3 = (p0 + Math.Min(3, np - 1)) * d;
                for (int j0 = 0; j0 < kp; j0 += w)
                {
                    Vector<T> a0 = Vector<T>.Zero, a1 = a0, a2 = a0, a3 = a0;
                    for (int e = 0; e < d; e++)
                    {
                        var cv = new Vector<T>(ct, e * kp + j0);
                        a0 = Fma(new Vector<T>(x[r0 + e]), cv, a0);
                        a1 = Fma(new Vector<T>(x[r1 + e]), cv, a1);
                        a2 = Fma(new Vector<T>(x[r2 + e]), cv, a2);
                        a3 = Fma(new Vector<T>(x[r3 + e]), cv, a3);
                    }
                    var ccv = new Vector<T>(cc, j0);
                    Fma(m2, a0, ccv).CopyTo(s);
                    Fma(m2, a1, ccv).CopyTo(s[w..]);
                    Fma(m2, a2, ccv).CopyTo(s[(2 * w)..]);
                    Fma(m2, a3, ccv).CopyTo(s[(3 * w)..]);
                    int lanes = Math.Min(w, k - j0);
                    for (int q = 0; q < np; q++)
                        for (int l = 0; l < lanes; l++)
                        {
                            T v = s[q * w + l];
                            if (!T.IsNaN(v) && (bestK[q] < 0 || v < bestS[q])) { bestS[q] = v; bestK[q] = j0 + l; }
                        }
                }
                for (int q = 0; q < np; q++)
                {
                    int p = p0 + q;
                    if (bestK[q] < 0) { assign[p] = 0; dist[p] = T.NaN; continue; }
                    T xx = Norm2<T>(x.AsSpan(p * d, d)), dd = xx + bestS[q];
                    assign[p] = bestK[q];
                    // inf + -inf (an infinite coordinate) is an infinite distance, not NaN.
                    dist[p] = T.IsNaN(dd) && !T.IsNaN(xx) ? T.PositiveInfinity : dd < T.Zero ? T.Zero : dd;
                }
            }
        });
    }

    public void KMeansUpdate(Tensor points, int n, int d, Tensor assignments, int k, Tensor centroids, Tensor counts)
    {
        var a = A<long>(assignments);
        var cnt = A<long>(counts);
        if (points.DType == DType.Float32) Update(A<float>(points), n, d, a, k, A<float>(centroids), cnt);
        else Update(A<double>(points), n, d, a, k, A<double>(centroids), cnt);
    }

    /// <summary>Sums in float64 in point order (the kernel's order too), then divides and rounds once.</summary>
    private static void Update<T>(T[] x, int n, int d, long[] assign, int k, T[] c, long[] counts) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sums = new double[(long)k * d];
        Array.Clear(counts, 0, k);
        for (int p = 0; p < n; p++)
        {
            int j = (int)assign[p];
            if ((uint)j >= (uint)k) throw new ArgumentException($"kmeans update: assignment {assign[p]} of point {p} is out of range for {k} centroids");
            counts[j]++;
            int sb = j * d, xb = p * d;
            for (int e = 0; e < d; e++) sums[sb + e] += double.CreateChecked(x[xb + e]);
        }
        for (int j = 0; j < k; j++)
            if (counts[j] > 0)
                for (int e = 0; e < d; e++) c[j * d + e] = T.CreateChecked(sums[j * d + e] / counts[j]);
    }
}
