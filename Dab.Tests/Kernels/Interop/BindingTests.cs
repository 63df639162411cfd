using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Dab.Kernels.Interop;
using NUnit.Framework;

namespace Dab.Tests.Kernels.Interop;

/// <summary>The raw declarations, NVRTC option parsing and module-image recognition.</summary>
public class BindingTests
{
    private static Dictionary<string, (MethodInfo Method, LibraryImportAttribute Import)> Imports(Type t) =>
        t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .Select(m => (m, a: m.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(p => p.a is not null)
            .ToDictionary(p => p.m.Name, p => (p.m, p.a!));

    [Test]
    public void Driver_entry_points_are_all_declared_by_their_exported_names()
    {
        var imports = Imports(typeof(CudaDriver));
        string[] needed =
        [
            "cuInit", "cuDriverGetVersion", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetName", "cuDeviceTotalMem_v2",
            "cuDeviceGetAttribute", "cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease_v2", "cuCtxSetCurrent",
            "cuCtxSynchronize", "cuMemAlloc_v2", "cuMemFree_v2", "cuMemcpyHtoD_v2", "cuMemcpyDtoH_v2", "cuMemcpyDtoD_v2",
            "cuMemcpyHtoDAsync_v2", "cuMemcpyDtoHAsync_v2", "cuMemsetD8_v2", "cuMemsetD32_v2", "cuMemsetD8Async",
            "cuMemsetD32Async", "cuMemGetInfo_v2", "cuModuleLoadData", "cuModuleLoadFatBinary", "cuModuleUnload",
            "cuModuleGetFunction", "cuFuncSetAttribute", "cuLaunchKernel", "cuStreamCreate", "cuStreamDestroy_v2",
            "cuStreamSynchronize", "cuEventCreate", "cuEventRecord", "cuEventSynchronize", "cuEventElapsedTime",
            "cuEventDestroy_v2", "cuStreamBeginCapture_v2", "cuStreamEndCapture", "cuGraphInstantiateWithFlags",
            "cuGraphLaunch", "cuGraphExecDestroy", "cuGraphDestroy", "cuGetErrorName", "cuGetErrorString",
        ];
        Assert.That(imports.Keys, Is.SupersetOf(needed));
        foreach (var (name, (method, import)) in imports)
        {
            Assert.That(import.LibraryName, Is.EqualTo("cuda"), name);
            Assert.That(import.EntryPoint, Is.EqualTo(name), "the method name is the symbol, so nameof() names the call");
            Assert.That(method.ReturnType, Is.EqualTo(typeof(int)), $"{name} returns a CUresult");
        }
        // CUdeviceptr is 64-bit unsigned everywhere it appears.
        Assert.That(imports["cuMemAlloc_v2"].Method.GetParameters()[0].ParameterType, Is.EqualTo(typeof(ulong*)));
        Assert.That(imports["cuMemcpyDtoH_v2"].Method.GetParameters()[1].ParameterType, Is.EqualTo(typeof(ulong)));
        Assert.That(imports["cuLaunchKernel"].Method.GetParameters(), Has.Length.EqualTo(11));
    }

    [Test]
    public void Nvrtc_and_cublas_entry_points_use_their_libraries()
    {
        var nvrtc = Imports(typeof(Nvrtc));
        Assert.That(nvrtc.Keys, Is.SupersetOf(new[]
        {
            "nvrtcVersion", "nvrtcCreateProgram", "nvrtcCompileProgram", "nvrtcGetProgramLogSize", "nvrtcGetProgramLog",
            "nvrtcGetPTXSize", "nvrtcGetPTX", "nvrtcGetCUBINSize", "nvrtcGetCUBIN", "nvrtcDestroyProgram", "nvrtcGetErrorString",
        }));
        Assert.That(nvrtc.Values.Select(v => v.Import.LibraryName).Distinct(), Is.EqualTo(new[] { "nvrtc" }));
        Assert.That(nvrtc.All(p => p.Value.Import.EntryPoint == p.Key), Is.True);

        var cublas = Imports(typeof(Cublas));
        Assert.That(cublas.Keys, Is.SupersetOf(new[]
        {
            "cublasCreate_v2", "cublasDestroy_v2", "cublasSetStream_v2", "cublasSgemm_v2", "cublasSgemmStridedBatched",
            "cublasDgemm_v2", "cublasSetMathMode", "cublasGetStatusString",
        }));
        Assert.That(cublas.Values.Select(v => v.Import.LibraryName).Distinct(), Is.EqualTo(new[] { "cublas" }));
        Assert.That(cublas.All(p => p.Value.Import.EntryPoint == p.Key), Is.True);
    }

    [Test]
    public void The_gate_checks_exactly_the_declared_entry_points()
    {
        Assert.That(LibraryGate.DeclaredEntryPoints(typeof(CudaDriver)), Is.EquivalentTo(Imports(typeof(CudaDriver)).Keys));
        Assert.That(LibraryGate.DeclaredEntryPoints(typeof(Cublas)), Does.Contain("cublasGetStatusString"));
    }

    [TestCase(new[] { "--gpu-architecture=sm_90" }, "sm_90", true)]
    [TestCase(new[] { "-arch=sm_90a", "--std=c++17" }, "sm_90a", true)]
    [TestCase(new[] { "--gpu-architecture", "sm_80" }, "sm_80", true)]
    [TestCase(new[] { "-arch", "compute_90" }, "compute_90", false)]
    [TestCase(new[] { "-arch=sm_80", "--gpu-architecture=compute_90" }, "compute_90", false)]
    [TestCase(new[] { "--std=c++17", "-default-device" }, null, false)]
    [TestCase(new[] { "-arch" }, null, false)]
    public void Nvrtc_target_follows_the_last_architecture_option(string[] options, string? arch, bool cubin)
    {
        Assert.That(Nvrtc.TargetArchitecture(options), Is.EqualTo(arch));
        Assert.That(Nvrtc.ProducesCubin(options), Is.EqualTo(cubin));
    }

    [Test]
    public void Module_images_are_recognised()
    {
        byte[] elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1];
        byte[] fatbin = [0x50, 0xED, 0x55, 0xBA, 1, 0, 0x10, 0];
        var ptx = Encoding.ASCII.GetBytes(".version 8.0\n.target sm_90\n");
        byte[] terminated = [.. ptx, 0];

        Assert.That(ModuleImage.Kind(elf), Is.EqualTo("cubin"));
        Assert.That(ModuleImage.Kind(fatbin), Is.EqualTo("fatbin"));
        Assert.That(ModuleImage.Kind(ptx), Is.EqualTo("PTX"));
        Assert.That(ModuleImage.NeedsTerminator(elf), Is.False);
        Assert.That(ModuleImage.NeedsTerminator(fatbin), Is.False);
        Assert.That(ModuleImage.NeedsTerminator(ptx), Is.True);
        Assert.That(ModuleImage.NeedsTerminator(terminated), Is.False);
        Assert.That(ModuleImage.WithTerminator(ptx), Is.EqualTo(terminated));
    }

    [Test]
    public void Device_info_reads_as_an_architecture()
    {
        var d = new CudaDeviceInfo(0, 0, "NVIDIA H200", 150_754_820_096, 9, 0, 132, 232_448);
        Assert.That(d.Architecture, Is.EqualTo("sm_90"));
        Assert.That(d.ComputeCapability, Is.EqualTo("9.0"));
        Assert.That(d.ToString(), Is.EqualTo("cuda:0 NVIDIA H200, 140.4 GiB, compute capability 9.0, 132 SMs, 227 KiB shared memory per block (opt-in)"));
    }
}
