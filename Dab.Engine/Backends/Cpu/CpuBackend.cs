using System.Numerics;
using System.Runtime.InteropServices;
using Dab.Random;

namespace Dab.Backends.Cpu;

/// <summary>The reference backend: plain managed code with SIMD and both cores on large ops.</summary>
public sealed partial class CpuBackend : IBackend
{
    public static readonly CpuBackend Instance = new();
    private CpuBackend() { }

    public DeviceKind Kind => DeviceKind.Cpu;
    public string Name => "cpu";

    public Storage Allocate(DType dtype, int length, Device device, bool clear) => new CpuStorage(dtype, length, clear);

    public void CopyFromHost<T>(Tensor dst, ReadOnlySpan<T> src) where T : unmanaged => src.CopyTo(dst.Span<T>());
    public void CopyToHost<T>(Tensor src, Span<T> dst) where T : unmanaged => src.Span<T>().CopyTo(dst);

    public void Copy(Tensor src, Tensor dst) => Bytes(src).CopyTo(Bytes(dst));

    private static Span<byte> Bytes(Tensor t) => t.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(t.Span<float>()),
        DType.Float64 => MemoryMarshal.AsBytes(t.Span<double>()),
        DType.Int32 => MemoryMarshal.AsBytes(t.Span<int>()),
        _ => MemoryMarshal.AsBytes(t.Span<long>()),
    };

    public void Cast(Tensor src, Tensor dst)
    {
        switch (src.DType)
        {
            case DType.Float32: CastFrom<float>(src, dst); break;
            case DType.Float64: CastFrom<double>(src, dst); break;
            case DType.Int32: CastFrom<int>(src, dst); break;
            default: CastFrom<long>(src, dst); break;
        }
    }

    private static void CastFrom<TS>(Tensor src, Tensor dst) where TS : unmanaged, INumber<TS>
    {
        var s = src.Span<TS>();
        switch (dst.DType)
        {
            case DType.Float32: CastTo<TS, float>(s, dst.Span<float>()); break;
            case DType.Float64: CastTo<TS, double>(s, dst.Span<double>()); break;
            case DType.Int32: CastTo<TS, int>(s, dst.Span<int>()); break;
            default: CastTo<TS, long>(s, dst.Span<long>()); break;
        }
    }

    /// <summary>Float to integer truncates toward zero and saturates (NaN becomes 0).</summary>
    private static void CastTo<TS, TD>(ReadOnlySpan<TS> s, Span<TD> d) where TS : unmanaged, INumber<TS> where TD : unmanaged, INumber<TD>
    {
        for (int i = 0; i < s.Length; i++) d[i] = TD.CreateSaturating(s[i]);
    }

    public void Fill(Tensor dst, double value)
    {
        switch (dst.DType)
        {
            case DType.Float32: dst.Span<float>().Fill((float)value); break;
            case DType.Float64: dst.Span<double>().Fill(value); break;
            case DType.Int32: dst.Span<int>().Fill(checked((int)value)); break;
            default: dst.Span<long>().Fill(checked((long)value)); break;
        }
    }

    public void Random(Tensor dst, int kind, ulong seed, ulong offset)
    {
        if (dst.DType == DType.Float32) Philox.Fill(dst.Span<float>(), kind, seed, offset);
        else if (dst.DType == DType.Float64) Philox.Fill(dst.Span<double>(), kind, seed, offset);
        else throw new ArgumentException($"random fill needs a floating-point tensor, got {dst.DType.Name()}");
    }

    public void AdamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2,
        double eps, double weightDecay, long step, bool decoupled)
    {
        if (param.DType == DType.Float32) Adam<float>(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step, decoupled);
        else Adam<double>(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step, decoupled);
    }

    /// <summary>PyTorch's Adam (L2 added to the gradient) or AdamW (decoupled decay), bias-corrected.</summary>
    private static void Adam<T>(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2,
        double eps, double wd, long step, bool decoupled) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = A<T>(param); var g = A<T>(grad); var ms = A<T>(m); var vs = A<T>(v);
        int n = param.Numel;
        var sc = Optim.AdamScalars.At(step, lr, beta1, beta2, wd, decoupled);
        T b1 = T.CreateChecked(beta1), b2 = T.CreateChecked(beta2), ob1 = T.One - b1, ob2 = T.One - b2;
        T stepSize = T.CreateChecked(sc.StepSize), invSqrtBc2 = T.CreateChecked(sc.InvSqrtBc2), e = T.CreateChecked(eps);
        T l2 = T.CreateChecked(sc.L2), shrink = T.CreateChecked(sc.Shrink);
        Par.For((n + Chunk - 1) / Chunk, Chunk * 8, (Arrays: (p, g, ms, vs, n), K: (b1, b2, ob1, ob2, stepSize, invSqrtBc2, e, l2, shrink)),
            static (in ((T[], T[], T[], T[], int) Arrays, (T, T, T, T, T, T, T, T, T) K) s, int c0, int c1) =>
        {
            var (p, g, ms, vs, n) = s.Arrays;
            var (b1, b2, ob1, ob2, stepSize, invSqrtBc2, e, l2, shrink) = s.K;
            int i = c0 * Chunk, end = Math.Min(n, c1 * Chunk), w = Vector<T>.Count;
            var vb1 = new Vector<T>(b1); var vb2 = new Vector<T>(b2); var vob1 = new Vector<T>(ob1); var vob2 = new Vector<T>(ob2);
            var vss = new Vector<T>(stepSize); var vinv = new Vector<T>(invSqrtBc2); var ve = new Vector<T>(e);
            var vl2 = new Vector<T>(l2); var vsh = new Vector<T>(shrink);
            for (; i <= end - w; i += w)
            {
                var pp = new Vector<T>(p, i);
                var gg = new Vector<T>(g, i) + vl2 * pp;
                var mm = vb1 * new Vector<T>(ms, i) + vob1 * gg;
                var vv = vb2 * new Vector<T>(vs, i) + vob2 * gg * gg;
                mm.CopyTo(ms, i); vv.CopyTo(vs, i);
                (pp * vsh - vss * mm / (Vector.SquareRoot(vv) * vinv + ve)).CopyTo(p, i);
            }
            for (; i < end; i++)
            {
                var gg = g[i] + l2 * p[i];
                ms[i] = b1 * ms[i] + ob1 * gg;
                vs[i] = b2 * vs[i] + ob2 * gg * gg;
                p[i] = p[i] * shrink - stepSize * ms[i] / (T.Sqrt(vs[i]) * invSqrtBc2 + e);
            }
        });
    }
}
