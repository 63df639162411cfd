using System.Text;
using Dab.Kernels.Interop;
using NUnit.Framework;

namespace Dab.Tests.Kernels.Interop;

/// <summary>
/// NVRTC compiles without a GPU, so these run wherever libnvrtc is installed; loading and running
/// the output is left to <see cref="GpuTests"/>.
/// </summary>
public class NvrtcTests
{
    private const string Kernel = """
        extern "C" __global__ void scale(float* x, float a, int n)
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) x[i] *= a;
        }
        """;

    [SetUp]
    public void RequireNvrtc()
    {
        if (!NativeLibraries.TryLoad("nvrtc", out _, out var why)) Assert.Ignore($"no NVRTC: {why}");
    }

    [Test]
    public void Version_is_plausible()
    {
        var (major, minor) = Nvrtc.Version();
        Assert.That(major, Is.InRange(11, 20));
        Assert.That(minor, Is.InRange(0, 99));
    }

    [Test]
    public void Sm_target_gives_a_cubin()
    {
        var image = Nvrtc.Compile(Kernel, "scale.cu", ["--gpu-architecture=sm_80"], out var log);
        Assert.That(ModuleImage.IsCubin(image), Is.True, $"got {ModuleImage.Kind(image)}; log: {log}");
        Assert.That(Encoding.ASCII.GetString(image), Does.Contain("scale"), "the kernel's symbol is in the ELF");
    }

    [Test]
    public void Virtual_or_no_target_gives_nul_terminated_ptx()
    {
        foreach (var options in new[] { new[] { "-arch=compute_80" }, Array.Empty<string>() })
        {
            var image = Nvrtc.Compile(Kernel, "scale.cu", options, out _);
            Assert.That(ModuleImage.Kind(image), Is.EqualTo("PTX"));
            Assert.That(image[^1], Is.EqualTo(0));
            Assert.That(ModuleImage.NeedsTerminator(image), Is.False);
            var text = Encoding.ASCII.GetString(image, 0, image.Length - 1);
            Assert.That(text, Does.Contain(".entry scale"));
            if (options.Length > 0) Assert.That(text, Does.Contain(".target sm_80"));
        }
    }

    [Test]
    public void Compile_errors_carry_the_log()
    {
        var e = Assert.Throws<NvrtcCompileException>(() =>
            Nvrtc.Compile("extern \"C\" __global__ void k(float* x) { x[0] = undefined_name; }", "broken.cu",
                ["--gpu-architecture=sm_80"], out _))!;
        Assert.That(e.ErrorName, Is.EqualTo("NVRTC_ERROR_COMPILATION"));
        Assert.That(e.Call, Is.EqualTo("nvrtcCompileProgram"));
        Assert.That(e.Log, Does.Contain("undefined_name"));
        Assert.That(e.Message, Does.StartWith("nvrtcCompileProgram failed with NVRTC_ERROR_COMPILATION while compiling broken.cu"));
        Assert.That(e.Message, Does.Contain("undefined_name"));
    }

    [Test]
    public void Bad_options_are_reported_with_the_log()
    {
        var e = Assert.Throws<NvrtcCompileException>(() => Nvrtc.Compile(Kernel, "scale.cu", ["--no-such-option"], out _))!;
        Assert.That(e.ErrorName, Is.EqualTo("NVRTC_ERROR_INVALID_OPTION"));
        Assert.That(e.Log, Does.Contain("--no-such-option"));
    }

    [Test]
    public void Warnings_come_back_in_the_log()
    {
        Nvrtc.Compile("extern \"C\" __global__ void k(float* x) { int unused = 1; x[0] = 0; }", "warn.cu",
            ["-arch=compute_80"], out var log);
        Assert.That(log, Does.Contain("unused"));
    }
}
