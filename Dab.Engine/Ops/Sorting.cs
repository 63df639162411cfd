using static Dab.Autograd.Autograd;

namespace Dab;

// Sort and top-k along a dim (docs/operators.md). The backends sort contiguous rows; another dim
// is moved last and back. Values are differentiable (the gradient scatters back through the
// indices, as torch.sort's does); indices are int64 and carry no gradient.
public sealed partial class Tensor
{
    /// <summary>
    /// Sorts along <paramref name="dim"/>. Ascending order is -inf &lt; finite &lt; +inf &lt; NaN with
    /// -0 equal to +0; descending is its reverse (NaN first). Equal values keep their original order
    /// (ties go to the lowest index first) in both directions, so indices are identical on every backend.
    /// </summary>
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false)
    {
        var (d, n) = CheckSortArgs(dim, "sort");
        return RowOp(d, n, "Sort", (x, rows, vals, idx) => x.Backend.SortRows(x, rows, n, descending, vals, idx));
    }

    /// <summary>Indices that sort along <paramref name="dim"/> (the indices of <see cref="Sort"/>).</summary>
    public Tensor ArgSort(int dim = -1, bool descending = false)
    {
        var (values, indices) = Sort(dim, descending);
        values.Dispose();
        return indices;
    }

    /// <summary>
    /// The k largest (or smallest) elements along <paramref name="dim"/>, in sorted order: the first k
    /// of <see cref="Sort"/> descending (ascending), so NaN counts as the largest and ties keep the
    /// lowest index. 0 &lt;= k &lt;= size of the dim.
    /// </summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true)
    {
        var (d, n) = CheckSortArgs(dim, "topk");
        if (k < 0 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"topk: k = {k} must be in [0, {n}] for dim {dim} of shape {ShapeUtil.Format(Shape)}");
        return RowOp(d, k, "TopK", (x, rows, vals, idx) => x.Backend.TopKRows(x, rows, n, k, largest, vals, idx));
    }

    private (int Dim, int N) CheckSortArgs(int dim, string op)
    {
        Checks.Floating(this, op);
        if (Rank == 0) throw new ArgumentException($"{op}: needs a tensor with at least one dim, got a scalar");
        int d = ShapeUtil.NormalizeDim(dim, Rank, op);
        return (d, Shape[d]);
    }

    /// <summary>
    /// Runs a row kernel producing m outputs per row of length Shape[d], moving d last and back, and
    /// records the scatter backward.
    /// </summary>
    private (Tensor, Tensor) RowOp(int d, int m, string name, Action<Tensor, int, Tensor, Tensor> kernel)
    {
        var outShape = (int[])Shape.Clone();
        outShape[d] = m;
        int last = Rank - 1;
        Tensor values, indices;
        using (NoGrad())
        {
            var src = d == last ? Detach() : Detach().Transpose(d, last);
            var rowShape = (int[])src.Shape.Clone();
            rowShape[last] = m;
            long rows = 1;
            for (int i = 0; i < Rank; i++) if (i != d) rows *= Shape[i];
            if (Shape[d] == 0 || m == 0) rows = 0;
            var v = src.EmptyLike(rowShape);
            var ix = Empty(rowShape, DType.Int64, Device);
            if (rows > 0) kernel(src, (int)rows, v, ix);
            src.Dispose();
            if (d == last) { values = v; indices = ix; }
            else
            {
                values = v.Transpose(d, last);
                indices = ix.Transpose(d, last);
                v.Dispose();
                ix.Dispose();
            }
        }
        var x = this;
        var idx = RequiresGrad && IsEnabled ? indices.Detach() : indices; // the caller may dispose its indices before the backward runs
        Record(name, values, [x], (g, _) =>
        {
            var dx = x.ZerosLike();
            var (outer, n, inner) = ShapeUtil.Split(x.Shape, d);
            if (g.Numel > 0) g.Backend.ScatterAdd(g, outer, n, inner, idx, m, dx);
            return [dx];
        });
        return (values, indices);
    }
}
