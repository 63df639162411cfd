using Dab.Kernels.Gpu;
using Dab.Kernels.Interop;
using NUnit.Framework;

namespace Dab.Tests.Kernels;

public class KernelModuleTests
{
    [Test]
    public void EmbeddedSourceInlinesEveryKernelFamily()
    {
        var src = KernelModule.Source();
        foreach (var kernel in new[] { "unary_f32", "binary_f32", "reduce_f32", "softmax_f32", "nll_f32", "sgemm", "dgemm", "permute_b32", "gather_f32", "adam_f32", "philox_f32" })
            Assert.That(src, Does.Contain($" {kernel}("), kernel);
        Assert.That(src, Does.Not.Contain("#include \"kernels/"), "includes are inlined");
    }

    [Test]
    public void NvrtcCompilesTheKernelsForSm80()
    {
        if (!NativeLibraries.TryLoad(NativeLibraries.NvrtcName, out _, out var why)) Assert.Ignore($"NVRTC is not installed: {why}");
        var image = Nvrtc.Compile(KernelModule.Source(), "kernels.cu", ["--gpu-architecture=sm_80", "--std=c++17", "-default-device"], out var log);
        Assert.That(image, Is.Not.Empty, log);
    }
}
