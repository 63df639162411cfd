namespace Dab.Kernels.Interop;

public static unsafe partial class Cublas
{
    // cublasStatus_t has gaps (2, 4-6, 9, 10, 12 are unused), hence a table rather than an array.
    static readonly Dictionary<int, (string Name, string Description)> Statuses = new()
    {
        [0] = ("CUBLAS_STATUS_SUCCESS", "success"),
        [1] = ("CUBLAS_STATUS_NOT_INITIALIZED", "the handle was not created, or the CUDA context it needs is not current"),
        [3] = ("CUBLAS_STATUS_ALLOC_FAILED", "cuBLAS could not allocate device memory"),
        [7] = ("CUBLAS_STATUS_INVALID_VALUE", "an argument is out of range (a dimension, a leading dimension smaller than the rows it spans)"),
        [8] = ("CUBLAS_STATUS_ARCH_MISMATCH", "the GPU lacks a feature the call needs"),
        [11] = ("CUBLAS_STATUS_MAPPING_ERROR", "access to GPU memory failed"),
        [13] = ("CUBLAS_STATUS_EXECUTION_FAILED", "the GPU program failed to run"),
        [14] = ("CUBLAS_STATUS_INTERNAL_ERROR", "an internal cuBLAS operation failed"),
        [15] = ("CUBLAS_STATUS_NOT_SUPPORTED", "the requested functionality is not supported"),
        [16] = ("CUBLAS_STATUS_LICENSE_ERROR", "a licence check failed"),
    };

    /// <summary>The CUBLAS_STATUS_* name of a status; needs no library.</summary>
    public static string StatusName(int status) =>
        Statuses.TryGetValue(status, out var s) ? s.Name : $"CUBLAS_STATUS_UNKNOWN({status})";

    /// <summary>cublasGetStatusString when the loaded cuBLAS has it, else the table's description.</summary>
    public static string StatusDescription(int status)
    {
        if (LibraryGate.Cublas.Has(nameof(cublasGetStatusString)) && cublasGetStatusString(status) is var text && text != null)
            return new string((sbyte*)text);
        return Statuses.TryGetValue(status, out var s) ? s.Description : "unknown cuBLAS status";
    }
}
