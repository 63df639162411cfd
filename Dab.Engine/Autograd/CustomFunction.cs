namespace Dab.Autograd;

/// <summary>
/// A user-defined differentiable function: write <see cref="Forward"/> with any ops (it runs without
/// recording) and <see cref="Backward"/> returning one gradient per input (null where none).
/// Save what backward needs in fields of the context.
/// </summary>
public abstract class CustomFunction
{
    protected abstract Tensor Forward(FunctionContext ctx, Tensor[] inputs);
    protected abstract Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput);

    public Tensor Apply(params Tensor[] inputs)
    {
        var ctx = new FunctionContext(inputs);
        Tensor output;
        using (Autograd.NoGrad()) output = Forward(ctx, inputs);
        if (Array.IndexOf(inputs, output) >= 0) output = output.Detach(); // a new tensor, so the input stays a leaf
        if (output.GradFn != null || !output.IsLeaf)
            throw new InvalidOperationException($"{GetType().Name}.Forward returned a recorded tensor");
        Autograd.Record(GetType().Name, output, inputs, (g, needs) =>
        {
            ctx.NeedsInputGrad = (bool[])needs.Clone(); // the backward pass reuses its flags array for the next node
            var r = Backward(ctx, g);
            if (r.Length != inputs.Length)
                throw new InvalidOperationException($"{GetType().Name}.Backward returned {r.Length} gradients for {inputs.Length} inputs");
            return r;
        });
        return output;
    }
}

public sealed class FunctionContext(Tensor[] inputs)
{
    public Tensor[] Inputs { get; } = inputs;
    public bool[] NeedsInputGrad { get; internal set; } = [];
    public Dictionary<string, object> Saved { get; } = new();
}
