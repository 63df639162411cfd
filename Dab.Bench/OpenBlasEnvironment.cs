using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Dab.Bench;

/// <summary>
/// OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE when it loads. The environment here pins it
/// to the Haswell (AVX2) kernels, and left alone Debian's OpenBLAS 0.3.21 does not recognise these
/// virtualised AVX-512 processors and falls back to its generic "Prescott" (SSE3) kernels. For a fair
/// comparison we give it its fastest kernels for this processor: SkylakeX (AVX-512) where AVX-512 runs,
/// Haswell otherwise, and let it size its caches itself. DAB_BENCH_OPENBLAS_CORETYPE overrides the
/// choice; DAB_BENCH_KEEP_OPENBLAS_ENV=1 leaves the environment as it is.
/// </summary>
internal static partial class OpenBlasEnvironment
{
    // .NET keeps its own copy of the environment on Unix: OpenBLAS, loaded into this process, reads
    // the C library's, and benchmark child processes get .NET's. Set both.
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvC(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnvC(string name);

    private static void Set(string name, string? value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (value == null) UnsetEnvC(name); else SetEnvC(name, value, 1);
    }

    public static void Prepare()
    {
        if (Environment.GetEnvironmentVariable("DAB_BENCH_KEEP_OPENBLAS_ENV") == "1") return;
        var core = Environment.GetEnvironmentVariable("DAB_BENCH_OPENBLAS_CORETYPE")
                   ?? (Avx512F.IsSupported ? "SkylakeX" : Avx2.IsSupported ? "Haswell" : null);
        var old = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE");
        if (old != core)
        {
            Console.WriteLine($"dab bench: OPENBLAS_CORETYPE={core ?? "(unset)"} (was {old ?? "unset"}): OpenBLAS's fastest kernels for this processor");
            Set("OPENBLAS_CORETYPE", core);
        }
        if (Environment.GetEnvironmentVariable("OPENBLAS_L2_SIZE") is { } l2)
        {
            Console.WriteLine($"dab bench: unsetting OPENBLAS_L2_SIZE={l2} so OpenBLAS sizes its blocks for this processor");
            Set("OPENBLAS_L2_SIZE", null);
        }
    }
}
