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

    /// <summary>
    /// Whether an op on these inputs would record a node: recording is on and an input needs a gradient.
    /// Ops ask first and only then build their backward closure and inputs array, so work done under
    /// <see cref="NoGrad"/> (every backward pass) allocates neither.
    /// </summary>
    public static bool ShouldRecord(Tensor a) => IsEnabled && a.RequiresGrad;
    public static bool ShouldRecord(Tensor a, Tensor b) => IsEnabled && (a.RequiresGrad || b.RequiresGrad);
    public static bool ShouldRecord(Tensor a, Tensor b, Tensor? c) => IsEnabled && (a.RequiresGrad || b.RequiresGrad || (c?.RequiresGrad ?? false));

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
        => Run([output], gradOutput == null ? null : [gradOutput], null, null, retainGraph);

    /// <summary>
    /// The gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/> (leaves or
    /// intermediates), weighted by <paramref name="gradOutputs"/> (ones for scalar outputs when null).
    /// Leaves' <see cref="Tensor.Grad"/> are not touched. An input the outputs do not depend on gets zeros.
    /// </summary>
    public static Tensor[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor[]? gradOutputs = null, bool retainGraph = false)
    {
        var grads = new Tensor[inputs.Length];
        Run(outputs, gradOutputs, inputs, grads, retainGraph);
        return grads;
    }

    /// <summary>
    /// The working collections of one backward pass. Each thread keeps the ones of its finished passes and
    /// reuses them (cleared), so a training step does not allocate them again; a pass that starts while
    /// another is running on the thread (a backward closure that takes gradients itself, like the DAB's
    /// hard node) gets its own.
    /// </summary>
    private sealed class Pass
    {
        [ThreadStatic] private static Pass? _free;
        private Pass? _nextFree;

        public readonly HashSet<Tensor> Requested = new(ReferenceEqualityComparer.Instance);
        /// <summary>Whether gradients go to <see cref="Requested"/> (Grad) rather than to the leaves' .Grad (Backward).</summary>
        public bool HasRequested;
        public readonly List<Node> Nodes = new();
        public readonly HashSet<Node> Seen = new(ReferenceEqualityComparer.Instance);
        public readonly Stack<Node> Stack = new();
        public readonly HashSet<Node> Needed = new(ReferenceEqualityComparer.Instance);
        /// <summary>The gradient arriving at each node's output, keyed by the node (see <see cref="Node"/>).</summary>
        public readonly Dictionary<Node, Tensor> Grads = new(ReferenceEqualityComparer.Instance);
        public readonly Dictionary<Tensor, Tensor> Results = new(ReferenceEqualityComparer.Instance);
        private readonly bool[]?[] _needs = new bool[]?[8];

        public static Pass Rent()
        {
            var p = _free;
            if (p == null) return new Pass();
            _free = p._nextFree;
            p._nextFree = null;
            return p;
        }

        public void Return()
        {
            Requested.Clear();
            HasRequested = false;
            Nodes.Clear();
            Seen.Clear();
            Stack.Clear();
            Needed.Clear();
            Grads.Clear();
            Results.Clear();
            _nextFree = _free;
            _free = this;
        }

        /// <summary>A flags array for a node with <paramref name="n"/> inputs, reused from node to node.</summary>
        public bool[] NeedsBuffer(int n) => n < _needs.Length ? _needs[n] ??= new bool[n] : new bool[n];

        public bool IsRequested(Tensor t) => HasRequested && Requested.Contains(t);
    }

    private static void Run(Tensor[] outputs, Tensor[]? gradOutputs, Tensor[]? inputs, Tensor[]? inputGrads, bool retain)
    {
        if (gradOutputs != null && gradOutputs.Length != outputs.Length)
            throw new ArgumentException($"{outputs.Length} outputs but {gradOutputs.Length} output gradients");
        foreach (var o in outputs)
            if (!o.RequiresGrad)
                throw new InvalidOperationException($"backward: output {ShapeUtil.Format(o.Shape)} does not require grad (no input of it requires grad, or it was computed under NoGrad)");

        var pass = Pass.Rent();
        _noGradDepth++;
        try
        {
            if (inputs != null)
            {
                pass.HasRequested = true;
                foreach (var t in inputs) pass.Requested.Add(t);
            }
            Collect(outputs, pass);

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
                Deliver(o, g, pass);
            }

            foreach (var node in pass.Nodes)
            {
                if (!pass.Grads.Remove(node, out var g)) continue;
                var inputsOfNode = node.Inputs;
                var needs = pass.NeedsBuffer(inputsOfNode.Length);
                for (int i = 0; i < needs.Length; i++) needs[i] = Needs(inputsOfNode[i], pass);
                var inGrads = node.Run(g, needs);
                if (!retain) node.Release();
                for (int i = 0; i < inputsOfNode.Length; i++)
                {
                    if (!needs[i] || inGrads[i] == null) continue;
                    var gi = inGrads[i]!;
                    var inp = inputsOfNode[i];
                    if (!ShapeUtil.SameShape(gi.Shape, inp.Shape))
                        throw new InvalidOperationException($"backward of '{node.Name}' returned a gradient of shape {ShapeUtil.Format(gi.Shape)} for an input of shape {ShapeUtil.Format(inp.Shape)}");
                    Deliver(inp, gi, pass);
                }
            }

            if (inputs != null)
                for (int i = 0; i < inputs.Length; i++)
                    inputGrads![i] = pass.Results.TryGetValue(inputs[i], out var r) ? r : inputs[i].ZerosLike();
        }
        finally
        {
            _noGradDepth--;
            pass.Return();
        }
    }

    private static void Deliver(Tensor target, Tensor g, Pass pass)
    {
        if (pass.IsRequested(target)) Accumulate(pass.Results, target, g);
        if (target.GradFn != null) Accumulate(pass.Grads, target.GradFn, g);
        else if (!pass.HasRequested && target.RequiresGrad)
        {
            if (target.Grad == null) target.Grad = g.CloneOwned();
            else target.Grad.AddInPlace(g);
        }
    }

    private static void Accumulate<TKey>(Dictionary<TKey, Tensor> map, TKey key, Tensor g) where TKey : class
    {
        if (map.TryGetValue(key, out var existing))
        {
            var sum = existing.Add(g);
            map[key] = sum;
        }
        else map[key] = g;
    }

    /// <summary>Whether <paramref name="input"/> wants a gradient: it is requested, or its node is needed, or (Backward) it is a leaf that requires grad.</summary>
    private static bool Needs(Tensor input, Pass pass)
    {
        if (pass.HasRequested) return pass.Requested.Contains(input) || (input.GradFn != null && pass.Needed.Contains(input.GradFn));
        return input.GradFn != null ? pass.Needed.Contains(input.GradFn) : input.RequiresGrad;
    }

    /// <summary>
    /// Whether to walk into the node that produced <paramref name="t"/>. Requested intermediates are walked
    /// through (something below them may be requested too), unless their graph was already freed.
    /// </summary>
    private static bool Follow(Tensor t, Pass pass) =>
        t.GradFn != null && !(t.GradFn.IsReleased && pass.IsRequested(t));

    /// <summary>Fills <c>pass.Nodes</c> with the nodes reachable from the outputs that lead to something wanting a gradient, newest first.</summary>
    private static void Collect(Tensor[] outputs, Pass pass)
    {
        var all = pass.Nodes;
        var seen = pass.Seen;
        var stack = pass.Stack;
        foreach (var o in outputs)
            if (Follow(o, pass) && seen.Add(o.GradFn!)) stack.Push(o.GradFn!);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (n.IsReleased) n.Run(null!, []); // throws the "already freed" error
            all.Add(n);
            if (n.Blocked) continue; // nothing flows through it, so what lies behind it is never needed
            foreach (var inp in n.Inputs)
                if (Follow(inp, pass) && seen.Add(inp.GradFn!))
                    stack.Push(inp.GradFn!);
        }
        all.Sort(NewestFirst);
        // A node is needed when one of its inputs wants a gradient; inputs are older than the node,
        // so visiting oldest first sees every input's node before the node itself.
        var needed = pass.Needed;
        for (int i = all.Count - 1; i >= 0; i--)
        {
            var n = all[i];
            if (n.Blocked) continue;
            foreach (var inp in n.Inputs)
                if (Needs(inp, pass)) { needed.Add(n); break; }
        }
        // Keep only the needed nodes, in order.
        int kept = 0;
        for (int i = 0; i < all.Count; i++)
            if (needed.Contains(all[i])) all[kept++] = all[i];
        all.RemoveRange(kept, all.Count - kept);
    }

    private static readonly Comparison<Node> NewestFirst = (a, b) => b.Sequence.CompareTo(a.Sequence);
}
