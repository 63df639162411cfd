using Dab.Kernels.Interop;
using NUnit.Framework;

namespace Dab.Tests.Kernels.Interop;

/// <summary>Status codes become exceptions that name the call, the error and the caller's context.</summary>
public class CheckTests
{
    [Test]
    public void Success_passes()
    {
        Assert.DoesNotThrow(() => Check.CuResult(0, "cuMemAlloc_v2"));
        Assert.DoesNotThrow(() => Check.NvrtcResult(0, "nvrtcCompileProgram"));
        Assert.DoesNotThrow(() => Check.CublasStatus(0, "cublasSgemm_v2"));
    }

    [Test]
    public void A_driver_error_names_call_error_and_context()
    {
        var e = Assert.Throws<CudaException>(() =>
            Check.CuResult(2, "cuMemAlloc_v2", "allocating 4.0 GiB for tensor [1024, 1048576] float32"))!;
        Assert.That(e.Call, Is.EqualTo("cuMemAlloc_v2"));
        Assert.That(e.Code, Is.EqualTo(2));
        Assert.That(e.ErrorName, Is.EqualTo("CUDA_ERROR_OUT_OF_MEMORY"));
        Assert.That(e.Library, Is.EqualTo("CUDA driver"));
        Assert.That(e.Message, Does.StartWith("cuMemAlloc_v2 failed with CUDA_ERROR_OUT_OF_MEMORY"));
        Assert.That(e.Message, Does.Contain(" while allocating 4.0 GiB for tensor [1024, 1048576] float32"));
        Assert.That(e, Is.InstanceOf<CudaInteropException>());
    }

    [Test]
    public void Well_known_causes_come_with_a_hint()
    {
        var e = Assert.Throws<CudaException>(() => Check.CuResult(222, "cuModuleLoadData"))!;
        Assert.That(e.ErrorName, Is.EqualTo("CUDA_ERROR_UNSUPPORTED_PTX_VERSION"));
        Assert.That(e.Message, Does.Contain("CUBIN"));
        Assert.That(CudaErrors.Describe(201).Hint, Does.Contain("per thread"));
        Assert.That(CudaErrors.Name(34), Is.EqualTo("CUDA_ERROR_STUB_LIBRARY"));
    }

    [Test]
    public void Unknown_codes_keep_their_number()
    {
        var e = Assert.Throws<CudaException>(() => Check.CuResult(123456, "cuLaunchKernel"))!;
        Assert.That(e.ErrorName, Is.EqualTo("CUresult 123456"));
        Assert.That(e.Message, Does.StartWith("cuLaunchKernel failed with CUresult 123456"));
    }

    [Test]
    public void Context_added_higher_up_is_appended_and_keeps_the_original()
    {
        var inner = Check.DriverError(700, "cuStreamSynchronize", "synchronising stream 1");
        var outer = inner.WithContext("in MatMul [64, 128] x [128, 32]");
        Assert.That(outer.Context, Is.EqualTo("synchronising stream 1, in MatMul [64, 128] x [128, 32]"));
        Assert.That(outer.Message, Does.Contain("CUDA_ERROR_ILLEGAL_ADDRESS"));
        Assert.That(outer.Message, Does.Contain("while synchronising stream 1, in MatMul [64, 128] x [128, 32]"));
        Assert.That(outer.InnerException, Is.SameAs(inner));
        Assert.That(outer.Code, Is.EqualTo(700));
    }

    [Test]
    public void Nvrtc_errors_are_named_without_the_library()
    {
        var e = Assert.Throws<CudaException>(() => Check.NvrtcResult(5, "nvrtcCompileProgram", "compiling k.cu"))!;
        Assert.That(e.ErrorName, Is.EqualTo("NVRTC_ERROR_INVALID_OPTION"));
        Assert.That(e.Message, Is.EqualTo("nvrtcCompileProgram failed with NVRTC_ERROR_INVALID_OPTION while compiling k.cu"));
        Assert.That(Nvrtc.ErrorName(6), Is.EqualTo("NVRTC_ERROR_COMPILATION"));
        Assert.That(Nvrtc.ErrorName(17), Is.EqualTo("NVRTC_ERROR_TIME_TRACE_FILE_WRITE_FAILED"));
    }

    [Test]
    public void Compile_errors_carry_the_log()
    {
        var e = new NvrtcCompileException("nvrtcCompileProgram", 6, "NVRTC_ERROR_COMPILATION", "compiling k.cu",
            "k.cu(3): error: identifier \"x\" is undefined\n");
        Assert.That(e.Message, Does.Contain("while compiling k.cu").And.Contain("identifier \"x\" is undefined"));
        var wrapped = (NvrtcCompileException)e.WithContext("for device cuda:0");
        Assert.That(wrapped.Log, Is.EqualTo(e.Log));
        Assert.That(wrapped.Message, Does.Contain("compiling k.cu, for device cuda:0"));
    }

    [TestCase(0UL, "0 B")]
    [TestCase(1023UL, "1023 B")]
    [TestCase(1536UL, "1.5 KiB")]
    [TestCase(4UL << 30, "4.0 GiB")]
    [TestCase(141UL << 30, "141.0 GiB")]
    [TestCase(3UL << 50, "3.0 PiB")]
    public void Byte_counts_read_well(ulong bytes, string expected) =>
        Assert.That(Check.FormatBytes(bytes), Is.EqualTo(expected));
}
