using System.Runtime.Intrinsics;

namespace Dab.Backends.Cpu;

/// <summary>The fused squared-distance loss (<see cref="Tensor.SquaredDistanceLoss"/>) on the CPU.</summary>
public sealed partial class CpuBackend
{
    /// <summary>
    /// loss = scale * sum((a - b)^2) in one pass. Each 8192-element chunk sums in double, and the chunks
    /// are added in order, so the value does not depend on the thread count.
    /// </summary>
    public void SquaredDistance(Tensor a, Tensor b, double scale, Tensor loss)
    {
        double value = SquaredDistanceSum(a, b) * scale;
        if (loss.DType == DType.Float32) A<float>(loss)[0] = (float)value;
        else A<double>(loss)[0] = value;
    }

    private static unsafe double SquaredDistanceSum(Tensor a, Tensor b)
    {
        int n = a.Numel, chunks = (n + Chunk - 1) / Chunk;
        var partial = new double[chunks];
        if (a.DType == DType.Float32)
        {
            var xa = A<float>(a); var xb = A<float>(b);
            Par.For(chunks, Chunk * 2, (xa, xb, partial, n), static (in (float[] A, float[] B, double[] Partial, int N) s, int c0, int c1) =>
            {
                var (xa, xb, partial, n) = s;
                fixed (float* pa = xa) fixed (float* pb = xb)
                    for (int c = c0; c < c1; c++) partial[c] = SumSquaredDifference(pa, pb, c * Chunk, Math.Min(n, (c + 1) * Chunk));
            });
        }
        else
        {
            var xa = A<double>(a); var xb = A<double>(b);
            Par.For(chunks, Chunk * 2, (xa, xb, partial, n), static (in (double[] A, double[] B, double[] Partial, int N) st, int c0, int c1) =>
            {
                var (xa, xb, partial, n) = st;
                for (int c = c0; c < c1; c++)
                {
                    double s = 0;
                    for (int i = c * Chunk, end = Math.Min(n, (c + 1) * Chunk); i < end; i++) { double d = xa[i] - xb[i]; s += d * d; }
                    partial[c] = s;
                }
            });
        }
        double total = 0;
        foreach (var p in partial) total += p;
        return total;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe double SumSquaredDifference(float* a, float* b, int start, int end)
    {
        int i = start;
        double s = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // float differences, squared and summed in double lanes (8 at a time)
            var acc = Vector512<double>.Zero;
            for (; i <= end - 8; i += 8)
            {
                var d = Vector256.Load(a + i) - Vector256.Load(b + i);
                var (lo, hi) = Vector256.Widen(d);
                var dd = Vector512.Create(lo, hi);
                acc = Vector512.FusedMultiplyAdd(dd, dd, acc);
            }
            s = Vector512.Sum(acc);
        }
        for (; i < end; i++) { double d = a[i] - b[i]; s += d * d; }
        return s;
    }

    /// <summary>da = 2 scale g (a - b) and db = -da (each only where given), in one pass; g is read on the host.</summary>
    public unsafe void SquaredDistanceBackward(Tensor g, Tensor a, Tensor b, double scale, Tensor? da, Tensor? db)
    {
        if (da == null && db == null) return;
        double k = 2 * scale * g.Item();
        int n = a.Numel;
        if (a.DType == DType.Float32)
        {
            float kf = (float)k;
            var xa = A<float>(a); var xb = A<float>(b);
            float[]? oa = da == null ? null : A<float>(da), ob = db == null ? null : A<float>(db);
            Par.For((n + Chunk - 1) / Chunk, Chunk * 3, (kf, xa, xb, oa, ob, n), static (in (float Kf, float[] A, float[] B, float[]? Oa, float[]? Ob, int N) s, int c0, int c1) =>
            {
                var (kf, xa, xb, oa, ob, n) = s;
                int i = c0 * Chunk, end = Math.Min(n, c1 * Chunk);
                fixed (float* pa = xa) fixed (float* pb = xb) fixed (float* qa = oa) fixed (float* qb = ob)
                {
                    if (Vector512.IsHardwareAccelerated)
                        for (var vk = Vector512.Create(kf); i <= end - 16; i += 16)
                        {
                            var d = (Vector512.Load(pa + i) - Vector512.Load(pb + i)) * vk;
                            if (qa != null) d.Store(qa + i);
                            if (qb != null) (-d).Store(qb + i);
                        }
                    for (; i < end; i++)
                    {
                        float d = (pa[i] - pb[i]) * kf;
                        if (qa != null) qa[i] = d;
                        if (qb != null) qb[i] = -d;
                    }
                }
            });
        }
        else
        {
            var xa = A<double>(a); var xb = A<double>(b);
            double[]? oa = da == null ? null : A<double>(da), ob = db == null ? null : A<double>(db);
            for (int i = 0; i < n; i++)
            {
                double d = (xa[i] - xb[i]) * k;
                if (oa != null) oa[i] = d;
                if (ob != null) ob[i] = -d;
            }
        }
    }
}
