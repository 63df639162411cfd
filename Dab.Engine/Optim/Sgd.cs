namespace Dab.Optim;

/// <summary>SGD with optional momentum (PyTorch's formulation: buf = mu buf + g; p -= lr buf) and L2 weight decay.</summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor?[] _buf;

    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double weightDecay = 0) : base(parameters, lr)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), $"sgd: momentum must be >= 0, got {momentum}");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"sgd: weight decay must be >= 0, got {weightDecay}");
        Momentum = momentum;
        WeightDecay = weightDecay;
        _buf = new Tensor?[Parameters.Length];
    }

    public double Momentum { get; }
    public double WeightDecay { get; }

    protected override void Update(int i, Tensor p, Tensor g)
    {
        using var d = g.Clone();
        if (WeightDecay != 0) d.AddInPlace(p, WeightDecay);
        var step = d;
        if (Momentum != 0)
        {
            if (_buf[i] == null) _buf[i] = d.CloneOwned();
            else
            {
                Scale(_buf[i]!, Momentum);
                _buf[i]!.AddInPlace(d);
            }
            step = _buf[i]!;
        }
        p.AddInPlace(step, -LearningRate);
    }

    protected override IReadOnlyList<(string Name, Tensor?[] Slots)> StateSlots => [("momentum_buffer", _buf)];

    public override void Dispose()
    {
        foreach (var t in _buf) t?.Dispose();
        base.Dispose();
    }
}
