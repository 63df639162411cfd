using System.Numerics;
using System.Runtime.Intrinsics;

namespace Dab.Backends.Cpu;

/// <summary>
/// The elementwise tails of a Linear on the CPU: bias, bias + tanh, and tanh forward and backward
/// (float32 on 512-bit vectors where the processor has them).
/// </summary>
public sealed partial class CpuBackend
{
    /// <summary>y = tanh(x) on the 512-bit float32 path; false (nothing done) where it does not apply.</summary>
    private static unsafe bool TryFastTanh(Tensor x, Tensor y)
    {
        if (x.DType != DType.Float32 || !FastMath.Enabled) return false;
        var xs = A<float>(x); var ys = A<float>(y); int n = x.Numel;
        Par.For((n + Chunk - 1) / Chunk, Chunk * 8, (c0, c1) =>
        {
            int start = c0 * Chunk, end = Math.Min(n, c1 * Chunk);
            fixed (float* px = xs) fixed (float* py = ys)
                FastMath.BiasTanhRows(px + start, null, py + start, 0, 1, end - start);
        });
        return true;
    }

    /// <summary>dx = g (1 - y^2) on the 512-bit float32 path; false where it does not apply.</summary>
    private static unsafe bool TryFastTanhBackward(Tensor g, Tensor y, Tensor dx)
    {
        if (g.DType != DType.Float32 || !FastMath.Enabled) return false;
        var gs = A<float>(g); var ys = A<float>(y); var ds = A<float>(dx); int n = g.Numel;
        Par.For((n + Chunk - 1) / Chunk, Chunk * 2, (c0, c1) =>
        {
            fixed (float* pg = gs) fixed (float* py = ys) fixed (float* pd = ds)
                FastMath.Backward(pg, py, pd, c0 * Chunk, Math.Min(n, c1 * Chunk));
        });
        return true;
    }

    /// <summary>y = tanh(y + bias) in place over rows of y (rows x cols), bias of length cols or null: the tail of a fused Linear+Tanh.</summary>
    internal static unsafe void BiasTanh(Tensor y, Tensor? bias, int rows, int cols)
    {
        if (y.DType == DType.Float32 && FastMath.Enabled)
        {
            var ys = A<float>(y); var bs = bias == null ? null : A<float>(bias);
            Par.For(rows, (long)cols * 8, (r0, r1) =>
            {
                fixed (float* py = ys) fixed (float* pb = bs)
                    FastMath.BiasTanhRows(py, pb, py, r0, r1, cols);
            });
        }
        else if (y.DType == DType.Float32) BiasTanh<float>(A<float>(y), bias == null ? null : A<float>(bias), rows, cols);
        else BiasTanh<double>(A<double>(y), bias == null ? null : A<double>(bias), rows, cols);
    }

    /// <summary>y += bias over the rows of y (rows x cols), in place: the tail of a plain Linear.</summary>
    internal static unsafe void AddBias(Tensor y, Tensor bias, int rows, int cols)
    {
        if (y.DType == DType.Float32)
        {
            var ys = A<float>(y); var bs = A<float>(bias);
            Par.For(rows, cols, (r0, r1) =>
            {
                fixed (float* py = ys) fixed (float* pb = bs)
                    for (int r = r0; r < r1; r++) AddRow(py + (long)r * cols, pb, cols);
            });
        }
        else
        {
            var ys = A<double>(y); var bs = A<double>(bias);
            Par.For(rows, cols, (r0, r1) =>
            {
                fixed (double* py = ys) fixed (double* pb = bs)
                    for (int r = r0; r < r1; r++) AddRow(py + (long)r * cols, pb, cols);
            });
        }
    }

    private static unsafe void AddRow<T>(T* y, T* b, int n) where T : unmanaged, INumber<T>
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; j <= n - Vector512<T>.Count; j += Vector512<T>.Count) (Vector512.Load(y + j) + Vector512.Load(b + j)).Store(y + j);
        if (Vector256.IsHardwareAccelerated)
            for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count) (Vector256.Load(y + j) + Vector256.Load(b + j)).Store(y + j);
        for (; j < n; j++) y[j] += b[j];
    }

    private static void BiasTanh<T>(T[] y, T[]? b, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Par.For(rows, (long)cols * 8, (r0, r1) =>
        {
            var op = new Ops<T>.Tanh();
            int w = Vector<T>.Count;
            for (int r = r0; r < r1; r++)
            {
                int o = r * cols, j = 0;
                if (b != null)
                {
                    for (; j <= cols - w; j += w) op.Apply(new Vector<T>(y, o + j) + new Vector<T>(b, j)).CopyTo(y, o + j);
                    for (; j < cols; j++) y[o + j] = op.Apply(y[o + j] + b[j]);
                }
                else
                {
                    for (; j <= cols - w; j += w) op.Apply(new Vector<T>(y, o + j)).CopyTo(y, o + j);
                    for (; j < cols; j++) y[o + j] = op.Apply(y[o + j]);
                }
            }
        });
    }
}
