namespace Dab.Kernels.Interop;

/// <summary>
/// Base of every error raised by the CUDA interop layer, so callers can catch "anything CUDA" in one
/// place (for instance to fall back to the CPU) without catching unrelated exceptions.
/// </summary>
public abstract class CudaInteropException : Exception
{
    protected CudaInteropException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>
/// A library (driver, NVRTC, cuBLAS) or a device is not there or cannot be used: no driver, no GPU,
/// a driver too old for an entry point, cuInit failing. Nothing the caller did wrong; the usual
/// reaction is to use another device.
/// </summary>
public sealed class CudaUnavailableException : CudaInteropException
{
    public CudaUnavailableException(string library, string message, IReadOnlyList<string> tried, Exception? inner = null)
        : base(message, inner)
    {
        Library = library;
        Tried = tried;
    }

    /// <summary>"CUDA driver", "NVRTC" or "cuBLAS".</summary>
    public string Library { get; }

    /// <summary>The files the loader tried, each with its outcome.</summary>
    public IReadOnlyList<string> Tried { get; }
}

/// <summary>
/// A CUDA, NVRTC or cuBLAS call returned an error. The message names the call, the library's own
/// error name (CUDA_ERROR_OUT_OF_MEMORY, NVRTC_ERROR_COMPILATION, CUBLAS_STATUS_EXECUTION_FAILED), its
/// description, the caller's context, and a hint for errors with a well-known cause.
/// </summary>
public class CudaException : CudaInteropException
{
    public CudaException(string library, string call, int code, string errorName, string? description,
        string? context, string? hint = null, Exception? inner = null)
        : base(Format(call, errorName, description, context, hint), inner)
    {
        Library = library;
        Call = call;
        Code = code;
        ErrorName = errorName;
        Description = description;
        Context = context;
        Hint = hint;
    }

    public string Library { get; }
    /// <summary>The entry point that failed, e.g. cuMemAlloc_v2.</summary>
    public string Call { get; }
    /// <summary>The raw CUresult / nvrtcResult / cublasStatus_t.</summary>
    public int Code { get; }
    public string ErrorName { get; }
    public string? Description { get; }
    /// <summary>What the caller was doing, e.g. "allocating 4.0 GiB for tensor [1024, 1048576] float32".</summary>
    public string? Context { get; }
    public string? Hint { get; }

    /// <summary>
    /// The same error with more context, for a caller higher up that knows what the failing call was
    /// for (the op and its tensor shapes). Costs nothing unless a call fails:
    /// <c>catch (CudaException e) { throw e.WithContext($"in MatMul {a.Shape} x {b.Shape}"); }</c>
    /// </summary>
    public virtual CudaException WithContext(string outer) =>
        new(Library, Call, Code, ErrorName, Description, Combine(Context, outer), Hint, this);

    protected static string? Combine(string? inner, string outer) =>
        string.IsNullOrEmpty(inner) ? outer : $"{inner}, {outer}";

    /// <summary>Context reads after "while": "cuMemAlloc_v2 failed with X (y) while allocating ...".</summary>
    public static string Format(string call, string errorName, string? description, string? context, string? hint)
    {
        var text = $"{call} failed with {errorName}";
        if (!string.IsNullOrEmpty(description) && description != errorName) text += $" ({description})";
        if (!string.IsNullOrEmpty(context)) text += $" while {context}";
        if (!string.IsNullOrEmpty(hint)) text += $". {char.ToUpperInvariant(hint[0])}{hint[1..]}";
        return text;
    }
}

/// <summary>NVRTC rejected a program; <see cref="Log"/> holds the compiler's messages.</summary>
public sealed class NvrtcCompileException : CudaException
{
    public NvrtcCompileException(string call, int code, string errorName, string? context, string log, Exception? inner = null)
        : base("NVRTC", call, code, errorName, null, context, FormatLog(log), inner)
    {
        Log = log;
    }

    public string Log { get; }

    public override CudaException WithContext(string outer) =>
        new NvrtcCompileException(Call, Code, ErrorName, Combine(Context, outer), Log, this);

    static string FormatLog(string log) =>
        string.IsNullOrWhiteSpace(log) ? "NVRTC gave no log" : "Compiler log:\n" + log.TrimEnd();
}
