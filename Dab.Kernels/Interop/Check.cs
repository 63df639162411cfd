using System.Globalization;

namespace Dab.Kernels.Interop;

/// <summary>
/// Turns the status codes of the CUDA driver, NVRTC and cuBLAS into exceptions. The wrappers in
/// <see cref="Cu"/>, <see cref="Nvrtc"/> and <see cref="Cublas"/> use these; so should any code in
/// Dab.Kernels that calls a raw binding directly.
/// </summary>
public static class Check
{
    /// <param name="result">The CUresult the call returned.</param>
    /// <param name="call">The entry point, e.g. nameof(CudaDriver.cuMemAlloc_v2).</param>
    /// <param name="context">What the caller was doing, read after "while": "allocating 4.0 GiB for tensor [1024, 1048576] float32".</param>
    public static void CuResult(int result, string call, string? context = null)
    {
        if (result != 0) throw DriverError(result, call, context);
    }

    public static void NvrtcResult(int result, string call, string? context = null)
    {
        if (result != 0) throw new CudaException("NVRTC", call, result, Nvrtc.ErrorName(result), null, context);
    }

    public static void CublasStatus(int status, string call, string? context = null)
    {
        if (status != 0)
            throw new CudaException("cuBLAS", call, status, Cublas.StatusName(status), Cublas.StatusDescription(status), context);
    }

    public static CudaException DriverError(int result, string call, string? context)
    {
        var (name, description, hint) = CudaErrors.Describe(result);
        return new CudaException("CUDA driver", call, result, name, description, context, hint);
    }

    /// <summary>A byte count for messages: "512 B", "1.5 KiB", "4.0 GiB".</summary>
    public static string FormatBytes(ulong bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
