using System.Numerics;
using System.Runtime.Intrinsics;
using Dab.Backends;
using Dab.Backends.Cpu;
using Dab.Kernels.Gpu;
using Dab.Kernels.Interop;

namespace Dab.Cli;

/// <summary><c>dab info</c>: the devices Dab can use, where their kernels come from, and their memory.</summary>
public static class InfoCommand
{
    public static int Run(string[] args, TextWriter stdout)
    {
        var a = new CliArgs(args, [], ["help"], "info");
        if (a.Flag("help")) { stdout.WriteLine("usage: dab info\n  lists the devices Dab can use, where their kernels come from and their allocator statistics"); return 0; }
        if (a.Positional.Count > 0) throw new UsageException($"'info' takes no arguments, got '{a.Positional[0]}'");

        stdout.WriteLine($"cpu: {Environment.ProcessorCount} cores, kernels use {Par.Threads} threads; SIMD: Vector<float> {Vector<float>.Count} lanes, AVX2 {Vector256.IsHardwareAccelerated}, AVX-512 {Vector512.IsHardwareAccelerated}; GEMM micro-kernel {CpuGemm.Kernel}");

        var emu = new Device(DeviceKind.Emu);
        if (BackendRegistry.WhyUnavailable(emu) is { } whyEmu) stdout.WriteLine($"emu: unavailable: {whyEmu}");
        else Describe(stdout, emu);

        var gpus = CudaDevices.Enumerate();
        if (gpus.Count == 0) stdout.WriteLine($"cuda: no device: {CudaDevices.WhyUnavailable}");
        foreach (var g in gpus)
        {
            stdout.WriteLine($"{g}");
            Describe(stdout, new Device(DeviceKind.Cuda, g.Ordinal));
        }

        var fatbin = Path.Combine(AppContext.BaseDirectory, KernelModule.FatbinName);
        stdout.WriteLine(File.Exists(fatbin) ? $"prebuilt kernels: {fatbin} (sm_80, sm_90, compute_90)" : "prebuilt kernels: none (nvcc was not available at build time)");
        stdout.WriteLine(NativeLibraries.TryLoad(NativeLibraries.NvrtcName, out var nvrtc, out var whyNot)
            ? $"NVRTC: {nvrtc} (compiles kernels.cu for GPUs the fatbin does not cover)" : $"NVRTC: unavailable: {whyNot}");
        return 0;
    }

    private static void Describe(TextWriter stdout, Device d)
    {
        var b = (GpuBackend)BackendRegistry.Get(d);
        var al = b.Allocator;
        stdout.WriteLine($"  {d}: kernels from {b.Runtime.KernelSource}");
        stdout.WriteLine($"  {d}: allocator {CachingAllocator.Format(al.AllocatedBytes)} allocated, {CachingAllocator.Format(al.ReservedBytes)} reserved, peak {CachingAllocator.Format(al.PeakAllocatedBytes)}");
    }
}
