using System.Numerics;
using System.Runtime.Intrinsics;
using Dab.Backends;
using Dab.Backends.Cpu;

namespace Dab.Cli;

public static class InfoCommand
{
    public static int Run(string[] args, TextWriter stdout)
    {
        var a = new CliArgs(args, [], ["help"], "info");
        if (a.Flag("help")) { stdout.WriteLine("usage: dab info\n  lists the devices Dab can use and what the CPU backend runs with"); return 0; }
        if (a.Positional.Count > 0) throw new UsageException($"'info' takes no arguments, got '{a.Positional[0]}'");
        stdout.WriteLine($"cpu: {Environment.ProcessorCount} cores, kernels use {Par.Threads} threads; SIMD: Vector<float> {Vector<float>.Count} lanes, AVX2 {Vector256.IsHardwareAccelerated}, AVX-512 {Vector512.IsHardwareAccelerated}");
        foreach (var d in new[] { new Device(DeviceKind.Emu), new Device(DeviceKind.Cuda, 0) })
            stdout.WriteLine($"{d}: {BackendRegistry.WhyUnavailable(d) ?? "available"}");
        return 0;
    }
}
