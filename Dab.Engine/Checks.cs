namespace Dab;

/// <summary>Argument validation with messages that name the op, the shapes, dtypes and devices involved.</summary>
internal static class Checks
{
    public static void SameDType(Tensor a, Tensor b, string op)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: dtype mismatch, {a.DType.Name()} {ShapeUtil.Format(a.Shape)} vs {b.DType.Name()} {ShapeUtil.Format(b.Shape)}");
    }

    public static void SameDevice(Tensor a, Tensor b, string op)
    {
        if (a.Device != b.Device)
            throw new ArgumentException($"{op}: tensors are on different devices, {a.Device} vs {b.Device}");
    }

    public static void SameShape(Tensor a, Tensor b, string op)
    {
        if (!ShapeUtil.SameShape(a.Shape, b.Shape))
            throw new ArgumentException($"{op}: shape mismatch, {ShapeUtil.Format(a.Shape)} vs {ShapeUtil.Format(b.Shape)}");
    }

    public static void Floating(Tensor a, string op)
    {
        if (!a.DType.IsFloating())
            throw new ArgumentException($"{op}: needs a floating-point tensor, got {a.DType.Name()} {ShapeUtil.Format(a.Shape)}");
    }

    public static void Compatible(Tensor a, Tensor b, string op)
    {
        SameDevice(a, b, op);
        SameDType(a, b, op);
    }

    public static void Rank(Tensor a, int min, string op, string what = "input")
    {
        if (a.Rank < min)
            throw new ArgumentException($"{op}: {what} must have at least {min} dims, got shape {ShapeUtil.Format(a.Shape)}");
    }
}
