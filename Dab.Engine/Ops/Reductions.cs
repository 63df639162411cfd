using Dab.Backends;
using static Dab.Autograd.Autograd;

namespace Dab;

public sealed partial class Tensor
{
    /// <summary>Sum of all elements (a 0-d tensor).</summary>
    public Tensor Sum() => Sum(AllDims(), keepDim: false);
    public Tensor Mean() => Mean(AllDims(), keepDim: false);

    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    public Tensor Sum(int[] dims, bool keepDim = false) => ReduceDims(ReduceOp.Sum, dims, keepDim, "sum");

    public Tensor Mean(int[] dims, bool keepDim = false)
    {
        var nd = NormalizeDims(dims, "mean");
        long count = 1;
        foreach (var d in nd) count *= Shape[d];
        var s = Sum(nd, keepDim);
        return s.Mul(1.0 / count);
    }

    /// <summary>Largest value along a dim; the gradient goes to the first maximal element.</summary>
    public Tensor Max(int dim, bool keepDim = false) => Extreme(dim, keepDim, max: true);
    public Tensor Min(int dim, bool keepDim = false) => Extreme(dim, keepDim, max: false);

    public Tensor ArgMax(int dim, bool keepDim = false) => ArgExtreme(ReduceOp.ArgMax, dim, keepDim);
    public Tensor ArgMin(int dim, bool keepDim = false) => ArgExtreme(ReduceOp.ArgMin, dim, keepDim);

    /// <summary>log(sum(exp(x))) along a dim, computed stably.</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false)
    {
        Checks.Floating(this, "logsumexp");
        int d = ShapeUtil.NormalizeDim(dim, Rank, "logsumexp");
        var (outer, n, inner) = ShapeUtil.Split(Shape, d);
        var keep = KeptShape(d);
        var y = EmptyLike(keep);
        Backend.Reduce(ReduceOp.LogSumExp, this, outer, n, inner, y);
        if (ShouldRecord(this)) RecordLogSumExp(this, y);
        return keepDim ? y : y.Reshape(DropDim(d));
    }

    private static void RecordLogSumExp(Tensor x, Tensor y) =>
        Record("LogSumExp", y, [x], (g, _) =>
        {
            using var diff = x.Sub(y);
            using var p = diff.Exp();
            return [p.Mul(g)];
        });

    /// <summary>Sums a broadcast gradient back to <paramref name="shape"/>.</summary>
    public Tensor SumToShape(int[] shape)
    {
        if (ShapeUtil.SameShape(Shape, shape)) return Alias();
        int lead = Rank - shape.Length, count = 0;
        for (int i = 0; i < Rank; i++)
            if (SummedToShape(i, lead, shape)) count++;
        var dims = new int[count];
        count = 0;
        for (int i = 0; i < Rank; i++)
            if (SummedToShape(i, lead, shape)) dims[count++] = i;
        var s = Sum(dims, keepDim: true);
        return s.Reshape(shape);
    }

    /// <summary>Whether dim <paramref name="i"/> is summed away to get <paramref name="shape"/> (a leading dim, or one broadcast from 1).</summary>
    private bool SummedToShape(int i, int lead, int[] shape) => i < lead || (shape[i - lead] == 1 && Shape[i] != 1);

    private int[] AllDims()
    {
        var dims = new int[Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = i;
        return dims;
    }

    /// <summary>The dims made non-negative and sorted; a dim given twice is an error.</summary>
    private int[] NormalizeDims(int[] dims, string op)
    {
        var nd = new int[dims.Length];
        for (int i = 0; i < nd.Length; i++) nd[i] = ShapeUtil.NormalizeDim(dims[i], Rank, op);
        Array.Sort(nd);
        for (int i = 1; i < nd.Length; i++)
            if (nd[i] == nd[i - 1]) throw new ArgumentException($"{op}: repeated dim in [{string.Join(", ", dims)}]");
        return nd;
    }

    private int[] KeptShape(int d)
    {
        var s = (int[])Shape.Clone();
        if (Rank > 0) s[d] = 1;
        return s;
    }

    private int[] DropDim(int d)
    {
        if (Rank == 0) return [];
        var s = new int[Rank - 1];
        for (int i = 0, j = 0; i < Rank; i++)
            if (i != d) s[j++] = Shape[i];
        return s;
    }

    private Tensor ReduceDims(ReduceOp op, int[] dims, bool keepDim, string name)
    {
        Checks.Floating(this, name);
        var nd = Rank == 0 ? [] : NormalizeDims(dims, name);
        var keptShape = (int[])Shape.Clone();
        foreach (var d in nd) keptShape[d] = 1;
        Tensor y;
        if (nd.Length == 0) y = Detach();
        else
        {
            var outShape = keepDim ? keptShape : DropDims(nd);
            // One dim at a time, last first; the last pass writes the result (reductions see only (outer, n, inner)).
            var cur = this;
            var curShape = Shape;
            for (int i = nd.Length - 1; i >= 0; i--)
            {
                var (outer, n, inner) = ShapeUtil.Split(curShape, nd[i]);
                var nextShape = i == 0 ? outShape : (int[])curShape.Clone();
                if (i > 0) nextShape[nd[i]] = 1;
                var next = cur.EmptyLike(nextShape);
                Backend.Reduce(op, cur, outer, n, inner, next);
                if (cur != this) cur.Dispose();
                (cur, curShape) = (next, nextShape);
            }
            y = cur;
        }
        if (ShouldRecord(this)) RecordSum(this, y, keptShape);
        return y;
    }

    /// <summary>The shape without the (sorted) <paramref name="nd"/> dims.</summary>
    private int[] DropDims(int[] nd)
    {
        var s = new int[Rank - nd.Length];
        for (int i = 0, j = 0, k = 0; i < Rank; i++)
        {
            if (k < nd.Length && nd[k] == i) { k++; continue; }
            s[j++] = Shape[i];
        }
        return s;
    }

    private static void RecordSum(Tensor x, Tensor y, int[] keptShape) =>
        Record("Sum", y, [x], (g, _) =>
        {
            // g with the summed dims kept as 1, broadcast back over them (g.Reshape(keptShape).BroadcastTo(x.Shape)).
            var dx = g.EmptyLike(x.Shape);
            g.Backend.BroadcastTo(g, keptShape, dx);
            return [dx];
        });

    private Tensor Extreme(int dim, bool keepDim, bool max)
    {
        Checks.Floating(this, max ? "max" : "min");
        int d = ShapeUtil.NormalizeDim(dim, Rank, max ? "max" : "min");
        if (Rank > 0 && Shape[d] == 0) throw new ArgumentException($"{(max ? "max" : "min")}: dim {dim} of shape {ShapeUtil.Format(Shape)} is empty");
        var idx = ArgExtreme(max ? ReduceOp.ArgMax : ReduceOp.ArgMin, d, keepDim: true);
        var values = GatherRaw(d, idx);
        if (ShouldRecord(this)) RecordExtreme(this, values, idx, d, max);
        return keepDim ? values : values.Reshape(DropDim(d));
    }

    private static void RecordExtreme(Tensor x, Tensor values, Tensor idx, int d, bool max) =>
        Record(max ? "Max" : "Min", values, [x], (g, _) =>
        {
            var dx = x.ZerosLike();
            var (outer, n, inner) = ShapeUtil.Split(x.Shape, d);
            g.Backend.ScatterAdd(g, outer, n, inner, idx, 1, dx);
            return [dx];
        });

    private Tensor ArgExtreme(ReduceOp op, int dim, bool keepDim)
    {
        Checks.Floating(this, OpNames.Lower(op));
        int d = ShapeUtil.NormalizeDim(dim, Rank, OpNames.Lower(op));
        if (Rank > 0 && Shape[d] == 0) throw new ArgumentException($"{op}: dim {dim} of shape {ShapeUtil.Format(Shape)} is empty");
        var (outer, n, inner) = ShapeUtil.Split(Shape, d);
        // The kernel sees only (outer, n, inner), so the result gets its final shape directly.
        var y = Alloc(keepDim ? KeptShape(d) : DropDim(d), DType.Int64, Device);
        Backend.Reduce(op, this, outer, n, inner, y);
        return y;
    }
}
