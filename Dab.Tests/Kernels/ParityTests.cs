using Dab.Backends;
using NUnit.Framework;

namespace Dab.Tests.Kernels;

/// <summary>Every op's forward and backward on the device equals the CPU within float32 tolerance.</summary>
public abstract class ParityTests : DeviceFixture
{
    private static readonly int[][] Shapes = [[1], [7], [33], [1023], [3, 5], [2, 3, 4], [0, 3]];

    /// <summary>Runs f on CPU inputs and on their device copies; compares outputs and input gradients.</summary>
    private void Check(Func<Tensor[], Tensor> f, Tensor[] cpuInputs, double rtol = 1e-5, double atol = 1e-5, string what = "")
    {
        foreach (var t in cpuInputs) if (t.DType.IsFloating()) t.RequiresGrad = true;
        var dev = cpuInputs.Select(t =>
        {
            var d = OnDevice(t.Detach());
            if (t.DType.IsFloating()) d.RequiresGrad = true;
            return d;
        }).ToArray();
        var yc = f(cpuInputs);
        var yd = f(dev);
        Assert.That(yd.Device, Is.EqualTo(Device), "the result stays on the device");
        AssertClose(yc, yd, rtol, atol, what + " forward");
        if (!yc.RequiresGrad || yc.Numel == 0) return;
        using var up = Gen.Normal(yc.Shape, yc.DType);
        using var upd = OnDevice(up);
        yc.Backward(up);
        yd.Backward(upd);
        for (int i = 0; i < cpuInputs.Length; i++)
            if (cpuInputs[i].Grad != null)
                AssertClose(cpuInputs[i].Grad!, dev[i].Grad!, rtol * 10, atol * 10, $"{what} grad of input {i}");
    }

    [Test]
    public void UnaryOps([Values] UnaryOp op)
    {
        foreach (var s in Shapes)
        {
            using var x0 = Rand(s);
            // keep log/sqrt/reciprocal inputs positive and away from the kinks
            var x = op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Reciprocal ? x0.Abs().Add(0.5) : x0;
            Check(t => t[0].UnaryOpT(op, 1.0), [x.Detach()], what: $"{op} {ShapeUtil.Format(s)}");
        }
    }

    [Test]
    public void UnaryOpsOnSpecialValues()
    {
        var x = Tensor.FromArray(new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -0f, 88f, -88f, 1e-30f });
        foreach (var op in Enum.GetValues<UnaryOp>())
            Check(t => t[0].UnaryOpT(op, 1.0), [x.Detach()], rtol: 1e-5, what: $"{op} specials");
    }

    [Test]
    public void BinaryOpsWithBroadcasting([Values] BinaryOp op)
    {
        int[][][] pairs = [[[3, 4], [3, 4]], [[3, 4], [4]], [[3, 4], [3, 1]], [[3, 4], [1]], [[2, 3, 4], [3, 1]], [[1, 5], [7, 1]], [[0, 4], [4]], [[1023], [1023]]];
        foreach (var p in pairs)
        {
            using var a0 = Rand(p[0]);
            using var b0 = Rand(p[1]);
            var a = op == BinaryOp.Pow ? a0.Abs().Add(0.5) : a0.Detach();
            Func<Tensor[], Tensor> f = op switch
            {
                BinaryOp.Add => t => t[0].Add(t[1]), BinaryOp.Sub => t => t[0].Sub(t[1]), BinaryOp.Mul => t => t[0].Mul(t[1]),
                BinaryOp.Div => t => t[0].Div(t[1]), BinaryOp.Pow => t => t[0].Pow(t[1]), BinaryOp.Max => t => t[0].Maximum(t[1]),
                BinaryOp.Min => t => t[0].Minimum(t[1]), BinaryOp.Ge => t => t[0].Ge(t[1]), BinaryOp.Gt => t => t[0].Gt(t[1]),
                BinaryOp.Le => t => t[0].Le(t[1]), BinaryOp.Lt => t => t[0].Lt(t[1]), _ => t => t[0].Eq(t[1]),
            };
            Check(f, [a, b0.Detach()], rtol: 1e-4, what: $"{op} {ShapeUtil.Format(p[0])} {ShapeUtil.Format(p[1])}");
        }
    }

    [Test]
    public void ScalarOpsAndClamp()
    {
        using var x = Rand(5, 7);
        Check(t => t[0].Add(2.5).Mul(-3).RSub(1).Div(7), [x.Detach()], what: "add/mul/rsub/div");
        Check(t => t[0].Abs().Add(0.1).RDiv(2).Pow(1.5), [x.Detach()], rtol: 1e-4, what: "rdiv/pow");
        Check(t => t[0].Clamp(-0.5, 0.7), [x.Detach()], what: "clamp");
        Check(t => t[0].Ge(0.2), [x.Detach()], what: "ge scalar");
    }

    [Test]
    public void Reductions()
    {
        using var x = Rand(4, 37, 5);
        for (int d = 0; d < 3; d++)
        {
            Check(t => t[0].Sum(d), [x.Detach()], rtol: 1e-4, what: $"sum {d}");
            Check(t => t[0].Mean(d, keepDim: true), [x.Detach()], rtol: 1e-4, what: $"mean {d}");
            Check(t => t[0].Max(d), [x.Detach()], what: $"max {d}");
            Check(t => t[0].Min(d), [x.Detach()], what: $"min {d}");
            Check(t => t[0].LogSumExp(d), [x.Detach()], rtol: 1e-4, what: $"logsumexp {d}");
            AssertEqualInts(x.ArgMax(d), OnDevice(x).ArgMax(d), $"argmax {d}");
            AssertEqualInts(x.ArgMin(d), OnDevice(x).ArgMin(d), $"argmin {d}");
        }
        Check(t => t[0].Sum(), [x.Detach()], rtol: 1e-4, what: "sum all");
        using var big = Rand(3, 1023);
        Check(t => t[0].Sum(1), [big.Detach()], rtol: 1e-4, atol: 1e-4, what: "sum of long rows");
    }

    [Test]
    public void ArgMaxTiesAndNaNAndInfinities()
    {
        var x = Tensor.FromArray(new[]
        {
            1f, 3f, 3f, 2f,                                   // tie: lowest index
            float.NegativeInfinity, float.NegativeInfinity, -1f, -1f,
            0f, float.NaN, 5f, float.NaN,                     // NaN counts as the max
            float.PositiveInfinity, 1f, float.PositiveInfinity, 0f,
        }, [4, 4]);
        AssertEqualInts(x.ArgMax(1), OnDevice(x).ArgMax(1), "argmax rows");
        AssertEqualInts(x.ArgMin(1), OnDevice(x).ArgMin(1), "argmin rows");
        AssertEqualInts(x.ArgMax(0), OnDevice(x).ArgMax(0), "argmax columns");
        AssertClose(x.Max(1), OnDevice(x).Max(1), what: "max with NaN");
    }

    [Test]
    public void MatMulAllTransposesAndBatches()
    {
        int[][] mnk = [[1, 1, 1], [7, 33, 5], [33, 7, 65], [64, 64, 64], [100, 130, 47]];
        foreach (var s in mnk)
            foreach (var ta in new[] { false, true })
                foreach (var tb in new[] { false, true })
                {
                    int m = s[0], n = s[1], k = s[2];
                    using var a = Rand(ta ? [k, m] : [m, k]);
                    using var b = Rand(tb ? [n, k] : [k, n]);
                    Check(t => t[0].MatMul(t[1], ta, tb), [a.Detach(), b.Detach()], rtol: 1e-4, atol: 1e-4 * Math.Sqrt(k), what: $"matmul {m}x{n}x{k} {ta} {tb}");
                }
        using var ba = Rand(3, 5, 8);
        using var bb = Rand(3, 8, 6);
        using var w = Rand(8, 6);
        Check(t => t[0].MatMul(t[1]), [ba.Detach(), bb.Detach()], rtol: 1e-4, what: "batched");
        Check(t => t[0].MatMul(t[1]), [ba.Detach(), w.Detach()], rtol: 1e-4, what: "batched @ matrix");
        Check(t => t[0].MatMul(t[1], transA: true), [Rand(3, 8, 5), w.Detach()], rtol: 1e-4, what: "batched^T @ matrix");
        using var a64 = Rand64(9, 17);
        using var b64 = Rand64(17, 5);
        Check(t => t[0].MatMul(t[1]), [a64.Detach(), b64.Detach()], rtol: 1e-12, atol: 1e-12, what: "float64");
        using var e1 = Rand(0, 4);
        using var e2 = Rand(4, 3);
        Check(t => t[0].MatMul(t[1]), [e1.Detach(), e2.Detach()], what: "empty rows");
        using var k0a = Rand(3, 0);
        using var k0b = Rand(0, 2);
        Check(t => t[0].MatMul(t[1]), [k0a.Detach(), k0b.Detach()], what: "k = 0 gives zeros");
    }

    [Test]
    public void LinearSoftmaxAndLosses()
    {
        using var x = Rand(6, 10);
        using var w = Rand(4, 10);
        using var b = Rand(4);
        Check(t => t[0].Linear(t[1], t[2]), [x.Detach(), w.Detach(), b.Detach()], rtol: 1e-4, what: "linear");
        using var s3 = Rand(3, 5, 4);
        for (int d = 0; d < 3; d++)
        {
            Check(t => t[0].Softmax(d), [s3.Detach()], what: $"softmax {d}");
            Check(t => t[0].LogSoftmax(d), [s3.Detach()], what: $"log_softmax {d}");
        }
        var withInf = Tensor.FromArray(new[] { 1f, float.NegativeInfinity, 2f, float.NegativeInfinity, float.NegativeInfinity, 0f }, [2, 3]);
        Check(t => t[0].Softmax(1), [withInf], what: "softmax with -inf");
        using var logits = Rand(4, 5, 3);
        var target = Tensor.FromArray(new long[] { 0, 4, 2, 1, 1, 3, 4, 0, 2, 3, 3, 1 }, [4, 3]);
        Check(t => Tensor.CrossEntropy(t[0], t[1].To(DType.Int64)), [logits.Detach(), target], rtol: 1e-4, what: "cross_entropy");
        Check(t => Tensor.CrossEntropy(t[0], t[1].To(DType.Int64), Reduction.None), [logits.Detach(), target], rtol: 1e-4, what: "cross_entropy none");
        using var p = Rand(3, 4);
        using var q = Rand(3, 4);
        Check(t => Tensor.Mse(t[0], t[1]), [p.Detach(), q.Detach()], what: "mse");
        using var y01 = Gen.Uniform([3, 4]);
        Check(t => Tensor.BinaryCrossEntropyWithLogits(t[0], t[1]), [p.Detach(), y01.Ge(0.5)], what: "bce");
    }

    [Test]
    public void CrossEntropyTargetOutOfRangeIsAClearError()
    {
        using var logits = OnDevice(Rand(2, 3));
        using var target = OnDevice(Tensor.FromArray(new long[] { 1, 7 }));
        Assert.That(() => Tensor.CrossEntropy(logits, target), Throws.InstanceOf<ArgumentException>().With.Message.Contains("target 7"));
    }

    [Test]
    public void ShapeOps()
    {
        using var x = Rand(2, 3, 4);
        Check(t => t[0].Permute(2, 0, 1), [x.Detach()], what: "permute");
        Check(t => t[0].Transpose(0, 2), [x.Detach()], what: "transpose");
        Check(t => t[0].Reshape(6, 4).Slice(0, 1, 3), [x.Detach()], what: "slice");
        Check(t => t[0].Slice(2, 1, 2), [x.Detach()], what: "slice inner");
        using var y = Rand(2, 5, 4);
        Check(t => Tensor.Concat([t[0], t[1]], 1), [x.Detach(), y.Detach()], what: "concat");
        var idx = Tensor.FromArray(new long[] { 2, 0, 0, 1, 1, 2, 2, 2, 0, 1, 0, 1, 0, 2, 1, 1, 2, 0, 0, 0, 1, 2, 1, 0 }, [2, 3, 4]);
        Check(t => t[0].Gather(1, t[1]), [x.Detach(), idx], what: "gather");
        var sel = Tensor.FromArray(new long[] { 3, 0, 3 });
        Check(t => t[0].IndexSelect(2, t[1]), [x.Detach(), sel], what: "index_select (repeats accumulate)");
        Check(t => t[0].BroadcastTo([3, 2, 3, 4]), [x.Detach()], what: "broadcast_to");
        using var i64 = Tensor.FromArray(new long[] { 1, -2, 3, long.MaxValue }, [2, 2]);
        AssertEqualInts(i64.Permute(1, 0), OnDevice(i64).Permute(1, 0), "int64 permute");
    }

    [Test]
    public void CastsFillsAndCopies()
    {
        var x = Tensor.FromArray(new[] { 1.5f, -2.7f, float.NaN, 3e10f, -3e10f, 0f });
        foreach (var dt in new[] { DType.Float64, DType.Int32, DType.Int64 })
        {
            using var c = x.To(dt);
            using var d = OnDevice(x).To(dt);
            Assert.That(d.ToArray<double>(), Is.EqualTo(c.ToArray<double>()), $"cast to {dt}");
        }
        foreach (var dt in Enum.GetValues<DType>())
        {
            using var f = Tensor.Full([3, 5], 7, dt, Device);
            Assert.That(f.ToArray<double>(), Is.All.EqualTo(7.0), $"fill {dt}");
        }
        using var z = Tensor.Zeros([1000], device: Device);
        Assert.That(z.ToArray<float>(), Is.All.EqualTo(0f));
    }

    [Test]
    public void RandomNumbersMatchTheCpuBitForBit()
    {
        var gc = new Dab.Random.Generator(99);
        var gd = new Dab.Random.Generator(99);
        using var uc = gc.Uniform([1001]);
        using var ud = gd.Uniform([1001], device: Device);
        Assert.That(ud.ToArray<float>(), Is.EqualTo(uc.ToArray<float>()), "uniform");
        using var nc = gc.Normal([1001], DType.Float64);
        using var nd = gd.Normal([1001], DType.Float64, Device);
        AssertClose(nc, nd, 1e-12, 1e-12, "normal");
    }

    [Test]
    public void AdamMatchesTheCpu()
    {
        using var p0 = Rand(37);
        var pc = p0.Clone().DetachFromScopes(); pc.RequiresGrad = true;
        var pd = OnDevice(p0).DetachFromScopes(); pd.RequiresGrad = true;
        using var oc = new Dab.Optim.Adam([pc], 1e-2, weightDecay: 0.1);
        using var od = new Dab.Optim.Adam([pd], 1e-2, weightDecay: 0.1);
        for (int s = 0; s < 3; s++)
        {
            using var g = Rand(37);
            pc.Grad = g.Clone().DetachFromScopes();
            pd.Grad = OnDevice(g).DetachFromScopes();
            oc.Step();
            od.Step();
        }
        AssertClose(pc, pd, 1e-5, 1e-6, "parameters after 3 Adam steps");
    }

    [Test]
    public void SortModelTrainsLikeTheCpu()
    {
        var cfg = new Dab.Models.Sort.SortConfig { Length = 4, Batch = 16, Latent = 16, Steps = 3, Seed = 5 };
        using var cpu = new Dab.Models.Sort.SortTrainer(cfg);
        using var dev = new Dab.Models.Sort.SortTrainer(cfg with { Device = Device });
        for (int i = 0; i < 3; i++)
        {
            var a = cpu.Step();
            var b = dev.Step();
            Assert.That(b.Loss, Is.EqualTo(a.Loss).Within(1e-4 * Math.Abs(a.Loss)), $"loss at step {i}");
            Assert.That(b.Bridge, Is.EqualTo(a.Bridge).Within(1e-3 * Math.Abs(a.Bridge) + 1e-5), $"bridge loss at step {i}");
        }
    }
}
