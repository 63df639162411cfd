using Dab.Kernels.Interop;

namespace Dab.Kernels.Gpu;

/// <summary>
/// A real GPU through the driver API: the primary context, one non-blocking stream that every launch
/// and copy is queued on (so they stay ordered), and the kernel module from <see cref="KernelModule"/>.
/// </summary>
public sealed unsafe class CudaRuntime : IGpuRuntime
{
    private readonly IntPtr _context, _stream, _module;
    private readonly Dictionary<string, IntPtr> _functions = new();
    [ThreadStatic] private static IntPtr _currentContext;

    public CudaRuntime(CudaDeviceInfo info)
    {
        Info = info;
        _context = Cu.PrimaryContextRetain(info.Handle);
        Cu.SetCurrentContext(_context);
        _currentContext = _context;
        _stream = Cu.StreamCreate();
        (_module, KernelSource) = KernelModule.Load(info);
    }

    public CudaDeviceInfo Info { get; }
    public Device Device => new(DeviceKind.Cuda, Info.Ordinal);
    public string KernelSource { get; }
    public IntPtr Stream => _stream;

    // The context is current per thread; test runners and the thread pool move work between threads.
    private void Enter()
    {
        if (_currentContext == _context) return;
        Cu.SetCurrentContext(_context);
        _currentContext = _context;
    }

    public ulong Alloc(long bytes)
    {
        Enter();
        try { return Cu.MemAlloc((ulong)bytes, $"{bytes} bytes"); }
        catch (CudaException e) when (e.ErrorName == "CUDA_ERROR_OUT_OF_MEMORY")
        {
            throw new OutOfMemoryException(e.Message, e);
        }
    }

    public void Free(ulong ptr) { Enter(); Cu.MemFree(ptr); }

    public void CopyHtoD(ulong dst, void* src, long bytes)
    {
        Enter();
        Cu.MemcpyHtoDAsync(dst, src, (ulong)bytes, _stream);
        Cu.StreamSynchronize(_stream); // the host buffer may be pageable and reused as soon as we return
    }

    public void CopyDtoH(void* dst, ulong src, long bytes)
    {
        Enter();
        Cu.MemcpyDtoHAsync(dst, src, (ulong)bytes, _stream);
        Cu.StreamSynchronize(_stream, "copying device to host (an earlier asynchronous launch may have failed)");
    }

    public void CopyDtoD(ulong dst, ulong src, long bytes) { Enter(); Cu.MemcpyDtoDAsync(dst, src, (ulong)bytes, _stream); }
    public void Memset(ulong dst, byte value, long bytes) { Enter(); Cu.MemsetD8Async(dst, value, (ulong)bytes, _stream); }

    public void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args, string context)
    {
        Enter();
        if (!_functions.TryGetValue(kernel, out var f))
            _functions[kernel] = f = Cu.ModuleGetFunction(_module, kernel);
        var stream = _stream;
        try { args.WithPointers(p => Cu.LaunchKernel(f, grid, block, (uint)sharedBytes, stream, p, kernel)); }
        catch (CudaException e) { throw e.WithContext(context); }
    }

    public void Synchronize() { Enter(); Cu.StreamSynchronize(_stream); }

    public double TimeMilliseconds(Action enqueue)
    {
        Enter();
        var start = Cu.EventCreate();
        var stop = Cu.EventCreate();
        try
        {
            Cu.EventRecord(start, _stream);
            enqueue();
            Cu.EventRecord(stop, _stream);
            Cu.EventSynchronize(stop);
            return Cu.EventElapsedMilliseconds(start, stop);
        }
        finally
        {
            Cu.EventDestroy(start);
            Cu.EventDestroy(stop);
        }
    }

    // Relaxed: the caching allocator may still call cuMemAlloc while a step is being captured.
    public void BeginCapture() { Enter(); Cu.StreamBeginCapture(_stream, CuStreamCaptureMode.Relaxed); }

    public IGraphExec EndCapture()
    {
        Enter();
        var graph = Cu.StreamEndCapture(_stream);
        return new Graph(this, graph, Cu.GraphInstantiate(graph));
    }

    private sealed class Graph(CudaRuntime rt, IntPtr graph, IntPtr exec) : IGraphExec
    {
        public int NodeCount => -1; // the driver does not report it cheaply
        public void Launch() { rt.Enter(); Cu.GraphLaunch(exec, rt._stream, "replaying a captured graph"); }
        public void Dispose()
        {
            rt.Enter();
            Cu.GraphExecDestroy(exec);
            Cu.GraphDestroy(graph);
        }
    }

    public void Dispose()
    {
        Enter();
        Cu.StreamSynchronize(_stream);
        Cu.ModuleUnload(_module);
        Cu.StreamDestroy(_stream);
        Cu.PrimaryContextRelease(Info.Handle);
    }
}
