using static Dab.Autograd.Autograd;

namespace Dab;

public enum Reduction { Mean, Sum, None }

public sealed partial class Tensor
{
    public Tensor Softmax(int dim) => SoftmaxT(dim, log: false);
    public Tensor LogSoftmax(int dim) => SoftmaxT(dim, log: true);

    private Tensor SoftmaxT(int dim, bool log)
    {
        string name = log ? "log_softmax" : "softmax";
        Checks.Floating(this, name);
        int d = ShapeUtil.NormalizeDim(dim, Rank, name);
        var (outer, n, inner) = ShapeUtil.Split(Shape, d);
        var y = EmptyLike();
        Backend.Softmax(this, outer, n, inner, y, log);
        if (ShouldRecord(this)) RecordSoftmax(this, y, outer, n, inner, log);
        return y;
    }

    private static void RecordSoftmax(Tensor x, Tensor y, int outer, int n, int inner, bool log) =>
        Record(log ? "LogSoftmax" : "Softmax", y, [x], (g, _) =>
        {
            var dx = g.EmptyLike();
            g.Backend.SoftmaxBackward(g, y, outer, n, inner, dx, log);
            return [dx];
        });

    /// <summary>
    /// Cross-entropy like PyTorch's: logits (B, C, d1, ...) with the classes in dim 1, integer targets
    /// (B, d1, ...). Fused: log-softmax and the negative log-likelihood in one pass, and a backward of
    /// softmax minus one-hot.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean)
    {
        const string op = "cross_entropy";
        Checks.Floating(logits, op);
        Checks.SameDevice(logits, target, op);
        if (target.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"{op}: target must hold integer class indices (int64 or int32), got {target.DType.Name()}");
        if (logits.Rank < 2)
            throw new ArgumentException($"{op}: logits must be (batch, classes, ...), got shape {ShapeUtil.Format(logits.Shape)}");
        if (!IsLogitsWithoutClassDim(logits.Shape, target.Shape))
        {
            var expected = logits.DropDim(1);
            throw new ArgumentException($"{op}: target shape {ShapeUtil.Format(target.Shape)} does not match logits {ShapeUtil.Format(logits.Shape)} (expected {ShapeUtil.Format(expected)})");
        }
        var t64 = target.DType == DType.Int64 ? target : target.To(DType.Int64);
        try
        {
            var (outer, n, inner) = ShapeUtil.Split(logits.Shape, 1);
            var loss = logits.EmptyLike(target.Shape);
            var logProbs = logits.EmptyLike();
            logits.Backend.CrossEntropy(logits, t64, outer, n, inner, loss, logProbs);
            if (ShouldRecord(logits)) RecordCrossEntropy(logits, loss, logProbs, t64, outer, n, inner);
            return Reduce(loss, reduction);
        }
        finally { if (t64 != target) t64.Dispose(); }
    }

    /// <summary>Whether <paramref name="target"/> is <paramref name="logits"/> without dim 1 (the classes).</summary>
    private static bool IsLogitsWithoutClassDim(int[] logits, int[] target)
    {
        if (target.Length != logits.Length - 1) return false;
        for (int i = 0; i < target.Length; i++)
            if (target[i] != logits[i < 1 ? i : i + 1]) return false;
        return true;
    }

    private static void RecordCrossEntropy(Tensor logits, Tensor loss, Tensor logProbs, Tensor t64, int outer, int n, int inner)
    {
        var tKeep = t64.Detach(); // the caller may dispose its targets before the backward runs
        Record("CrossEntropy", loss, [logits], (g, _) =>
        {
            var dx = g.EmptyLike(logits.Shape);
            g.Backend.CrossEntropyBackward(g, logProbs, tKeep, outer, n, inner, dx);
            return [dx];
        });
    }

    /// <summary>Mean (or sum) of squared differences.</summary>
    public static Tensor Mse(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        Checks.SameShape(input, target, "mse");
        var diff = input.Sub(target);
        return Reduce(diff.Square(), reduction);
    }

    /// <summary>Binary cross-entropy on logits: softplus(x) - x*y, stable for any x.</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean)
    {
        Checks.SameShape(logits, target, "binary_cross_entropy_with_logits");
        var sp = logits.Softplus();
        var xy = logits.Mul(target);
        return Reduce(sp.Sub(xy), reduction);
    }

    private static Tensor Reduce(Tensor perElement, Reduction reduction)
    {
        switch (reduction)
        {
            case Reduction.None: return perElement;
            case Reduction.Sum: return perElement.Sum();
            default: return perElement.Mean();
        }
    }
}

public sealed partial class Tensor
{
    /// <summary>
    /// scale * sum((input - target)^2) / batch with batch = input.Shape[0]: the squared distance of each
    /// sample, averaged over the batch (the DAB bridge loss, with scale = gamma). One node: one fused pass
    /// forward and one backward on the CPU (<see cref="Backends.IBackend.SquaredDistance"/>). Both inputs get
    /// gradients where they require them (detach the target to hold it constant).
    /// </summary>
    public static Tensor SquaredDistanceLoss(Tensor input, Tensor target, double scale = 1)
    {
        const string op = "squared_distance_loss";
        Checks.Floating(input, op);
        Checks.Compatible(input, target, op);
        Checks.SameShape(input, target, op);
        if (double.IsNaN(scale)) throw new ArgumentException($"{op}: scale is NaN", nameof(scale));
        int batch = input.Rank == 0 ? 1 : Math.Max(1, input.Shape[0]);
        double k = scale / batch;
        var loss = input.EmptyLike([]);
        input.Backend.SquaredDistance(input, target, k, loss);
        if (ShouldRecord(input, target))
            Record("SquaredDistanceLoss", loss, [input, target], (g, needs) =>
            {
                var da = needs[0] ? input.EmptyLike() : null;
                var db = needs[1] ? input.EmptyLike() : null;
                g.Backend.SquaredDistanceBackward(g, input, target, k, da, db);
                return [da, db];
            });
        return loss;
    }
}
