using Dab.Backends.Cpu;
using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>
/// Every GEMM micro-kernel (Vector512, Vector256, scalar; each runs in software where the processor
/// lacks it) in float32 and float64, every transpose, odd shapes and 1 or 2 threads, against the
/// double-precision triple loop; and all of them bit-identical to each other.
/// </summary>
public class GemmKernelTests
{
    private static readonly (int M, int N, int K)[] Sizes =
    [
        (1, 1, 1),
        (1, 1023, 1),
        (7, 33, 1023),    // k crosses the 256 k-block; n and m not multiples of any tile
        (33, 7, 1),
        (1023, 7, 33),    // m crosses the row block of every kernel; splits over threads by rows
        (33, 1023, 7),    // n: many panels and a ragged one; splits by columns
        (200, 70, 520),   // m crosses the 192-row block of the 12-row kernel, k two k-blocks
        (12, 32, 256),    // exactly one Vector512 float tile and one k-block
        (5, 2100, 3),     // n crosses the column block (1024 floats, 512 doubles) twice
        (1024, 100, 40),  // the sort head: three full 32-wide panels and a ragged one of 4 (half-width kernel)
        (128, 10, 1023),  // narrow C: read in place (Vector512, A not transposed) or computed as C^T = op(B)^T op(A)^T
        (1024, 10, 128),  // the sort model's narrow input gradient
        (1023, 16, 300),  // narrow C exactly one Vector512 wide; a last partial block of 3 rows; two k-blocks
        (5, 13, 7),       // narrow C with fewer rows than one register tile
        (1023, 1, 513),   // a single column, three k-blocks
        (100, 33, 1023),  // one full panel and a ragged one of a single column (half kernel), four k-blocks
        (7, 100, 33),     // the ragged panel of 4 with a partial block of rows
        (33, 17, 100),    // just over one Vector512: a full-width kernel on a ragged panel
    ];

    private static readonly GemmKernel[] Kernels = [GemmKernel.Vector512, GemmKernel.Vector256, GemmKernel.Scalar];

    public static IEnumerable<TestCaseData> Cases()
    {
        for (int s = 0; s < Sizes.Length; s++)
            foreach (var ta in new[] { false, true })
                foreach (var tb in new[] { false, true })
                    yield return new TestCaseData(s, ta, tb).SetName($"Gemm_m{Sizes[s].M}_n{Sizes[s].N}_k{Sizes[s].K}_tA{ta}_tB{tb}");
    }

    [TestCaseSource(nameof(Cases))]
    public unsafe void FloatKernelsMatchReferenceAndEachOther(int sizeIndex, bool ta, bool tb)
    {
        var (m, n, k) = Sizes[sizeIndex];
        var a = Values(m * k, 100 + sizeIndex);
        var b = Values(k * n, 200 + sizeIndex);
        var c0 = Values(m * n, 300 + sizeIndex);
        var af = a.Select(v => (float)v).ToArray();
        var bf = b.Select(v => (float)v).ToArray();
        var expected = Reference.Gemm(a, ta, b, tb, m, n, k, out var absSum);
        float[]?[] first = [null, null]; // the first result without and with accumulate
        foreach (var kernel in Kernels)
            foreach (var threads in new[] { 1, 2 })
                foreach (var accumulate in new[] { false, true })
                {
                    var c = c0.Select(v => (float)v).ToArray();
                    fixed (float* pa = af) fixed (float* pb = bf) fixed (float* pc = c)
                        Sgemm.Run(pa, ta, pb, tb, pc, m, n, k, accumulate, kernel, threads);
                    string what = $"{kernel}, {threads} threads, accumulate {accumulate}";
                    for (int i = 0; i < c.Length; i++)
                    {
                        double exp = expected[i] + (accumulate ? (float)c0[i] : 0);
                        double tol = (k + 2) * 2.0 * 5.96e-8 * (absSum[i] + (accumulate ? Math.Abs(c0[i]) : 0)) + 1e-30;
                        if (!(Math.Abs(c[i] - exp) <= tol))
                            Assert.Fail($"{what}: element {i}: {c[i]:R} vs reference {exp:R} (bound {tol:G3})");
                    }
                    int f = accumulate ? 1 : 0;
                    if (first[f] == null) first[f] = c;
                    else Assert.That(c, Is.EqualTo(first[f]), $"{what} differs in bits from {Kernels[0]}, 1 thread");
                }
    }

    [TestCaseSource(nameof(Cases))]
    public unsafe void DoubleKernelsMatchReference(int sizeIndex, bool ta, bool tb)
    {
        var (m, n, k) = Sizes[sizeIndex];
        var a = Values(m * k, 400 + sizeIndex);
        var b = Values(k * n, 500 + sizeIndex);
        var expected = Reference.Gemm(a, ta, b, tb, m, n, k, out var absSum);
        double[]? first = null;
        foreach (var kernel in Kernels)
            foreach (var threads in new[] { 1, 2 })
            {
                var c = new double[m * n];
                fixed (double* pa = a) fixed (double* pb = b) fixed (double* pc = c)
                    Dgemm.Run(pa, ta, pb, tb, pc, m, n, k, false, kernel, threads);
                for (int i = 0; i < c.Length; i++)
                {
                    double tol = (k + 2) * 2.0 * 1.12e-16 * absSum[i] + 1e-300;
                    if (!(Math.Abs(c[i] - expected[i]) <= tol))
                        Assert.Fail($"{kernel}, {threads} threads: element {i}: {c[i]:R} vs reference {expected[i]:R} (bound {tol:G3})");
                }
                if (first == null) first = c;
                else Assert.That(c, Is.EqualTo(first), $"{kernel}, {threads} threads differs in bits");
            }
    }

    [Test]
    public unsafe void ZeroInnerDimensionClearsOrKeepsC([Values] bool accumulate)
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        float x = 0;
        fixed (float* pc = c) Sgemm.Run(&x, false, &x, false, pc, 2, 3, 0, accumulate);
        Assert.That(c, Is.EqualTo(accumulate ? new float[] { 1, 2, 3, 4, 5, 6 } : new float[6]));
    }

    [Test]
    public void NativeKernelIsTheWidestTheProcessorRuns()
    {
        var native = Gemm<float>.Native;
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) Assert.That(native, Is.EqualTo(GemmKernel.Vector512));
        else if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) Assert.That(native, Is.EqualTo(GemmKernel.Vector256));
        else Assert.That(native, Is.EqualTo(GemmKernel.Scalar));
    }

    /// <summary>Values exactly representable in float32, so the float and double references see the same inputs.</summary>
    private static double[] Values(int n, int seed) => TestData.Uniform(n, seed).Select(v => (double)(float)v).ToArray();
}
