using System.Numerics;
using System.Runtime.Intrinsics;

namespace Dab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Softmax(Tensor x, int outer, int n, int inner, Tensor y, bool log)
    {
        if (x.DType == DType.Float32) Softmax<float>(A<float>(x), outer, n, inner, A<float>(y), log);
        else Softmax<double>(A<double>(x), outer, n, inner, A<double>(y), log);
    }

    /// <summary>
    /// Stable (log-)softmax over the middle dim: subtract the max, exponentiate, normalise. Each outer
    /// block (n x inner, contiguous) is done whole: maxima and sums per column in scratch, and the
    /// exponentials over the block with vectors.
    /// </summary>
    private static void Softmax<T>(T[] x, int outer, int n, int inner, T[] y, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && FastMath.Enabled && inner is > 1 and <= 16 && n <= 256)
        {
            SoftmaxNarrow((float[])(object)x, outer, n, inner, (float[])(object)y, log);
            return;
        }
        Par.For(outer, (long)n * inner * 8, (o0, o1) =>
        {
            int blk = n * inner;
            T[]? rented = inner > 512 ? System.Buffers.ArrayPool<T>.Shared.Rent(2 * inner) : null;
            Span<T> scratch = rented != null ? rented.AsSpan(0, 2 * inner) : stackalloc T[2 * inner];
            Span<T> m = scratch[..inner], sum = scratch[inner..];
            for (int o = o0; o < o1; o++)
            {
                int s = o * blk;
                m.Fill(T.NegativeInfinity);
                for (int j = 0; j < n; j++)
                    for (int i = 0; i < inner; i++) m[i] = T.Max(m[i], x[s + j * inner + i]);
                for (int i = 0; i < inner; i++)
                    if (T.IsNegativeInfinity(m[i])) m[i] = T.Zero; // an all -inf row gives NaN like PyTorch, not a crash
                for (int j = 0; j < n; j++)
                    for (int i = 0; i < inner; i++) y[s + j * inner + i] = x[s + j * inner + i] - m[i];
                ExpInPlace(y, s, blk);
                sum.Clear();
                for (int j = 0; j < n; j++)
                    for (int i = 0; i < inner; i++) sum[i] += y[s + j * inner + i];
                if (log)
                {
                    for (int i = 0; i < inner; i++) sum[i] = T.Log(sum[i]) + m[i]; // log-sum-exp
                    for (int j = 0; j < n; j++)
                        for (int i = 0; i < inner; i++) y[s + j * inner + i] = x[s + j * inner + i] - sum[i];
                }
                else
                {
                    for (int i = 0; i < inner; i++) sum[i] = T.One / sum[i];
                    for (int j = 0; j < n; j++)
                        for (int i = 0; i < inner; i++) y[s + j * inner + i] *= sum[i];
                }
            }
            if (rented != null) System.Buffers.ArrayPool<T>.Shared.Return(rented);
        });
    }

    /// <summary>
    /// float32 (log-)softmax over the middle dim when the inner dim is 2..16 wide (the sort model's
    /// (batch, T classes, T positions) logits): each row of a block is one 16-lane vector (copied into a
    /// padded scratch block), so the column maxima, exponentials and sums are vector ops down the n rows
    /// instead of scalar loops over every element. The same steps as the generic kernel in float.
    /// </summary>
    private static unsafe void SoftmaxNarrow(float[] x, int outer, int n, int inner, float[] y, bool log)
    {
        Par.For(outer, (long)n * inner * 8, (x, n, inner, y, log), static (in (float[] X, int N, int Inner, float[] Y, bool Log) s, int o0, int o1) =>
        {
            var (x, n, inner, y, log) = s;
            float* pad = stackalloc float[n * 16];
            new Span<float>(pad, n * 16).Clear(); // lanes past `inner` only ever hold finite values, and are dropped
            fixed (float* px = x) fixed (float* py = y)
                for (int o = o0; o < o1; o++)
                {
                    float* xb = px + (long)o * n * inner, yb = py + (long)o * n * inner;
                    for (int j = 0; j < n; j++) Buffer.MemoryCopy(xb + j * inner, pad + j * 16, 16 * sizeof(float), inner * sizeof(float));
                    var m = Vector512.Create(float.NegativeInfinity);
                    for (int j = 0; j < n; j++) m = Vector512.Max(m, Vector512.Load(pad + j * 16));
                    // an all -inf column gives NaN like PyTorch, not a crash
                    m = Vector512.ConditionalSelect(Vector512.Equals(m, Vector512.Create(float.NegativeInfinity)), Vector512<float>.Zero, m);
                    var sum = Vector512<float>.Zero;
                    for (int j = 0; j < n; j++) sum += FastMath.ExpNonPositive(Vector512.Load(pad + j * 16) - m);
                    if (log)
                    {
                        var lse = Vector512.Log(sum) + m;
                        for (int j = 0; j < n; j++) (Vector512.Load(pad + j * 16) - lse).Store(pad + j * 16);
                    }
                    else
                    {
                        var inv = Vector512<float>.One / sum;
                        for (int j = 0; j < n; j++) (FastMath.ExpNonPositive(Vector512.Load(pad + j * 16) - m) * inv).Store(pad + j * 16);
                    }
                    for (int j = 0; j < n; j++) Buffer.MemoryCopy(pad + j * 16, yb + j * inner, inner * sizeof(float), inner * sizeof(float));
                }
        });
    }

    /// <summary>a[s .. s+len) = exp(a[...]) for values &lt;= 0 or NaN (x - max, log-probabilities), with vectors.</summary>
    private static unsafe void ExpInPlace<T>(T[] a, int s, int len) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && FastMath.Enabled)
        {
            fixed (T* p = a) FastMath.ExpNonPositiveInPlace((float*)p, s, s + len);
            return;
        }
        int w = Vector<T>.Count, k = s, end = s + len;
        for (; k <= end - w; k += w) V.Exp(new Vector<T>(a, k)).CopyTo(a, k);
        for (; k < end; k++) a[k] = T.Exp(a[k]);
    }

    public void SoftmaxBackward(Tensor g, Tensor y, int outer, int n, int inner, Tensor dx, bool log)
    {
        if (g.DType == DType.Float32) SoftmaxBackward<float>(A<float>(g), A<float>(y), outer, n, inner, A<float>(dx), log);
        else SoftmaxBackward<double>(A<double>(g), A<double>(y), outer, n, inner, A<double>(dx), log);
    }

    /// <summary>softmax: dx = y (g - sum(g y)); log-softmax: dx = g - exp(y) sum(g).</summary>
    private static void SoftmaxBackward<T>(T[] g, T[] y, int outer, int n, int inner, T[] dx, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Par.For(outer * inner, n * 6L, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int o = r / inner, i = r % inner, s = o * n * inner + i;
                T dot = T.Zero;
                for (int j = 0; j < n; j++) dot += log ? g[s + j * inner] : g[s + j * inner] * y[s + j * inner];
                for (int j = 0; j < n; j++)
                {
                    int k = s + j * inner;
                    dx[k] = log ? g[k] - T.Exp(y[k]) * dot : y[k] * (g[k] - dot);
                }
            }
        });
    }

    public void CrossEntropy(Tensor logits, Tensor target, int outer, int n, int inner, Tensor loss, Tensor logProbs)
    {
        Softmax(logits, outer, n, inner, logProbs, log: true);
        if (logits.DType == DType.Float32) Nll<float>(A<float>(logProbs), A<long>(target), outer, n, inner, A<float>(loss));
        else Nll<double>(A<double>(logProbs), A<long>(target), outer, n, inner, A<double>(loss));
    }

    private static void Nll<T>(T[] lp, long[] target, int outer, int n, int inner, T[] loss) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                long t = target[o * inner + i];
                if ((ulong)t >= (ulong)n)
                    throw new ArgumentException($"cross_entropy: target {t} at position {o * inner + i} is out of range for {n} classes");
                loss[o * inner + i] = -lp[o * n * inner + (int)t * inner + i];
            }
    }

    public void CrossEntropyBackward(Tensor g, Tensor logProbs, Tensor target, int outer, int n, int inner, Tensor dx)
    {
        if (g.DType == DType.Float32) CeBackward<float>(A<float>(g), A<float>(logProbs), A<long>(target), outer, n, inner, A<float>(dx));
        else CeBackward<double>(A<double>(g), A<double>(logProbs), A<long>(target), outer, n, inner, A<double>(dx));
    }

    private static void CeBackward<T>(T[] g, T[] lp, long[] target, int outer, int n, int inner, T[] dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Par.For(outer, (long)n * inner * 4, (g, lp, target, n, inner, dx), static (in (T[] G, T[] Lp, long[] Target, int N, int Inner, T[] Dx) st, int o0, int o1) =>
        {
            var (g, lp, target, n, inner, dx) = st;
            // softmax = exp(log-softmax) over all the blocks of this range at once with vectors, then
            // g (p - onehot) per column: the one-hot subtracted first, then the product (as one expression would)
            int blk = n * inner;
            Array.Copy(lp, o0 * blk, dx, o0 * blk, (o1 - o0) * blk);
            ExpInPlace(dx, o0 * blk, (o1 - o0) * blk);
            for (int o = o0; o < o1; o++)
            {
                int s = o * blk, pos = o * inner;
                for (int i = 0; i < inner; i++) dx[s + (int)target[pos + i] * inner + i] -= T.One;
                for (int j = 0; j < n; j++)
                    for (int i = 0; i < inner; i++) dx[s + j * inner + i] *= g[pos + i];
            }
        });
    }
}
