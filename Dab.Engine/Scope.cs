namespace Dab;

/// <summary>
/// Frees every tensor created on this thread while the scope is open, except those moved out
/// with <see cref="Tensor.MoveToOuterScope"/> or <see cref="Tensor.DetachFromScopes"/>.
/// Use one per training step: <c>using var scope = Tensor.Scope();</c>.
/// Scopes nest; disposing an outer scope also disposes what inner scopes moved into it.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;

    private readonly List<Tensor> _owned = new();
    private readonly DisposeScope? _outer;
    private bool _disposed;

    internal DisposeScope()
    {
        _outer = _current;
        _current = this;
    }

    internal static DisposeScope? Current => _current;
    internal DisposeScope? Outer => _outer;

    /// <summary>Number of live tensors this scope will dispose.</summary>
    public int Count => _owned.Count;

    internal void Adopt(Tensor t)
    {
        _owned.Add(t);
        t.OwnerScope = this;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current == this) _current = _outer;
        foreach (var t in _owned)
            if (ReferenceEquals(t.OwnerScope, this)) t.Dispose();
        _owned.Clear();
    }
}
