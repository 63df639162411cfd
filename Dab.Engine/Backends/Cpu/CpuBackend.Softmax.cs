using System.Numerics;

namespace Dab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Softmax(Tensor x, int outer, int n, int inner, Tensor y, bool log)
    {
        if (x.DType == DType.Float32) Softmax<float>(A<float>(x), outer, n, inner, A<float>(y), log);
        else Softmax<double>(A<double>(x), outer, n, inner, A<double>(y), log);
    }

    /// <summary>Stable (log-)softmax over the middle dim: subtract the max, exponentiate, normalise.</summary>
    private static void Softmax<T>(T[] x, int outer, int n, int inner, T[] y, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Par.For(outer * inner, n * 8L, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int o = r / inner, i = r % inner, s = o * n * inner + i;
                T m = T.NegativeInfinity;
                for (int j = 0; j < n; j++) m = T.Max(m, x[s + j * inner]);
                if (T.IsNegativeInfinity(m)) m = T.Zero; // an all -inf row gives NaN like PyTorch, not a crash
                T sum = T.Zero;
                for (int j = 0; j < n; j++)
                {
                    var e = T.Exp(x[s + j * inner] - m);
                    y[s + j * inner] = e;
                    sum += e;
                }
                if (log)
                {
                    T lse = T.Log(sum) + m;
                    for (int j = 0; j < n; j++) y[s + j * inner] = x[s + j * inner] - lse;
                }
                else
                {
                    T inv = T.One / sum;
                    for (int j = 0; j < n; j++) y[s + j * inner] *= inv;
                }
            }
        });
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
        Par.For(outer, (long)n * inner * 4, (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int i = 0; i < inner; i++)
                {
                    int pos = o * inner + i;
                    T gp = g[pos];
                    int t = (int)target[pos], s = o * n * inner + i;
                    for (int j = 0; j < n; j++)
                    {
                        int k = s + j * inner;
                        dx[k] = gp * (T.Exp(lp[k]) - (j == t ? T.One : T.Zero));
                    }
                }
        });
    }
}
