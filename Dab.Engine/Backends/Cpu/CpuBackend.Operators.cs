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
                var words = new ulong[2 * n];
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

    /// <summary>Rows at least this long sort by LSD radix (stable, so ties stay in index order); shorter ones by introsort of packed words.</summary>
    private const int RadixMin = 256;

    /// <summary>
    /// Sorts row r of xs and writes its first <paramref name="take"/> values and indices at row r of
    /// (rows, take) outputs. <paramref name="words"/> holds 2n entries.
    /// </summary>
    private static void SortRow32(float[] xs, float[] ys, long[] idx, int r, int n, int take, bool descending, ulong[] words)
    {
        int b = r * n;
        for (int j = 0; j < n; j++) words[j] = (ulong)SortKeys.Key(xs[b + j], descending) << 32 | (uint)j;
        if (n >= RadixMin) RadixSort(words.AsSpan(0, n), words.AsSpan(n, n));
        else words.AsSpan(0, n).Sort();
        int o = r * take;
        for (int j = 0; j < take; j++)
        {
            int i = (int)(uint)words[j];
            ys[o + j] = xs[b + i];
            idx[o + j] = i;
        }
    }

    /// <summary>
    /// LSD radix sort of packed (key &lt;&lt; 32 | index) words by their key, 8 bits a pass; a pass
    /// whose byte is the same in every word is skipped. Stable, and the words start in index order,
    /// so equal keys stay in index order. The result ends in <paramref name="a"/>.
    /// </summary>
    private static void RadixSort(Span<ulong> a, Span<ulong> tmp)
    {
        Span<int> counts = stackalloc int[4 * 256];
        counts.Clear();
        foreach (var w in a)
        {
            uint k = (uint)(w >> 32);
            counts[(int)(k & 0xFF)]++;
            counts[256 + (int)((k >> 8) & 0xFF)]++;
            counts[512 + (int)((k >> 16) & 0xFF)]++;
            counts[768 + (int)(k >> 24)]++;
        }
        var src = a;
        var dst = tmp;
        bool inTmp = false;
        for (int pass = 0; pass < 4; pass++)
        {
            var c = counts.Slice(pass * 256, 256);
            int shift = 32 + pass * 8;
            if (c[(int)((src[0] >> shift) & 0xFF)] == a.Length) continue; // one bucket: nothing moves
            int sum = 0;
            for (int i = 0; i < 256; i++) { int t = c[i]; c[i] = sum; sum += t; }
            foreach (var w in src) dst[c[(int)((w >> shift) & 0xFF)]++] = w;
            var t2 = src; src = dst; dst = t2;
            inTmp = !inTmp;
        }
        if (inTmp) src.CopyTo(a);
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
                var words = new ulong[select ? k : 2 * n];
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
    /// Keeps the k best (key, index) words of a row in a sorted buffer. Once it is full, a vector
    /// compare against the current k-th value skips whole blocks that hold no candidate (the usual
    /// case); a candidate is checked and inserted by its exact key.
    /// </summary>
    private static void SelectRow32(float[] xs, float[] ys, long[] idx, int r, int n, int k, bool largest, ulong[] best)
    {
        int b = r * n, count = 0, j = 0, w = Vector<float>.Count;
        void Offer(int j)
        {
            uint key = SortKeys.Key(xs[b + j], largest);
            // Indices grow along the scan, so an equal key is never better than the current k-th.
            if (count == k && key >= (uint)(best[k - 1] >> 32)) return;
            ulong word = (ulong)key << 32 | (uint)j;
            int p = count < k ? count++ : k - 1;
            while (p > 0 && best[p - 1] > word) { best[p] = best[p - 1]; p--; }
            best[p] = word;
        }
        for (; j < n && count < k; j++) Offer(j);
        while (j <= n - w)
        {
            float kth = xs[b + (int)(uint)best[k - 1]];
            if (float.IsNaN(kth)) break; // rare: finish with the scalar scan
            var t = new Vector<float>(kth);
            for (; j <= n - w; j += w)
            {
                var v = new Vector<float>(xs, b + j);
                // Candidates: strictly beyond the k-th value, or NaN (the largest) when largest.
                var m = largest ? Vector.BitwiseOr(Vector.GreaterThan(v, t), Vector.OnesComplement(Vector.Equals(v, v))) : Vector.LessThan(v, t);
                if (m == Vector<int>.Zero) continue;
                for (int l = 0; l < w; l++) Offer(j + l);
                j += w;
                break; // the k-th value changed: reload it
            }
        }
        for (; j < n; j++) Offer(j);
        int o = r * k;
        for (int q = 0; q < k; q++)
        {
            int i = (int)(uint)best[q];
            ys[o + q] = xs[b + i];
            idx[o + q] = i;
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
        int w = Vector<T>.Count, w2 = 2 * w, kp = (k + w2 - 1) / w2 * w2;
        var ct = new T[(long)d * kp];
        var cc = new T[kp];
        cc.AsSpan(k).Fill(T.NaN); // padding centroids: a NaN distance never wins
        for (int j = 0; j < k; j++)
        {
            for (int e = 0; e < d; e++) ct[e * kp + j] = c[j * d + e];
            cc[j] = Norm2<T>(c.AsSpan(j * d, d));
        }
        var laneIndex = new T[w];
        for (int l = 0; l < w; l++) laneIndex[l] = T.CreateChecked(l);
        int groups = (n + 3) / 4;
        Par.For(groups, (long)kp * d, (g0, g1) =>
        {
            // Per point and per vector of the pair, lane-wise running minima: each lane sees its
            // centroids in increasing order and keeps the first strict minimum, so merging the lanes
            // by (distance, index) gives exactly the sequential scan's answer.
            var bv = new Vector<T>[8];
            var bi = new Vector<T>[8];
            var m2 = new Vector<T>(T.CreateChecked(-2));
            var lanes = new Vector<T>(laneIndex);
            var wv = new Vector<T>(T.CreateChecked(w));
            var none = new Vector<T>(-T.One);
            for (int g = g0; g < g1; g++)
            {
                int p0 = g * 4, np = Math.Min(4, n - p0);
                for (int q = 0; q < 8; q++) { bv[q] = Vector<T>.Zero; bi[q] = none; }
                // Missing points of the last group reuse point p0 (their results are dropped).
                int r0 = p0 * d, r1 = (p0 + Math.Min(1, np - 1)) * d, r2 = (p0 + Math.Min(2, np - 1)) * d, r3 = (p0 + Math.Min(3, np - 1)) * d;
                // 4 points x 2 vectors of centroids: 8 independent fma chains, 2 loads and 4 broadcasts a dim.
                for (int j0 = 0; j0 < kp; j0 += w2)
                {
                    Vector<T> a0 = Vector<T>.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                    for (int e = 0; e < d; e++)
                    {
                        var cv = new Vector<T>(ct, e * kp + j0);
                        var cw = new Vector<T>(ct, e * kp + j0 + w);
                        var x0 = new Vector<T>(x[r0 + e]); var x1 = new Vector<T>(x[r1 + e]);
                        var x2 = new Vector<T>(x[r2 + e]); var x3 = new Vector<T>(x[r3 + e]);
                        a0 = Fma(x0, cv, a0); b0 = Fma(x0, cw, b0);
                        a1 = Fma(x1, cv, a1); b1 = Fma(x1, cw, b1);
                        a2 = Fma(x2, cv, a2); b2 = Fma(x2, cw, b2);
                        a3 = Fma(x3, cv, a3); b3 = Fma(x3, cw, b3);
                    }
                    var ccv = new Vector<T>(cc, j0);
                    var ccw = new Vector<T>(cc, j0 + w);
                    var ja = lanes + new Vector<T>(T.CreateChecked(j0));
                    var jb = ja + wv;
                    Keep(ref bv[0], ref bi[0], Fma(m2, a0, ccv), ja); Keep(ref bv[1], ref bi[1], Fma(m2, b0, ccw), jb);
                    Keep(ref bv[2], ref bi[2], Fma(m2, a1, ccv), ja); Keep(ref bv[3], ref bi[3], Fma(m2, b1, ccw), jb);
                    Keep(ref bv[4], ref bi[4], Fma(m2, a2, ccv), ja); Keep(ref bv[5], ref bi[5], Fma(m2, b2, ccw), jb);
                    Keep(ref bv[6], ref bi[6], Fma(m2, a3, ccv), ja); Keep(ref bv[7], ref bi[7], Fma(m2, b3, ccw), jb);
                }
                for (int q = 0; q < np; q++)
                {
                    T bs = T.Zero;
                    int bk = -1;
                    for (int v = 2 * q; v < 2 * q + 2; v++)
                        for (int l = 0; l < w; l++)
                        {
                            int j = int.CreateChecked(bi[v][l]);
                            if (j < 0) continue;
                            T s = bv[v][l];
                            if (bk < 0 || s < bs || (s == bs && j < bk)) { bs = s; bk = j; }
                        }
                    int p = p0 + q;
                    if (bk < 0) { assign[p] = 0; dist[p] = T.NaN; continue; }
                    T xx = Norm2<T>(x.AsSpan(p * d, d)), dd = xx + bs;
                    assign[p] = bk;
                    // inf + -inf (an infinite coordinate) is an infinite distance, not NaN.
                    dist[p] = T.IsNaN(dd) && !T.IsNaN(xx) ? T.PositiveInfinity : dd < T.Zero ? T.Zero : dd;
                }
            }
        });
    }

    /// <summary>Lane-wise: take (s, j) where s is below the kept minimum, or where nothing is kept yet and s is not NaN.</summary>
    private static void Keep<T>(ref Vector<T> best, ref Vector<T> index, Vector<T> s, Vector<T> j) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var take = Vector.BitwiseOr(Vector.LessThan(s, best), Vector.BitwiseAnd(Vector.LessThan(index, Vector<T>.Zero), Vector.Equals(s, s)));
        best = Vector.ConditionalSelect(take, s, best);
        index = Vector.ConditionalSelect(take, j, index);
    }

    public void KMeansUpdate(Tensor points, int n, int d, Tensor assignments, int k, Tensor centroids, Tensor counts)
    {
        var a = A<long>(assignments);
        var cnt = A<long>(counts);
        if (points.DType == DType.Float32) Update(A<float>(points), n, d, a, k, A<float>(centroids), cnt);
        else Update(A<double>(points), n, d, a, k, A<double>(centroids), cnt);
    }

    /// <summary>
    /// Sums in float64 in point order (the kernel's order too), then divides and rounds once. The
    /// dims are split across threads, so each sum still runs over the points in order.
    /// </summary>
    private static void Update<T>(T[] x, int n, int d, long[] assign, int k, T[] c, long[] counts) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sums = new double[(long)k * d];
        Array.Clear(counts, 0, k);
        for (int p = 0; p < n; p++)
        {
            long j = assign[p];
            if ((ulong)j >= (ulong)k) throw new ArgumentException($"kmeans update: assignment {j} of point {p} is out of range for {k} centroids");
            counts[j]++;
        }
        Par.For(d, n, (e0, e1) =>
        {
            for (int p = 0; p < n; p++)
            {
                int sb = (int)assign[p] * d, xb = p * d;
                for (int e = e0; e < e1; e++) sums[sb + e] += double.CreateChecked(x[xb + e]);
            }
        });
        for (int j = 0; j < k; j++)
            if (counts[j] > 0)
                for (int e = 0; e < d; e++) c[j * d + e] = T.CreateChecked(sums[j * d + e] / counts[j]);
    }
}
