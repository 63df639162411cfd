namespace Dab.Optim;

/// <summary>RMSProp as in PyTorch: sq = alpha sq + (1 - alpha) g^2; p -= lr g / (sqrt(sq) + eps).</summary>
public sealed class RmsProp : Optimizer
{
    private readonly Tensor?[] _sq;

    public RmsProp(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8) : base(parameters, lr)
    {
        if (!(alpha >= 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), $"rmsprop: alpha must be in [0, 1), got {alpha}");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"rmsprop: eps must be >= 0, got {eps}");
        Alpha = alpha;
        Eps = eps;
        _sq = new Tensor?[Parameters.Length];
    }

    public double Alpha { get; }
    public double Eps { get; }

    protected override void Update(int i, Tensor p, Tensor g)
    {
        var sq = _sq[i] ??= State(p);
        Scale(sq, Alpha);
        using (var g2 = g.Square()) sq.AddInPlace(g2, 1 - Alpha);
        using var root = sq.Sqrt();
        using var denom = root.Add(Eps);
        using var step = g.Div(denom);
        p.AddInPlace(step, -LearningRate);
    }

    protected override IReadOnlyList<(string Name, Tensor?[] Slots)> StateSlots => [("square_avg", _sq)];

    public override void Dispose()
    {
        foreach (var t in _sq) t?.Dispose();
        base.Dispose();
    }
}
