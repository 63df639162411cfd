using System.Numerics;
using System.Runtime.CompilerServices;

namespace Dab.Backends.Cpu;

/// <summary>Vector helpers that specialise per element type (the JIT removes the type tests).</summary>
internal static class V
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Exp<T>(Vector<T> v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { var r = Vector.Exp(Unsafe.As<Vector<T>, Vector<float>>(ref v)); return Unsafe.As<Vector<float>, Vector<T>>(ref r); }
        { var r = Vector.Exp(Unsafe.As<Vector<T>, Vector<double>>(ref v)); return Unsafe.As<Vector<double>, Vector<T>>(ref r); }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Log<T>(Vector<T> v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { var r = Vector.Log(Unsafe.As<Vector<T>, Vector<float>>(ref v)); return Unsafe.As<Vector<float>, Vector<T>>(ref r); }
        { var r = Vector.Log(Unsafe.As<Vector<T>, Vector<double>>(ref v)); return Unsafe.As<Vector<double>, Vector<T>>(ref r); }
    }

    /// <summary>
    /// e^a for 0 &lt;= a &lt;= 40 (tanh's argument). float32: Cody-Waite reduction a = n ln2 + r and a
    /// degree-7 Taylor polynomial on |r| &lt;= ln2/2 (error below 1e-8 relative, about the float ulp), all
    /// in single precision, where the library's Vector.Exp works in double; float64: Vector.Exp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> ExpNonNegative<T>(Vector<T> v) where T : unmanaged
    {
        if (typeof(T) != typeof(float)) return Exp(v);
        var a = Unsafe.As<Vector<T>, Vector<float>>(ref v);
        var ni = Vector.ConvertToInt32(a * new Vector<float>(1.44269504f) + new Vector<float>(0.5f)); // round(a / ln2), a >= 0
        var n = Vector.ConvertToSingle(ni);
        var r = Vector.FusedMultiplyAdd(n, new Vector<float>(-0.693145752f), a);          // ln2 split: hi has 16 bits
        r = Vector.FusedMultiplyAdd(n, new Vector<float>(-1.42860677e-6f), r);
        var p = new Vector<float>(1f / 5040);
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 720));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 120));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 24));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 6));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(0.5f));
        p = Vector.FusedMultiplyAdd(p, r, Vector<float>.One);
        p = Vector.FusedMultiplyAdd(p, r, Vector<float>.One);
        var scale = Vector.AsVectorSingle(Vector.ShiftLeft(ni + new Vector<int>(127), 23));   // 2^n, n <= 58
        var e = p * scale;
        return Unsafe.As<Vector<float>, Vector<T>>(ref e);
    }

    public static Vector<T> Select<T>(Vector<T> mask, Vector<T> a, Vector<T> b) where T : unmanaged => Vector.ConditionalSelect(mask, a, b);
}

internal interface IUnary<T> where T : unmanaged
{
    T Apply(T x);
    Vector<T> Apply(Vector<T> x);
}

internal interface IUnaryGrad<T> where T : unmanaged
{
    /// <summary>g * f'(x) given input x and output y.</summary>
    T Apply(T g, T x, T y);
    Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y);
}

internal interface IBinary<T> where T : unmanaged
{
    T Apply(T a, T b);
    Vector<T> Apply(Vector<T> a, Vector<T> b);
}

internal static class Ops<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly Vector<T> One = Vector<T>.One;
    private static readonly Vector<T> Two = new(T.CreateChecked(2));

    public struct Neg : IUnary<T> { public T Apply(T x) => -x; public Vector<T> Apply(Vector<T> x) => -x; }
    public struct Exp : IUnary<T> { public T Apply(T x) => T.Exp(x); public Vector<T> Apply(Vector<T> x) => V.Exp(x); }
    public struct Log : IUnary<T> { public T Apply(T x) => T.Log(x); public Vector<T> Apply(Vector<T> x) => V.Log(x); }
    public struct Sqrt : IUnary<T> { public T Apply(T x) => T.Sqrt(x); public Vector<T> Apply(Vector<T> x) => Vector.SquareRoot(x); }
    public struct Abs : IUnary<T> { public T Apply(T x) => T.Abs(x); public Vector<T> Apply(Vector<T> x) => Vector.Abs(x); }
    public struct Square : IUnary<T> { public T Apply(T x) => x * x; public Vector<T> Apply(Vector<T> x) => x * x; }
    public struct Reciprocal : IUnary<T> { public T Apply(T x) => T.One / x; public Vector<T> Apply(Vector<T> x) => One / x; }
    /// <summary>max(x, 0) with NaN passing through, as PyTorch does.</summary>
    public struct Relu : IUnary<T>
    {
        public T Apply(T x) => x > T.Zero || T.IsNaN(x) ? x : T.Zero;
        public Vector<T> Apply(Vector<T> x) => V.Select(Vector.GreaterThan(x, Vector<T>.Zero) | ~Vector.Equals(x, x), x, Vector<T>.Zero);
    }

    public struct Sign : IUnary<T>
    {
        public T Apply(T x) => x > T.Zero ? T.One : x < T.Zero ? -T.One : x; // keeps NaN and signed zero
        public Vector<T> Apply(Vector<T> x) =>
            V.Select(Vector.GreaterThan(x, Vector<T>.Zero), One, V.Select(Vector.LessThan(x, Vector<T>.Zero), -One, x));
    }

    /// <summary>tanh(x) = sign(x) (1 - 2 / (exp(2|x|) + 1)); |x| is clamped where tanh is 1 to the last bit.</summary>
    public struct Tanh : IUnary<T>
    {
        private static readonly Vector<T> Limit = new(T.CreateChecked(20));
        // Near 0, 1 - 2/(e^2|x| + 1) cancels (tanh(1e-6f) was off by 5%): there the odd Taylor series
        // through x^17 is used, below 0.55 for float (error < 1e-8) and 0.125 for double (< 1e-18).
        private static readonly Vector<T> Small = new(T.CreateChecked(typeof(T) == typeof(float) ? 0.55 : 0.125));
        private static readonly Vector<T> C3 = new(T.CreateChecked(-1.0 / 3)), C5 = new(T.CreateChecked(2.0 / 15)),
            C7 = new(T.CreateChecked(-17.0 / 315)), C9 = new(T.CreateChecked(62.0 / 2835)), C11 = new(T.CreateChecked(-1382.0 / 155925)),
            C13 = new(T.CreateChecked(21844.0 / 6081075)), C15 = new(T.CreateChecked(-929569.0 / 638512875)),
            C17 = new(T.CreateChecked(6404582.0 / 10854718875));
        public T Apply(T x) => T.Tanh(x);
        public Vector<T> Apply(Vector<T> x)
        {
            var a = Vector.Min(Vector.Abs(x), Limit);
            var t = One - Two / (V.ExpNonNegative(a + a) + One);
            var r = V.Select(Vector.LessThan(x, Vector<T>.Zero), -t, t);
            var x2 = x * x;
            var p = ((((((((C17 * x2 + C15) * x2 + C13) * x2 + C11) * x2 + C9) * x2 + C7) * x2 + C5) * x2 + C3) * x2) * x + x;
            r = V.Select(Vector.LessThan(a, Small), p, r);
            return V.Select(Vector.Equals(x, x), r, x); // NaN passes through
        }
    }

    public struct Sigmoid : IUnary<T>
    {
        public T Apply(T x) => T.One / (T.One + T.Exp(-x));
        public Vector<T> Apply(Vector<T> x) => One / (One + V.Exp(-x));
    }

    public struct Elu(T alpha) : IUnary<T>
    {
        public T Apply(T x) => x > T.Zero ? x : alpha * (T.Exp(x) - T.One);
        public Vector<T> Apply(Vector<T> x) =>
            V.Select(Vector.GreaterThan(x, Vector<T>.Zero), x, new Vector<T>(alpha) * (V.Exp(Vector.Min(x, Vector<T>.Zero)) - One));
    }

    /// <summary>log(1 + exp(x)), computed as max(x,0) + log(1 + exp(-|x|)) so it never overflows.</summary>
    public struct Softplus : IUnary<T>
    {
        public T Apply(T x) => T.Max(x, T.Zero) + T.Log(T.One + T.Exp(-T.Abs(x)));
        public Vector<T> Apply(Vector<T> x) => Vector.Max(x, Vector<T>.Zero) + V.Log(One + V.Exp(-Vector.Abs(x)));
    }

    // ---- derivatives: g * f'(x), with y = f(x) ----
    public struct NegGrad : IUnaryGrad<T> { public T Apply(T g, T x, T y) => -g; public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => -g; }
    public struct ExpGrad : IUnaryGrad<T> { public T Apply(T g, T x, T y) => g * y; public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => g * y; }
    public struct LogGrad : IUnaryGrad<T> { public T Apply(T g, T x, T y) => g / x; public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => g / x; }
    public struct SqrtGrad : IUnaryGrad<T> { public T Apply(T g, T x, T y) => g / (y + y); public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => g / (y + y); }
    public struct AbsGrad : IUnaryGrad<T> { public T Apply(T g, T x, T y) => g * new Sign().Apply(x); public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => g * new Sign().Apply(x); }
    public struct SquareGrad : IUnaryGrad<T> { public T Apply(T g, T x, T y) => g * (x + x); public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => g * (x + x); }
    public struct ReciprocalGrad : IUnaryGrad<T> { public T Apply(T g, T x, T y) => -g * y * y; public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => -g * y * y; }
    public struct TanhGrad : IUnaryGrad<T> { public T Apply(T g, T x, T y) => g * (T.One - y * y); public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => g * (One - y * y); }
    public struct SigmoidGrad : IUnaryGrad<T> { public T Apply(T g, T x, T y) => g * y * (T.One - y); public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => g * y * (One - y); }
    public struct ReluGrad : IUnaryGrad<T>
    {
        public T Apply(T g, T x, T y) => x > T.Zero ? g : T.Zero;
        public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => V.Select(Vector.GreaterThan(x, Vector<T>.Zero), g, Vector<T>.Zero);
    }
    public struct EluGrad(T alpha) : IUnaryGrad<T>
    {
        public T Apply(T g, T x, T y) => x > T.Zero ? g : g * (y + alpha);
        public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => V.Select(Vector.GreaterThan(x, Vector<T>.Zero), g, g * (y + new Vector<T>(alpha)));
    }
    public struct SoftplusGrad : IUnaryGrad<T>
    {
        public T Apply(T g, T x, T y) => g * new Sigmoid().Apply(x);
        public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => g * new Sigmoid().Apply(x);
    }
    public struct ZeroGrad : IUnaryGrad<T> { public T Apply(T g, T x, T y) => T.Zero; public Vector<T> Apply(Vector<T> g, Vector<T> x, Vector<T> y) => Vector<T>.Zero; }

    // ---- binary ----
    private static T B(bool c) => c ? T.One : T.Zero;
    private static Vector<T> B(Vector<T> mask) => V.Select(mask, One, Vector<T>.Zero);
    public struct Add : IBinary<T> { public T Apply(T a, T b) => a + b; public Vector<T> Apply(Vector<T> a, Vector<T> b) => a + b; }
    public struct Sub : IBinary<T> { public T Apply(T a, T b) => a - b; public Vector<T> Apply(Vector<T> a, Vector<T> b) => a - b; }
    public struct Mul : IBinary<T> { public T Apply(T a, T b) => a * b; public Vector<T> Apply(Vector<T> a, Vector<T> b) => a * b; }
    public struct Div : IBinary<T> { public T Apply(T a, T b) => a / b; public Vector<T> Apply(Vector<T> a, Vector<T> b) => a / b; }
    public struct Pow : IBinary<T>
    {
        public T Apply(T a, T b) => T.Pow(a, b);
        public Vector<T> Apply(Vector<T> a, Vector<T> b)
        {
            Span<T> r = stackalloc T[Vector<T>.Count];
            for (int i = 0; i < r.Length; i++) r[i] = T.Pow(a[i], b[i]);
            return new Vector<T>(r);
        }
    }
    /// <summary>Max/Min propagate NaN like PyTorch's maximum/minimum.</summary>
    public struct Max : IBinary<T>
    {
        public T Apply(T a, T b) => T.IsNaN(a) || T.IsNaN(b) ? T.NaN : (a >= b ? a : b);
        public Vector<T> Apply(Vector<T> a, Vector<T> b) => V.Select(Vector.Equals(a, a) & Vector.Equals(b, b), V.Select(Vector.GreaterThanOrEqual(a, b), a, b), new Vector<T>(T.NaN));
    }
    public struct Min : IBinary<T>
    {
        public T Apply(T a, T b) => T.IsNaN(a) || T.IsNaN(b) ? T.NaN : (a <= b ? a : b);
        public Vector<T> Apply(Vector<T> a, Vector<T> b) => V.Select(Vector.Equals(a, a) & Vector.Equals(b, b), V.Select(Vector.LessThanOrEqual(a, b), a, b), new Vector<T>(T.NaN));
    }
    public struct Ge : IBinary<T> { public T Apply(T a, T b) => B(a >= b); public Vector<T> Apply(Vector<T> a, Vector<T> b) => B(Vector.GreaterThanOrEqual(a, b)); }
    public struct Gt : IBinary<T> { public T Apply(T a, T b) => B(a > b); public Vector<T> Apply(Vector<T> a, Vector<T> b) => B(Vector.GreaterThan(a, b)); }
    public struct Le : IBinary<T> { public T Apply(T a, T b) => B(a <= b); public Vector<T> Apply(Vector<T> a, Vector<T> b) => B(Vector.LessThanOrEqual(a, b)); }
    public struct Lt : IBinary<T> { public T Apply(T a, T b) => B(a < b); public Vector<T> Apply(Vector<T> a, Vector<T> b) => B(Vector.LessThan(a, b)); }
    public struct Eq : IBinary<T> { public T Apply(T a, T b) => B(a == b); public Vector<T> Apply(Vector<T> a, Vector<T> b) => B(Vector.Equals(a, b)); }
}
