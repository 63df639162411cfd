using Dab.Kernels.Interop;
using Dab.Backends;

namespace Dab.Kernels.Gpu;

/// <summary>
/// The CUDA backend: every engine kernel as a launch of kernels.cu, on a real GPU or on the emulated
/// device. Launches go to one stream in order; <see cref="SyncAfterLaunch"/> (or DAB_CUDA_SYNC=1)
/// waits after each so an error points at its kernel.
/// </summary>
public sealed partial class GpuBackend : IBackend
{
    private const int Threads = 256;
    private readonly ulong _flag; // a device int the index-checking kernels report bad positions in

    public GpuBackend(IGpuRuntime runtime)
    {
        Runtime = runtime;
        Allocator = new CachingAllocator(runtime);
        _flag = runtime.Alloc(8);
        SyncAfterLaunch = Environment.GetEnvironmentVariable("DAB_CUDA_SYNC") == "1";
    }

    public IGpuRuntime Runtime { get; }
    public CachingAllocator Allocator { get; }
    public DeviceKind Kind => Runtime.Device.Kind;
    public string Name => Runtime.Device.ToString();
    public bool SyncAfterLaunch { get; set; }

    public Storage Allocate(DType dtype, int length, Device device, bool clear)
    {
        var s = new GpuStorage(Allocator, dtype, length, device, $"a {dtype.Name()} tensor of {length} elements");
        if (clear && length > 0) Runtime.Memset(s.Pointer, 0, s.Bytes);
        return s;
    }

    internal static ulong P(Tensor t) => ((GpuStorage)t.Storage).Pointer;
    private static string Suffix(Tensor t) => t.DType == DType.Float32 ? "f32" : "f64";
    private static bool F32(Tensor t) => t.DType == DType.Float32;

    private void Launch(KernelArgs args, string kernel, Dim3 grid, Dim3 block, string context, int shared = 0)
    {
        Runtime.Launch(kernel, grid, block, shared, args, context);
        if (SyncAfterLaunch) Runtime.Synchronize();
    }

    /// <summary>A grid-stride launch over n items: enough blocks to fill the device, capped.</summary>
    private static Dim3 GridFor(long n) => new((uint)Math.Clamp((n + Threads - 1) / Threads, 1, 4096));

    private static string Describe(string op, params Tensor[] ts) => op + " on " + string.Join(", ", ts.Select(t => $"{t.DType.Name()} {ShapeUtil.Format(t.Shape)}"));

    public unsafe void CopyFromHost<T>(Tensor dst, ReadOnlySpan<T> src) where T : unmanaged
    {
        if (src.Length == 0) return;
        RefuseWhileCapturing("copy from the host");
        fixed (T* p = src) Runtime.CopyHtoD(P(dst), p, (long)src.Length * sizeof(T));
    }

    public unsafe void CopyToHost<T>(Tensor src, Span<T> dst) where T : unmanaged
    {
        if (dst.Length == 0) return;
        RefuseWhileCapturing("read a tensor back to the host");
        Runtime.Synchronize();
        fixed (T* p = dst) Runtime.CopyDtoH(p, P(src), (long)dst.Length * sizeof(T));
    }

    public void Copy(Tensor src, Tensor dst)
    {
        if (src.Numel > 0) Runtime.CopyDtoD(P(dst), P(src), (long)src.Numel * src.DType.ElementSize());
    }

    public void Cast(Tensor src, Tensor dst)
    {
        if (src.Numel == 0) return;
        static string Code(DType d) => d switch { DType.Float32 => "f32", DType.Float64 => "f64", DType.Int32 => "i32", _ => "i64" };
        var a = KernelArgs.Begin().Ptr(P(src)).Ptr(P(dst)).Add(src.Numel);
        Launch(a, $"cast_{Code(src.DType)}_{Code(dst.DType)}", GridFor(src.Numel), new(Threads), Describe("cast", src));
    }

    public void Fill(Tensor dst, double value)
    {
        if (dst.Numel == 0) return;
        var a = KernelArgs.Begin().Ptr(P(dst));
        bool wide = dst.DType.ElementSize() == 8;
        switch (dst.DType)
        {
            case DType.Float32: a.Add(BitConverter.SingleToUInt32Bits((float)value)); break;
            case DType.Float64: a.Add(BitConverter.DoubleToUInt64Bits(value)); break;
            case DType.Int32: a.Add(unchecked((uint)checked((int)value))); break;
            default: a.Add(unchecked((ulong)checked((long)value))); break;
        }
        a.Add(dst.Numel);
        Launch(a, wide ? "fill_b64" : "fill_b32", GridFor(dst.Numel), new(Threads), Describe("fill", dst));
    }

    public void Unary(UnaryOp op, Tensor x, Tensor y, double alpha)
    {
        if (x.Numel == 0) return;
        var a = KernelArgs.Begin().Add((int)op).Ptr(P(x)).Ptr(P(y)).Add(x.Numel);
        if (F32(x)) a.Add((float)alpha); else a.Add(alpha);
        Launch(a, "unary_" + Suffix(x), GridFor(F32(x) ? (x.Numel + 3) / 4 : x.Numel), new(Threads), Describe(op.ToString(), x));
    }

    public void UnaryBackward(UnaryOp op, Tensor g, Tensor x, Tensor y, Tensor dx, double alpha)
    {
        if (g.Numel == 0) return;
        var a = KernelArgs.Begin().Add((int)op).Ptr(P(g)).Ptr(P(x)).Ptr(P(y)).Ptr(P(dx)).Add(g.Numel);
        if (F32(g)) a.Add((float)alpha); else a.Add(alpha);
        Launch(a, "unary_grad_" + Suffix(g), GridFor(g.Numel), new(Threads), Describe(op + " backward", g));
    }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        if (y.Numel == 0) return;
        var shape = y.Shape;
        int same = ShapeUtil.SameShape(a.Shape, shape) && ShapeUtil.SameShape(b.Shape, shape) ? 1 : 0;
        var args = KernelArgs.Begin().Add((int)op).Ptr(P(a)).Ptr(P(b)).Ptr(P(y)).Add(y.Numel).Add(shape.Length)
            .Add(Dims8.From(shape)).Add(Dims8.From(ShapeUtil.BroadcastStrides(a.Shape, shape))).Add(Dims8.From(ShapeUtil.BroadcastStrides(b.Shape, shape))).Add(same);
        Launch(args, "binary_" + Suffix(y), GridFor(y.Numel), new(Threads), Describe(op.ToString(), a, b));
    }

    public void Scalar(ScalarOp op, Tensor x, double s, Tensor y)
    {
        if (x.Numel == 0) return;
        var (bop, reversed) = op switch
        {
            ScalarOp.Add => (BinaryOp.Add, 0), ScalarOp.Mul => (BinaryOp.Mul, 0), ScalarOp.Pow => (BinaryOp.Pow, 0),
            ScalarOp.RSub => (BinaryOp.Sub, 1), ScalarOp.RDiv => (BinaryOp.Div, 1), ScalarOp.Max => (BinaryOp.Max, 0),
            ScalarOp.Min => (BinaryOp.Min, 0), ScalarOp.Ge => (BinaryOp.Ge, 0), ScalarOp.Gt => (BinaryOp.Gt, 0),
            ScalarOp.Le => (BinaryOp.Le, 0), ScalarOp.Lt => (BinaryOp.Lt, 0), _ => (BinaryOp.Eq, 0),
        };
        var a = KernelArgs.Begin().Add((int)bop).Ptr(P(x));
        if (F32(x)) a.Add((float)s); else a.Add(s);
        a.Ptr(P(y)).Add(x.Numel).Add(reversed);
        Launch(a, "scalar_" + Suffix(x), GridFor(x.Numel), new(Threads), Describe(op + " scalar", x));
    }

    public void Clamp(Tensor x, double lo, double hi, Tensor y)
    {
        if (x.Numel == 0) return;
        var a = KernelArgs.Begin().Ptr(P(x));
        if (F32(x)) a.Add((float)lo).Add((float)hi); else a.Add(lo).Add(hi);
        a.Ptr(P(y)).Add(x.Numel);
        Launch(a, "clamp_" + Suffix(x), GridFor(x.Numel), new(Threads), Describe("clamp", x));
    }

    public void ClampBackward(Tensor g, Tensor x, double lo, double hi, Tensor dx)
    {
        if (x.Numel == 0) return;
        var a = KernelArgs.Begin().Ptr(P(g)).Ptr(P(x));
        if (F32(x)) a.Add((float)lo).Add((float)hi); else a.Add(lo).Add(hi);
        a.Ptr(P(dx)).Add(x.Numel);
        Launch(a, "clamp_grad_" + Suffix(x), GridFor(x.Numel), new(Threads), Describe("clamp backward", x));
    }

    public void Axpy(double alpha, Tensor x, Tensor y)
    {
        if (x.Numel == 0) return;
        var a = KernelArgs.Begin();
        if (F32(x)) a.Add((float)alpha); else a.Add(alpha);
        a.Ptr(P(x)).Ptr(P(y)).Add(x.Numel);
        Launch(a, "axpy_" + Suffix(x), GridFor(x.Numel), new(Threads), Describe("axpy", x));
    }

    public void Random(Tensor dst, int kind, ulong seed, ulong offset)
    {
        if (!dst.DType.IsFloating()) throw new ArgumentException($"random fill needs a floating-point tensor, got {dst.DType.Name()}");
        if (dst.Numel == 0) return;
        var a = KernelArgs.Begin().Ptr(P(dst)).Add(dst.Numel).Add(kind).Add(seed).Add(offset);
        Launch(a, "philox_" + Suffix(dst), GridFor((dst.Numel + 3) / 4), new(Threads), Describe("random", dst));
    }

    public void AdamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2,
        double eps, double weightDecay, long step, bool decoupled)
    {
        if (param.Numel == 0) return;
        var sc = Optim.AdamScalars.At(step, lr, beta1, beta2, weightDecay, decoupled);
        var a = KernelArgs.Begin().Ptr(P(param)).Ptr(P(grad)).Ptr(P(m)).Ptr(P(v)).Add(param.Numel);
        foreach (var c in new[] { beta1, beta2, sc.StepSize, sc.InvSqrtBc2, eps, sc.L2, sc.Shrink })
            if (F32(param)) a.Add((float)c); else a.Add(c);
        Launch(a, "adam_" + Suffix(param), GridFor(param.Numel), new(Threads), Describe("adam", param));
    }

    /// <summary>
    /// The fused Adam update with its per-step scalars (step size, 1/sqrt(bias correction 2), decay factor) read from
    /// <paramref name="scalars"/> (float64, row <paramref name="slot"/> of an (n, 3) tensor): a captured graph replays it
    /// while the host rewrites the scalars before each replay.
    /// </summary>
    public void AdamUpdateDeviceScalars(Tensor param, Tensor grad, Tensor m, Tensor v, double beta1, double beta2, double eps, double l2,
        Tensor scalars, int slot)
    {
        if (scalars.DType != DType.Float64 || scalars.Rank != 2 || scalars.Shape[1] != 3 || slot < 0 || slot >= scalars.Shape[0])
            throw new ArgumentException($"adam: scalars must be float64 (n, 3) with a row for slot {slot}, got {scalars.DType} {ShapeUtil.Format(scalars.Shape)}", nameof(scalars));
        if (param.Numel == 0) return;
        var a = KernelArgs.Begin().Ptr(P(param)).Ptr(P(grad)).Ptr(P(m)).Ptr(P(v)).Add(param.Numel);
        foreach (var c in new[] { beta1, beta2, eps, l2 })
            if (F32(param)) a.Add((float)c); else a.Add(c);
        a.Ptr(P(scalars)).Add(slot);
        Launch(a, "adam_dev_" + Suffix(param), GridFor(param.Numel), new(Threads), Describe("adam (device scalars)", param));
    }
}
