using static Dab.Autograd.Autograd;

namespace Dab;

public sealed partial class Tensor
{
    /// <summary>The same elements in another shape, sharing storage; one dim may be -1.</summary>
    public Tensor Reshape(params ReadOnlySpan<int> shape)
    {
        var s = shape.ToArray();
        int infer = Array.IndexOf(s, -1);
        if (infer >= 0)
        {
            if (Array.IndexOf(s, -1, infer + 1) >= 0) throw new ArgumentException($"reshape: more than one -1 in {ShapeUtil.Format(shape)}");
            long known = 1;
            for (int i = 0; i < s.Length; i++) if (i != infer) known *= s[i];
            if (known == 0 || Numel % known != 0)
                throw new ArgumentException($"reshape: cannot reshape {ShapeUtil.Format(Shape)} into {ShapeUtil.Format(shape)}");
            s[infer] = (int)(Numel / known);
        }
        foreach (var d in s)
            if (d < 0) throw new ArgumentException($"reshape: cannot reshape {ShapeUtil.Format(Shape)} ({Numel} elements) into {ShapeUtil.Format(shape)}");
        if (ShapeUtil.Numel(s) != Numel)
            throw new ArgumentException($"reshape: cannot reshape {ShapeUtil.Format(Shape)} ({Numel} elements) into {ShapeUtil.Format(shape)}");
        var y = ShareAs(s);
        if (ShouldRecord(this)) RecordReshape(this, y);
        return y;
    }

    private static void RecordReshape(Tensor x, Tensor y)
    {
        var inShape = x.Shape;
        Record("Reshape", y, [x], (g, _) => [g.Reshape(inShape)]);
    }

    public Tensor Flatten(int startDim = 1)
    {
        int d = ShapeUtil.NormalizeDim(startDim, Rank, "flatten");
        return Reshape([.. Shape[..d], -1]);
    }

    public Tensor Unsqueeze(int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank + 1, "unsqueeze");
        return Reshape([.. Shape[..d], 1, .. Shape[d..]]);
    }

    public Tensor Squeeze(int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank, "squeeze");
        if (Shape[d] != 1) throw new ArgumentException($"squeeze: dim {dim} of shape {ShapeUtil.Format(Shape)} is not 1");
        return Reshape(Shape.Where((_, i) => i != d).ToArray());
    }

    public Tensor Transpose(int dim0, int dim1)
    {
        int a = ShapeUtil.NormalizeDim(dim0, Rank, "transpose"), b = ShapeUtil.NormalizeDim(dim1, Rank, "transpose");
        var perm = new int[Rank];
        for (int i = 0; i < perm.Length; i++) perm[i] = i;
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>Reorders dims (a copy): output dim i is input dim perm[i].</summary>
    public Tensor Permute(params int[] perm)
    {
        if (perm.Length != Rank || perm.Distinct().Count() != Rank || perm.Any(p => p < 0 || p >= Rank))
            throw new ArgumentException($"permute: [{string.Join(", ", perm)}] is not a permutation of the {Rank} dims of {ShapeUtil.Format(Shape)}");
        var y = EmptyLike(perm.Select(p => Shape[p]).ToArray());
        Backend.Permute(this, perm, y);
        if (ShouldRecord(this)) RecordPermute(this, y, perm);
        return y;
    }

    private static void RecordPermute(Tensor x, Tensor y, int[] perm)
    {
        var inverse = new int[x.Rank];
        for (int i = 0; i < inverse.Length; i++) inverse[perm[i]] = i;
        Record("Permute", y, [x], (g, _) => [g.Permute(inverse)]);
    }

    /// <summary>Joins tensors along an existing dim; all other dims must match.</summary>
    public static Tensor Concat(Tensor[] tensors, int dim)
    {
        if (tensors.Length == 0) throw new ArgumentException("concat: no tensors given");
        var first = tensors[0];
        int d = ShapeUtil.NormalizeDim(dim, first.Rank, "concat");
        int total = 0;
        foreach (var t in tensors)
        {
            Checks.Compatible(first, t, "concat");
            if (t.Rank != first.Rank || Enumerable.Range(0, t.Rank).Any(i => i != d && t.Shape[i] != first.Shape[i]))
                throw new ArgumentException($"concat: shapes {ShapeUtil.Format(first.Shape)} and {ShapeUtil.Format(t.Shape)} differ outside dim {dim}");
            total += t.Shape[d];
        }
        var shape = (int[])first.Shape.Clone();
        shape[d] = total;
        var y = first.EmptyLike(shape);
        var (outer, _, inner) = ShapeUtil.Split(shape, d);
        int offset = 0;
        var offsets = new int[tensors.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            int len = tensors[i].Shape[d] * inner;
            offsets[i] = offset;
            first.Backend.CopyBlocks(tensors[i], len, 0, y, total * inner, offset, outer, len);
            offset += len;
        }
        Record("Concat", y, tensors, (g, needs) =>
        {
            var r = new Tensor?[tensors.Length];
            for (int i = 0; i < tensors.Length; i++)
                if (needs[i]) r[i] = g.Slice(d, offsets[i] / Math.Max(1, inner), tensors[i].Shape[d]);
            return r;
        });
        return y;
    }

    /// <summary>Elements start .. start+length-1 along a dim (a copy).</summary>
    public Tensor Slice(int dim, int start, int length)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank, "slice");
        if (start < 0 || length < 0 || start + length > Shape[d])
            throw new ArgumentOutOfRangeException(nameof(start), $"slice: [{start}, {start + length}) is outside dim {dim} of size {Shape[d]} (shape {ShapeUtil.Format(Shape)})");
        var shape = (int[])Shape.Clone();
        shape[d] = length;
        var y = EmptyLike(shape);
        var (outer, n, inner) = ShapeUtil.Split(Shape, d);
        Backend.CopyBlocks(this, n * inner, start * inner, y, length * inner, 0, outer, length * inner);
        if (ShouldRecord(this)) RecordSlice(this, y, d, start, length);
        return y;
    }

    private static void RecordSlice(Tensor x, Tensor y, int d, int start, int length)
    {
        var (outer, n, inner) = ShapeUtil.Split(x.Shape, d);
        Record("Slice", y, [x], (g, _) =>
        {
            var dx = x.ZerosLike();
            g.Backend.CopyBlocks(g, length * inner, 0, dx, n * inner, start * inner, outer, length * inner);
            return [dx];
        });
    }

    /// <summary>torch.gather: out[..., j, ...] = x[..., index[..., j, ...], ...] along dim; index is int64 with x's shape except along dim.</summary>
    public Tensor Gather(int dim, Tensor index)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank, "gather");
        var y = GatherRaw(d, index);
        if (ShouldRecord(this)) RecordGather(this, y, d, index);
        return y;
    }

    private static void RecordGather(Tensor x, Tensor y, int d, Tensor index)
    {
        var (outer, n, inner) = ShapeUtil.Split(x.Shape, d);
        int m = index.Shape[d];
        Record("Gather", y, [x], (g, _) =>
        {
            var dx = x.ZerosLike();
            g.Backend.ScatterAdd(g, outer, n, inner, index, m, dx);
            return [dx];
        });
    }

    private Tensor GatherRaw(int d, Tensor index)
    {
        Checks.Floating(this, "gather");
        Checks.SameDevice(this, index, "gather");
        if (index.DType != DType.Int64) throw new ArgumentException($"gather: index must be int64, got {index.DType.Name()}");
        if (index.Rank != Rank || Enumerable.Range(0, Rank).Any(i => i != d && index.Shape[i] != Shape[i]))
            throw new ArgumentException($"gather: index {ShapeUtil.Format(index.Shape)} must match input {ShapeUtil.Format(Shape)} outside dim {d}");
        var (outer, n, inner) = ShapeUtil.Split(Shape, d);
        var y = EmptyLike(index.Shape);
        Backend.Gather(this, outer, n, inner, index, index.Shape[d], y);
        return y;
    }

    /// <summary>Picks whole slices along a dim by a 1-D int64 index.</summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank, "index_select");
        Checks.SameDevice(this, index, "index_select");
        if (index.DType != DType.Int64 || index.Rank != 1)
            throw new ArgumentException($"index_select: index must be a 1-D int64 tensor, got {index.DType.Name()} {ShapeUtil.Format(index.Shape)}");
        var shape = (int[])Shape.Clone();
        shape[d] = index.Numel;
        var y = EmptyLike(shape);
        var (outer, n, inner) = ShapeUtil.Split(Shape, d);
        Backend.IndexSelect(this, outer, n, inner, index, y);
        if (ShouldRecord(this)) RecordIndexSelect(this, y, d, index);
        return y;
    }

    private static void RecordIndexSelect(Tensor x, Tensor y, int d, Tensor index)
    {
        var (outer, n, inner) = ShapeUtil.Split(x.Shape, d);
        Record("IndexSelect", y, [x], (g, _) =>
        {
            var dx = x.ZerosLike();
            g.Backend.IndexAdd(g, outer, n, inner, index, dx);
            return [dx];
        });
    }
}
