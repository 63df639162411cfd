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
        Par.For((n + Chunk - 1) / Chunk, Chunk * 4, (op, x, y, n), static (in (TOp Op, T[] X, T[] Y, int N) s, int c0, int c1) =>
        {
            var (op, x, y) = (s.Op, s.X, s.Y);
            int start = c0 * Chunk, end = Math.Min(s.N, c1 * Chunk), i = start, w = Vector<T>.Count;
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
        Par.For((n + Chunk - 1) / Chunk, Chunk * 4, (op, g, x, y, dx, n), static (in (TOp Op, T[] G, T[] X, T[] Y, T[] DX, int N) s, int c0, int c1) =>
        {
            var (op, g, x, y, dx) = (s.Op, s.G, s.X, s.Y, s.DX);
            int start = c0 * Chunk, end = Math.Min(s.N, c1 * Chunk), i = start, w = Vector<T>.Count;
            for (; i <= end - w; i += w) op.Apply(new Vector<T>(g, i), new Vector<T>(x, i), new Vector<T>(y, i)).CopyTo(dx, i);
            for (; i < end; i++) dx[i] = op.Apply(g[i], x[i], y[i]);
        });
    }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        if (a.DType == DType.Float32) Binary<float>(op, a, b, y);
        else Binary<double>(op, a, b, y);
    }

    private static void Binary<T>(BinaryOp op, Tensor a, Tensor b, Tensor y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Binary(op, A<T>(a), a.Shape, A<T>(b), b.Shape, A<T>(y), y.Shape);

    private static void Binary<T>(BinaryOp op, T[] xa, int[] sa, T[] xb, int[] sb, T[] xy, int[] sy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var plan = BroadcastPlan.Make(sa, sb, sy);
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
        if (x.DType == DType.Float32) Scalar<float>(op, x, s, y);
        else Scalar<double>(op, x, s, y);
    }

    /// <summary>x op s as the binary op against a 0-d operand holding s (s op x for the reversed ops).</summary>
    private static void Scalar<T>(ScalarOp op, Tensor x, double s, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bop = op switch
        {
            ScalarOp.Add => BinaryOp.Add, ScalarOp.Mul => BinaryOp.Mul, ScalarOp.Pow => BinaryOp.Pow,
            ScalarOp.RSub => BinaryOp.Sub, ScalarOp.RDiv => BinaryOp.Div, ScalarOp.Max => BinaryOp.Max,
            ScalarOp.Min => BinaryOp.Min, ScalarOp.Ge => BinaryOp.Ge, ScalarOp.Gt => BinaryOp.Gt,
            ScalarOp.Le => BinaryOp.Le, ScalarOp.Lt => BinaryOp.Lt, _ => BinaryOp.Eq,
        };
        var scalar = ScalarOperand<T>.Holding(T.CreateTruncating(s));
        if (op is ScalarOp.RSub or ScalarOp.RDiv) Binary(bop, scalar, [], A<T>(x), x.Shape, A<T>(y), y.Shape);
        else Binary(bop, A<T>(x), x.Shape, scalar, [], A<T>(y), y.Shape);
    }

    /// <summary>y = x (read as <paramref name="xShape"/>) + 0 broadcast to y's shape, as the default does, without a view or a zero tensor.</summary>
    public void BroadcastTo(Tensor x, int[] xShape, Tensor y)
    {
        if (x.DType == DType.Float32) Binary(BinaryOp.Add, A<float>(x), xShape, ScalarOperand<float>.Holding(0), [], A<float>(y), y.Shape);
        else Binary(BinaryOp.Add, A<double>(x), xShape, ScalarOperand<double>.Holding(0), [], A<double>(y), y.Shape);
    }

    /// <summary>
    /// The 0-d operand of a tensor-scalar op: one array per thread and element type instead of a tensor per
    /// op. The op only reads it (its parallel chunks included) before it returns, and nothing it runs starts
    /// another tensor-scalar op on the same thread, so the next op may overwrite it.
    /// </summary>
    private static class ScalarOperand<T> where T : unmanaged
    {
        [ThreadStatic] private static T[]? _slot;

        public static T[] Holding(T value)
        {
            var a = _slot ??= new T[1];
            a[0] = value;
            return a;
        }
    }

    /// <summary>
    /// The broadcast iteration of a binary op after merging dims that are contiguous for both
    /// operands: rows of <c>Inner</c> elements whose a/b strides are 0 or 1. A struct with one array
    /// (none when everything merges into one row, the same-shape case), so planning allocates little.
    /// </summary>
    private readonly struct BroadcastPlan
    {
        private readonly int[] _outer; // (size, stride in a, stride in b) of each outer dim after coalescing, innermost excluded
        public readonly int Inner, InnerA, InnerB, Rows;

        private BroadcastPlan(int[] outer, int inner, int innerA, int innerB, int rows) =>
            (_outer, Inner, InnerA, InnerB, Rows) = (outer, inner, innerA, innerB, rows);

        public static BroadcastPlan Make(int[] sa, int[] sb, int[] so)
        {
            int r = so.Length, cap = r + 1;
            Span<int> buf = 5 * cap <= 160 ? stackalloc int[160] : new int[5 * cap];
            Span<int> ta = buf.Slice(0, r), tb = buf.Slice(r, r);
            Span<int> dims = buf.Slice(2 * r, cap), la = buf.Slice(2 * r + cap, cap), lb = buf.Slice(2 * r + 2 * cap, cap);
            ShapeUtil.BroadcastStrides(sa, so, ta);
            ShapeUtil.BroadcastStrides(sb, so, tb);
            int count = 0;
            for (int i = 0; i < r; i++)
            {
                if (so[i] == 1) continue;
                int k = count - 1;
                if (k >= 0 && la[k] == ta[i] * so[i] && lb[k] == tb[i] * so[i])
                {
                    dims[k] *= so[i]; la[k] = ta[i]; lb[k] = tb[i];
                }
                else { dims[count] = so[i]; la[count] = ta[i]; lb[count] = tb[i]; count++; }
            }
            if (count == 0) { dims[0] = 1; la[0] = 1; lb[0] = 1; count = 1; }
            int last = count - 1;
            int inner = dims[last], innerA = la[last], innerB = lb[last];
            // Only strides 0 and 1 are vectorisable innermost; anything else keeps a row of 1.
            if (innerA > 1 || innerB > 1) { inner = 1; innerA = 0; innerB = 0; last++; }
            var outer = last == 0 ? [] : new int[3 * last];
            int rows = 1;
            for (int d = 0; d < last; d++)
            {
                (outer[3 * d], outer[3 * d + 1], outer[3 * d + 2]) = (dims[d], la[d], lb[d]);
                rows *= dims[d];
            }
            return new BroadcastPlan(outer, inner, innerA, innerB, rows);
        }

        public (int oa, int ob) Offsets(int row)
        {
            int oa = 0, ob = 0;
            for (int d = _outer.Length / 3 - 1; d >= 0; d--)
            {
                int size = _outer[3 * d];
                int i = row % size;
                row /= size;
                oa += i * _outer[3 * d + 1]; ob += i * _outer[3 * d + 2];
            }
            return (oa, ob);
        }
    }

    private static void Zip<T, TOp>(TOp op, BroadcastPlan p, T[] a, T[] b, T[] y) where T : unmanaged where TOp : struct, IBinary<T>
    {
        int inner = p.Inner;
        int rowsPerChunk = Math.Max(1, Chunk / Math.Max(1, inner));
        int chunks = (p.Rows + rowsPerChunk - 1) / rowsPerChunk;
        Par.For(chunks, (long)rowsPerChunk * inner * 2, (op, p, a, b, y, rowsPerChunk), static (in (TOp Op, BroadcastPlan P, T[] A, T[] B, T[] Y, int RowsPerChunk) s, int c0, int c1) =>
        {
            var (op, p, a, b, y, rowsPerChunk) = s;
            int inner = p.Inner, r1 = Math.Min(p.Rows, c1 * rowsPerChunk);
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
        Par.For((n + Chunk - 1) / Chunk, Chunk * 2, (alpha, x, y, n), static (in (T Alpha, T[] X, T[] Y, int N) s, int c0, int c1) =>
        {
            var (alpha, x, y) = (s.Alpha, s.X, s.Y);
            int i = c0 * Chunk, end = Math.Min(s.N, c1 * Chunk), w = Vector<T>.Count;
            var va = new Vector<T>(alpha);
            for (; i <= end - w; i += w) (new Vector<T>(y, i) + va * new Vector<T>(x, i)).CopyTo(y, i);
            for (; i < end; i++) y[i] += alpha * x[i];
        });
    }

    private static T[] A<T>(Tensor t) where T : unmanaged => ((CpuStorage)t.Storage).Array<T>();

    private static ref T R<T>(T[] a) => ref MemoryMarshal.GetArrayDataReference(a);
}
