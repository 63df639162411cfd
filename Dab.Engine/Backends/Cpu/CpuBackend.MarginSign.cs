using System.Numerics;
using System.Runtime.Intrinsics;

namespace Dab.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>y = (x &gt; m) - (x &lt; -m) in one pass (<see cref="Tensor.MarginSign"/>).</summary>
    public void MarginSign(Tensor x, double margin, Tensor y)
    {
        if (x.DType == DType.Float32) MarginSign(A<float>(x), (float)margin, A<float>(y), x.Numel);
        else MarginSign(A<double>(x), margin, A<double>(y), x.Numel);
    }

    private static unsafe void MarginSign<T>(T[] x, T m, T[] y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Par.For((n + Chunk - 1) / Chunk, Chunk, (x, m, y, n), static (in (T[] X, T M, T[] Y, int N) s, int c0, int c1) =>
        {
            var (x, m, y, n) = s;
            int i = c0 * Chunk, end = Math.Min(n, c1 * Chunk);
            fixed (T* px = x) fixed (T* py = y)
            {
                if (Vector512.IsHardwareAccelerated)
                {
                    Vector512<T> hi = Vector512.Create(m), lo = -hi, one = Vector512<T>.One;
                    for (; i <= end - Vector512<T>.Count; i += Vector512<T>.Count)
                    {
                        var v = Vector512.Load(px + i);
                        (Vector512.ConditionalSelect(Vector512.GreaterThan(v, hi), one, Vector512<T>.Zero)
                            - Vector512.ConditionalSelect(Vector512.LessThan(v, lo), one, Vector512<T>.Zero)).Store(py + i);
                    }
                }
                for (; i < end; i++) py[i] = (px[i] > m ? T.One : T.Zero) - (px[i] < -m ? T.One : T.Zero);
            }
        });
    }
}
