using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>Gradient checks of matmul (2-D, batched, broadcast, transposes as flags) and linear.</summary>
public class GradMatMulTests
{
    private const int M = 3, K = 4, N = 5, B = 2;

    private static int[] Left(bool transA, int batch) => batch > 0 ? (transA ? [batch, K, M] : [batch, M, K]) : (transA ? [K, M] : [M, K]);
    private static int[] Right(bool transB, int batch) => batch > 0 ? (transB ? [batch, N, K] : [batch, K, N]) : (transB ? [N, K] : [K, N]);

    [Test]
    public void TwoD([Values] bool transA, [Values] bool transB) => CheckMatMul(transA, transB, 0, 0);

    [Test]
    public void Batched3Dx3D([Values] bool transA, [Values] bool transB) => CheckMatMul(transA, transB, B, B);

    [Test]
    public void Batched3Dx2D([Values] bool transA, [Values] bool transB) => CheckMatMul(transA, transB, B, 0);

    [Test]
    public void Batched2Dx3D([Values] bool transA, [Values] bool transB) => CheckMatMul(transA, transB, 0, B);

    private static void CheckMatMul(bool transA, bool transB, int batchA, int batchB)
    {
        var a = TestData.Leaf(Left(transA, batchA), 40);
        var b = TestData.Leaf(Right(transB, batchB), 41);
        var y = a.MatMul(b, transA, transB);
        int batch = Math.Max(batchA, batchB);
        Assert.That(y.Shape, Is.EqualTo(batch > 0 ? new[] { batch, M, N } : [M, N]));
        GradCheck.Check(t => t[0].MatMul(t[1], transA, transB), a, b);
    }

    [Test]
    public void FourDBatch()
    {
        var a = TestData.Leaf([2, 2, M, K], 42);
        var b = TestData.Leaf([2, 2, N, K], 43);
        GradCheck.Check(t => t[0].MatMul(t[1], false, true), a, b);
    }

    [Test]
    public void Linear2D([Values] bool bias)
    {
        var x = TestData.Leaf([4, 3], 44);
        var w = TestData.Leaf([5, 3], 45);
        var b = TestData.Leaf([5], 46);
        if (bias) GradCheck.Check(t => t[0].Linear(t[1], t[2]), x, w, b);
        else GradCheck.Check(t => t[0].Linear(t[1]), x, w);
    }

    [Test]
    public void Linear3D([Values] bool bias)
    {
        var x = TestData.Leaf([2, 3, 4], 47);
        var w = TestData.Leaf([5, 4], 48);
        var b = TestData.Leaf([5], 49);
        Assert.That(x.Linear(w, b).Shape, Is.EqualTo(new[] { 2, 3, 5 }));
        if (bias) GradCheck.Check(t => t[0].Linear(t[1], t[2]), x, w, b);
        else GradCheck.Check(t => t[0].Linear(t[1]), x, w);
    }

    [Test]
    public void Linear1D()
    {
        var x = TestData.Leaf([4], 50);
        var w = TestData.Leaf([3, 4], 51);
        var b = TestData.Leaf([3], 52);
        GradCheck.Check(t => t[0].Linear(t[1], t[2]), x, w, b);
    }

    [Test]
    public void LinearMatchesMatMulPlusBias()
    {
        var x = TestData.Leaf([2, 3, 4], 53);
        var w = TestData.Leaf([5, 4], 54);
        var b = TestData.Leaf([5], 55);
        var viaLinear = x.Linear(w, b).ToArray<double>();
        var viaMatMul = x.MatMul(w, false, true).Add(b).ToArray<double>();
        TestData.AssertClose(viaLinear, viaMatMul, 1e-12, 1e-12, "linear vs matmul + bias");
    }
}
