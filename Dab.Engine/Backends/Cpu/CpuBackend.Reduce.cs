using System.Runtime.Intrinsics;
using System.Numerics;

namespace Dab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y)
    {
        if (x.DType == DType.Float32) Reduce<float>(op, x, outer, n, inner, y);
        else if (x.DType == DType.Float64) Reduce<double>(op, x, outer, n, inner, y);
        else throw new ArgumentException($"reductions need a floating-point tensor, got {x.DType.Name()}");
    }

    private static void Reduce<T>(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = A<T>(x);
        if (op is ReduceOp.ArgMax or ReduceOp.ArgMin)
        {
            var ys = A<long>(y);
            bool max = op == ReduceOp.ArgMax;
            Par.For(outer, (long)n * inner, (xs, ys, n, inner, max), static (in (T[] X, long[] Y, int N, int Inner, bool Max) s, int o0, int o1) =>
            {
                var (xs, ys, n, inner, max) = s;
                for (int o = o0; o < o1; o++)
                    for (int i = 0; i < inner; i++)
                        ys[o * inner + i] = ArgBest(xs, o * n * inner + i, inner, n, max);
            });
            return;
        }
        var yv = A<T>(y);
        Par.For(outer, (long)n * inner, (op, xs, yv, n, inner), static (in (ReduceOp Op, T[] X, T[] Y, int N, int Inner) s, int o0, int o1) =>
        {
            var (op, xs, yv, n, inner) = s;
            for (int o = o0; o < o1; o++)
            {
                int baseX = o * n * inner;
                if (inner == 1) yv[o] = ReduceRow(op, xs, baseX, n);
                else ReduceColumns(op, xs, baseX, n, inner, yv, o * inner);
            }
        });
    }

    /// <summary>Index of the largest (smallest) element; ties go to the lowest index and NaN counts as the extreme.</summary>
    private static long ArgBest<T>(T[] x, int start, int stride, int n, bool max) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int best = 0;
        T bv = x[start];
        if (T.IsNaN(bv)) return 0;
        for (int j = 1; j < n; j++)
        {
            var v = x[start + j * stride];
            if (T.IsNaN(v)) return j;
            if (max ? v > bv : v < bv) { bv = v; best = j; }
        }
        return best;
    }

    private static T ReduceRow<T>(ReduceOp op, T[] x, int s, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case ReduceOp.Sum: return SumRow(x, s, n);
            case ReduceOp.Mean: return n == 0 ? T.NaN : SumRow(x, s, n) / T.CreateChecked(n);
            case ReduceOp.Max:
            case ReduceOp.Min:
            {
                if (n == 0) throw new ArgumentException("max/min over an empty dimension");
                T m = x[s];
                for (int j = 1; j < n; j++)
                {
                    var v = x[s + j];
                    if (T.IsNaN(v)) return v;
                    if (op == ReduceOp.Max ? v > m : v < m) m = v;
                }
                return m;
            }
            case ReduceOp.LogSumExp:
            {
                if (n == 0) return T.NegativeInfinity;
                T m = x[s];
                for (int j = 1; j < n; j++) m = T.Max(m, x[s + j]);
                if (T.IsInfinity(m)) return m;
                T acc = T.Zero;
                for (int j = 0; j < n; j++) acc += T.Exp(x[s + j] - m);
                return m + T.Log(acc);
            }
            default: throw new ArgumentOutOfRangeException(nameof(op), op, null);
        }
    }

    /// <summary>Blocks of 1024 are summed in SIMD lanes and the block sums in double, so float32 sums of any length stay accurate.</summary>
    private static T SumRow<T>(T[] x, int s, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Block = 1024;
        if (n <= Block) return SumBlock(x, s, n);
        double total = 0;
        for (int b = 0; b < n; b += Block) total += double.CreateChecked(SumBlock(x, s + b, Math.Min(Block, n - b)));
        return T.CreateChecked(total);
    }

    private static T SumBlock<T>(T[] x, int s, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, j = 0;
        var acc = Vector<T>.Zero;
        for (; j <= n - w; j += w) acc += new Vector<T>(x, s + j);
        T sum = Vector.Sum(acc);
        for (; j < n; j++) sum += x[s + j];
        return sum;
    }

    private static void ReduceColumns<T>(ReduceOp op, T[] x, int s, int n, int inner, T[] y, int oy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (op is ReduceOp.Sum or ReduceOp.Mean && n > 0 && inner >= Vector<double>.Count)
        {
            SumColumns(op, x, s, n, inner, y, oy);
            return;
        }
        for (int i = 0; i < inner; i++)
        {
            T acc;
            switch (op)
            {
                case ReduceOp.Sum:
                case ReduceOp.Mean:
                {
                    double sum = 0; // double accumulator: a long float32 column would drift by ~n ulp
                    for (int j = 0; j < n; j++) sum += double.CreateChecked(x[s + j * inner + i]);
                    acc = T.CreateChecked(sum);
                }
                    if (op == ReduceOp.Mean) acc = n == 0 ? T.NaN : acc / T.CreateChecked(n);
                    break;
                case ReduceOp.Max:
                case ReduceOp.Min:
                    if (n == 0) throw new ArgumentException("max/min over an empty dimension");
                    acc = x[s + i];
                    for (int j = 1; j < n && !T.IsNaN(acc); j++)
                    {
                        var v = x[s + j * inner + i];
                        if (T.IsNaN(v) || (op == ReduceOp.Max ? v > acc : v < acc)) acc = v;
                    }
                    break;
                default:
                {
                    if (n == 0) { acc = T.NegativeInfinity; break; }
                    T m = x[s + i];
                    for (int j = 1; j < n; j++) m = T.Max(m, x[s + j * inner + i]);
                    if (T.IsInfinity(m)) { acc = m; break; }
                    T e = T.Zero;
                    for (int j = 0; j < n; j++) e += T.Exp(x[s + j * inner + i] - m);
                    acc = m + T.Log(e);
                    break;
                }
            }
            y[oy + i] = acc;
        }
    }

    /// <summary>
    /// Column sums row by row with vectors of double accumulators (the bias gradient of a Linear layer):
    /// the same sums in the same order as the column-at-a-time loop, read contiguously.
    /// </summary>
    private static void SumColumns<T>(ReduceOp op, T[] x, int s, int n, int inner, T[] y, int oy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
        {
            SumColumns512(op, (float[])(object)x, s, n, inner, (float[])(object)y, oy);
            return;
        }
        double[]? rented = inner > 1024 ? System.Buffers.ArrayPool<double>.Shared.Rent(inner) : null;
        Span<double> acc = rented != null ? rented.AsSpan(0, inner) : stackalloc double[inner];
        acc.Clear();
        int wd = Vector<double>.Count;
        for (int j = 0; j < n; j++)
        {
            int row = s + j * inner, i = 0;
            if (typeof(T) == typeof(float))
            {
                var xf = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(x.AsSpan(row, inner));
                for (; i <= inner - 2 * wd; i += 2 * wd)
                {
                    Vector.Widen(new Vector<float>(xf[i..]), out var lo, out var hi);
                    (new Vector<double>(acc[i..]) + lo).CopyTo(acc[i..]);
                    (new Vector<double>(acc[(i + wd)..]) + hi).CopyTo(acc[(i + wd)..]);
                }
            }
            else if (typeof(T) == typeof(double))
            {
                var xd = System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(x.AsSpan(row, inner));
                for (; i <= inner - wd; i += wd)
                    (new Vector<double>(acc[i..]) + new Vector<double>(xd[i..])).CopyTo(acc[i..]);
            }
            for (; i < inner; i++) acc[i] += double.CreateChecked(x[row + i]);
        }
        for (int i = 0; i < inner; i++)
        {
            var v = T.CreateChecked(acc[i]);
            y[oy + i] = op == ReduceOp.Mean ? v / T.CreateChecked(n) : v;
        }
        if (rented != null) System.Buffers.ArrayPool<double>.Shared.Return(rented);
    }

    /// <summary>
    /// float32 column sums in blocks of 32 columns whose 4 x 8 double accumulators stay in registers
    /// down all n rows (blocks shared between threads), the last partial block column by column: the
    /// same sums in the same order as <see cref="SumColumns{T}"/>, so the same bits.
    /// </summary>
    private static unsafe void SumColumns512(ReduceOp op, float[] x, int s, int n, int inner, float[] y, int oy)
    {
        int blocks = (inner + 31) / 32;
        Par.For(blocks, 32L * n, (op, x, s, n, inner, y, oy), static (in (ReduceOp Op, float[] X, int S, int N, int Inner, float[] Y, int Oy) st, int b0, int b1) =>
        {
            var (op, x, s, n, inner, y, oy) = st;
            double* sums = stackalloc double[32];
            fixed (float* px = x) fixed (float* py = y)
                for (int b = b0; b < b1; b++)
                {
                    int c0 = b * 32, width = Math.Min(32, inner - c0);
                    float* col = px + s + c0;
                    if (width == 32)
                    {
                        Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
                        for (int j = 0; j < n; j++, col += inner)
                        {
                            var (l0, h0) = Vector512.Widen(Vector512.Load(col));
                            var (l1, h1) = Vector512.Widen(Vector512.Load(col + 16));
                            a0 += l0; a1 += h0; a2 += l1; a3 += h1;
                        }
                        a0.Store(sums); a1.Store(sums + 8); a2.Store(sums + 16); a3.Store(sums + 24);
                        for (int i = 0; i < 32; i++) py[oy + c0 + i] = Finish(op, sums[i], n);
                    }
                    else
                        for (int i = 0; i < width; i++)
                        {
                            double sum = 0;
                            for (int j = 0; j < n; j++) sum += col[(long)j * inner + i];
                            py[oy + c0 + i] = Finish(op, sum, n);
                        }
                }
        });

        static float Finish(ReduceOp op, double sum, int n) => op == ReduceOp.Mean ? (float)sum / n : (float)sum;
    }
}
