using System.Runtime.InteropServices;

namespace Dab.Kernels.Interop;

/// <summary>
/// NVRTC, the CUDA runtime compiler: compiles CUDA C++ source to PTX or (for a real sm_XX target)
/// CUBIN inside the process. Raw entry points (nvrtc.h) are internal; use <see cref="Compile"/>.
/// </summary>
public static unsafe partial class Nvrtc
{
    const string Lib = NativeLibraries.NvrtcName;

    [LibraryImport(Lib, EntryPoint = "nvrtcVersion")] internal static partial int nvrtcVersion(int* major, int* minor);
    [LibraryImport(Lib, EntryPoint = "nvrtcCreateProgram")]
    internal static partial int nvrtcCreateProgram(IntPtr* program, [MarshalAs(UnmanagedType.LPUTF8Str)] string source,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int headerCount, byte** headers, byte** includeNames);
    [LibraryImport(Lib, EntryPoint = "nvrtcCompileProgram")] internal static partial int nvrtcCompileProgram(IntPtr program, int optionCount, byte** options);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetProgramLogSize")] internal static partial int nvrtcGetProgramLogSize(IntPtr program, nuint* size);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetProgramLog")] internal static partial int nvrtcGetProgramLog(IntPtr program, byte* log);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetPTXSize")] internal static partial int nvrtcGetPTXSize(IntPtr program, nuint* size);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetPTX")] internal static partial int nvrtcGetPTX(IntPtr program, byte* ptx);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetCUBINSize")] internal static partial int nvrtcGetCUBINSize(IntPtr program, nuint* size);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetCUBIN")] internal static partial int nvrtcGetCUBIN(IntPtr program, byte* cubin);
    [LibraryImport(Lib, EntryPoint = "nvrtcDestroyProgram")] internal static partial int nvrtcDestroyProgram(IntPtr* program);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetErrorString")] internal static partial byte* nvrtcGetErrorString(int result);

    static readonly string[] ErrorNames =
    [
        "NVRTC_SUCCESS", "NVRTC_ERROR_OUT_OF_MEMORY", "NVRTC_ERROR_PROGRAM_CREATION_FAILURE", "NVRTC_ERROR_INVALID_INPUT",
        "NVRTC_ERROR_INVALID_PROGRAM", "NVRTC_ERROR_INVALID_OPTION", "NVRTC_ERROR_COMPILATION",
        "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE", "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION",
        "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION", "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID",
        "NVRTC_ERROR_INTERNAL_ERROR", "NVRTC_ERROR_TIME_FILE_WRITE_FAILED", "NVRTC_ERROR_NO_PCH_CREATE_ATTEMPTED",
        "NVRTC_ERROR_PCH_CREATE_HEAP_EXHAUSTED", "NVRTC_ERROR_PCH_CREATE", "NVRTC_ERROR_CANCELLED",
        "NVRTC_ERROR_TIME_TRACE_FILE_WRITE_FAILED",
    ];

    /// <summary>
    /// The nvrtcResult name. nvrtcGetErrorString returns these same names; it is asked only for codes
    /// newer than the table, so names work without the library too.
    /// </summary>
    public static string ErrorName(int result)
    {
        if (result >= 0 && result < ErrorNames.Length) return ErrorNames[result];
        if (LibraryGate.Nvrtc.Has(nameof(nvrtcGetErrorString)) && nvrtcGetErrorString(result) is var text && text != null)
            return new string((sbyte*)text);
        return $"nvrtcResult {result}";
    }

    /// <summary>The NVRTC version, e.g. (12, 8).</summary>
    public static (int Major, int Minor) Version()
    {
        LibraryGate.Nvrtc.Require(nameof(nvrtcVersion));
        int major, minor;
        Check.NvrtcResult(nvrtcVersion(&major, &minor), nameof(nvrtcVersion));
        return (major, minor);
    }

    /// <summary>
    /// The target of the last --gpu-architecture / -arch option ("sm_90", "compute_90"), in either the
    /// "--gpu-architecture=sm_90" or the two-word form, or null when none is given.
    /// </summary>
    public static string? TargetArchitecture(IReadOnlyList<string> options)
    {
        string? arch = null;
        for (var i = 0; i < options.Count; i++)
        {
            var o = options[i];
            foreach (var flag in new[] { "--gpu-architecture", "-arch" })
            {
                if (o == flag && i + 1 < options.Count) arch = options[i + 1];
                else if (o.StartsWith(flag + "=", StringComparison.Ordinal)) arch = o[(flag.Length + 1)..];
            }
        }
        return arch;
    }

    /// <summary>A real architecture (sm_90, sm_90a) yields SASS in a CUBIN; a virtual one (compute_90) or none yields PTX.</summary>
    public static bool ProducesCubin(IReadOnlyList<string> options) =>
        TargetArchitecture(options)?.StartsWith("sm_", StringComparison.Ordinal) == true;

    /// <summary>
    /// Compiles <paramref name="source"/> and returns a CUBIN when an sm_XX architecture is requested,
    /// otherwise NUL-terminated PTX; either can go straight to <see cref="Cu.ModuleLoadData"/>.
    /// Kernels to be looked up by name should be extern "C" (or use name expressions, not bound here).
    /// </summary>
    /// <param name="name">The program's file name, used in diagnostics ("kernels.cu").</param>
    /// <param name="options">nvcc-style options, e.g. "--gpu-architecture=sm_90", "-default-device", "--std=c++17".</param>
    /// <param name="log">The compiler's warnings (also on success).</param>
    /// <exception cref="NvrtcCompileException">The source did not compile; the message holds the log.</exception>
    public static byte[] Compile(string source, string name, string[] options, out string log)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        LibraryGate.Nvrtc.Require(nameof(nvrtcCreateProgram));
        var cubin = ProducesCubin(options);
        if (cubin) LibraryGate.Nvrtc.Require(nameof(nvrtcGetCUBIN));   // NVRTC 11.1+

        var context = $"compiling {name} with [{string.Join(" ", options)}]";
        IntPtr program;
        Check.NvrtcResult(nvrtcCreateProgram(&program, source, name, 0, null, null), nameof(nvrtcCreateProgram), context);
        try
        {
            var rc = CompileWithOptions(program, options);
            log = ReadLog(program);
            // INVALID_OPTION and COMPILATION both leave the reason in the log.
            if (rc != 0) throw new NvrtcCompileException(nameof(nvrtcCompileProgram), rc, ErrorName(rc), context, log);
            return cubin
                ? ReadOutput(program, &nvrtcGetCUBINSize, &nvrtcGetCUBIN, nameof(nvrtcGetCUBIN), context)
                : ReadOutput(program, &nvrtcGetPTXSize, &nvrtcGetPTX, nameof(nvrtcGetPTX), context);
        }
        finally
        {
            // A failure to destroy would only leak; it must not hide the compile error.
            _ = nvrtcDestroyProgram(&program);
        }
    }

    static int CompileWithOptions(IntPtr program, string[] options)
    {
        var utf8 = new IntPtr[options.Length];
        try
        {
            for (var i = 0; i < options.Length; i++) utf8[i] = Marshal.StringToCoTaskMemUTF8(options[i]);
            fixed (IntPtr* p = utf8)
                return nvrtcCompileProgram(program, options.Length, (byte**)p);
        }
        finally
        {
            foreach (var s in utf8) Marshal.FreeCoTaskMem(s);
        }
    }

    static string ReadLog(IntPtr program)
    {
        nuint size;
        Check.NvrtcResult(nvrtcGetProgramLogSize(program, &size), nameof(nvrtcGetProgramLogSize));
        if (size <= 1) return "";
        var buffer = new byte[size];
        fixed (byte* p = buffer) Check.NvrtcResult(nvrtcGetProgramLog(program, p), nameof(nvrtcGetProgramLog));
        return System.Text.Encoding.UTF8.GetString(buffer, 0, (int)size - 1);   // drop the NUL
    }

    /// <summary>The size NVRTC reports for PTX includes its NUL, which cuModuleLoadData needs; it is kept.</summary>
    static byte[] ReadOutput(IntPtr program, delegate*<IntPtr, nuint*, int> getSize, delegate*<IntPtr, byte*, int> get,
        string call, string context)
    {
        nuint size;
        Check.NvrtcResult(getSize(program, &size), call + "Size", context);
        var output = new byte[size];
        fixed (byte* p = output) Check.NvrtcResult(get(program, p), call, context);
        return output;
    }
}
