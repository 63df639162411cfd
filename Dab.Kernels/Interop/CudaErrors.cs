namespace Dab.Kernels.Interop;

/// <summary>
/// Names and explanations of CUresult codes. The driver's cuGetErrorName/cuGetErrorString are the
/// source of truth; the table below serves when the driver cannot answer (it is not loaded, or the
/// code is newer than it), and adds hints for errors whose cause is not obvious from the name.
/// </summary>
public static unsafe class CudaErrors
{
    static readonly Dictionary<int, (string Name, string? Hint)> Known = new()
    {
        [1] = ("CUDA_ERROR_INVALID_VALUE", null),
        [2] = ("CUDA_ERROR_OUT_OF_MEMORY", "Cu.MemGetInfo shows what is free; memory held by a caching allocator is freed by emptying its cache"),
        [3] = ("CUDA_ERROR_NOT_INITIALIZED", "cuInit was not called: go through Cu, which initialises the driver on first use"),
        [4] = ("CUDA_ERROR_DEINITIALIZED", "the driver is shutting down (a call made during process exit?)"),
        [34] = ("CUDA_ERROR_STUB_LIBRARY", "the libcuda that was loaded is the toolkit's link-time stub (lib64/stubs), not the NVIDIA driver; take the stubs directory out of LD_LIBRARY_PATH"),
        [35] = ("CUDA_ERROR_INSUFFICIENT_DRIVER", "the NVIDIA driver is older than this CUDA version requires"),
        [100] = ("CUDA_ERROR_NO_DEVICE", "no CUDA device is visible (check CUDA_VISIBLE_DEVICES and nvidia-smi)"),
        [101] = ("CUDA_ERROR_INVALID_DEVICE", null),
        [200] = ("CUDA_ERROR_INVALID_IMAGE", "the module image is not a valid cubin, fatbin or NUL-terminated PTX"),
        [201] = ("CUDA_ERROR_INVALID_CONTEXT", "no CUDA context is current on this thread: contexts are per thread, call Cu.SetCurrentContext on every thread that touches the device"),
        [209] = ("CUDA_ERROR_NO_BINARY_FOR_GPU", "the module holds neither SASS nor PTX for this GPU's compute capability"),
        [218] = ("CUDA_ERROR_INVALID_PTX", null),
        [222] = ("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "the PTX comes from a newer NVRTC/nvcc than this driver can JIT: compile to a CUBIN (--gpu-architecture=sm_XX) or use an NVRTC no newer than the driver"),
        [400] = ("CUDA_ERROR_INVALID_HANDLE", null),
        [500] = ("CUDA_ERROR_NOT_FOUND", "no kernel of that name in the module (an extern \"C\" declaration avoids C++ name mangling)"),
        [600] = ("CUDA_ERROR_NOT_READY", null),
        [700] = ("CUDA_ERROR_ILLEGAL_ADDRESS", "a kernel accessed memory it does not own; the context is now unusable. Launches are asynchronous, so the culprit may be an earlier launch: synchronise after each launch to find it"),
        [701] = ("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "the block needs more registers or shared memory than the GPU has: fewer threads per block or fewer registers"),
        [702] = ("CUDA_ERROR_LAUNCH_TIMEOUT", null),
        [710] = ("CUDA_ERROR_ASSERT", "a device-side assert failed; the context is now unusable"),
        [719] = ("CUDA_ERROR_LAUNCH_FAILED", "a kernel faulted; the context is now unusable. Launches are asynchronous, so the culprit may be an earlier launch"),
        [900] = ("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "that operation is not allowed while a stream is being captured into a graph"),
        [901] = ("CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", "an earlier operation broke the capture (a synchronisation or an allocation during capture)"),
        [999] = ("CUDA_ERROR_UNKNOWN", null),
    };

    /// <summary>The CUDA_ERROR_* name of a code, from the driver when it is loaded.</summary>
    public static string Name(int code) => Describe(code).Name;

    /// <summary>Name, description and hint of a CUresult.</summary>
    public static (string Name, string? Description, string? Hint) Describe(int code)
    {
        Known.TryGetValue(code, out var known);
        var name = DriverString(code, describe: false) ?? known.Name ?? (code == 0 ? "CUDA_SUCCESS" : $"CUresult {code}");
        return (name, DriverString(code, describe: true), known.Hint);
    }

    static string? DriverString(int code, bool describe)
    {
        if (!LibraryGate.Driver.Has(describe ? nameof(CudaDriver.cuGetErrorString) : nameof(CudaDriver.cuGetErrorName)))
            return null;
        byte* text = null;
        // Unknown codes make the driver answer CUDA_ERROR_INVALID_VALUE and leave text null.
        var rc = describe ? CudaDriver.cuGetErrorString(code, &text) : CudaDriver.cuGetErrorName(code, &text);
        return rc == 0 && text != null ? new string((sbyte*)text) : null;
    }
}
