using Dab.Backends;
using Dab.Models.Sort;
using Dab.Random;

namespace Dab.Models.Validation;

/// <summary>
/// Every op of the engine run on a device and on the CPU, forward and backward, on odd sizes,
/// broadcasting, empty dims, ties and infinities. Each case is named "family/detail".
/// </summary>
public static class ParityCatalog
{
    public static IReadOnlyList<(string Name, Action<ParityContext> Run)> Cases { get; } = Build();

    public static void Run(string name, ParityContext ctx)
    {
        foreach (var (n, run) in Cases)
            if (n == name)
            {
                using var scope = Tensor.Scope();
                run(ctx);
                return;
            }
        throw new ArgumentException($"no parity case named '{name}'");
    }

    private static readonly int[][] Shapes = [[1], [7], [33], [1023], [3, 5], [2, 3, 4], [0, 3]];

    private static List<(string, Action<ParityContext>)> Build()
    {
        var c = new List<(string, Action<ParityContext>)>();
        foreach (var op in Enum.GetValues<UnaryOp>()) c.Add(($"unary/{op}", x => Unary(x, op)));
        c.Add(("unary/special-values", UnarySpecials));
        foreach (var op in Enum.GetValues<BinaryOp>()) c.Add(($"binary/{op}", x => Binary(x, op)));
        c.Add(("scalar/ops-and-clamp", Scalars));
        c.Add(("reduce/dims", Reductions));
        c.Add(("reduce/ties-nan-inf", ArgTies));
        c.Add(("matmul/transposes", MatMulTransposes));
        c.Add(("matmul/batched-and-edges", MatMulBatched));
        c.Add(("nn/linear-softmax-losses", LinearSoftmaxLosses));
        c.Add(("nn/cross-entropy-bad-target", BadTarget));
        c.Add(("layout/shape-ops", ShapeOps));
        c.Add(("layout/casts-fills", CastsFills));
        c.Add(("random/philox", RandomNumbers));
        c.Add(("optim/adam", AdamSteps));
        c.Add(("sort/dims-ties-inf-nan", SortCases));
        c.Add(("sort/long-rows-merge", SortLongRows));
        c.Add(("topk/select-and-sort", TopKCases));
        c.Add(("kmeans/assign", KMeansAssignCases));
        c.Add(("kmeans/lloyd", KMeansLloyd));
        c.Add(("random/gumbel-bernoulli", Samplers));
        c.Add(("hard/sort-topk-kmeans-bernoulli", HardOperators));
        c.Add(("train/sort-steps", SortSteps));
        c.Add(("train/sort-graph-replay", SortGraphReplay));
        c.Add(("lstm/sequence", LstmSequence));
        c.Add(("lstm/cell-and-defaults", LstmCellAndDefaults));
        c.Add(("train/sort-rnn-steps", SortRnnSteps));
        c.Add(("train/sort-rnn-graph-replay", SortRnnGraphReplay));
        return c;
    }

    private static void Unary(ParityContext x, UnaryOp op)
    {
        foreach (var s in Shapes)
        {
            var v = x.Rand(s);
            if (op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Reciprocal) v = v.Abs().Add(0.5); // positive, away from the pole
            x.Check(t => t[0].UnaryOpT(op, 1.0), [v.Detach()], what: $"{op} {ShapeUtil.Format(s)}");
        }
    }

    private static void UnarySpecials(ParityContext x)
    {
        var v = Tensor.FromArray(new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -0f, 88f, -88f, 1e-30f });
        foreach (var op in Enum.GetValues<UnaryOp>())
            x.Check(t => t[0].UnaryOpT(op, 1.0), [v.Detach()], what: $"{op} on inf, nan, 0, -0, +-88, 1e-30");
    }

    private static void Binary(ParityContext x, BinaryOp op)
    {
        int[][][] pairs = [[[3, 4], [3, 4]], [[3, 4], [4]], [[3, 4], [3, 1]], [[3, 4], [1]], [[2, 3, 4], [3, 1]], [[1, 5], [7, 1]], [[0, 4], [4]], [[1023], [1023]]];
        foreach (var p in pairs)
        {
            var a = x.Rand(p[0]);
            if (op == BinaryOp.Pow) a = a.Abs().Add(0.5);
            var b = x.Rand(p[1]);
            Func<Tensor[], Tensor> f = op switch
            {
                BinaryOp.Add => t => t[0].Add(t[1]), BinaryOp.Sub => t => t[0].Sub(t[1]), BinaryOp.Mul => t => t[0].Mul(t[1]),
                BinaryOp.Div => t => t[0].Div(t[1]), BinaryOp.Pow => t => t[0].Pow(t[1]), BinaryOp.Max => t => t[0].Maximum(t[1]),
                BinaryOp.Min => t => t[0].Minimum(t[1]), BinaryOp.Ge => t => t[0].Ge(t[1]), BinaryOp.Gt => t => t[0].Gt(t[1]),
                BinaryOp.Le => t => t[0].Le(t[1]), BinaryOp.Lt => t => t[0].Lt(t[1]), _ => t => t[0].Eq(t[1]),
            };
            x.Check(f, [a.Detach(), b], rtol: 1e-4, what: $"{op} {ShapeUtil.Format(p[0])} with {ShapeUtil.Format(p[1])}");
        }
    }

    private static void Scalars(ParityContext x)
    {
        var v = x.Rand(5, 7);
        x.Check(t => t[0].Add(2.5).Mul(-3).RSub(1).Div(7), [v.Detach()], what: "add, mul, rsub, div");
        x.Check(t => t[0].Abs().Add(0.1).RDiv(2).Pow(1.5), [v.Detach()], rtol: 1e-4, what: "rdiv, pow");
        x.Check(t => t[0].Clamp(-0.5, 0.7), [v.Detach()], what: "clamp");
        x.Check(t => t[0].Ge(0.2), [v.Detach()], what: "ge scalar");
    }

    private static void Reductions(ParityContext x)
    {
        var v = x.Rand(4, 37, 5);
        for (int d = 0; d < 3; d++)
        {
            int dim = d;
            x.Check(t => t[0].Sum(dim), [v.Detach()], rtol: 1e-4, what: $"sum {dim}");
            x.Check(t => t[0].Mean(dim, keepDim: true), [v.Detach()], rtol: 1e-4, what: $"mean {dim}");
            x.Check(t => t[0].Max(dim), [v.Detach()], what: $"max {dim}");
            x.Check(t => t[0].Min(dim), [v.Detach()], what: $"min {dim}");
            x.Check(t => t[0].LogSumExp(dim), [v.Detach()], rtol: 1e-4, what: $"logsumexp {dim}");
            x.Equal(v.ArgMax(dim), x.OnDevice(v).ArgMax(dim), $"argmax {dim}");
            x.Equal(v.ArgMin(dim), x.OnDevice(v).ArgMin(dim), $"argmin {dim}");
        }
        x.Check(t => t[0].Sum(), [v.Detach()], rtol: 1e-4, what: "sum of all");
        x.Check(t => t[0].Sum(1), [x.Rand(3, 1023)], rtol: 1e-4, atol: 1e-4, what: "sum of long rows");
    }

    private static void ArgTies(ParityContext x)
    {
        var v = Tensor.FromArray(new[]
        {
            1f, 3f, 3f, 2f,                                       // a tie: the lowest index wins
            float.NegativeInfinity, float.NegativeInfinity, -1f, -1f,
            0f, float.NaN, 5f, float.NaN,                         // NaN counts as the extreme
            float.PositiveInfinity, 1f, float.PositiveInfinity, 0f,
        }, [4, 4]);
        x.Equal(v.ArgMax(1), x.OnDevice(v).ArgMax(1), "argmax of rows");
        x.Equal(v.ArgMin(1), x.OnDevice(v).ArgMin(1), "argmin of rows");
        x.Equal(v.ArgMax(0), x.OnDevice(v).ArgMax(0), "argmax of columns");
        x.Close(v.Max(1), x.OnDevice(v).Max(1), what: "max with NaN");
    }

    private static void MatMulTransposes(ParityContext x)
    {
        int[][] mnk = [[1, 1, 1], [7, 33, 5], [33, 7, 65], [64, 64, 64], [100, 130, 47]];
        foreach (var s in mnk)
            foreach (var ta in new[] { false, true })
                foreach (var tb in new[] { false, true })
                {
                    int m = s[0], n = s[1], k = s[2];
                    bool tA = ta, tB = tb;
                    var a = x.Rand(ta ? [k, m] : [m, k]);
                    var b = x.Rand(tb ? [n, k] : [k, n]);
                    x.Check(t => t[0].MatMul(t[1], tA, tB), [a, b], rtol: 1e-4, atol: 1e-4 * Math.Sqrt(k), what: $"matmul {m}x{n}x{k} transA={ta} transB={tb}");
                }
    }

    private static void MatMulBatched(ParityContext x)
    {
        var w = x.Rand(8, 6);
        x.Check(t => t[0].MatMul(t[1]), [x.Rand(3, 5, 8), x.Rand(3, 8, 6)], rtol: 1e-4, what: "batched @ batched");
        x.Check(t => t[0].MatMul(t[1]), [x.Rand(3, 5, 8), w.Detach()], rtol: 1e-4, what: "batched @ matrix");
        x.Check(t => t[0].MatMul(t[1], transA: true), [x.Rand(3, 8, 5), w.Detach()], rtol: 1e-4, what: "batched^T @ matrix");
        x.Check(t => t[0].MatMul(t[1]), [x.Rand(8, 5), x.Rand(3, 5, 4)], rtol: 1e-4, what: "matrix @ batched");
        x.Check(t => t[0].MatMul(t[1]), [x.Rand64(9, 17), x.Rand64(17, 5)], rtol: 1e-12, atol: 1e-12, what: "float64");
        x.Check(t => t[0].MatMul(t[1]), [x.Rand(0, 4), x.Rand(4, 3)], what: "no rows");
        x.Check(t => t[0].MatMul(t[1]), [x.Rand(3, 0), x.Rand(0, 2)], what: "k = 0 gives zeros");
    }

    private static void LinearSoftmaxLosses(ParityContext x)
    {
        x.Check(t => t[0].Linear(t[1], t[2]), [x.Rand(6, 10), x.Rand(4, 10), x.Rand(4)], rtol: 1e-4, what: "linear");
        x.Check(t => t[0].LinearTanh(t[1], t[2]), [x.Rand(6, 10), x.Rand(4, 10), x.Rand(4)], rtol: 1e-4, what: "linear_tanh (one node: the IBackend bias + tanh tail)");
        var s3 = x.Rand(3, 5, 4);
        for (int d = 0; d < 3; d++)
        {
            int dim = d;
            x.Check(t => t[0].Softmax(dim), [s3.Detach()], what: $"softmax {dim}");
            x.Check(t => t[0].LogSoftmax(dim), [s3.Detach()], what: $"log_softmax {dim}");
        }
        var withInf = Tensor.FromArray(new[] { 1f, float.NegativeInfinity, 2f, float.NegativeInfinity, float.NegativeInfinity, 0f }, [2, 3]);
        x.Check(t => t[0].Softmax(1), [withInf], what: "softmax with -inf");
        var logits = x.Rand(4, 5, 3);
        var target = Tensor.FromArray(new long[] { 0, 4, 2, 1, 1, 3, 4, 0, 2, 3, 3, 1 }, [4, 3]);
        x.Check(t => Tensor.CrossEntropy(t[0], t[1]), [logits.Detach(), target], rtol: 1e-4, what: "cross_entropy (B, C, T)");
        x.Check(t => Tensor.CrossEntropy(t[0], t[1], Reduction.None), [logits.Detach(), target], rtol: 1e-4, what: "cross_entropy, no reduction");
        var p = x.Rand(3, 4);
        x.Check(t => Tensor.Mse(t[0], t[1]), [p.Detach(), x.Rand(3, 4)], what: "mse");
        x.Check(t => Tensor.BinaryCrossEntropyWithLogits(t[0], t[1]), [p.Detach(), x.Gen.Uniform([3, 4]).Ge(0.5)], what: "bce with logits");
        // fused on the CPU, composed on the device (the IBackend defaults)
        x.Check(t => Tensor.SquaredDistanceLoss(t[0], t[1], 10), [x.Rand(33, 7), x.Rand(33, 7)], rtol: 1e-4, what: "squared_distance_loss");
        var edges = Tensor.FromArray(new[] { 0.5f, -0.5f, 0.50001f, -0.50001f, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 3f, -2f });
        x.Check(t => t[0].MarginSign(0.5), [edges], what: "margin_sign with the margins, zeros, infinities and NaN");
        x.Check(t => t[0].MarginSign(0.5), [x.Rand(5, 37)], what: "margin_sign");
    }

    private static void BadTarget(ParityContext x)
    {
        var logits = x.OnDevice(x.Rand(2, 3));
        var target = x.OnDevice(Tensor.FromArray(new long[] { 1, 7 }));
        try
        {
            Tensor.CrossEntropy(logits, target);
        }
        catch (ArgumentException e) when (e.Message.Contains("target 7"))
        {
            return;
        }
        throw new ParityFailure("cross_entropy with target 7 of 3 classes did not raise an ArgumentException naming it");
    }

    private static void ShapeOps(ParityContext x)
    {
        var v = x.Rand(2, 3, 4);
        x.Check(t => t[0].Permute(2, 0, 1), [v.Detach()], what: "permute");
        x.Check(t => t[0].Transpose(0, 2), [v.Detach()], what: "transpose");
        x.Check(t => t[0].Reshape(6, 4).Slice(0, 1, 3), [v.Detach()], what: "slice of rows");
        x.Check(t => t[0].Slice(2, 1, 2), [v.Detach()], what: "slice of the inner dim");
        x.Check(t => Tensor.Concat([t[0], t[1]], 1), [v.Detach(), x.Rand(2, 5, 4)], what: "concat");
        var idx = Tensor.FromArray(new long[] { 2, 0, 0, 1, 1, 2, 2, 2, 0, 1, 0, 1, 0, 2, 1, 1, 2, 0, 0, 0, 1, 2, 1, 0 }, [2, 3, 4]);
        x.Check(t => t[0].Gather(1, t[1]), [v.Detach(), idx], what: "gather");
        x.Check(t => t[0].IndexSelect(2, t[1]), [v.Detach(), Tensor.FromArray(new long[] { 3, 0, 3 })], what: "index_select with a repeat");
        x.Check(t => t[0].BroadcastTo([3, 2, 3, 4]), [v.Detach()], what: "broadcast_to");
        var i64 = Tensor.FromArray(new long[] { 1, -2, 3, long.MaxValue }, [2, 2]);
        x.Equal(i64.Permute(1, 0), x.OnDevice(i64).Permute(1, 0), "int64 permute");
    }

    private static void CastsFills(ParityContext x)
    {
        var v = Tensor.FromArray(new[] { 1.5f, -2.7f, float.NaN, 3e10f, -3e10f, 0f });
        foreach (var dt in new[] { DType.Float64, DType.Int32, DType.Int64 })
        {
            var c = v.To(dt).ToArray<double>();
            var d = x.OnDevice(v).To(dt).ToArray<double>();
            x.That(c.SequenceEqual(d), $"cast float32 -> {dt.Name()}: [{string.Join(", ", d)}], expected [{string.Join(", ", c)}]");
        }
        foreach (var dt in Enum.GetValues<DType>())
            x.That(Tensor.Full([3, 5], 7, dt, x.Device).ToArray<double>().All(e => e == 7), $"fill of {dt.Name()}");
        x.That(Tensor.Zeros([1000], device: x.Device).ToArray<float>().All(e => e == 0), "zeros");
    }

    private static void RandomNumbers(ParityContext x)
    {
        var gc = new Generator(99);
        var gd = new Generator(99);
        x.That(gd.Uniform([1001], device: x.Device).ToArray<float>().SequenceEqual(gc.Uniform([1001]).ToArray<float>()),
            "uniform numbers are bit-identical to the CPU's");
        x.Close(gc.Normal([1001], DType.Float64), gd.Normal([1001], DType.Float64, x.Device), 1e-12, 1e-12, "normal numbers");
    }

    private static void AdamSteps(ParityContext x)
    {
        var p0 = x.Rand(37);
        var pc = p0.Clone().DetachFromScopes();
        pc.RequiresGrad = true;
        var pd = x.OnDevice(p0).DetachFromScopes();
        pd.RequiresGrad = true;
        using var oc = new Dab.Optim.Adam([pc], 1e-2, weightDecay: 0.1);
        using var od = new Dab.Optim.Adam([pd], 1e-2, weightDecay: 0.1);
        for (int s = 0; s < 3; s++)
        {
            var g = x.Rand(37);
            pc.Grad = g.Clone().DetachFromScopes();
            pd.Grad = x.OnDevice(g).DetachFromScopes();
            oc.Step();
            od.Step();
        }
        x.Close(pc, pd, 1e-5, 1e-6, "parameters after 3 Adam steps");
    }

    /// <summary>Random values with ties, -0, +-inf and NaN (the documented order decides them).</summary>
    private static Tensor Nasty(ParityContext x, params int[] shape)
    {
        var v = x.Rand(shape).Mul(2).ToArray<float>();
        for (int i = 0; i < v.Length; i++)
            v[i] = (i * 7919 % 23) switch
            {
                0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, 3 => -0f, 4 => 0f,
                < 12 => MathF.Round(v[i]), _ => v[i],
            };
        return Tensor.FromArray(v, shape);
    }

    private static void SortCases(ParityContext x)
    {
        foreach (var shape in new[] { new[] { 1 }, new[] { 5, 1 }, new[] { 7, 33 }, new[] { 3, 4, 5 }, new[] { 2, 1000 } })
            for (int d = 0; d < shape.Length; d++)
                foreach (var desc in new[] { false, true })
                {
                    int dim = d;
                    bool ds = desc;
                    var v = Nasty(x, shape);
                    x.Equal(v.Sort(dim, ds).Indices, x.OnDevice(v).Sort(dim, ds).Indices, $"sort indices {ShapeUtil.Format(shape)} dim {dim} descending={ds}");
                    var finite = x.Rand(shape);
                    x.Check(t => t[0].Sort(dim, ds).Values, [finite], what: $"sort values {ShapeUtil.Format(shape)} dim {dim} descending={ds}");
                }
        x.Check(t => t[0].Sort(0).Values, [x.Rand64(37)], rtol: 1e-12, atol: 1e-12, what: "float64 sort");
    }

    private static void SortLongRows(ParityContext x)
    {
        var v = Nasty(x, 2, 4500);
        foreach (var desc in new[] { false, true })
        {
            var (cv, ci) = v.Sort(1, desc);
            var (dv, di) = x.OnDevice(v).Sort(1, desc);
            x.Equal(ci, di, $"indices of rows of 4500 (multi-block merge) descending={desc}");
            x.Close(cv, dv, 0, 1e-300, $"values of rows of 4500 descending={desc}");
        }
    }

    private static void TopKCases(ParityContext x)
    {
        foreach (var (n, k) in new[] { (1, 1), (9, 1), (9, 9), (100, 10), (1024, 32), (200, 50), (0, 0) })
            foreach (var largest in new[] { true, false })
            {
                var v = Nasty(x, 6, n);
                int kk = k;
                bool lg = largest;
                var (cv, ci) = v.TopK(kk, 1, lg);
                var (dv, di) = x.OnDevice(v).TopK(kk, 1, lg);
                x.Equal(ci, di, $"top-{kk} of {n} indices largest={lg}");
                x.Close(cv, dv, 0, 1e-300, $"top-{kk} of {n} values largest={lg}");
                x.Check(t => t[0].TopK(kk, 1, lg).Values, [x.Rand(6, n)], what: $"top-{kk} of {n} forward and backward");
            }
        x.Check(t => t[0].TopK(2, 0).Values, [x.Rand(5, 3)], what: "top-2 along dim 0");
    }

    private static void KMeansAssignCases(ParityContext x)
    {
        foreach (var (n, d, k) in new[] { (1, 1, 1), (65, 7, 3), (130, 33, 70), (10, 4, 20), (100, 64, 130) })
        {
            var p = x.Rand(n, d);
            var c = x.Rand(k, d);
            var (ca, cd) = Tensor.KMeansAssign(p, c);
            var (da, dd) = Tensor.KMeansAssign(x.OnDevice(p), x.OnDevice(c));
            x.Equal(ca, da, $"assignments of {n}x{d} to {k}");
            x.Close(cd, dd, 0, 1e-300, $"distances of {n}x{d} to {k} (bit for bit)");
        }
        var special = Tensor.FromArray(new[] { float.NaN, 0f, float.PositiveInfinity, 1f, 1f, 1f, 0f, 0f }, [4, 2]);
        var cs = Tensor.FromArray(new[] { 1f, 1f, 1f, 1f, 0f, 0f, float.NaN, 1f }, [4, 2]);
        var (sa, sd) = Tensor.KMeansAssign(special, cs);
        var (ta, td) = Tensor.KMeansAssign(x.OnDevice(special), x.OnDevice(cs));
        x.Equal(sa, ta, "assignments with NaN, inf and tied centroids");
        x.Close(sd, td, 0, 1e-300, "distances with NaN, inf and tied centroids");
    }

    private static void KMeansLloyd(ParityContext x)
    {
        var p = x.Rand(120, 6);
        foreach (var k in new[] { 1, 10, 150 })
        {
            using var c = Tensor.KMeans(p, k, seed: 3);
            using var g = Tensor.KMeans(x.OnDevice(p), k, seed: 3);
            x.Equal(c.Assignments, g.Assignments, $"k-means k={k}: assignments");
            x.Close(c.Centroids, g.Centroids, 0, 1e-300, $"k-means k={k}: centroids");
            x.Close(c.Quantized, g.Quantized, 0, 1e-300, $"k-means k={k}: quantised points");
            x.That(c.Iterations == g.Iterations, $"k-means k={k}: {g.Iterations} iterations on {x.Device}, {c.Iterations} on the CPU");
        }
    }

    private static void Samplers(ParityContext x)
    {
        var gc = new Generator(77);
        var gd = new Generator(77);
        x.Close(gc.Gumbel([1001], DType.Float64), gd.Gumbel([1001], DType.Float64, x.Device), 1e-12, 1e-12, "gumbel numbers");
        x.Close(gc.Gumbel([37]), gd.Gumbel([37], device: x.Device), 1e-6, 1e-6, "float32 gumbel numbers");
        var probs = x.Gen.Uniform([501]);
        x.Close(gc.Bernoulli(probs), gd.Bernoulli(x.OnDevice(probs)), 0, 1e-300, "bernoulli samples");
        x.Close(gc.Bernoulli([99], 0.3), gd.Bernoulli([99], 0.3, device: x.Device), 0, 1e-300, "bernoulli(0.3) samples");
    }

    /// <summary>The DAB layer's operator hard functions give the same outputs on the device.</summary>
    private static void HardOperators(ParityContext x)
    {
        var v = x.Rand(6, 9);
        var fm = x.Rand(2, 3, 4, 5);
        foreach (var f in new Dab.Models.Hard.HardFunction[]
                 {
                     new Dab.Models.Hard.RowColumnSort(), new Dab.Models.Hard.RowColumnSort(descending: true), new Dab.Models.Hard.FlatSort(),
                     new Dab.Models.Hard.TopKOfSorts(5), new Dab.Models.Hard.KMeansQuantize(4),
                 })
        {
            x.Close(f.Apply(v), f.Apply(x.OnDevice(v)), 0, 1e-300, $"{f.Name} on (6, 9)");
            x.Close(f.Apply(fm), f.Apply(x.OnDevice(fm)), 0, 1e-300, $"{f.Name} on (2, 3, 4, 5)");
        }
        var b1 = new Dab.Models.Hard.BernoulliSample(new Generator(4));
        var b2 = new Dab.Models.Hard.BernoulliSample(new Generator(4));
        x.Close(b1.Apply(v), b2.Apply(x.OnDevice(v)), 0, 1e-300, "bernoulli(sigmoid(x)) samples");
    }

    /// <summary>Replaying a captured step gives the losses of eager steps on the same batches.</summary>
    private static void SortGraphReplay(ParityContext x)
    {
        var cfg = new SortConfig { Length = 4, Batch = 16, Latent = 16, Steps = 4, Seed = 9, Device = x.Device };
        using var eager = new SortTrainer(cfg);
        using var graphed = new SortTrainer(cfg);
        using var graph = new SortGraphStep(graphed);
        for (int i = 0; i < 4; i++)
        {
            var a = eager.Step();
            var b = graph.Step();
            x.That(Math.Abs(a.Loss - b.Loss) <= 1e-5 * Math.Abs(a.Loss), $"graph step {i}: loss {b.Loss}, eager {a.Loss}");
            x.That(Math.Abs(a.Bridge - b.Bridge) <= 1e-4 * Math.Abs(a.Bridge) + 1e-6, $"graph step {i}: bridge loss {b.Bridge}, eager {a.Bridge}");
        }
        x.That(graphed.Optimizer.StepCount == eager.Optimizer.StepCount, $"graph: {graphed.Optimizer.StepCount} optimizer steps, eager {eager.Optimizer.StepCount}");
        foreach (var ((name, pe), (_, pg)) in eager.Model.NamedParameters().Zip(graphed.Model.NamedParameters()))
            x.Close(pe, pg, 1e-5, 1e-6, $"parameter {name} after 4 graph-replayed steps (Adam update inside the graph)");
    }

    private static void SortSteps(ParityContext x)
    {
        var cfg = new SortConfig { Length = 4, Batch = 16, Latent = 16, Steps = 3, Seed = 5 };
        using var cpu = new SortTrainer(cfg);
        using var dev = new SortTrainer(cfg with { Device = x.Device });
        for (int i = 0; i < 3; i++)
        {
            var a = cpu.Step();
            var b = dev.Step();
            x.That(Math.Abs(a.Loss - b.Loss) <= 1e-4 * Math.Abs(a.Loss), $"sort step {i}: loss {b.Loss} on {x.Device}, {a.Loss} on the CPU");
            x.That(Math.Abs(a.Bridge - b.Bridge) <= 1e-3 * Math.Abs(a.Bridge) + 1e-5, $"sort step {i}: bridge loss {b.Bridge} on {x.Device}, {a.Bridge} on the CPU");
        }
    }

    // ---- LSTM (kernels/lstm.cuh) ------------------------------------------------------------

    private static Tensor LstmJoined(Tensor[] t)
    {
        var (y, h, c) = Tensor.Lstm(t[0], t[1], t[2], t[3], t[4], t[5], t[6]);
        return Tensor.Concat([y.Reshape(y.Shape[0], -1), h, c], 1);
    }

    private static Tensor[] LstmInputs(ParityContext x, int batch, int time, int inF, int hidden) =>
        [x.Rand(batch, time, inF), x.Rand(4 * hidden, inF).Mul(0.5), x.Rand(4 * hidden, hidden).Mul(0.5),
         x.Rand(4 * hidden), x.Rand(4 * hidden), x.Rand(batch, hidden), x.Rand(batch, hidden)];

    /// <summary>Forward (every step's h, final h and c) and every gradient, including those of h0 and c0.</summary>
    private static void LstmSequence(ParityContext x)
    {
        int[][] sizes = [[3, 5, 2, 7], [1, 1, 1, 1], [4, 3, 1, 33], [2, 6, 3, 64], [5, 2, 4, 3]];
        foreach (var s in sizes)
            x.Check(LstmJoined, LstmInputs(x, s[0], s[1], s[2], s[3]), rtol: 1e-4, atol: 1e-5,
                what: $"lstm B={s[0]} T={s[1]} in={s[2]} H={s[3]}");
        var v = LstmInputs(x, 3, 4, 2, 5).Select(t => t.To(DType.Float64)).ToArray();
        x.Check(LstmJoined, v, rtol: 1e-12, atol: 1e-12, what: "lstm float64");
    }

    private static void LstmCellAndDefaults(ParityContext x)
    {
        var v = LstmInputs(x, 4, 1, 3, 9);
        x.Check(t =>
        {
            var (h, c) = Tensor.LstmCell(t[0], t[5], t[6], t[1], t[2], t[3], t[4]);
            return Tensor.Concat([h, c], 1);
        }, [v[0].Reshape(4, 3), .. v[1..]], rtol: 1e-4, atol: 1e-5, what: "lstm cell");
        x.Check(t => Tensor.Lstm(t[0], t[1], t[2]).Output, [x.Rand(2, 3, 2), x.Rand(12, 2), x.Rand(12, 3)], rtol: 1e-4, atol: 1e-5,
            what: "lstm without biases, from zeros");
        x.Check(t => Tensor.Lstm(t[0], t[1], t[2], t[3], t[4], t[5], t[6]).C, LstmInputs(x, 2, 3, 2, 5), rtol: 1e-4, atol: 1e-5,
            what: "lstm, final c only");
    }

    /// <summary>A few Signum-RNN training steps (pondering, gradient clipping) give the CPU's losses.</summary>
    private static void SortRnnSteps(ParityContext x)
    {
        var cfg = new SortConfig { Length = 4, Batch = 16, Latent = 16, Steps = 3, Seed = 5, Model = SortModelKind.Rnn, Ponder = 2, LearningRate = 1e-2 };
        using var cpu = new SortTrainer(cfg);
        using var dev = new SortTrainer(cfg with { Device = x.Device });
        for (int i = 0; i < 3; i++)
        {
            var a = cpu.Step();
            var b = dev.Step();
            x.That(Math.Abs(a.Loss - b.Loss) <= 1e-4 * Math.Abs(a.Loss), $"rnn sort step {i}: loss {b.Loss} on {x.Device}, {a.Loss} on the CPU");
            x.That(Math.Abs(a.Bridge - b.Bridge) <= 1e-3 * Math.Abs(a.Bridge) + 1e-5, $"rnn sort step {i}: bridge loss {b.Bridge} on {x.Device}, {a.Bridge} on the CPU");
        }
    }

    /// <summary>The recurrence (device-to-device copies, per-step GEMMs and gate kernels) replays from a captured graph.</summary>
    private static void SortRnnGraphReplay(ParityContext x)
    {
        var cfg = new SortConfig { Length = 3, Batch = 8, Latent = 8, Steps = 3, Seed = 9, Model = SortModelKind.Rnn, Ponder = 1, Device = x.Device };
        using var eager = new SortTrainer(cfg);
        using var graphed = new SortTrainer(cfg);
        using var graph = new SortGraphStep(graphed);
        for (int i = 0; i < 3; i++)
        {
            var a = eager.Step();
            var b = graph.Step();
            x.That(Math.Abs(a.Loss - b.Loss) <= 1e-5 * Math.Abs(a.Loss), $"rnn graph step {i}: loss {b.Loss}, eager {a.Loss}");
            x.That(Math.Abs(a.Bridge - b.Bridge) <= 1e-4 * Math.Abs(a.Bridge) + 1e-6, $"rnn graph step {i}: bridge loss {b.Bridge}, eager {a.Bridge}");
        }
    }
}
