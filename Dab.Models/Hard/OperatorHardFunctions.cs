using Dab.Random;

namespace Dab.Models.Hard;

// The paper's sort, top-k, k-means and Bernoulli hard functions (Table VI; docs/operators.md),
// on the operators of the engine, so they run on whichever device the layer's input lives on.

/// <summary>
/// sort-row(z) (+) sort-col(z): for z of shape (..., H, W), every row sorted along the last dim and
/// every column along dim -2, concatenated along the last dim into (..., H, 2W). For a (batch,
/// features) matrix the columns run over the batch, as in the paper. The shape changes, so the
/// surrogate must map (..., H, W) to (..., H, 2W); the straight-through estimator does not apply.
/// </summary>
public sealed class RowColumnSort(bool descending = false) : HardFunction
{
    public bool Descending { get; } = descending;
    public override string Name => $"sort-row (+) sort-col{(Descending ? " (descending)" : "")}";

    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length < 2) throw new ArgumentException($"{Name}: input must have at least 2 dims, got shape {ShapeUtil.Format(inputShape)}");
        var s = (int[])inputShape.Clone();
        s[^1] *= 2;
        return s;
    }

    public override Tensor Apply(Tensor x)
    {
        OutputShape(x.Shape);
        var (rows, ri) = x.Sort(-1, Descending);
        var (cols, ci) = x.Sort(-2, Descending);
        ri.Dispose();
        ci.Dispose();
        using (rows)
        using (cols)
            return Tensor.Concat([rows, cols], -1 + x.Rank);
    }
}

/// <summary>
/// The flattened 1-D sort: each sample's features (every dim after the batch) sorted as one vector
/// and put back in the input's shape, so the straight-through estimator applies.
/// </summary>
public sealed class FlatSort(bool descending = false) : HardFunction
{
    public bool Descending { get; } = descending;
    public override string Name => $"sort-1d{(Descending ? " (descending)" : "")}";

    public override Tensor Apply(Tensor x)
    {
        if (x.Rank < 2) throw new ArgumentException($"{Name}: input must be (batch, ...), got shape {ShapeUtil.Format(x.Shape)}");
        using var flat = x.Reshape(x.Shape[0], -1);
        var (v, i) = flat.Sort(1, Descending);
        i.Dispose();
        using (v) return v.Reshape(x.Shape);
    }
}

/// <summary>
/// (sort-row(z) (+) sort-col(z))[0:k]: the first k features of each sample of the row-and-column
/// sort (flattened after the batch dim), shape (batch, k).
/// </summary>
public sealed class TopKOfSorts : HardFunction
{
    private readonly RowColumnSort _sort;

    public TopKOfSorts(int k, bool descending = false)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"top-k hard function: k = {k} must be at least 1");
        K = k;
        _sort = new RowColumnSort(descending);
    }

    public int K { get; }
    public override string Name => $"({_sort.Name})[0:{K}]";

    public override int[] OutputShape(int[] inputShape)
    {
        var s = _sort.OutputShape(inputShape);
        long features = 1;
        for (int i = 1; i < s.Length; i++) features *= s[i];
        if (K > features) throw new ArgumentException($"{Name}: k = {K} is more than the {features} features of the sort of shape {ShapeUtil.Format(inputShape)}");
        return [s[0], K];
    }

    public override Tensor Apply(Tensor x)
    {
        var shape = OutputShape(x.Shape);
        using var both = _sort.Apply(x);
        using var flat = both.Reshape(x.Shape[0], -1);
        return flat.Slice(1, 0, shape[1]);
    }
}

/// <summary>
/// k-means vector quantisation (the paper's kmeans(z, k=10)): the rows of z (vectors along the last
/// dim, every other dim flattened) are clustered with k-means++ and Lloyd iterations, and each row is
/// replaced by its centroid. Same shape as the input, so the straight-through estimator applies.
/// The seed is fixed, so the same input always gives the same output on every backend.
/// </summary>
public sealed class KMeansQuantize(int k = 10, int maxIterations = 20, ulong seed = 0) : HardFunction
{
    public int K { get; } = k >= 1 ? k : throw new ArgumentOutOfRangeException(nameof(k), $"kmeans hard function: K = {k} must be at least 1");
    public int MaxIterations { get; } = maxIterations;
    public ulong Seed { get; } = seed;
    public override string Name => $"kmeans(k={K})";

    public override Tensor Apply(Tensor x)
    {
        if (x.Rank < 1) throw new ArgumentException($"{Name}: needs at least one dim, got a scalar");
        using var rows = x.Reshape(-1, x.Shape[^1]);
        using var r = Tensor.KMeans(rows, K, MaxIterations, Seed);
        return r.Quantized.Reshape(x.Shape);
    }
}

/// <summary>
/// A sample of a (non-reparameterised) Bernoulli: 1 with probability sigmoid(x) (x are logits), or
/// probability x itself when <paramref name="fromLogits"/> is false. Numbers come from a Philox
/// generator, so a seed gives the same samples on every backend. Same shape as the input.
/// </summary>
public sealed class BernoulliSample(Generator? generator = null, bool fromLogits = true) : HardFunction
{
    public Generator Generator { get; } = generator ?? new Generator(0xBE27);
    public bool FromLogits { get; } = fromLogits;
    public override string Name => FromLogits ? "bernoulli(sigmoid(x))" : "bernoulli(x)";

    public override Tensor Apply(Tensor x)
    {
        if (!FromLogits) return Generator.Bernoulli(x);
        using var p = x.Sigmoid();
        return Generator.Bernoulli(p);
    }
}
