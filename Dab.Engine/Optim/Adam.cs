namespace Dab.Optim;

/// <summary>Adam (Kingma and Ba) with PyTorch's defaults; <c>decoupled</c> gives AdamW. One fused kernel per parameter.</summary>
public sealed class Adam : Optimizer
{
    private readonly Tensor?[] _m, _v;
    private readonly long[] _steps; // per parameter, like PyTorch's state["step"]: a parameter without a gradient does not advance

    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool decoupled = false) : base(parameters, lr)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), $"adam: betas must be in [0, 1), got ({beta1}, {beta2})");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), $"adam: betas must be in [0, 1), got ({beta1}, {beta2})");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"adam: eps must be positive, got {eps}");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"adam: weight decay must be >= 0, got {weightDecay}");
        (Beta1, Beta2, Eps, WeightDecay, Decoupled) = (beta1, beta2, eps, weightDecay, decoupled);
        _m = new Tensor?[Parameters.Length];
        _v = new Tensor?[Parameters.Length];
        _steps = new long[Parameters.Length];
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }
    public bool Decoupled { get; }

    protected override void Update(int i, Tensor p, Tensor g)
    {
        var m = _m[i] ??= State(p);
        var v = _v[i] ??= State(p);
        p.Backend.AdamUpdate(p, g, m, v, LearningRate, Beta1, Beta2, Eps, WeightDecay, ++_steps[i], Decoupled);
    }

    /// <summary>The moment buffers of parameter <paramref name="i"/>, created if needed: for code that runs the update itself (a captured GPU graph).</summary>
    public (Tensor M, Tensor V) Moments(int i) => (_m[i] ??= State(Parameters[i]), _v[i] ??= State(Parameters[i]));

    /// <summary>
    /// Counts one step for every parameter whose update ran elsewhere (a replayed graph) and returns the per-parameter step
    /// numbers, for the bias corrections of that update.
    /// </summary>
    public ReadOnlySpan<long> CountStep()
    {
        StepCount++;
        for (int i = 0; i < _steps.Length; i++) _steps[i]++;
        return _steps;
    }

    /// <summary>The scalars of an update at step <paramref name="step"/> with the current learning rate.</summary>
    public AdamScalars StepScalars(long step) => AdamScalars.At(step, LearningRate, Beta1, Beta2, WeightDecay, Decoupled);

    protected override IReadOnlyList<(string Name, Tensor?[] Slots)> StateSlots => [("m", _m), ("v", _v)];
    protected override long[]? PerParameterSteps => _steps;

    public override void Dispose()
    {
        foreach (var t in _m) t?.Dispose();
        foreach (var t in _v) t?.Dispose();
        base.Dispose();
    }
}
