using Dab.Backends;
using static Dab.Autograd.Autograd;

namespace Dab;

public sealed partial class Tensor
{
    /// <summary>
    /// A one-layer LSTM over a batch-first sequence, with PyTorch's semantics and gate order (i, f, g, o):
    /// i, f, o = sigmoid, g = tanh of <c>x_t W_ih^T + b_ih + h W_hh^T + b_hh</c>; c' = f c + i g; h' = o tanh(c').
    /// <paramref name="input"/> is (batch, time, in), <paramref name="weightIh"/> (4H, in), <paramref name="weightHh"/>
    /// (4H, H), the biases (4H) or null, <paramref name="h0"/> and <paramref name="c0"/> (batch, H) or null for zeros.
    /// Returns the hidden states of every step (batch, time, H) and the final (h, c), each (batch, H).
    /// </summary>
    /// <remarks>
    /// One GEMM projects the inputs of all steps (with both biases folded in); each step is then a GEMM
    /// with W_hh and one fused gate kernel. The whole recurrence is a single tape node that saves the
    /// activated gates and the cell states of every step: its backward walks the steps in reverse with the
    /// fused backward gate kernel and one GEMM per step for the recurrent gradient, and then gets W_hh's
    /// gradient from one GEMM over all steps, where per-step nodes would run T small GEMMs for it and keep
    /// T times as many nodes and temporaries. The three results are slices of the node's one output.
    /// Not twice differentiable (the backward runs kernels, not ops).
    /// </remarks>
    public static (Tensor Output, Tensor H, Tensor C) Lstm(Tensor input, Tensor weightIh, Tensor weightHh,
        Tensor? biasIh = null, Tensor? biasHh = null, Tensor? h0 = null, Tensor? c0 = null)
    {
        const string op = "lstm";
        Checks.Floating(input, op);
        if (input.Rank != 3)
            throw new ArgumentException($"{op}: input must be (batch, time, features), got {ShapeUtil.Format(input.Shape)}");
        int batch = input.Shape[0], time = input.Shape[1], inF = input.Shape[2];
        if (time < 1)
            throw new ArgumentException($"{op}: the sequence must have at least one step, got input {ShapeUtil.Format(input.Shape)}");
        int hidden = CheckLstmWeights(op, input, inF, weightIh, weightHh, biasIh, biasHh);
        CheckLstmState(op, input, batch, hidden, h0, "h0");
        CheckLstmState(op, input, batch, hidden, c0, "c0");

        Tensor? bias = biasIh != null && biasHh != null ? biasIh.Add(biasHh) : biasIh ?? biasHh;
        var xg = input.Linear(weightIh, bias); // (batch, time, 4H): the input projection of every step in one GEMM
        var h = h0 ?? Zeros([batch, hidden], input.DType, input.Device);
        var c = c0 ?? Zeros([batch, hidden], input.DType, input.Device);
        var packed = LstmRecurrence(xg, h, c, weightHh);
        var outputs = packed.Slice(1, 0, time);
        var hT = packed.Slice(1, time - 1, 1).Reshape(batch, hidden);
        var cT = packed.Slice(1, time, 1).Reshape(batch, hidden);
        return (outputs, hT, cT);
    }

    /// <summary>
    /// One LSTM step (PyTorch's LSTMCell): <paramref name="input"/> (batch, in), <paramref name="h"/> and
    /// <paramref name="c"/> (batch, H) → (h', c'). The same kernels as <see cref="Lstm"/>, with one step.
    /// </summary>
    public static (Tensor H, Tensor C) LstmCell(Tensor input, Tensor h, Tensor c, Tensor weightIh, Tensor weightHh,
        Tensor? biasIh = null, Tensor? biasHh = null)
    {
        const string op = "lstm_cell";
        Checks.Floating(input, op);
        if (input.Rank != 2)
            throw new ArgumentException($"{op}: input must be (batch, features), got {ShapeUtil.Format(input.Shape)}");
        int batch = input.Shape[0];
        int hidden = CheckLstmWeights(op, input, input.Shape[1], weightIh, weightHh, biasIh, biasHh);
        CheckLstmState(op, input, batch, hidden, h, "h");
        CheckLstmState(op, input, batch, hidden, c, "c");
        var (_, hn, cn) = Lstm(input.Unsqueeze(1), weightIh, weightHh, biasIh, biasHh, h, c);
        return (hn, cn);
    }

    private static int CheckLstmWeights(string op, Tensor input, int inF, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        Checks.Compatible(input, weightIh, op);
        Checks.Compatible(input, weightHh, op);
        if (weightHh.Rank != 2 || weightHh.Shape[1] < 1 || weightHh.Shape[0] != 4 * weightHh.Shape[1])
            throw new ArgumentException($"{op}: weight_hh must be (4*hidden, hidden), got {ShapeUtil.Format(weightHh.Shape)}");
        int hidden = weightHh.Shape[1];
        if (weightIh.Rank != 2 || weightIh.Shape[0] != 4 * hidden || weightIh.Shape[1] != inF)
            throw new ArgumentException($"{op}: weight_ih {ShapeUtil.Format(weightIh.Shape)} does not fit input {ShapeUtil.Format(input.Shape)} and weight_hh {ShapeUtil.Format(weightHh.Shape)} (expected [{4 * hidden}, {inF}])");
        foreach (var (b, name) in new[] { (biasIh, "bias_ih"), (biasHh, "bias_hh") })
        {
            if (b == null) continue;
            Checks.Compatible(input, b, op);
            if (b.Rank != 1 || b.Shape[0] != 4 * hidden)
                throw new ArgumentException($"{op}: {name} must be [{4 * hidden}] for hidden size {hidden}, got {ShapeUtil.Format(b.Shape)}");
        }
        return hidden;
    }

    private static void CheckLstmState(string op, Tensor input, int batch, int hidden, Tensor? s, string name)
    {
        if (s == null) return;
        Checks.Compatible(input, s, op);
        if (s.Rank != 2 || s.Shape[0] != batch || s.Shape[1] != hidden)
            throw new ArgumentException($"{op}: {name} must be [{batch}, {hidden}] (batch, hidden) for input {ShapeUtil.Format(input.Shape)}, got {ShapeUtil.Format(s.Shape)}");
    }

    /// <summary>
    /// The recurrence as one node: xg (B, T, 4H) projected inputs with biases, h0, c0 (B, H), W_hh (4H, H) →
    /// packed (B, T+1, H): rows 0..T-1 are h_1..h_T, row T is c_T.
    /// </summary>
    private static Tensor LstmRecurrence(Tensor xg, Tensor h0, Tensor c0, Tensor wHh)
    {
        int B = xg.Shape[0], T = xg.Shape[1], G = xg.Shape[2], H = G / 4;
        var be = xg.Backend;
        var packed = xg.EmptyLike([B, T + 1, H]);
        var gates = xg.EmptyLike([B, T, G]);   // activated gates of every step (saved for backward)
        var cAll = xg.EmptyLike([B, T, H]);    // c_1..c_T (saved)
        using (var h = xg.EmptyLike([B, H]))
        using (var c = xg.EmptyLike([B, H]))
        using (var hg = xg.EmptyLike([B, G]))
        {
            be.Copy(h0, h);
            be.Copy(c0, c);
            for (int t = 0; t < T; t++)
            {
                be.MatMul(h, false, 0, wHh, true, 0, hg, 1, B, G, H, accumulate: false);
                be.LstmGates(new Rows(xg, t * G, T * G), hg, c, new Rows(gates, t * G, T * G), new Rows(cAll, t * H, T * H),
                    h, new Rows(packed, t * H, (T + 1) * H), B, H);
            }
            be.CopyBlocks(c, H, 0, packed, (T + 1) * H, T * H, B, H);
        }
        Record("Lstm", packed, [xg, h0, c0, wHh], (g, needs) =>
        {
            var b = g.Backend;
            var dG = g.EmptyLike([B, T, G]);
            var r = new Tensor?[4];
            var dh = Zeros([B, H], g.DType, g.Device);
            var dc = g.EmptyLike([B, H]);
            b.CopyBlocks(g, (T + 1) * H, T * H, dc, H, 0, B, H);
            using (var dGStep = g.EmptyLike([B, G]))
                for (int t = T - 1; t >= 0; t--)
                {
                    var cPrev = t == 0 ? new Rows(c0, 0, H) : new Rows(cAll, (t - 1) * H, T * H);
                    b.LstmGatesBackward(new Rows(gates, t * G, T * G), cPrev, new Rows(cAll, t * H, T * H), new Rows(g, t * H, (T + 1) * H),
                        dh, dc, dGStep, new Rows(dG, t * G, T * G), B, H);
                    if (t > 0 || needs[1]) b.MatMul(dGStep, false, 0, wHh, false, 0, dh, 1, B, H, G, accumulate: false);
                }
            if (needs[3])
            {
                // dW_hh = sum over steps of dG_t^T h_{t-1}: one GEMM over the (B*T) rows, with h_{t-1} laid out like dG.
                using var hPrev = g.EmptyLike([B, T, H]);
                b.CopyBlocks(h0, H, 0, hPrev, T * H, 0, B, H);
                if (T > 1) b.CopyBlocks(packed, (T + 1) * H, 0, hPrev, T * H, H, B, (T - 1) * H);
                var dW = g.EmptyLike([G, H]);
                b.MatMul(dG, true, 0, hPrev, false, 0, dW, 1, G, H, B * T, accumulate: false);
                r[3] = dW;
            }
            r[0] = needs[0] ? dG : null;
            r[1] = needs[1] ? dh : null;
            r[2] = needs[2] ? dc : null;
            return r;
        });
        return packed;
    }
}
