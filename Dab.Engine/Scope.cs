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
    // Lists of disposed scopes, kept for the next scopes on this thread (a training step opens one per step).
    [ThreadStatic] private static Stack<List<Tensor>>? _freeLists;
    private const int MaxFreeLists = 8, MaxKeptCapacity = 1 << 16;

    private List<Tensor>? _owned;
    private readonly DisposeScope? _outer;
    private bool _disposed;

    internal DisposeScope()
    {
        _owned = _freeLists is { Count: > 0 } free ? free.Pop() : new List<Tensor>();
        _outer = _current;
        _current = this;
    }

    internal static DisposeScope? Current => _current;
    internal DisposeScope? Outer => _outer;

    /// <summary>Number of live tensors this scope will dispose.</summary>
    public int Count => _owned?.Count ?? 0;

    internal void Adopt(Tensor t)
    {
        _owned?.Add(t); // a disposed scope no longer tracks anything (its list went to another scope)
        t.OwnerScope = this;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current == this) _current = _outer;
        var owned = _owned!;
        foreach (var t in owned)
            if (ReferenceEquals(t.OwnerScope, this)) t.Dispose();
        _owned = null;
        owned.Clear();
        var free = _freeLists ??= new Stack<List<Tensor>>();
        if (free.Count < MaxFreeLists && owned.Capacity <= MaxKeptCapacity) free.Push(owned);
    }
}
