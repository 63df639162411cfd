using static Dab.Autograd.Autograd;

namespace Dab;

public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product of the last two dims: (m,k)@(k,n). Transposes are flags, never copies.
    /// Batched when either side has more than two dims; a 2-D side is shared by every batch entry.
    /// </summary>
    public Tensor MatMul(Tensor other, bool transA = false, bool transB = false)
    {
        const string op = "matmul";
        Checks.Floating(this, op);
        Checks.Compatible(this, other, op);
        Checks.Rank(this, 2, op, "left operand");
        Checks.Rank(other, 2, op, "right operand");
        // A batch of left operands against one right matrix is one big 2-D product.
            // (Intermediates that are part of the graph are never disposed here: backward still needs them.)
        if (Rank > 2 && other.Rank == 2 && !transA)
        {
            var a2 = Reshape(-1, Shape[^1]);
            var y2 = a2.MatMul(other, false, transB);
            return y2.Reshape([.. Shape[..^1], y2.Shape[1]]);
        }
        int m = transA ? Shape[^1] : Shape[^2], ka = transA ? Shape[^2] : Shape[^1];
        int kb = transB ? other.Shape[^1] : other.Shape[^2], n = transB ? other.Shape[^2] : other.Shape[^1];
        if (ka != kb)
            throw new ArgumentException($"{op}: inner dimensions differ, {ShapeUtil.Format(Shape)}{(transA ? "^T" : "")} @ {ShapeUtil.Format(other.Shape)}{(transB ? "^T" : "")} ({ka} vs {kb})");
        var batchA = Shape[..^2]; var batchB = other.Shape[..^2];
        if (batchA.Length > 0 && batchB.Length > 0 && !ShapeUtil.SameShape(batchA, batchB))
            throw new ArgumentException($"{op}: batch dims differ, {ShapeUtil.Format(Shape)} @ {ShapeUtil.Format(other.Shape)}");
        var batchShape = batchA.Length > 0 ? batchA : batchB;
        int batch = (int)ShapeUtil.Numel(batchShape);
        var y = EmptyLike([.. batchShape, m, n]);
        long strideA = batchA.Length > 0 ? (long)m * ka : 0, strideB = batchB.Length > 0 ? (long)ka * n : 0;
        Backend.MatMul(this, transA, strideA, other, transB, strideB, y, batch, m, n, ka, accumulate: false);
        if (ShouldRecord(this, other)) RecordMatMul(this, other, transA, transB, y);
        return y;
    }

    private static void RecordMatMul(Tensor a, Tensor b, bool transA, bool transB, Tensor y) =>
        Record("MatMul", y, [a, b], (g, needs) =>
        {
            Tensor? da = null, db = null;
            if (needs[0])
            {
                var ga = transA ? b.MatMul(g, transB, true) : g.MatMul(b, false, !transB);
                da = ga.Rank > a.Rank ? ga.Sum(Enumerable.Range(0, ga.Rank - a.Rank).ToArray()) : ga;
            }
            if (needs[1])
            {
                var gb = transB ? g.MatMul(a, true, transA) : a.MatMul(g, !transA, false);
                db = gb.Rank > b.Rank ? gb.Sum(Enumerable.Range(0, gb.Rank - b.Rank).ToArray()) : gb;
            }
            return [da, db];
        });

    /// <summary>x W^T + b with x (..., in), W (out, in), b (out): one GEMM with the bias added in place.</summary>
    public Tensor Linear(Tensor weight, Tensor? bias = null) => LinearAct(weight, bias, tanh: false);

    /// <summary>
    /// tanh(x W^T + b) as one node: one GEMM, then bias and tanh over the output (one pass on the CPU,
    /// <see cref="Backends.IBackend.BiasTanh"/>), and a backward that folds tanh' = 1 - y^2 into the
    /// gradient before the two GEMMs. In value and gradient the same as <c>Linear(weight, bias).Tanh()</c>.
    /// </summary>
    public Tensor LinearTanh(Tensor weight, Tensor? bias = null) => LinearAct(weight, bias, tanh: true);

    private Tensor LinearAct(Tensor weight, Tensor? bias, bool tanh)
    {
        string op = tanh ? "linear_tanh" : "linear";
        Checks.Floating(this, op);
        Checks.Compatible(this, weight, op);
        Checks.Rank(this, 1, op);
        if (weight.Rank != 2 || weight.Shape[1] != Shape[^1])
            throw new ArgumentException($"{op}: weight {ShapeUtil.Format(weight.Shape)} does not fit input {ShapeUtil.Format(Shape)} (expected [out, {Shape[^1]}])");
        int outF = weight.Shape[0], inF = Shape[^1], rows = Numel / Math.Max(1, inF);
        if (bias != null)
        {
            Checks.Compatible(this, bias, op);
            if (bias.Rank != 1 || bias.Shape[0] != outF)
                throw new ArgumentException($"{op}: bias {ShapeUtil.Format(bias.Shape)} does not match weight {ShapeUtil.Format(weight.Shape)} (expected [{outF}])");
        }
        var outShape = (int[])Shape.Clone();
        outShape[^1] = outF;
        var y = EmptyLike(outShape);
        Backend.MatMul(this, false, 0, weight, true, 0, y, 1, rows, outF, inF, accumulate: false);
        if (tanh) Backend.BiasTanh(y, bias, rows, outF);
        else if (bias != null) Backend.AddBias(y, bias, rows, outF);
        if (ShouldRecord(this, weight, bias)) RecordLinear(this, weight, bias, y, tanh, rows, inF, outF);
        return y;
    }

    private static void RecordLinear(Tensor x, Tensor weight, Tensor? bias, Tensor y, bool tanh, int rows, int inF, int outF)
    {
        Tensor[] inputs = bias == null ? [x, weight] : [x, weight, bias];
        Record(tanh ? "LinearTanh" : "Linear", y, inputs, (g, needs) =>
        {
            var r = new Tensor?[inputs.Length];
            var be = g.Backend;
            using var gz = tanh ? g.EmptyLike() : null;
            if (gz != null) be.UnaryBackward(Backends.UnaryOp.Tanh, g, y, y, gz, 0); // g (1 - y^2)
            // The kernels see the gradient and the input as (rows, out) and (rows, in) matrices whatever their
            // rank, so no reshaped views are needed, and each result takes its input's shape.
            var gy = gz ?? g;
            if (needs[0])
            {
                var dx = g.EmptyLike(x.Shape);
                be.MatMul(gy, false, 0, weight, false, 0, dx, 1, rows, inF, outF, accumulate: false); // g W
                r[0] = dx;
            }
            if (needs[1])
            {
                var dw = g.EmptyLike(weight.Shape);
                be.MatMul(gy, true, 0, x, false, 0, dw, 1, outF, inF, rows, accumulate: false); // g^T x
                r[1] = dw;
            }
            if (bias != null && needs[2])
            {
                var db = g.EmptyLike(bias.Shape);
                be.Reduce(Backends.ReduceOp.Sum, gy, 1, rows, outF, db); // column sums of g
                r[2] = db;
            }
            return r;
        });
    }
}
