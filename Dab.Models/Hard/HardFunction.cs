namespace Dab.Models.Hard;

/// <summary>
/// An exact, non-differentiable function for a <see cref="DabLayer"/>. It runs without recording
/// gradients and may change the shape (its surrogate must then produce the same output shape).
/// </summary>
public abstract class HardFunction
{
    public abstract string Name { get; }

    /// <summary>The exact function; called with gradients disabled.</summary>
    public abstract Tensor Apply(Tensor x);

    public override string ToString() => Name;

    /// <summary>The name of the node a <see cref="DabLayer"/> records for this function ("Hard[name]"), built once (names do not change).</summary>
    internal string NodeName => _nodeName ??= $"Hard[{Name}]";
    private string? _nodeName;

    /// <summary>The output shape for an input shape: what the surrogate must produce (the input shape unless the function changes it).</summary>
    public virtual int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <summary>Wraps any tensor function as a hard function.</summary>
    public static HardFunction Create(string name, Func<Tensor, Tensor> fn) => new Lambda(name, fn);

    private sealed class Lambda(string name, Func<Tensor, Tensor> fn) : HardFunction
    {
        public override string Name => name;
        public override Tensor Apply(Tensor x) => fn(x);
    }
}

/// <summary>The paper's epsilon-margin signum (its equation 1): -1 below -margin, 1 above margin, 0 between (inclusive).</summary>
public sealed class Signum(double margin = 0.5) : HardFunction
{
    public double Margin { get; } = margin >= 0 ? margin : throw new ArgumentOutOfRangeException(nameof(margin), $"signum margin must be >= 0, got {margin}");
    public override string Name { get; } = $"signum(margin={margin})"; // formatted once: it names a node every training step

    public override Tensor Apply(Tensor x) => x.MarginSign(Margin);
}

/// <summary>The paper's binary threshold: 1 where x is at least the mean of its sample (all non-batch dims), else 0.</summary>
public sealed class BinaryThreshold : HardFunction
{
    public override string Name => "binary(>= sample mean)";

    public override Tensor Apply(Tensor x)
    {
        if (x.Rank < 2) throw new ArgumentException($"binary threshold: input must be (batch, ...), got shape {ShapeUtil.Format(x.Shape)}");
        var dims = Enumerable.Range(1, x.Rank - 1).ToArray();
        using var mean = x.Mean(dims, keepDim: true);
        return x.Ge(mean);
    }
}
