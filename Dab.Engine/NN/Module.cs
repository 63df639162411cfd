namespace Dab.NN;

/// <summary>
/// A layer or model: owns parameters and child modules, knows whether it is training.
/// Parameters are leaf tensors with RequiresGrad that belong to no scope.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Tensor Param)> _params = new();
    private readonly List<(string Name, Module Child)> _children = new();

    public bool Training { get; private set; } = true;

    public abstract Tensor Forward(Tensor input);

    public Tensor Call(Tensor input) => Forward(input);

    protected Tensor RegisterParameter(string name, Tensor value)
    {
        if (!value.DType.IsFloating()) throw new ArgumentException($"parameter '{name}' must be floating point, got {value.DType.Name()}");
        value.DetachFromScopes();
        value.RequiresGrad = true;
        _params.Add((name, value));
        return value;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        return module;
    }

    public IEnumerable<Module> Children() => _children.Select(c => c.Child);

    /// <summary>All parameters with dotted names ("0.weight", "encoder.2.bias"), in registration order.</summary>
    public IEnumerable<(string Name, Tensor Param)> NamedParameters(string prefix = "")
    {
        foreach (var (n, p) in _params) yield return (prefix + n, p);
        foreach (var (n, c) in _children)
            foreach (var np in c.NamedParameters(prefix + n + ".")) yield return np;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Param);

    public long ParameterCount() => Parameters().Sum(p => (long)p.Numel);

    public void Train(bool on = true)
    {
        Training = on;
        foreach (var (_, c) in _children) c.Train(on);
    }

    public void Eval() => Train(false);

    public void ZeroGrad()
    {
        foreach (var p in Parameters())
        {
            p.Grad?.Dispose();
            p.Grad = null;
        }
    }

    /// <summary>Moves every parameter to a device in place of the old one.</summary>
    public virtual void To(Device device)
    {
        for (int i = 0; i < _params.Count; i++)
        {
            var (n, p) = _params[i];
            if (p.Device == device) continue;
            Tensor moved;
            Tensor? grad = null;
            using (Autograd.Autograd.NoGrad())
            {
                moved = p.To(device);
                if (p.Grad is { } g) grad = g.To(device).DetachFromScopes(); // like PyTorch, the gradient moves too
            }
            moved.DetachFromScopes();
            moved.RequiresGrad = true;
            moved.Grad = grad;
            p.Grad?.Dispose();
            p.Dispose();
            _params[i] = (n, moved);
            OnParameterReplaced(n, moved);
        }
        foreach (var (_, c) in _children) c.To(device);
    }

    /// <summary>Lets a module refresh a field that caches one of its parameters.</summary>
    protected virtual void OnParameterReplaced(string name, Tensor value) { }

    public virtual void Dispose()
    {
        foreach (var (_, p) in _params) { p.Grad?.Dispose(); p.Dispose(); }
        foreach (var (_, c) in _children) c.Dispose();
        GC.SuppressFinalize(this);
    }
}
