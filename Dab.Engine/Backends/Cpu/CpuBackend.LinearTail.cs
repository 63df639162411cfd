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
        int n = x.Numel;
        Par.For((n + Chunk - 1) / Chunk, Chunk * 8, (X: A<float>(x), Y: A<float>(y), N: n), static (in (float[] X, float[] Y, int N) s, int c0, int c1) =>
        {
            int start = c0 * Chunk, end = Math.Min(s.N, c1 * Chunk);
            fixed (float* px = s.X) fixed (float* py = s.Y)
                FastMath.BiasTanhRows(px + start, null, py + start, 0, 1, end - start);
        });
        return true;
    }

    /// <summary>dx = g (1 - y^2) on the 512-bit float32 path; false where it does not apply.</summary>
    private static unsafe bool TryFastTanhBackward(Tensor g, Tensor y, Tensor dx)
    {
        if (g.DType != DType.Float32 || !FastMath.Enabled) return false;
        int n = g.Numel;
        Par.For((n + Chunk - 1) / Chunk, Chunk * 2, (G: A<float>(g), Y: A<float>(y), D: A<float>(dx), N: n),
            static (in (float[] G, float[] Y, float[] D, int N) s, int c0, int c1) =>
            {
                fixed (float* pg = s.G) fixed (float* py = s.Y) fixed (float* pd = s.D)
                    FastMath.Backward(pg, py, pd, c0 * Chunk, Math.Min(s.N, c1 * Chunk));
            });
        return true;
    }

    /// <summary>y = tanh(y + bias) in place over rows of y (rows x cols), bias of length cols or null: the tail of a fused Linear+Tanh.</summary>
    public unsafe void BiasTanh(Tensor y, Tensor? bias, int rows, int cols)
    {
        if (y.DType == DType.Float32 && FastMath.Enabled)
            Par.For(rows, (long)cols * 8, (Y: A<float>(y), B: bias == null ? null : A<float>(bias), Cols: cols),
                static (in (float[] Y, float[]? B, int Cols) s, int r0, int r1) =>
                {
                    fixed (float* py = s.Y) fixed (float* pb = s.B)
                        FastMath.BiasTanhRows(py, pb, py, r0, r1, s.Cols);
                });
        else if (y.DType == DType.Float32) BiasTanh<float>(A<float>(y), bias == null ? null : A<float>(bias), rows, cols);
        else BiasTanh<double>(A<double>(y), bias == null ? null : A<double>(bias), rows, cols);
    }

    /// <summary>y += bias over the rows of y (rows x cols), in place: the tail of a plain Linear.</summary>
    public void AddBias(Tensor y, Tensor bias, int rows, int cols)
    {
        if (y.DType == DType.Float32) AddBias(A<float>(y), A<float>(bias), rows, cols);
        else AddBias(A<double>(y), A<double>(bias), rows, cols);
    }

    private static unsafe void AddBias<T>(T[] y, T[] bias, int rows, int cols) where T : unmanaged, INumber<T> =>
        Par.For(rows, cols, (Y: y, B: bias, Cols: cols), static (in (T[] Y, T[] B, int Cols) s, int r0, int r1) =>
        {
            int n = s.Cols;
            fixed (T* py = s.Y) fixed (T* pb = s.B)
                for (int r = r0; r < r1; r++)
                {
                    T* row = py + (long)r * n;
                    int j = 0;
                    if (Vector512.IsHardwareAccelerated)
                        for (; j <= n - Vector512<T>.Count; j += Vector512<T>.Count) (Vector512.Load(row + j) + Vector512.Load(pb + j)).Store(row + j);
                    if (Vector256.IsHardwareAccelerated)
                        for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count) (Vector256.Load(row + j) + Vector256.Load(pb + j)).Store(row + j);
                    for (; j < n; j++) row[j] += pb[j];
                }
        });

    private static void BiasTanh<T>(T[] y, T[]? b, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T> =>
        Par.For(rows, (long)cols * 8, (Y: y, B: b, Cols: cols), static (in (T[] Y, T[]? B, int Cols) s, int r0, int r1) =>
        {
            var (y, b, cols) = s;
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
