using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Float32 reductions, softmax and cross-entropy against double-precision loops.</summary>
public class ForwardReductionTests
{
    private static readonly int[][] Shapes = [[1], [1023], [7, 33], [33, 1, 7], [3, 7, 33], [2, 1023]];

    public static IEnumerable<TestCaseData> DimCases()
    {
        foreach (var op in new[] { "sum", "mean", "max", "min", "argmax", "argmin", "logsumexp", "softmax", "logsoftmax" })
            for (int s = 0; s < Shapes.Length; s++)
                for (int d = 0; d < Shapes[s].Length; d++)
                    yield return new TestCaseData(op, s, d).SetName($"AlongDim_{op}_{ShapeUtil.Format(Shapes[s])}_dim{d}");
    }

    [TestCaseSource(nameof(DimCases))]
    public void AlongDim(string op, int shapeIndex, int dim)
    {
        var shape = Shapes[shapeIndex];
        var data = TestData.Uniform(TestData.Numel(shape), 7 * shapeIndex + dim, -5, 5).Select(v => (double)(float)v).ToArray();
        var x = Tensor.FromArray(data.Select(v => (float)v).ToArray(), shape);
        int n = shape[dim];
        if (op is "softmax" or "logsoftmax")
        {
            var y = op == "softmax" ? x.Softmax(dim) : x.LogSoftmax(dim);
            var expected = Reference.MapDim(data, shape, dim, l =>
                op == "softmax" ? Reference.Softmax(l) : l.Select(v => v - Reference.LogSumExp(l)).ToArray());
            Assert.That(y.Shape, Is.EqualTo(shape));
            TestData.AssertClose(y.ToArray<float>(), expected, 1e-6, 1e-5, op);
            return;
        }
        Func<double[], double> r = op switch
        {
            "sum" => l => l.Sum(),
            "mean" => l => l.Average(),
            "max" => l => l.Max(),
            "min" => l => l.Min(),
            "argmax" => l => Array.IndexOf(l, l.Max()),
            "argmin" => l => Array.IndexOf(l, l.Min()),
            _ => Reference.LogSumExp,
        };
        var exp = Reference.AlongDim(data, shape, dim, r);
        var outShape = shape.Where((_, i) => i != dim).ToArray();
        Tensor t = op switch
        {
            "sum" => x.Sum(dim),
            "mean" => x.Mean(dim),
            "max" => x.Max(dim),
            "min" => x.Min(dim),
            "argmax" => x.ArgMax(dim),
            "argmin" => x.ArgMin(dim),
            _ => x.LogSumExp(dim),
        };
        Assert.That(t.Shape, Is.EqualTo(outShape), "shape");
        if (op is "argmax" or "argmin")
        {
            Assert.That(t.DType, Is.EqualTo(DType.Int64));
            Assert.That(t.ToArray<long>().Select(v => (double)v), Is.EqualTo(exp));
        }
        else if (op is "max" or "min") Assert.That(t.ToArray<float>().Select(v => (double)v), Is.EqualTo(exp));
        else
        {
            // Summation error grows with the length of the line.
            double tol = 1e-6 * (1 + n);
            TestData.AssertClose(t.ToArray<float>(), exp, tol, 1e-6, op);
        }
        var kept = op switch { "sum" => x.Sum(dim, true), "max" => x.Max(dim, true), "argmax" => x.ArgMax(dim, true), _ => x.LogSumExp(dim, true) };
        var keptShape = (int[])shape.Clone();
        keptShape[dim] = 1;
        Assert.That(kept.Shape, Is.EqualTo(keptShape), "keepDim shape");
    }

    [TestCase(new[] { 0, 2 })]
    [TestCase(new[] { 1, 2 })]
    [TestCase(new[] { 2, 0 })]
    [TestCase(new[] { 0, 1, 2 })]
    public void SumOverSeveralDims(int[] dims)
    {
        int[] shape = [3, 7, 33];
        var data = TestData.Uniform(TestData.Numel(shape), 3, -1, 1).Select(v => (double)(float)v).ToArray();
        var x = Tensor.FromArray(data.Select(v => (float)v).ToArray(), shape);
        // Reduce the reference one dim at a time, highest first.
        double[] exp = data;
        var cur = (int[])shape.Clone();
        foreach (var d in dims.OrderByDescending(d => d))
        {
            exp = Reference.AlongDim(exp, cur, d, l => l.Sum());
            cur = cur.Where((_, i) => i != d).ToArray();
        }
        var y = x.Sum(dims);
        Assert.That(y.Shape, Is.EqualTo(cur));
        TestData.AssertClose(y.ToArray<float>(), exp, 1e-4, 1e-5, "sum");
        var m = x.Mean(dims, keepDim: true);
        Assert.That(m.Shape, Is.EqualTo(shape.Select((s, i) => dims.Contains(i) ? 1 : s).ToArray()));
        double count = dims.Aggregate(1.0, (a, d) => a * shape[d]);
        TestData.AssertClose(m.ToArray<float>(), exp.Select(v => v / count).ToArray(), 1e-5, 1e-5, "mean");
    }

    [Test]
    public void SumAndMeanOfAll([Values(1, 7, 33, 1023, 100_003)] int n)
    {
        var data = TestData.Uniform(n, n, 0, 1).Select(v => (double)(float)v).ToArray();
        var x = Tensor.FromArray(data.Select(v => (float)v).ToArray());
        Assert.That(x.Sum().Shape, Is.Empty);
        Assert.That(x.Sum().Item(), Is.EqualTo(data.Sum()).Within(1e-6 * n));
        Assert.That(x.Mean().Item(), Is.EqualTo(data.Average()).Within(1e-5));
    }

    [Test]
    public void CrossEntropyFloat32([Values(Reduction.None, Reduction.Mean, Reduction.Sum)] Reduction reduction)
    {
        int b = 7, c = 33, t = 5;
        var data = TestData.Uniform(b * c * t, 9, -6, 6).Select(v => (double)(float)v).ToArray();
        var logits = Tensor.FromArray(data.Select(v => (float)v).ToArray(), [b, c, t]);
        var target = TestData.RandomIndices(b * t, 10, c);
        var loss = Tensor.CrossEntropy(logits, Tensor.FromArray(target, [b, t]), reduction);
        var lp = Reference.MapDim(data, [b, c, t], 1, l => l.Select(v => v - Reference.LogSumExp(l)).ToArray());
        var per = new double[b * t];
        for (int i = 0; i < b; i++)
            for (int p = 0; p < t; p++)
                per[i * t + p] = -lp[(i * c + (int)target[i * t + p]) * t + p];
        if (reduction == Reduction.None)
        {
            Assert.That(loss.Shape, Is.EqualTo(new[] { b, t }));
            TestData.AssertClose(loss.ToArray<float>(), per, 1e-5, 1e-5, "per-position loss");
        }
        else
        {
            Assert.That(loss.Shape, Is.Empty);
            Assert.That(loss.Item(), Is.EqualTo(reduction == Reduction.Sum ? per.Sum() : per.Average()).Within(1e-4));
        }
    }

    [Test]
    public void LossValuesFloat64()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [2, 2]);
        var y = Tensor.FromArray(new double[] { 0, 2, 5, 4 }, [2, 2]);
        Assert.That(Tensor.Mse(x, y).Item(), Is.EqualTo(5.0 / 4).Within(1e-15));
        Assert.That(Tensor.Mse(x, y, Reduction.Sum).Item(), Is.EqualTo(5.0).Within(1e-15));
        var logits = Tensor.FromArray(new double[] { 0, 0, 0, Math.Log(3) }, [2, 2]);
        var target = Tensor.FromArray(new long[] { 0, 1 });
        // Row 0: -log(1/2); row 1: -log(3/4).
        Assert.That(Tensor.CrossEntropy(logits, target).Item(), Is.EqualTo((Math.Log(2) + Math.Log(4.0 / 3)) / 2).Within(1e-14));
        Assert.That(Tensor.CrossEntropy(logits, target, Reduction.Sum).Item(), Is.EqualTo(Math.Log(2) + Math.Log(4.0 / 3)).Within(1e-14));
        var z = Tensor.FromArray(new double[] { -2, 0, 3 });
        var p = Tensor.FromArray(new double[] { 0, 1, 0.25 });
        double bce = 0;
        double[] zs = [-2, 0, 3], ps = [0, 1, 0.25];
        for (int i = 0; i < 3; i++) bce += -(ps[i] * Math.Log(1 / (1 + Math.Exp(-zs[i]))) + (1 - ps[i]) * Math.Log(1 - 1 / (1 + Math.Exp(-zs[i]))));
        Assert.That(Tensor.BinaryCrossEntropyWithLogits(z, p).Item(), Is.EqualTo(bce / 3).Within(1e-14));
    }

    [Test]
    public void LongFloat32SumsStayAccurate()
    {
        // 10^6 copies of 0.1f, to a relative 1e-5: sequential float32 accumulation drifts by ~1% (100958 along a column,
        // 99910 along a row); blocked or double accumulation stays within float rounding, as PyTorch's sum does.
        const int n = 1_000_000;
        double exact = n * (double)0.1f;
        Assert.That(Tensor.Full([n], 0.1).Sum().Item(), Is.EqualTo(exact).Within(1e-3).Percent, "along a row");
        Assert.That(Tensor.Full([n, 2], 0.1).Sum(0).ToArray<float>()[0], Is.EqualTo(exact).Within(1e-3).Percent, "along a column");
        Assert.That(Tensor.Full([n, 2], 0.1).Mean().Item(), Is.EqualTo((double)0.1f).Within(1e-3).Percent, "mean of all");
    }

    /// <summary>Column sums (the bias gradient's shape of reduction) are the double sums of each column rounded once.</summary>
    [TestCase(1023, 77, 1)]   // two full 32-column blocks and a ragged one
    [TestCase(5, 32, 3)]      // exactly one block, several outer slices
    [TestCase(37, 70, 2)]
    public void Float32ColumnSumsAreTheRoundedDoubleSums(int rows, int cols, int outer)
    {
        var gen = new Dab.Random.Generator(91);
        var x = gen.Normal([outer, rows, cols], std: 3);
        var v = x.ToArray<float>();
        var sum = x.Sum(1).ToArray<float>();
        var mean = x.Mean(1).ToArray<float>();
        for (int o = 0; o < outer; o++)
            for (int c = 0; c < cols; c++)
            {
                double s = 0;
                for (int r = 0; r < rows; r++) s += v[(o * rows + r) * cols + c];
                Assert.That(sum[o * cols + c], Is.EqualTo((float)s), $"sum[{o},{c}]");
                Assert.That(mean[o * cols + c], Is.EqualTo((float)s * (float)(1.0 / rows)), $"mean[{o},{c}] (the sum times 1/rows)");
            }
    }
}
