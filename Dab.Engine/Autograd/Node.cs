namespace Dab.Autograd;

/// <summary>
/// Computes the gradients of a node's inputs from the gradient of its output.
/// <paramref name="needs"/>[i] says whether input i wants a gradient; return null where it does not.
/// <paramref name="needs"/> is only valid during the call: the backward pass reuses the array.
/// </summary>
public delegate Tensor?[] BackwardFn(Tensor gradOutput, bool[] needs);

/// <summary>
/// One entry of the tape: an op's inputs and the closure that holds the saved tensors and computes the
/// backward pass. Nodes are numbered in recording order; backward walks them in reverse.
/// A node holds no reference to its output (only the output points to its node, through
/// <see cref="Tensor.GradFn"/>), so the tape never keeps an output alive: the backward pass collects
/// the gradient arriving at an output under the output's node, which is the output's alone.
/// </summary>
public sealed class Node
{
    private static long _counter;
    private BackwardFn? _backward;

    internal Node(string name, Tensor output, Tensor[] inputs, BackwardFn backward, bool blocked = false)
    {
        Blocked = blocked;
        Name = name;
        Inputs = inputs;
        _backward = backward;
        OutputShape = output.Shape;
        Sequence = Interlocked.Increment(ref _counter);
    }

    public string Name { get; }
    public long Sequence { get; }
    public Tensor[] Inputs { get; private set; }
    public int[] OutputShape { get; }
    public bool IsReleased => _backward == null;

    /// <summary>A blocked node never passes gradients on to its inputs (used by the DAB bridge input).</summary>
    public bool Blocked { get; init; }

    internal Tensor?[] Run(Tensor gradOutput, bool[] needs)
    {
        var fn = _backward ?? throw new InvalidOperationException(
            $"the graph through '{Name}' was already freed by a backward pass; pass retainGraph: true to the first one to go through it twice");
        return fn(gradOutput, needs);
    }

    /// <summary>Drops the saved tensors (the closure) and the links to the inputs.</summary>
    internal void Release()
    {
        _backward = null;
        Inputs = [];
    }

    public override string ToString() => $"{Name}#{Sequence}";
}
