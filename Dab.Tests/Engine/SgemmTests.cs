using Dab.Backends.Cpu;
using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>The packed float32 GEMM (through Tensor.MatMul) against a double-precision reference.</summary>
public class SgemmTests
{
    private static readonly (int M, int N, int K)[] Sizes =
    [
        (1, 1, 1),
        (7, 33, 5),
        (33, 7, 1023),   // k crosses the 256 k-block several times
        (100, 130, 300), // m crosses the 96 row block, n the 16-column panels, k the k-block
        (6, 16, 256),    // exactly one register tile and one k-block
        (5, 2100, 3),    // n crosses the 2048 column block
    ];

    public static IEnumerable<TestCaseData> Cases()
    {
        for (int s = 0; s < Sizes.Length; s++)
            foreach (var ta in new[] { false, true })
                foreach (var tb in new[] { false, true })
                    yield return new TestCaseData(s, ta, tb).SetName($"MatMul_m{Sizes[s].M}_n{Sizes[s].N}_k{Sizes[s].K}_tA{ta}_tB{tb}");
    }

    [TestCaseSource(nameof(Cases))]
    public void MatMul(int sizeIndex, bool ta, bool tb)
    {
        var (m, n, k) = Sizes[sizeIndex];
        var a = Floats(m * k, 1000 + sizeIndex);
        var b = Floats(k * n, 2000 + sizeIndex);
        var ta32 = Tensor.FromArray(a.Select(v => (float)v).ToArray(), ta ? [k, m] : [m, k]);
        var tb32 = Tensor.FromArray(b.Select(v => (float)v).ToArray(), tb ? [n, k] : [k, n]);
        var c = ta32.MatMul(tb32, ta, tb);
        Assert.That(c.Shape, Is.EqualTo(new[] { m, n }));
        var expected = Reference.Gemm(a, ta, b, tb, m, n, k, out var absSum);
        AssertGemmClose(c.ToArray<float>(), expected, absSum, k);
    }

    [Test]
    public void Batched([Values] bool ta, [Values] bool tb)
    {
        int batch = 3, m = 7, n = 33, k = 17;
        var a = Floats(batch * m * k, 11);
        var b = Floats(batch * k * n, 12);
        var c = Tensor.FromArray(a.Select(v => (float)v).ToArray(), ta ? [batch, k, m] : [batch, m, k])
            .MatMul(Tensor.FromArray(b.Select(v => (float)v).ToArray(), tb ? [batch, n, k] : [batch, k, n]), ta, tb).ToArray<float>();
        for (int i = 0; i < batch; i++)
        {
            var exp = Reference.Gemm(a[(i * m * k)..((i + 1) * m * k)], ta, b[(i * k * n)..((i + 1) * k * n)], tb, m, n, k, out var abs);
            AssertGemmClose(c[(i * m * n)..((i + 1) * m * n)], exp, abs, k);
        }
    }

    [Test]
    public void SharedRightOperand([Values] bool ta, [Values] bool tb)
    {
        int batch = 2, m = 5, n = 9, k = 33;
        var a = Floats(batch * m * k, 13);
        var b = Floats(k * n, 14);
        var c = Tensor.FromArray(a.Select(v => (float)v).ToArray(), ta ? [batch, k, m] : [batch, m, k])
            .MatMul(Tensor.FromArray(b.Select(v => (float)v).ToArray(), tb ? [n, k] : [k, n]), ta, tb);
        Assert.That(c.Shape, Is.EqualTo(new[] { batch, m, n }));
        var cs = c.ToArray<float>();
        for (int i = 0; i < batch; i++)
        {
            var exp = Reference.Gemm(a[(i * m * k)..((i + 1) * m * k)], ta, b, tb, m, n, k, out var abs);
            AssertGemmClose(cs[(i * m * n)..((i + 1) * m * n)], exp, abs, k);
        }
    }

    [Test]
    public void SharedLeftOperand([Values] bool ta, [Values] bool tb)
    {
        int batch = 2, m = 5, n = 9, k = 33;
        var a = Floats(m * k, 15);
        var b = Floats(batch * k * n, 16);
        var c = Tensor.FromArray(a.Select(v => (float)v).ToArray(), ta ? [k, m] : [m, k])
            .MatMul(Tensor.FromArray(b.Select(v => (float)v).ToArray(), tb ? [batch, n, k] : [batch, k, n]), ta, tb);
        Assert.That(c.Shape, Is.EqualTo(new[] { batch, m, n }));
        var cs = c.ToArray<float>();
        for (int i = 0; i < batch; i++)
        {
            var exp = Reference.Gemm(a, ta, b[(i * k * n)..((i + 1) * k * n)], tb, m, n, k, out var abs);
            AssertGemmClose(cs[(i * m * n)..((i + 1) * m * n)], exp, abs, k);
        }
    }

    [Test]
    public unsafe void AccumulateAddsToC()
    {
        int m = 13, n = 21, k = 300;
        var a = Floats(m * k, 17).Select(v => (float)v).ToArray();
        var b = Floats(k * n, 18).Select(v => (float)v).ToArray();
        var c0 = Floats(m * n, 19).Select(v => (float)v).ToArray();
        var c = (float[])c0.Clone();
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
            Sgemm.Run(pa, false, pb, false, pc, m, n, k, accumulate: true);
        var exp = Reference.Gemm(a.Select(v => (double)v).ToArray(), false, b.Select(v => (double)v).ToArray(), false, m, n, k, out var abs);
        AssertGemmClose(c, exp.Select((v, i) => v + c0[i]).ToArray(), abs.Select((v, i) => v + Math.Abs(c0[i])).ToArray(), k);
    }

    [Test]
    [NonParallelizable] // changes the global Par.Threads
    public void ResultDoesNotDependOnThreadCount()
    {
        var a = TestData.F32([100, 300], 20);
        var b = TestData.F32([300, 130], 21);
        int saved = Par.Threads;
        try
        {
            Par.Threads = 1;
            var one = a.MatMul(b).ToArray<float>();
            Par.Threads = 4;
            var four = a.MatMul(b).ToArray<float>();
            Assert.That(four, Is.EqualTo(one));
        }
        finally { Par.Threads = saved; }
    }

    [Test]
    public void Float64PathMatchesReference([Values] bool ta, [Values] bool tb)
    {
        int m = 7, n = 5, k = 33;
        var a = Floats(m * k, 22);
        var b = Floats(k * n, 23);
        var c = Tensor.FromArray(a, ta ? [k, m] : [m, k]).MatMul(Tensor.FromArray(b, tb ? [n, k] : [k, n]), ta, tb);
        Assert.That(c.DType, Is.EqualTo(DType.Float64));
        TestData.AssertClose(c.ToArray<double>(), Reference.Gemm(a, ta, b, tb, m, n, k, out _), 1e-13, 1e-13, "float64 matmul");
    }

    /// <summary>Values exactly representable in float32, so the reference sees the same inputs.</summary>
    private static double[] Floats(int n, int seed) => TestData.Uniform(n, seed).Select(v => (double)(float)v).ToArray();

    /// <summary>Error bound of a float32 dot product of length k: a few units of 2^-24 per term, relative to sum |a b|.</summary>
    private static void AssertGemmClose(float[] actual, double[] expected, double[] absSum, int k)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length));
        for (int i = 0; i < actual.Length; i++)
        {
            double tol = (k + 2) * 2.0 * 5.96e-8 * absSum[i] + 1e-30;
            if (!(Math.Abs(actual[i] - expected[i]) <= tol))
                Assert.Fail($"element {i}: {actual[i]:R} vs reference {expected[i]:R} (diff {Math.Abs(actual[i] - expected[i]):G3}, bound {tol:G3}, k={k})");
        }
    }
}
