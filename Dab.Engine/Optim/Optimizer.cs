using Dab.Backends;

namespace Dab.Optim;

/// <summary>Updates a fixed list of parameters from their gradients. State tensors belong to no scope.</summary>
public abstract class Optimizer : IDisposable
{
    protected Optimizer(IEnumerable<Tensor> parameters, double lr)
    {
        Parameters = parameters.ToArray();
        if (Parameters.Length == 0) throw new ArgumentException("optimizer: no parameters to optimize", nameof(parameters));
        if (!(lr > 0) || double.IsInfinity(lr)) throw new ArgumentOutOfRangeException(nameof(lr), $"optimizer: learning rate must be positive and finite, got {lr}");
        foreach (var p in Parameters)
            if (!p.RequiresGrad || !p.IsLeaf) throw new ArgumentException($"optimizer: parameter {ShapeUtil.Format(p.Shape)} is not a leaf that requires grad", nameof(parameters));
        LearningRate = lr;
    }

    public Tensor[] Parameters { get; }
    public double LearningRate { get; set; }
    public long StepCount { get; protected set; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        using var _ = Autograd.Autograd.NoGrad();
        for (int i = 0; i < Parameters.Length; i++)
            if (Parameters[i].Grad is { } g) Update(i, Parameters[i], g);
    }

    protected abstract void Update(int index, Tensor param, Tensor grad);

    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            p.Grad?.Dispose();
            p.Grad = null;
        }
    }

    /// <summary>Per-parameter state tensors by slot name (Adam: "m", "v"); null where a parameter has none yet.</summary>
    protected virtual IReadOnlyList<(string Name, Tensor?[] Slots)> StateSlots => [];
    /// <summary>Per-parameter step counters, where the optimizer keeps them (Adam).</summary>
    protected virtual long[]? PerParameterSteps => null;

    /// <summary>
    /// The optimizer's state as named CPU-or-device tensors for a checkpoint ("step_count", "steps",
    /// "m.3"...). The caller owns the returned tensors (they share storage with the state).
    /// </summary>
    public List<(string Name, Tensor Value)> SaveState()
    {
        var list = new List<(string, Tensor)> { ("step_count", Tensor.FromArray(new[] { StepCount }, [1])) };
        if (PerParameterSteps is { } steps) list.Add(("steps", Tensor.FromArray(steps.ToArray(), [steps.Length])));
        foreach (var (name, slots) in StateSlots)
            for (int i = 0; i < slots.Length; i++)
                if (slots[i] is { } t) list.Add(($"{name}.{i}", t.Detach()));
        return list;
    }

    /// <summary>
    /// Restores state written by <see cref="SaveState"/>. Everything is checked first, so state that does not
    /// fit these parameters leaves the optimizer as it was.
    /// </summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        if (!state.TryGetValue("step_count", out var count) || count.Numel != 1)
            throw new InvalidDataException("optimizer state: no 'step_count'");
        var steps = PerParameterSteps;
        long[]? loadedSteps = null;
        if (steps != null)
        {
            if (!state.TryGetValue("steps", out var s) || s.Numel != steps.Length)
                throw new InvalidDataException($"optimizer state: 'steps' must hold {steps.Length} counters, one per parameter");
            loadedSteps = s.ToArray<long>();
        }
        foreach (var key in state.Keys)
        {
            if (key is "step_count" or "steps") continue;
            int dot = key.LastIndexOf('.');
            if (dot < 0 || !int.TryParse(key.AsSpan(dot + 1), out int i) || i < 0 || i >= Parameters.Length
                || !StateSlots.Any(slot => slot.Name == key[..dot]))
                throw new InvalidDataException($"optimizer state: '{key}' names no state of this optimizer ({Parameters.Length} parameters)");
            if (!ShapeUtil.SameShape(state[key].Shape, Parameters[i].Shape))
                throw new InvalidDataException($"optimizer state: '{key}' has shape {ShapeUtil.Format(state[key].Shape)}, parameter {i} is {ShapeUtil.Format(Parameters[i].Shape)}");
        }
        StepCount = count.ToArray<long>()[0];
        loadedSteps?.CopyTo(steps!, 0);
        using var _ = Autograd.Autograd.NoGrad();
        foreach (var (name, slots) in StateSlots)
            for (int i = 0; i < slots.Length; i++)
            {
                if (state.TryGetValue($"{name}.{i}", out var t))
                {
                    slots[i] ??= State(Parameters[i]);
                    using var conv = t.To(Parameters[i].DType);
                    slots[i]!.CopyFrom(conv);
                }
                else
                {
                    slots[i]?.Dispose();
                    slots[i] = null;
                }
            }
    }

    protected static Tensor State(Tensor like) => Tensor.Zeros(like.Shape, like.DType, like.Device).DetachFromScopes();

    protected static void Scale(Tensor t, double s) => t.Backend.Scalar(ScalarOp.Mul, t, s, t);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
