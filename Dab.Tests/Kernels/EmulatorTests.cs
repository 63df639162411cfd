using Dab.Kernels.Gpu;
using Dab.Kernels.Interop;
using NUnit.Framework;

namespace Dab.Tests.Kernels;

/// <summary>
/// The emulated device itself, through the C ABI the backend uses: barriers, warp primitives,
/// atomics and shared memory behave as on a GPU, and failures are errors the process survives.
/// </summary>
[NonParallelizable]
public class EmulatorTests
{
    private EmuRuntime _rt = null!;

    [SetUp]
    public void Load()
    {
        _rt = EmuRuntime.TryGet(out var why) ?? throw new IgnoreException(why!);
        _rt.SetSeed(1);
    }

    private ulong Alloc(int bytes)
    {
        var p = _rt.Alloc(bytes);
        _rt.Memset(p, 0, bytes);
        return p;
    }

    private unsafe T[] Read<T>(ulong p, int n) where T : unmanaged
    {
        var a = new T[n];
        fixed (T* d = a) _rt.CopyDtoH(d, p, (long)n * sizeof(T));
        return a;
    }

    private unsafe void Write<T>(ulong p, T[] values) where T : unmanaged
    {
        fixed (T* s = values) _rt.CopyHtoD(p, s, (long)values.Length * sizeof(T));
    }

    private void Launch(string kernel, Dim3 grid, Dim3 block, KernelArgs args, int shared = 0) =>
        _rt.Launch(kernel, grid, block, shared, args, "emulator test");

    [Test]
    public void AMissingBarrierIsCaughtUnderSomeSchedule()
    {
        const int blocks = 2, threads = 64, n = blocks * threads;
        var withBarrier = Alloc(n * 4);
        var without = Alloc(n * 4);
        var expected = Enumerable.Range(0, n).Select(i => (float)(i / threads * threads + (i % threads + 1) % threads + 0.5)).ToArray();
        int wrongSeeds = 0;
        for (ulong seed = 1; seed <= 6; seed++)
        {
            _rt.SetSeed(seed);
            Launch("emu_selftest_with_barrier", new Dim3(blocks), new Dim3(threads), KernelArgs.Begin().Ptr(withBarrier).Add(n));
            Assert.That(Read<float>(withBarrier, n), Is.EqualTo(expected), $"with the barrier, seed {seed}");
            Launch("emu_selftest_missing_barrier", new Dim3(blocks), new Dim3(threads), KernelArgs.Begin().Ptr(without).Add(n));
            if (!Read<float>(without, n).SequenceEqual(expected)) wrongSeeds++;
        }
        Assert.That(wrongSeeds, Is.GreaterThan(0), "the seeded thread order exposes the race");
        _rt.Free(withBarrier);
        _rt.Free(without);
    }

    [Test]
    public void ShufflesGiveTheRightLanes()
    {
        var p = Alloc(7 * 32 * 4);
        Launch("emu_selftest_shuffle", new Dim3(1), new Dim3(32), KernelArgs.Begin().Ptr(p));
        var o = Read<int>(p, 7 * 32);
        for (int lane = 0; lane < 32; lane++)
        {
            int v = 100 + lane;
            Assert.That(o[lane], Is.EqualTo(131 - lane), "shfl");
            Assert.That(o[32 + lane], Is.EqualTo(lane < 28 ? v + 4 : v), "shfl_down");
            Assert.That(o[64 + lane], Is.EqualTo(100 + (lane ^ 5)), "shfl_xor");
            Assert.That(o[96 + lane], Is.EqualTo(lane >= 3 ? v - 3 : v), "shfl_up");
            Assert.That(o[128 + lane], Is.EqualTo(100 + (lane & ~7) + ((lane + 1) & 7)), "shfl with width 8");
            Assert.That(o[160 + lane], Is.EqualTo(496), "butterfly sum");
            Assert.That(o[192 + lane], Is.EqualTo(lane < 31 ? lane + 1 : 31), "shfl_down of a double");
        }
        _rt.Free(p);
    }

    [Test]
    public void BallotsVotesAndActiveMask()
    {
        var p = Alloc(16 * 4);
        Launch("emu_selftest_ballot", new Dim3(1), new Dim3(64), KernelArgs.Begin().Ptr(p));
        var o = Read<uint>(p, 16);
        for (int w = 0; w < 2; w++)
        {
            Assert.That(o[8 * w + 0], Is.EqualTo(0x49249249u), "ballot");
            Assert.That(o[8 * w + 1], Is.EqualTo((uint)w), "any");
            Assert.That(o[8 * w + 2], Is.EqualTo(1u), "all true");
            Assert.That(o[8 * w + 3], Is.EqualTo(0u), "all false");
            Assert.That(o[8 * w + 4], Is.EqualTo(0x0000aaaau), "ballot of the low half-warp");
            Assert.That(o[8 * w + 5], Is.EqualTo(0xaaaa0000u), "ballot of the high half-warp");
            Assert.That(o[8 * w + 6], Is.EqualTo(0x000fffffu), "activemask in a branch");
            Assert.That(o[8 * w + 7], Is.EqualTo(16u), "syncthreads_count");
        }
        _rt.Free(p);
    }

    [Test]
    public void AtomicsAcrossBlocksAndWorkers()
    {
        foreach (int workers in new[] { 1, 2 })
        {
            _rt.SetWorkers(workers);
            var counter = Alloc(4);
            var fsum = Alloc(4);
            var maxv = Alloc(4);
            Write(maxv, new[] { -1 });
            const int blocks = 37, threads = 96, n = blocks * threads;
            Launch("emu_selftest_atomics", new Dim3(blocks), new Dim3(threads), KernelArgs.Begin().Ptr(counter).Ptr(fsum).Ptr(maxv));
            Assert.That(Read<int>(counter, 1)[0], Is.EqualTo(n), $"atomicAdd int, {workers} workers");
            Assert.That(Read<float>(fsum, 1)[0], Is.EqualTo(n / 2f), "atomicAdd float");
            Assert.That(Read<int>(maxv, 1)[0], Is.EqualTo(n - 1), "atomicMax");
            foreach (var q in new[] { counter, fsum, maxv }) _rt.Free(q);
        }
        _rt.SetWorkers(1);
    }

    [Test]
    public void DynamicSharedMemory()
    {
        const int blocks = 3, threads = 50;
        var p = Alloc(blocks * threads * 4);
        Launch("emu_selftest_dynamic_shared", new Dim3(blocks), new Dim3(threads), KernelArgs.Begin().Ptr(p), shared: threads * 4);
        var o = Read<float>(p, blocks * threads);
        for (int b = 0; b < blocks; b++)
            for (int t = 0; t < threads; t++)
                Assert.That(o[b * threads + t], Is.EqualTo(b * 1000 + (threads - 1 - t)));
        _rt.Free(p);
    }

    [Test]
    public void FailuresAreErrorsTheProcessSurvives()
    {
        var p = Alloc(64 * 4);
        Assert.That(() => Launch("emu_selftest_deadlock", new Dim3(1), new Dim3(64), KernelArgs.Begin().Ptr(p)),
            Throws.InstanceOf<GpuException>().With.Message.Contains("EMU_ERROR_DEADLOCK").And.Message.Contains("emu_selftest_deadlock"));
        Assert.That(() => Launch("emu_selftest_trap", new Dim3(2), new Dim3(6), KernelArgs.Begin().Ptr(p)),
            Throws.InstanceOf<GpuException>().With.Message.Contains("EMU_ERROR_LAUNCH_FAILED"));
        Assert.That(() => Launch("no_such_kernel", new Dim3(1), new Dim3(1), KernelArgs.Begin()),
            Throws.InstanceOf<GpuException>().With.Message.Contains("no_such_kernel"));
        Assert.That(() => Launch("emu_selftest_index", new Dim3(1), new Dim3(2048), KernelArgs.Begin().Ptr(p)),
            Throws.InstanceOf<GpuException>().With.Message.Contains("2048"));
        Assert.That(() => _rt.Alloc(1L << 50), Throws.InstanceOf<OutOfMemoryException>().With.Message.Contains("emu"));
        // Still usable afterwards.
        Launch("emu_selftest_index", new Dim3(2), new Dim3(32), KernelArgs.Begin().Ptr(p));
        Assert.That(Read<uint>(p, 64), Is.EqualTo(Enumerable.Range(0, 64).Select(i => (uint)i).ToArray()));
        _rt.Free(p);
    }

    [Test]
    public void DeviceErrorsThroughTheTensorApi()
    {
        var emu = new Device(DeviceKind.Emu);
        if (Backends.BackendRegistry.WhyUnavailable(emu) is { } why) Assert.Ignore(why);
        Assert.That(() => Tensor.Zeros([1 << 30, 1 << 20], device: emu), Throws.InstanceOf<ArgumentException>().With.Message.Contains("2^31"));
        // 12 GiB: more than the emulated device's 8 GiB, so it must fail cleanly rather than overcommit the host.
        Assert.That(() => Tensor.Zeros([1 << 28, 6], DType.Float64, emu), Throws.InstanceOf<OutOfMemoryException>()
            .With.Message.Contains("emu").And.Message.Contains("12.00 GiB").And.Message.Contains("DAB_EMU_MEMORY"));
        Assert.That(() => Tensor.Zeros([2], device: new Device(DeviceKind.Emu, 3)), Throws.InstanceOf<Backends.DeviceUnavailableException>().With.Message.Contains("emu:3").Or.Message.Contains("does not exist"));
        using var ok = Tensor.Ones([4], device: emu);
        Assert.That(ok.Sum().Item(), Is.EqualTo(4));
    }
}
