using Dab.Kernels.Interop;
using System.Runtime.InteropServices;

namespace Dab.Kernels.Gpu;

/// <summary>
/// The emulated device: libdabemu.so (native/emu) runs kernels.cu on the CPU with CUDA's execution
/// model. Bound with function pointers from NativeLibrary so it needs no DllImport resolver.
/// </summary>
public sealed unsafe class EmuRuntime : IGpuRuntime
{
    public const string LibraryName = "libdabemu.so";

    private readonly delegate* unmanaged<void**, nuint, int> _malloc;
    private readonly delegate* unmanaged<void*, int> _free;
    private readonly delegate* unmanaged<void*, void*, nuint, int> _memcpy;
    private readonly delegate* unmanaged<void*, int, nuint, int> _memset;
    private readonly delegate* unmanaged<byte*, Dim3Native, Dim3Native, nuint, void**, int> _launch;
    private readonly delegate* unmanaged<ulong, void> _setSeed;
    private readonly delegate* unmanaged<int, void> _setWorkers;
    private readonly delegate* unmanaged<int> _kernelCount;
    private readonly delegate* unmanaged<byte*> _lastError;
    private readonly delegate* unmanaged<nuint> _allocatedBytes;
    private readonly delegate* unmanaged<nuint> _memoryCapacity;
    private readonly Dictionary<string, byte[]> _names = new();

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Dim3Native(uint X, uint Y, uint Z);

    private EmuRuntime(nint lib, string path)
    {
        T Get<T>(string name) where T : unmanaged
        {
            var p = NativeLibrary.GetExport(lib, name);
            return *(T*)&p;
        }
        _malloc = (delegate* unmanaged<void**, nuint, int>)Get<nint>("emu_malloc");
        _free = (delegate* unmanaged<void*, int>)Get<nint>("emu_free");
        _memcpy = (delegate* unmanaged<void*, void*, nuint, int>)Get<nint>("emu_memcpy");
        _memset = (delegate* unmanaged<void*, int, nuint, int>)Get<nint>("emu_memset");
        _launch = (delegate* unmanaged<byte*, Dim3Native, Dim3Native, nuint, void**, int>)Get<nint>("emu_launch");
        _setSeed = (delegate* unmanaged<ulong, void>)Get<nint>("emu_set_seed");
        _setWorkers = (delegate* unmanaged<int, void>)Get<nint>("emu_set_workers");
        _kernelCount = (delegate* unmanaged<int>)Get<nint>("emu_kernel_count");
        _lastError = (delegate* unmanaged<byte*>)Get<nint>("emu_last_error");
        _allocatedBytes = (delegate* unmanaged<nuint>)Get<nint>("emu_allocated_bytes");
        _memoryCapacity = (delegate* unmanaged<nuint>)Get<nint>("emu_memory_capacity");
        LibraryPath = path;
    }

    public Device Device => new(DeviceKind.Emu);
    public string LibraryPath { get; }
    public string KernelSource => $"emulation: kernels.cu compiled for the CPU ({KernelCount} kernels, {LibraryPath}); {CachingAllocator.Format(MemoryCapacity)} of device memory (DAB_EMU_MEMORY)";
    public int KernelCount => _kernelCount();
    public long AllocatedBytes => (long)_allocatedBytes();
    /// <summary>The emulated device's memory: 8 GiB unless the environment variable DAB_EMU_MEMORY sets it.</summary>
    public long MemoryCapacity => (long)_memoryCapacity();

    private static readonly Lazy<(EmuRuntime? Runtime, string? Why)> Shared = new(Load);

    /// <summary>The process-wide emulated device, or null with the reason it cannot be loaded.</summary>
    public static EmuRuntime? TryGet(out string? why)
    {
        var (rt, w) = Shared.Value;
        why = w;
        return rt;
    }

    private static (EmuRuntime?, string?) Load()
    {
        var dirs = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(EmuRuntime).Assembly.Location) ?? "" }
            .Where(d => d.Length > 0).Select(d => Path.GetFullPath(d).TrimEnd('/')).Distinct();
        var tried = new List<string>();
        foreach (var dir in dirs)
        {
            var path = Path.Combine(dir, LibraryName);
            tried.Add(path);
            if (!File.Exists(path)) continue;
            try { return (new EmuRuntime(NativeLibrary.Load(path), path), null); }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
            {
                return (null, $"device emu is not available: {path} could not be loaded ({e.Message})");
            }
        }
        return (null, $"device emu is not available: {LibraryName} was not built (looked in {string.Join(", ", tried)}); it is built by CMake during 'dotnet build'");
    }

    private string LastError()
    {
        var p = _lastError();
        return p == null ? "unknown error" : Marshal.PtrToStringUTF8((nint)p) ?? "unknown error";
    }

    private void Check(int code, string call, string context)
    {
        if (code != 0) throw new GpuException($"{call} failed on emu ({ErrorName(code)}): {LastError()} [{context}]");
    }

    private static string ErrorName(int code) => code switch
    {
        1 => "EMU_ERROR_INVALID_VALUE", 2 => "EMU_ERROR_OUT_OF_MEMORY", 3 => "EMU_ERROR_NOT_FOUND",
        4 => "EMU_ERROR_LAUNCH_FAILED", 5 => "EMU_ERROR_DEADLOCK", _ => $"error {code}",
    };

    // While capturing, work is recorded instead of run (as CUDA stream capture does); replay runs it.
    private List<Action>? _recording;

    public void BeginCapture()
    {
        if (_recording != null) throw new GpuException("emu: a graph capture is already in progress");
        _recording = new List<Action>();
    }

    public IGraphExec EndCapture()
    {
        var ops = _recording ?? throw new GpuException("emu: EndCapture without BeginCapture");
        _recording = null;
        return new Recorded(ops);
    }

    private sealed class Recorded(List<Action> ops) : IGraphExec
    {
        public int NodeCount => ops.Count;
        public void Launch()
        {
            foreach (var op in ops) op();
        }
        public void Dispose() { }
    }

    private void NoHostCopyWhileCapturing(string what)
    {
        if (_recording != null) throw new GpuException($"emu: cannot {what} while capturing a graph (a captured step must stay on the device)");
    }

    public ulong Alloc(long bytes)
    {
        void* p;
        int rc = _malloc(&p, (nuint)bytes);
        if (rc == 2) throw new OutOfMemoryException($"emu: out of memory allocating {bytes} bytes: {LastError()}");
        Check(rc, "emu_malloc", $"{bytes} bytes");
        return (ulong)p;
    }

    public void Free(ulong ptr) => Check(_free((void*)ptr), "emu_free", $"0x{ptr:x}");
    public void CopyHtoD(ulong dst, void* src, long bytes)
    {
        NoHostCopyWhileCapturing("copy from the host");
        Check(_memcpy((void*)dst, src, (nuint)bytes), "emu_memcpy", "host to device");
    }

    public void CopyDtoH(void* dst, ulong src, long bytes)
    {
        NoHostCopyWhileCapturing("copy to the host");
        Check(_memcpy(dst, (void*)src, (nuint)bytes), "emu_memcpy", "device to host");
    }

    public void CopyDtoD(ulong dst, ulong src, long bytes)
    {
        if (_recording != null) _recording.Add(() => CopyDtoDNow(dst, src, bytes));
        else CopyDtoDNow(dst, src, bytes);
    }

    private void CopyDtoDNow(ulong dst, ulong src, long bytes) => Check(_memcpy((void*)dst, (void*)src, (nuint)bytes), "emu_memcpy", "device to device");

    public void Memset(ulong dst, byte value, long bytes)
    {
        if (_recording != null) _recording.Add(() => MemsetNow(dst, value, bytes));
        else MemsetNow(dst, value, bytes);
    }

    private void MemsetNow(ulong dst, byte value, long bytes) => Check(_memset((void*)dst, value, (nuint)bytes), "emu_memset", $"{bytes} bytes");

    public void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args, string context)
    {
        if (_recording != null)
        {
            var (buffer, offsets) = args.Snapshot();
            _recording.Add(() => KernelArgs.WithPointers(buffer, offsets, p => LaunchNow(kernel, grid, block, sharedBytes, p, context)));
            return;
        }
        args.WithPointers(p => LaunchNow(kernel, grid, block, sharedBytes, p, context));
    }

    private void LaunchNow(string kernel, Dim3 grid, Dim3 block, int sharedBytes, void** args, string context)
    {
        byte[] name;
        lock (_names)
            if (!_names.TryGetValue(kernel, out name!))
                _names[kernel] = name = System.Text.Encoding.UTF8.GetBytes(kernel + "\0");
        fixed (byte* n = name)
            Check(_launch(n, new Dim3Native(grid.X, grid.Y, grid.Z), new Dim3Native(block.X, block.Y, block.Z), (nuint)sharedBytes, args),
                $"launch of {kernel}<<<{grid}, {block}, {sharedBytes}>>>", context);
    }

    /// <summary>Seed of the random thread order inside blocks (a missing barrier shows up under some seeds).</summary>
    public void SetSeed(ulong seed) => _setSeed(seed);
    public void SetWorkers(int workers) => _setWorkers(workers);

    public void Synchronize() { }

    public double TimeMilliseconds(Action enqueue)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew(); // launches are synchronous here
        enqueue();
        return sw.Elapsed.TotalMilliseconds;
    }
    public void Dispose() { }
}
