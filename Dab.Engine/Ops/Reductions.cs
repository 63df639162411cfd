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
        var x = this;
        Record("LogSumExp", y, [x], (g, _) =>
        {
            using var diff = x.Sub(y);
            using var p = diff.Exp();
            return [p.Mul(g)];
        });
        return keepDim ? y : y.Reshape(DropDim(d));
    }

    /// <summary>Sums a broadcast gradient back to <paramref name="shape"/>.</summary>
    public Tensor SumToShape(int[] shape)
    {
        if (ShapeUtil.SameShape(Shape, shape)) return Alias();
        int lead = Rank - shape.Length;
        var dims = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (i < lead || (shape[i - lead] == 1 && Shape[i] != 1)) dims.Add(i);
        var s = Sum(dims.ToArray(), keepDim: true);
        return s.Reshape(shape);
    }

    private int[] AllDims() => Enumerable.Range(0, Rank).ToArray();

    private int[] NormalizeDims(int[] dims, string op)
    {
        var nd = dims.Select(d => ShapeUtil.NormalizeDim(d, Rank, op)).Distinct().OrderBy(d => d).ToArray();
        if (nd.Length != dims.Length) throw new ArgumentException($"{op}: repeated dim in [{string.Join(", ", dims)}]");
        return nd;
    }

    private int[] KeptShape(int d)
    {
        var s = (int[])Shape.Clone();
        if (Rank > 0) s[d] = 1;
        return s;
    }

    private int[] DropDim(int d) => Rank == 0 ? [] : Shape.Where((_, i) => i != d).ToArray();

    private Tensor ReduceDims(ReduceOp op, int[] dims, bool keepDim, string name)
    {
        Checks.Floating(this, name);
        var nd = Rank == 0 ? [] : NormalizeDims(dims, name);
        var keptShape = (int[])Shape.Clone();
        foreach (var d in nd) keptShape[d] = 1;
        var cur = Detach();
        for (int i = nd.Length - 1; i >= 0; i--)
        {
            var (outer, n, inner) = ShapeUtil.Split(cur.Shape, nd[i]);
            var next = cur.EmptyLike(cur.KeptShape(nd[i]));
            Backend.Reduce(op, cur, outer, n, inner, next);
            cur.Dispose();
            cur = next;
        }
        var outShape = keepDim ? keptShape : Shape.Where((_, i) => !nd.Contains(i)).ToArray();
        var y = cur.ShareAs(outShape);
        cur.Dispose();
        var x = this;
        Record("Sum", y, [x], (g, _) =>
        {
            using var gk = g.Reshape(keptShape);
            return [gk.BroadcastTo(x.Shape)];
        });
        return y;
    }

    private Tensor Extreme(int dim, bool keepDim, bool max)
    {
        Checks.Floating(this, max ? "max" : "min");
        int d = ShapeUtil.NormalizeDim(dim, Rank, max ? "max" : "min");
        if (Rank > 0 && Shape[d] == 0) throw new ArgumentException($"{(max ? "max" : "min")}: dim {dim} of shape {ShapeUtil.Format(Shape)} is empty");
        var idx = ArgExtreme(max ? ReduceOp.ArgMax : ReduceOp.ArgMin, d, keepDim: true);
        var values = GatherRaw(d, idx);
        var x = this;
        Record(max ? "Max" : "Min", values, [x], (g, _) =>
        {
            var dx = x.ZerosLike();
            var (outer, n, inner) = ShapeUtil.Split(x.Shape, d);
            g.Backend.ScatterAdd(g, outer, n, inner, idx, 1, dx);
            return [dx];
        });
        return keepDim ? values : values.Reshape(DropDim(d));
    }

    private Tensor ArgExtreme(ReduceOp op, int dim, bool keepDim)
    {
        Checks.Floating(this, op.ToString().ToLowerInvariant());
        int d = ShapeUtil.NormalizeDim(dim, Rank, op.ToString().ToLowerInvariant());
        if (Rank > 0 && Shape[d] == 0) throw new ArgumentException($"{op}: dim {dim} of shape {ShapeUtil.Format(Shape)} is empty");
        var (outer, n, inner) = ShapeUtil.Split(Shape, d);
        var y = Empty(KeptShape(d), DType.Int64, Device);
        Backend.Reduce(op, this, outer, n, inner, y);
        if (keepDim) return y;
        using (y) return y.ShareAs(DropDim(d));
    }
}
