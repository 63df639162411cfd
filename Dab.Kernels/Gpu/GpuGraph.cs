namespace Dab.Kernels.Gpu;

/// <summary>
/// A captured sequence of device work (a CUDA graph; on the emulated device, a recording) replayed
/// with one call. Memory the captured work allocated stays reserved for the graph, so a replay
/// reads and writes exactly the tensors the capture did.
/// </summary>
public sealed class GpuGraph : IDisposable
{
    private readonly GpuBackend _backend;
    private readonly IGraphExec _exec;
    private readonly CachingAllocator.PrivatePool _pool;
    private bool _disposed;

    internal GpuGraph(GpuBackend backend, IGraphExec exec, CachingAllocator.PrivatePool pool)
    {
        _backend = backend;
        _exec = exec;
        _pool = pool;
    }

    /// <summary>Number of recorded operations (-1 where the driver does not say).</summary>
    public int NodeCount => _exec.NodeCount;

    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _exec.Launch();
        if (_backend.SyncAfterLaunch) _backend.Runtime.Synchronize();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _backend.Runtime.Synchronize();
        _exec.Dispose();
        _backend.Allocator.ClosePrivatePool(_pool);
    }
}

public sealed partial class GpuBackend
{
    /// <summary>True while <see cref="Capture"/> records: host copies are refused, deferred error checks skipped.</summary>
    public bool Capturing { get; private set; }

    /// <summary>
    /// Records the device work of <paramref name="work"/> without running it and returns it as a graph.
    /// The work must stay on the device: no reads of tensors to the host, no host-to-device copies.
    /// Tensors it allocates come from a pool that belongs to the graph.
    /// </summary>
    public GpuGraph Capture(Action work)
    {
        Runtime.Synchronize();
        var pool = Allocator.BeginPrivatePool();
        Runtime.BeginCapture();
        Capturing = true;
        IGraphExec exec;
        try { work(); }
        catch
        {
            Capturing = false;
            try { Runtime.EndCapture().Dispose(); } catch (GpuException) { }
            Allocator.EndPrivatePool();
            Allocator.ClosePrivatePool(pool);
            throw;
        }
        Capturing = false;
        exec = Runtime.EndCapture();
        Allocator.EndPrivatePool();
        return new GpuGraph(this, exec, pool);
    }

    private void RefuseWhileCapturing(string what)
    {
        if (Capturing) throw new InvalidOperationException($"{Name}: cannot {what} while capturing a graph; the captured work must stay on the device");
    }
}
