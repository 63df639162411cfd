namespace Dab.Autograd;

/// <summary>Reverse-mode automatic differentiation over the recorded nodes.</summary>
public static class Autograd
{
    [ThreadStatic] private static int _noGradDepth;

    /// <summary>Whether ops on this thread record nodes.</summary>
    public static bool IsEnabled => _noGradDepth == 0;

    /// <summary>Disables recording until disposed: <c>using (Autograd.NoGrad()) { ... }</c>.</summary>
    public static IDisposable NoGrad() => new NoGradScope();

    private sealed class NoGradScope : IDisposable
    {
        private bool _done;
        public NoGradScope() => _noGradDepth++;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _noGradDepth--;
        }
    }

    /// <summary>Records <paramref name="output"/> as produced from <paramref name="inputs"/> if any of them needs a gradient.</summary>
    public static void Record(string name, Tensor output, Tensor[] inputs, BackwardFn backward)
    {
        if (!IsEnabled) return;
        bool any = false;
        foreach (var t in inputs) any |= t.RequiresGrad;
        if (!any) return;
        output.GradFn = new Node(name, output, inputs, backward);
    }

    /// <summary>
    /// A view of <paramref name="input"/> that is part of the graph (gradients can be taken with respect
    /// to it) but passes nothing back to <paramref name="input"/>: backward passes stop here, so the ops
    /// just behind it do not even compute the gradient of their input.
    /// </summary>
    public static Tensor StopGradient(Tensor input)
    {
        var y = input.Detach();
        if (IsEnabled && input.RequiresGrad)
            y.GradFn = new Node("StopGradient", y, [input], (_, n) => new Tensor?[n.Length], blocked: true);
        return y;
    }

    /// <summary>Accumulates d(outputs)/d(leaves) into the leaves' <see cref="Tensor.Grad"/>.</summary>
    public static void Backward(Tensor output, Tensor? gradOutput = null, bool retainGraph = false)
        => Run([output], gradOutput == null ? null : [gradOutput], null, retainGraph);

    /// <summary>
    /// The gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/> (leaves or
    /// intermediates), weighted by <paramref name="gradOutputs"/> (ones for scalar outputs when null).
    /// Leaves' <see cref="Tensor.Grad"/> are not touched. An input the outputs do not depend on gets zeros.
    /// </summary>
    public static Tensor[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor[]? gradOutputs = null, bool retainGraph = false)
    {
        var result = Run(outputs, gradOutputs, inputs, retainGraph)!;
        var grads = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
            grads[i] = result.TryGetValue(inputs[i], out var g) ? g : inputs[i].ZerosLike();
        return grads;
    }

    private static Dictionary<Tensor, Tensor>? Run(Tensor[] outputs, Tensor[]? gradOutputs, Tensor[]? inputs, bool retain)
    {
        if (gradOutputs != null && gradOutputs.Length != outputs.Length)
            throw new ArgumentException($"{outputs.Length} outputs but {gradOutputs.Length} output gradients");
        var requested = inputs == null ? null : new HashSet<Tensor>(inputs, ReferenceEqualityComparer.Instance);
        foreach (var o in outputs)
            if (!o.RequiresGrad)
                throw new InvalidOperationException($"backward: output {ShapeUtil.Format(o.Shape)} does not require grad (no input of it requires grad, or it was computed under NoGrad)");

        var nodes = Collect(outputs, requested, out var needed);
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        var results = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        using var _ = NoGrad();

        for (int i = 0; i < outputs.Length; i++)
        {
            var o = outputs[i];
            Tensor g;
            if (gradOutputs?[i] != null)
            {
                Checks.SameShape(o, gradOutputs[i], "backward (output vs its gradient)");
                g = gradOutputs[i].Detach();
            }
            else if (o.Numel == 1) g = o.OnesLike();
            else throw new ArgumentException($"backward: output of shape {ShapeUtil.Format(o.Shape)} is not a scalar, so its gradient must be given");
            Deliver(o, g, requested, grads, results);
        }

        foreach (var node in nodes)
        {
            if (!node.TryGetOutput(out var outTensor) || !grads.TryGetValue(outTensor, out var g)) continue;
            grads.Remove(outTensor);
            var needs = new bool[node.Inputs.Length];
            for (int i = 0; i < needs.Length; i++) needs[i] = Needs(node.Inputs[i], requested, needed);
            var inGrads = node.Run(g, needs);
            var inputsOfNode = node.Inputs;
            if (!retain) node.Release();
            for (int i = 0; i < inputsOfNode.Length; i++)
            {
                if (!needs[i] || inGrads[i] == null) continue;
                var gi = inGrads[i]!;
                var inp = inputsOfNode[i];
                if (!ShapeUtil.SameShape(gi.Shape, inp.Shape))
                    throw new InvalidOperationException($"backward of '{node.Name}' returned a gradient of shape {ShapeUtil.Format(gi.Shape)} for an input of shape {ShapeUtil.Format(inp.Shape)}");
                Deliver(inp, gi, requested, grads, results);
            }
        }
        return requested == null ? null : results;
    }

    private static void Deliver(Tensor target, Tensor g, HashSet<Tensor>? requested, Dictionary<Tensor, Tensor> grads, Dictionary<Tensor, Tensor> results)
    {
        if (requested != null && requested.Contains(target)) Accumulate(results, target, g);
        else if (target.GradFn != null) Accumulate(grads, target, g);
        else if (requested == null && target.RequiresGrad)
        {
            if (target.Grad == null) target.Grad = g.CloneOwned();
            else target.Grad.AddInPlace(g);
        }
    }

    private static void Accumulate(Dictionary<Tensor, Tensor> map, Tensor key, Tensor g)
    {
        if (map.TryGetValue(key, out var existing))
        {
            var sum = existing.Add(g);
            map[key] = sum;
        }
        else map[key] = g;
    }

    private static bool Needs(Tensor input, HashSet<Tensor>? requested, HashSet<Node> needed)
    {
        if (requested != null) return requested.Contains(input) || (input.GradFn != null && needed.Contains(input.GradFn));
        return input.GradFn != null ? needed.Contains(input.GradFn) : input.RequiresGrad;
    }

    /// <summary>The nodes reachable from the outputs that lead to something wanting a gradient, newest first.</summary>
    private static List<Node> Collect(Tensor[] outputs, HashSet<Tensor>? requested, out HashSet<Node> needed)
    {
        var all = new List<Node>();
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>();
        foreach (var o in outputs)
            if (o.GradFn != null && (requested == null || !requested.Contains(o)) && seen.Add(o.GradFn)) stack.Push(o.GradFn);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (n.IsReleased) n.Run(null!, []); // throws the "already freed" error
            all.Add(n);
            foreach (var inp in n.Inputs)
                if (inp.GradFn != null && (requested == null || !requested.Contains(inp)) && seen.Add(inp.GradFn))
                    stack.Push(inp.GradFn);
        }
        all.Sort((a, b) => b.Sequence.CompareTo(a.Sequence));
        // A node is needed when one of its inputs wants a gradient; inputs are older than the node,
        // so visiting oldest first sees every input's node before the node itself.
        needed = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        for (int i = all.Count - 1; i >= 0; i--)
        {
            var n = all[i];
            if (n.Blocked) continue;
            foreach (var inp in n.Inputs)
            {
                bool wants = requested != null
                    ? requested.Contains(inp) || (inp.GradFn != null && needed.Contains(inp.GradFn))
                    : (inp.GradFn != null ? needed.Contains(inp.GradFn) : inp.RequiresGrad);
                if (wants) { needed.Add(n); break; }
            }
        }
        var keep = needed;
        all.RemoveAll(n => !keep.Contains(n));
        return all;
    }
}
