using System.Numerics;
using System.Runtime.InteropServices;

namespace Dab.Backends.Cpu;

public sealed partial class CpuBackend
{
    private const int Chunk = 8192;

    public void Unary(UnaryOp op, Tensor x, Tensor y, double alpha)
    {
        if (x.DType == DType.Float32) Unary<float>(op, x, y, (float)alpha);
        else Unary<double>(op, x, y, alpha);
    }

    private static void Unary<T>(UnaryOp op, Tensor x, Tensor y, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (op == UnaryOp.Tanh && TryFastTanh(x, y)) return;
        var xs = A<T>(x); var ys = A<T>(y); int n = x.Numel;
        switch (op)
        {
            case UnaryOp.Neg: Map(new Ops<T>.Neg(), xs, ys, n); break;
            case UnaryOp.Exp: Map(new Ops<T>.Exp(), xs, ys, n); break;
            case UnaryOp.Log: Map(new Ops<T>.Log(), xs, ys, n); break;
            case UnaryOp.Sqrt: Map(new Ops<T>.Sqrt(), xs, ys, n); break;
            case UnaryOp.Abs: Map(new Ops<T>.Abs(), xs, ys, n); break;
            case UnaryOp.Tanh: Map(new Ops<T>.Tanh(), xs, ys, n); break;
            case UnaryOp.Sigmoid: Map(new Ops<T>.Sigmoid(), xs, ys, n); break;
            case UnaryOp.Relu: Map(new Ops<T>.Relu(), xs, ys, n); break;
            case UnaryOp.Elu: Map(new Ops<T>.Elu(alpha), xs, ys, n); break;
            case UnaryOp.Softplus: Map(new Ops<T>.Softplus(), xs, ys, n); break;
            case UnaryOp.Sign: Map(new Ops<T>.Sign(), xs, ys, n); break;
            case UnaryOp.Square: Map(new Ops<T>.Square(), xs, ys, n); break;
            case UnaryOp.Reciprocal: Map(new Ops<T>.Reciprocal(), xs, ys, n); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, null);
        }
    }

    private static void Map<T, TOp>(TOp op, T[] x, T[] y, int n) where T : unmanaged where TOp : struct, IUnary<T>
    {
        Par.For((n + Chunk - 1) / Chunk, Chunk * 4, (c0, c1) =>
        {
            int start = c0 * Chunk, end = Math.Min(n, c1 * Chunk), i = start, w = Vector<T>.Count;
            for (; i <= end - w; i += w) op.Apply(new Vector<T>(x, i)).CopyTo(y, i);
            for (; i < end; i++) y[i] = op.Apply(x[i]);
        });
    }

    public void UnaryBackward(UnaryOp op, Tensor g, Tensor x, Tensor y, Tensor dx, double alpha)
    {
        if (g.DType == DType.Float32) UnaryBackward<float>(op, g, x, y, dx, (float)alpha);
        else UnaryBackward<double>(op, g, x, y, dx, alpha);
    }

    private static void UnaryBackward<T>(UnaryOp op, Tensor g, Tensor x, Tensor y, Tensor dx, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (op == UnaryOp.Tanh && TryFastTanhBackward(g, y, dx)) return;
        var gs = A<T>(g); var xs = A<T>(x); var ys = A<T>(y); var ds = A<T>(dx); int n = g.Numel;
        switch (op)
        {
            case UnaryOp.Neg: MapGrad(new Ops<T>.NegGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Exp: MapGrad(new Ops<T>.ExpGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Log: MapGrad(new Ops<T>.LogGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Sqrt: MapGrad(new Ops<T>.SqrtGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Abs: MapGrad(new Ops<T>.AbsGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Tanh: MapGrad(new Ops<T>.TanhGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Sigmoid: MapGrad(new Ops<T>.SigmoidGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Relu: MapGrad(new Ops<T>.ReluGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Elu: MapGrad(new Ops<T>.EluGrad(alpha), gs, xs, ys, ds, n); break;
            case UnaryOp.Softplus: MapGrad(new Ops<T>.SoftplusGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Sign: MapGrad(new Ops<T>.ZeroGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Square: MapGrad(new Ops<T>.SquareGrad(), gs, xs, ys, ds, n); break;
            case UnaryOp.Reciprocal: MapGrad(new Ops<T>.ReciprocalGrad(), gs, xs, ys, ds, n); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, null);
        }
    }

    private static void MapGrad<T, TOp>(TOp op, T[] g, T[] x, T[] y, T[] dx, int n) where T : unmanaged where TOp : struct, IUnaryGrad<T>
    {
        Par.For((n + Chunk - 1) / Chunk, Chunk * 4, (c0, c1) =>
        {
            int start = c0 * Chunk, end = Math.Min(n, c1 * Chunk), i = start, w = Vector<T>.Count;
            for (; i <= end - w; i += w) op.Apply(new Vector<T>(g, i), new Vector<T>(x, i), new Vector<T>(y, i)).CopyTo(dx, i);
            for (; i < end; i++) dx[i] = op.Apply(g[i], x[i], y[i]);
        });
    }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        if (a.DType == DType.Float32) Binary<float>(op, a, b, y);
        else Binary<double>(op, a, b, y);
    }

    private static void Binary<T>(BinaryOp op, Tensor a, Tensor b, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var plan = BroadcastPlan.Make(a.Shape, b.Shape, y.Shape);
        var (xa, xb, xy) = (A<T>(a), A<T>(b), A<T>(y));
        switch (op)
        {
            case BinaryOp.Add: Zip(new Ops<T>.Add(), plan, xa, xb, xy); break;
            case BinaryOp.Sub: Zip(new Ops<T>.Sub(), plan, xa, xb, xy); break;
            case BinaryOp.Mul: Zip(new Ops<T>.Mul(), plan, xa, xb, xy); break;
            case BinaryOp.Div: Zip(new Ops<T>.Div(), plan, xa, xb, xy); break;
            case BinaryOp.Pow: Zip(new Ops<T>.Pow(), plan, xa, xb, xy); break;
            case BinaryOp.Max: Zip(new Ops<T>.Max(), plan, xa, xb, xy); break;
            case BinaryOp.Min: Zip(new Ops<T>.Min(), plan, xa, xb, xy); break;
            case BinaryOp.Ge: Zip(new Ops<T>.Ge(), plan, xa, xb, xy); break;
            case BinaryOp.Gt: Zip(new Ops<T>.Gt(), plan, xa, xb, xy); break;
            case BinaryOp.Le: Zip(new Ops<T>.Le(), plan, xa, xb, xy); break;
            case BinaryOp.Lt: Zip(new Ops<T>.Lt(), plan, xa, xb, xy); break;
            case BinaryOp.Eq: Zip(new Ops<T>.Eq(), plan, xa, xb, xy); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, null);
        }
    }

    public void Scalar(ScalarOp op, Tensor x, double s, Tensor y)
    {
        var scalar = Tensor.Scalar(s, x.DType);
        try
        {
            bool reversed = op is ScalarOp.RSub or ScalarOp.RDiv;
            var (a, b) = reversed ? (scalar, x) : (x, scalar);
            var bop = op switch
            {
                ScalarOp.Add => BinaryOp.Add, ScalarOp.Mul => BinaryOp.Mul, ScalarOp.Pow => BinaryOp.Pow,
                ScalarOp.RSub => BinaryOp.Sub, ScalarOp.RDiv => BinaryOp.Div, ScalarOp.Max => BinaryOp.Max,
                ScalarOp.Min => BinaryOp.Min, ScalarOp.Ge => BinaryOp.Ge, ScalarOp.Gt => BinaryOp.Gt,
                ScalarOp.Le => BinaryOp.Le, ScalarOp.Lt => BinaryOp.Lt, _ => BinaryOp.Eq,
            };
            Binary(bop, a, b, y);
        }
        finally { scalar.Dispose(); }
    }

    /// <summary>
    /// The broadcast iteration of a binary op after merging dims that are contiguous for both
    /// operands: rows of <c>Inner</c> elements whose a/b strides are 0 or 1.
    /// </summary>
    private sealed class BroadcastPlan
    {
        public int[] Dims = [];    // outer dims after coalescing, innermost excluded
        public int[] StrideA = [], StrideB = [];
        public int Inner, InnerA, InnerB, Rows;

        public static BroadcastPlan Make(int[] sa, int[] sb, int[] so)
        {
            var ta = ShapeUtil.BroadcastStrides(sa, so);
            var tb = ShapeUtil.BroadcastStrides(sb, so);
            var dims = new List<int>(); var la = new List<int>(); var lb = new List<int>();
            for (int i = 0; i < so.Length; i++)
            {
                if (so[i] == 1) continue;
                int k = dims.Count - 1;
                if (k >= 0 && la[k] == ta[i] * so[i] && lb[k] == tb[i] * so[i])
                {
                    dims[k] *= so[i]; la[k] = ta[i]; lb[k] = tb[i];
                }
                else { dims.Add(so[i]); la.Add(ta[i]); lb.Add(tb[i]); }
            }
            if (dims.Count == 0) { dims.Add(1); la.Add(1); lb.Add(1); }
            int last = dims.Count - 1;
            var p = new BroadcastPlan { Inner = dims[last], InnerA = la[last], InnerB = lb[last] };
            // Only strides 0 and 1 are vectorisable innermost; anything else keeps a row of 1.
            if (p.InnerA > 1 || p.InnerB > 1) { dims.Add(1); la.Add(0); lb.Add(0); p.Inner = 1; p.InnerA = 0; p.InnerB = 0; last++; }
            p.Dims = dims.Take(last).ToArray(); p.StrideA = la.Take(last).ToArray(); p.StrideB = lb.Take(last).ToArray();
            p.Rows = 1;
            foreach (var d in p.Dims) p.Rows *= d;
            return p;
        }

        public (int oa, int ob) Offsets(int row)
        {
            int oa = 0, ob = 0;
            for (int d = Dims.Length - 1; d >= 0; d--)
            {
                int i = row % Dims[d];
                row /= Dims[d];
                oa += i * StrideA[d]; ob += i * StrideB[d];
            }
            return (oa, ob);
        }
    }

    private static void Zip<T, TOp>(TOp op, BroadcastPlan p, T[] a, T[] b, T[] y) where T : unmanaged where TOp : struct, IBinary<T>
    {
        int inner = p.Inner;
        int rowsPerChunk = Math.Max(1, Chunk / Math.Max(1, inner));
        int chunks = (p.Rows + rowsPerChunk - 1) / rowsPerChunk;
        Par.For(chunks, (long)rowsPerChunk * inner * 2, (c0, c1) =>
        {
            int r1 = Math.Min(p.Rows, c1 * rowsPerChunk);
            for (int r = c0 * rowsPerChunk; r < r1; r++)
            {
                var (oa, ob) = p.Offsets(r);
                ZipRow(op, a, oa, p.InnerA, b, ob, p.InnerB, y, r * inner, inner);
            }
        });
    }

    private static void ZipRow<T, TOp>(TOp op, T[] a, int oa, int sa, T[] b, int ob, int sb, T[] y, int oy, int n)
        where T : unmanaged where TOp : struct, IBinary<T>
    {
        int i = 0, w = Vector<T>.Count;
        if (sa == 1 && sb == 1)
            for (; i <= n - w; i += w) op.Apply(new Vector<T>(a, oa + i), new Vector<T>(b, ob + i)).CopyTo(y, oy + i);
        else if (sa == 1)
        {
            var vb = new Vector<T>(b[ob]);
            for (; i <= n - w; i += w) op.Apply(new Vector<T>(a, oa + i), vb).CopyTo(y, oy + i);
        }
        else if (sb == 1)
        {
            var va = new Vector<T>(a[oa]);
            for (; i <= n - w; i += w) op.Apply(va, new Vector<T>(b, ob + i)).CopyTo(y, oy + i);
        }
        for (; i < n; i++) y[oy + i] = op.Apply(a[oa + i * sa], b[ob + i * sb]);
    }

    public void Clamp(Tensor x, double lo, double hi, Tensor y)
    {
        if (x.DType == DType.Float32) Clamp<float>(x, (float)lo, (float)hi, y);
        else Clamp<double>(x, lo, hi, y);
    }

    private static void Clamp<T>(Tensor x, T lo, T hi, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = x.Span<T>(); var ys = y.Span<T>();
        for (int i = 0; i < xs.Length; i++)
        {
            var v = xs[i];
            ys[i] = v < lo ? lo : v > hi ? hi : v; // NaN passes through
        }
    }

    public void ClampBackward(Tensor g, Tensor x, double lo, double hi, Tensor dx)
    {
        if (x.DType == DType.Float32) ClampBackward<float>(g, x, (float)lo, (float)hi, dx);
        else ClampBackward<double>(g, x, lo, hi, dx);
    }

    private static void ClampBackward<T>(Tensor g, Tensor x, T lo, T hi, Tensor dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gs = g.Span<T>(); var xs = x.Span<T>(); var ds = dx.Span<T>();
        for (int i = 0; i < xs.Length; i++) ds[i] = xs[i] >= lo && xs[i] <= hi ? gs[i] : T.Zero;
    }

    public void Axpy(double alpha, Tensor x, Tensor y)
    {
        if (x.DType == DType.Float32) Axpy<float>((float)alpha, A<float>(x), A<float>(y), x.Numel);
        else Axpy<double>(alpha, A<double>(x), A<double>(y), x.Numel);
    }

    private static void Axpy<T>(T alpha, T[] x, T[] y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Par.For((n + Chunk - 1) / Chunk, Chunk * 2, (c0, c1) =>
        {
            int i = c0 * Chunk, end = Math.Min(n, c1 * Chunk), w = Vector<T>.Count;
            var va = new Vector<T>(alpha);
            for (; i <= end - w; i += w) (new Vector<T>(y, i) + va * new Vector<T>(x, i)).CopyTo(y, i);
            for (; i < end; i++) y[i] += alpha * x[i];
        });
    }

    private static T[] A<T>(Tensor t) where T : unmanaged => ((CpuStorage)t.Storage).Array<T>();

    private static ref T R<T>(T[] a) => ref MemoryMarshal.GetArrayDataReference(a);
}
