using Dab.Backends;
using Dab.Kernels.Gpu;
using NUnit.Framework;

namespace Dab.Tests.Operators;

/// <summary>
/// The sort, top-k and k-means kernels against the CPU backend on a GPU-backed device (the emulated
/// one in CI; cuda:0 where present): exact indices, bit-equal values, odd lengths, ties, +-inf, NaN,
/// the multi-block merge (a lowered shared-memory limit, and a row just above the default 4096).
/// Emulated threads are fibers: sizes stay small.
/// </summary>
public abstract class OperatorKernelTests
{
    protected abstract Device Device { get; }

    private GpuBackend Backend => (GpuBackend)BackendRegistry.Get(Device);

    [SetUp]
    public void RequireDevice()
    {
        var why = BackendRegistry.WhyUnavailable(Device);
        if (why != null) Assert.Ignore(why);
    }

    private static void AssertSame(Tensor cpu, Tensor dev, string what)
    {
        Assert.That(dev.Device.Kind, Is.Not.EqualTo(DeviceKind.Cpu));
        if (cpu.DType == DType.Int64) { Assert.That(dev.ToArray<long>(), Is.EqualTo(cpu.ToArray<long>()), what); return; }
        var e = cpu.ToArray<double>();
        var a = dev.ToArray<double>();
        Assert.That(a.Length, Is.EqualTo(e.Length), what);
        for (int i = 0; i < e.Length; i++)
            if (!(a[i].Equals(e[i]) || a[i] == e[i])) Assert.Fail($"{what}: element {i} is {a[i]} on the device, {e[i]} on the CPU");
    }

    private void SortBoth(Tensor x, int dim, bool descending, string what)
    {
        using var d = x.To(Device);
        var (cv, ci) = x.Sort(dim, descending);
        var (dv, di) = d.Sort(dim, descending);
        AssertSame(ci, di, what + " indices");
        AssertSame(cv, dv, what + " values");
    }

    [Test]
    public void SortInSharedMemory([Values] bool descending, [Values] bool f64)
    {
        foreach (int n in new[] { 1, 2, 3, 5, 31, 64, 100, 257, 1000 })
        {
            int rows = Math.Max(1, 2000 / n);
            using var x32 = Tensor.FromArray(OperatorReference.Nasty(rows * n, n + 5), [rows, n]);
            using var x = x32.To(f64 ? DType.Float64 : DType.Float32);
            SortBoth(x, 1, descending, $"{rows} rows of {n}");
        }
    }

    [Test]
    public void SortAlongOtherDims()
    {
        using var x = Tensor.FromArray(OperatorReference.Nasty(3 * 7 * 5, 3), [3, 7, 5]);
        SortBoth(x, 0, false, "dim 0");
        SortBoth(x, 1, true, "dim 1");
    }

    [Test]
    public void MultiBlockMergeWithALowLimit([Values] bool descending, [Values] bool f64)
    {
        var b = Backend;
        int old = b.SortSharedLimit;
        try
        {
            b.SortSharedLimit = 16;
            foreach (int n in new[] { 17, 32, 33, 100, 255, 600 })
            {
                int rows = 3;
                using var x32 = Tensor.FromArray(OperatorReference.Nasty(rows * n, n), [rows, n]);
                using var x = x32.To(f64 ? DType.Float64 : DType.Float32);
                SortBoth(x, 1, descending, $"limit 16, rows of {n}");
            }
        }
        finally { b.SortSharedLimit = old; }
    }

    [Test]
    public void RowJustAboveTheDefaultLimit()
    {
        Assert.That(Backend.SortSharedLimit, Is.EqualTo(4096));
        using var x = Tensor.FromArray(OperatorReference.Nasty(4100, 41), [1, 4100]);
        SortBoth(x, 1, false, "a row of 4100");
    }

    [Test]
    public void SharedLimitIsValidated()
    {
        Assert.That(() => Backend.SortSharedLimit = 100, Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("100"));
        Assert.That(() => Backend.SortSharedLimit = 8192, Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void TopKSelectionAndSortPaths([Values] bool largest, [Values] bool f64)
    {
        foreach (var (n, k) in new[] { (1, 1), (7, 1), (7, 7), (33, 5), (300, 10), (300, 32), (100, 33), (70, 70), (50, 0) })
        {
            int rows = 4;
            using var x32 = Tensor.FromArray(OperatorReference.Nasty(rows * n, n * 3 + k), [rows, n]);
            using var x = x32.To(f64 ? DType.Float64 : DType.Float32);
            using var d = x.To(Device);
            var (cv, ci) = x.TopK(k, 1, largest);
            var (dv, di) = d.TopK(k, 1, largest);
            AssertSame(ci, di, $"top-{k} of {n} indices");
            AssertSame(cv, dv, $"top-{k} of {n} values");
        }
    }

    [Test]
    public void TopKWithALowSortLimit()
    {
        var b = Backend;
        int old = b.SortSharedLimit;
        try
        {
            b.SortSharedLimit = 32;
            using var x = Tensor.FromArray(OperatorReference.Nasty(2 * 150, 8), [2, 150]);
            using var d = x.To(Device);
            var (_, ci) = x.TopK(100, 1);
            var (_, di) = d.TopK(100, 1);
            AssertSame(ci, di, "top-100 of 150 through the merge");
        }
        finally { b.SortSharedLimit = old; }
    }

    [Test]
    public void TopKOfOneLongRowTakesTheMultiBlockSort()
    {
        using var x = Tensor.FromArray(OperatorReference.Nasty(70_000, 70), [1, 70_000]);
        using var d = x.To(Device);
        foreach (var largest in new[] { true, false })
        {
            var (cv, ci) = x.TopK(5, 1, largest);
            var (dv, di) = d.TopK(5, 1, largest);
            AssertSame(ci, di, $"top-5 of 70,000 largest={largest} indices");
            AssertSame(cv, dv, $"top-5 of 70,000 largest={largest} values");
        }
    }

    [Test]
    public void SortBackwardOnTheDevice()
    {
        using var x = Tensor.FromArray(OperatorReference.Nasty(24, 2).Select(v => float.IsFinite(v) ? v : 1f).ToArray(), [4, 6]);
        var xc = x.Detach(); xc.RequiresGrad = true;
        var xd = x.To(Device); xd.RequiresGrad = true;
        using var w = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), [4, 6]);
        using var wd = w.To(Device);
        xc.Sort(1, true).Values.Mul(w).Sum().Backward();
        xd.Sort(1, true).Values.Mul(wd).Sum().Backward();
        AssertSame(xc.Grad!, xd.Grad!, "gradient");
    }

    [Test]
    public void KMeansAssignIsExact([Values(1, 5, 64, 65, 130)] int k, [Values(1, 7, 16, 33)] int d, [Values] bool f64)
    {
        int n = 70;
        var r = new System.Random(k * 31 + d);
        var xs = Enumerable.Range(0, n * d).Select(_ => r.NextDouble() * 4 - 2).ToArray();
        var cs = Enumerable.Range(0, k * d).Select(_ => r.NextDouble() * 4 - 2).ToArray();
        using var x64 = Tensor.FromArray(xs, [n, d]);
        using var c64 = Tensor.FromArray(cs, [k, d]);
        using var x = x64.To(f64 ? DType.Float64 : DType.Float32);
        using var c = c64.To(f64 ? DType.Float64 : DType.Float32);
        using var xd = x.To(Device);
        using var cd = c.To(Device);
        var (ca, cdist) = Tensor.KMeansAssign(x, c);
        var (da, ddist) = Tensor.KMeansAssign(xd, cd);
        AssertSame(ca, da, "assignments");
        AssertSame(cdist, ddist, "distances (bit for bit)");
    }

    [Test]
    public void KMeansAssignTiesNaNAndInfinity()
    {
        using var x = Tensor.FromArray(new[] { 0f, 0f, 1f, 0f, 2f, 2f, 5f, 5f, float.NaN, 0f, float.PositiveInfinity, 0f, float.NegativeInfinity, 1f }, [7, 2]);
        using var c = Tensor.FromArray(new[] { 1f, 1f, -1f, -1f, 1f, 1f, 3f, 1f, 1f, -1f, float.NaN, 2f }, [6, 2]);
        using var xd = x.To(Device);
        using var cd = c.To(Device);
        var (ca, cdist) = Tensor.KMeansAssign(x, c);
        var (da, ddist) = Tensor.KMeansAssign(xd, cd);
        AssertSame(ca, da, "assignments");
        AssertSame(cdist, ddist, "distances");
    }

    [Test]
    public void KMeansTiesAcrossTilesAndThreads()
    {
        // Centroid j sits at (j % 4, 0): every point on the integer grid ties between centroids 4
        // apart, which live in the same thread (16 apart), other threads and other tiles (64 apart).
        int k = 140, n = 40;
        var cs = Enumerable.Range(0, k).SelectMany(j => new[] { (float)(j % 4), 0f }).ToArray();
        var xs = Enumerable.Range(0, n).SelectMany(p => new[] { (float)(p % 6 - 1), (float)(p % 3) }).ToArray();
        using var x = Tensor.FromArray(xs, [n, 2]);
        using var c = Tensor.FromArray(cs, [k, 2]);
        using var xd = x.To(Device);
        using var cd = c.To(Device);
        var (ca, _) = Tensor.KMeansAssign(x, c);
        var (da, _) = Tensor.KMeansAssign(xd, cd);
        Assert.That(ca.ToArray<long>().All(j => j < 4), Is.True, "the CPU picks the lowest of the tied centroids");
        AssertSame(ca, da, "assignments");
    }

    [Test]
    public void KMeansUpdateGroupedAndScannedMatchTheCpu([Values] bool byScan, [Values(50, 5000)] int n)
    {
        int d = 3, k = 7;
        var r = new System.Random(n);
        using var x = Tensor.FromArray(Enumerable.Range(0, n * d).Select(_ => (float)(r.NextDouble() * 10)).ToArray(), [n, d]);
        // Centroid 5 gets no points: it keeps its value.
        using var a = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (long)r.Next(k - 1) is var v && v == 5 ? 6L : v).ToArray(), [n]);
        using var c0 = Tensor.FromArray(Enumerable.Range(0, k * d).Select(i => (float)-i).ToArray(), [k, d]);
        using var cc = c0.Clone();
        using var counts = Tensor.Zeros([k], DType.Int64);
        Dab.Backends.Cpu.CpuBackend.Instance.KMeansUpdate(x, n, d, a, k, cc, counts);
        var b = Backend;
        b.KMeansUpdateByScan = byScan;
        try
        {
            using var xd = x.To(Device);
            using var ad = a.To(Device);
            using var cd = c0.To(Device);
            using var countsD = Tensor.Zeros([k], DType.Int64, Device);
            b.KMeansUpdate(xd, n, d, ad, k, cd, countsD);
            AssertSame(counts, countsD, "counts");
            AssertSame(cc, cd, "centroids (bit for bit)");
            Assert.That(cd.ToArray<float>().Skip(5 * d).Take(d), Is.EqualTo(new float[] { -15, -16, -17 }), "an empty cluster keeps its centroid");
        }
        finally { b.KMeansUpdateByScan = false; }
    }

    [Test]
    public void KMeansLloydMatchesTheCpu()
    {
        var r = new System.Random(3);
        int n = 90, d = 5;
        var xs = Enumerable.Range(0, n * d).Select(i => (float)((i / d) % 3 * 4 + r.NextDouble())).ToArray();
        using var x = Tensor.FromArray(xs, [n, d]);
        using var xd = x.To(Device);
        foreach (int k in new[] { 1, 3, 10, 100 })
        {
            using var c = Tensor.KMeans(x, k, seed: 21);
            using var g = Tensor.KMeans(xd, k, seed: 21);
            AssertSame(c.Assignments, g.Assignments, $"k={k} assignments");
            AssertSame(c.Centroids, g.Centroids, $"k={k} centroids");
            AssertSame(c.Quantized, g.Quantized, $"k={k} quantised points");
            Assert.That(g.Iterations, Is.EqualTo(c.Iterations), $"k={k} iterations");
        }
    }
}

[TestFixture]
public sealed class EmuOperatorKernelTests : OperatorKernelTests { protected override Device Device => new(DeviceKind.Emu); }

[TestFixture]
public sealed class CudaOperatorKernelTests : OperatorKernelTests { protected override Device Device => new(DeviceKind.Cuda, 0); }
