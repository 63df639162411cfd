using Dab.Backends;
using static Dab.Autograd.Autograd;

namespace Dab;

/// <summary>Elementwise arithmetic with numpy broadcasting, and the plain math functions.</summary>
public sealed partial class Tensor
{
    public Tensor Add(Tensor other) => BinaryOpT(Backends.BinaryOp.Add, other, "add");
    public Tensor Sub(Tensor other) => BinaryOpT(Backends.BinaryOp.Sub, other, "sub");
    public Tensor Mul(Tensor other) => BinaryOpT(Backends.BinaryOp.Mul, other, "mul");
    public Tensor Div(Tensor other) => BinaryOpT(Backends.BinaryOp.Div, other, "div");
    public Tensor Pow(Tensor exponent) => BinaryOpT(Backends.BinaryOp.Pow, exponent, "pow");
    public Tensor Maximum(Tensor other) => BinaryOpT(Backends.BinaryOp.Max, other, "maximum");
    public Tensor Minimum(Tensor other) => BinaryOpT(Backends.BinaryOp.Min, other, "minimum");

    // Comparisons give 1/0 in the input's dtype and carry no gradient.
    public Tensor Ge(Tensor other) => Compare(Backends.BinaryOp.Ge, other, "ge");
    public Tensor Gt(Tensor other) => Compare(Backends.BinaryOp.Gt, other, "gt");
    public Tensor Le(Tensor other) => Compare(Backends.BinaryOp.Le, other, "le");
    public Tensor Lt(Tensor other) => Compare(Backends.BinaryOp.Lt, other, "lt");
    public Tensor Eq(Tensor other) => Compare(Backends.BinaryOp.Eq, other, "eq");
    public Tensor Ge(double s) => CompareScalar(ScalarOp.Ge, s, "ge");
    public Tensor Gt(double s) => CompareScalar(ScalarOp.Gt, s, "gt");
    public Tensor Le(double s) => CompareScalar(ScalarOp.Le, s, "le");
    public Tensor Lt(double s) => CompareScalar(ScalarOp.Lt, s, "lt");
    public Tensor Eq(double s) => CompareScalar(ScalarOp.Eq, s, "eq");

    public Tensor Add(double s) => ScalarOpT(ScalarOp.Add, s);
    public Tensor Sub(double s) => Add(-s);
    public Tensor Mul(double s) => ScalarOpT(ScalarOp.Mul, s);
    public Tensor Div(double s) => Mul(1.0 / s);
    /// <summary>s - this.</summary>
    public Tensor RSub(double s) => ScalarOpT(ScalarOp.RSub, s);
    /// <summary>s / this.</summary>
    public Tensor RDiv(double s) => ScalarOpT(ScalarOp.RDiv, s);
    public Tensor Pow(double p) => ScalarOpT(ScalarOp.Pow, p);

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator -(Tensor a) => a.Neg();
    public static Tensor operator +(Tensor a, double s) => a.Add(s);
    public static Tensor operator +(double s, Tensor a) => a.Add(s);
    public static Tensor operator -(Tensor a, double s) => a.Add(-s);
    public static Tensor operator -(double s, Tensor a) => a.RSub(s);
    public static Tensor operator *(Tensor a, double s) => a.Mul(s);
    public static Tensor operator *(double s, Tensor a) => a.Mul(s);
    public static Tensor operator /(Tensor a, double s) => a.Div(s);
    public static Tensor operator /(double s, Tensor a) => a.RDiv(s);

    public Tensor Neg() => UnaryOpT(UnaryOp.Neg);
    public Tensor Exp() => UnaryOpT(UnaryOp.Exp);
    public Tensor Log() => UnaryOpT(UnaryOp.Log);
    public Tensor Sqrt() => UnaryOpT(UnaryOp.Sqrt);
    public Tensor Abs() => UnaryOpT(UnaryOp.Abs);
    public Tensor Square() => UnaryOpT(UnaryOp.Square);
    public Tensor Reciprocal() => UnaryOpT(UnaryOp.Reciprocal);
    /// <summary>-1, 0 or 1 (NaN stays NaN); its gradient is zero everywhere.</summary>
    public Tensor Sign() => UnaryOpT(UnaryOp.Sign);

    public Tensor Clamp(double min, double max)
    {
        Checks.Floating(this, "clamp");
        if (min > max) throw new ArgumentException($"clamp: min {min} is greater than max {max}");
        var y = EmptyLike();
        Backend.Clamp(this, min, max, y);
        if (ShouldRecord(this)) RecordClamp(this, y, min, max);
        return y;
    }

    private static void RecordClamp(Tensor x, Tensor y, double min, double max) =>
        Record("Clamp", y, [x], (g, _) =>
        {
            var dx = g.EmptyLike();
            g.Backend.ClampBackward(g, x, min, max, dx);
            return [dx];
        });

    /// <summary>this += other (same shape, no gradient): used for accumulating gradients.</summary>
    public void AddInPlace(Tensor other, double alpha = 1)
    {
        Checks.Compatible(this, other, "add_");
        Checks.SameShape(this, other, "add_");
        if (RequiresGrad && IsEnabled) throw new InvalidOperationException("add_: in-place update of a tensor that requires grad; do it under Autograd.NoGrad()");
        Backend.Axpy(alpha, other, this);
    }

    /// <summary>A copy that belongs to no scope (for gradients and optimizer state).</summary>
    internal Tensor CloneOwned()
    {
        var y = EmptyLike();
        Backend.Copy(this, y);
        return y.DetachFromScopes();
    }

    internal Tensor UnaryOpT(UnaryOp op, double alpha = 0)
    {
        Checks.Floating(this, OpNames.Lower(op));
        var y = EmptyLike();
        Backend.Unary(op, this, y, alpha);
        if (ShouldRecord(this)) RecordUnary(op, this, y, alpha);
        return y;
    }

    private static void RecordUnary(UnaryOp op, Tensor x, Tensor y, double alpha) =>
        Record(OpNames.Node(op), y, [x], (g, _) =>
        {
            var dx = g.EmptyLike();
            g.Backend.UnaryBackward(op, g, x, y, dx, alpha);
            return [dx];
        });

    private Tensor BinaryRaw(BinaryOp op, Tensor other, string name)
    {
        Checks.Floating(this, name);
        Checks.Compatible(this, other, name);
        // Same shapes (the common case) share this tensor's shape array instead of a new one.
        var shape = ShapeUtil.SameShape(Shape, other.Shape) ? Shape : ShapeUtil.Broadcast(Shape, other.Shape, name);
        var y = EmptyLike(shape);
        Backend.Binary(op, this, other, y);
        return y;
    }

    private Tensor BinaryOpT(BinaryOp op, Tensor other, string name)
    {
        var y = BinaryRaw(op, other, name);
        if (ShouldRecord(this, other)) RecordBinary(op, this, other, y, name);
        return y;
    }

    private static void RecordBinary(BinaryOp op, Tensor a, Tensor b, Tensor y, string name) =>
        Record(name, y, [a, b], (g, needs) =>
        {
            Tensor? da = null, db = null;
            switch (op)
            {
                case Backends.BinaryOp.Add:
                    if (needs[0]) da = g.SumToShape(a.Shape);
                    if (needs[1]) db = g.SumToShape(b.Shape);
                    break;
                case Backends.BinaryOp.Sub:
                    if (needs[0]) da = g.SumToShape(a.Shape);
                    if (needs[1]) db = g.Neg().SumToShape(b.Shape);
                    break;
                case Backends.BinaryOp.Mul:
                    if (needs[0]) da = g.Mul(b).SumToShape(a.Shape);
                    if (needs[1]) db = g.Mul(a).SumToShape(b.Shape);
                    break;
                case Backends.BinaryOp.Div:
                    if (needs[0]) da = g.Div(b).SumToShape(a.Shape);
                    if (needs[1]) db = g.Mul(y).Div(b).Neg().SumToShape(b.Shape);
                    break;
                case Backends.BinaryOp.Pow:
                    if (needs[0]) da = g.Mul(b).Mul(a.Pow(b.Sub(1))).SumToShape(a.Shape);
                    if (needs[1]) db = g.Mul(y).Mul(a.Log()).SumToShape(b.Shape);
                    break;
                case Backends.BinaryOp.Max:
                case Backends.BinaryOp.Min:
                {
                    // Ties send the gradient to the first operand, like a >= b ? a : b.
                    using var pick = op == Backends.BinaryOp.Max ? a.Ge(b) : a.Le(b);
                    if (needs[0]) da = g.Mul(pick).SumToShape(a.Shape);
                    if (needs[1]) db = g.Mul(pick.RSub(1)).SumToShape(b.Shape);
                    break;
                }
            }
            return [da, db];
        });

    private Tensor Compare(BinaryOp op, Tensor other, string name) => BinaryRaw(op, other, name);

    /// <summary>
    /// 1 where x &gt; margin, -1 where x &lt; -margin, else 0 (NaN gives 0): the signum with a dead zone of
    /// the DAB paper's sort model. Not differentiable and never recorded, like the comparisons. One
    /// pass on the CPU (<see cref="Backends.IBackend.MarginSign"/>).
    /// </summary>
    public Tensor MarginSign(double margin)
    {
        Checks.Floating(this, "margin_sign");
        if (!(margin >= 0)) throw new ArgumentOutOfRangeException(nameof(margin), $"margin_sign: margin must be >= 0, got {margin}");
        var y = EmptyLike();
        Backend.MarginSign(this, margin, y);
        return y;
    }

    private Tensor CompareScalar(ScalarOp op, double s, string name)
    {
        Checks.Floating(this, name);
        var y = EmptyLike();
        Backend.Scalar(op, this, s, y);
        return y;
    }

    private Tensor ScalarOpT(ScalarOp op, double s)
    {
        Checks.Floating(this, OpNames.Lower(op));
        var y = EmptyLike();
        Backend.Scalar(op, this, s, y);
        if (ShouldRecord(this)) RecordScalar(op, s, this, y);
        return y;
    }

    private static void RecordScalar(ScalarOp op, double s, Tensor x, Tensor y) =>
        Record(OpNames.Node(op), y, [x], (g, _) => [op switch
        {
            ScalarOp.Add => g.Alias(),
            ScalarOp.Mul => g.Mul(s),
            ScalarOp.RSub => g.Neg(),
            ScalarOp.RDiv => g.Mul(y).Div(x).Neg(),
            ScalarOp.Pow => g.Mul(x.Pow(s - 1)).Mul(s),
            _ => throw new InvalidOperationException($"no gradient for the scalar op {op}"),
        }]);

    /// <summary>Broadcasts to <paramref name="shape"/> (a copy); the gradient sums back.</summary>
    public Tensor BroadcastTo(int[] shape)
    {
        var target = ShapeUtil.Broadcast(Shape, shape, "broadcast_to");
        if (!ShapeUtil.SameShape(target, shape))
            throw new ArgumentException($"broadcast_to: {ShapeUtil.Format(Shape)} cannot be broadcast to {ShapeUtil.Format(shape)}");
        var y = Alloc(target, DType, Device);
        Backend.BroadcastTo(this, Shape, y);
        if (ShouldRecord(this)) RecordBroadcastTo(this, y);
        return y;
    }

    private static void RecordBroadcastTo(Tensor x, Tensor y) =>
        Record("BroadcastTo", y, [x], (g, _) => [g.SumToShape(x.Shape)]);

    public void Backward(Tensor? gradOutput = null, bool retainGraph = false) => Autograd.Autograd.Backward(this, gradOutput, retainGraph);
}
