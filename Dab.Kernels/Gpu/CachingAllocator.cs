using System.Collections.Concurrent;

namespace Dab.Kernels.Gpu;

/// <summary>
/// Keeps freed device blocks in size-class bins and hands them out again, so a training step that
/// repeats the same shapes stops calling the driver after the first step. Sizes round up to 512 bytes
/// below 1 MiB and to 2 MiB above. Blocks freed by finalizers wait in a queue that the next
/// allocation drains on the owning thread (finalizers never call the driver).
/// </summary>
public sealed class CachingAllocator(IGpuRuntime runtime)
{
    private readonly Dictionary<long, Stack<ulong>> _bins = new();
    private readonly Dictionary<ulong, long> _sizes = new();
    // Blocks of a captured graph live in the graph's private pool: its kernels replay on these exact
    // addresses, so no allocation outside the graph may ever be handed one of them.
    private readonly Dictionary<ulong, PrivatePool> _poolOf = new();
    private PrivatePool? _active;
    private readonly ConcurrentQueue<ulong> _finalized = new();
    private readonly object _lock = new();

    public long AllocatedBytes { get; private set; }
    public long ReservedBytes { get; private set; }
    public long PeakAllocatedBytes { get; private set; }
    public long DriverAllocations { get; private set; }

    public static long RoundSize(long bytes) =>
        bytes <= 0 ? 512 : bytes < (1 << 20) ? (bytes + 511) / 512 * 512 : (bytes + (2 << 20) - 1) / (2 << 20) * (2 << 20);

    public ulong Allocate(long bytes, string what)
    {
        DrainFinalized();
        long size = RoundSize(bytes);
        lock (_lock)
        {
            ulong ptr;
            var bins = _active?.Bins ?? _bins;
            if (bins.TryGetValue(size, out var bin) && bin.Count > 0) ptr = bin.Pop();
            else
            {
                try { ptr = runtime.Alloc(size); }
                catch (Exception e) when (e is OutOfMemoryException or GpuException)
                {
                    EmptyCacheLocked(); // give cached blocks back and try once more
                    try { ptr = runtime.Alloc(size); }
                    catch (Exception e2) when (e2 is OutOfMemoryException or GpuException)
                    {
                        throw new OutOfMemoryException($"{runtime.Device}: cannot allocate {Format(size)} for {what} " +
                            $"({Format(AllocatedBytes)} allocated, {Format(ReservedBytes)} reserved): {e2.Message}", e);
                    }
                }
                ReservedBytes += size;
                DriverAllocations++;
            }
            _sizes[ptr] = size;
            if (_active != null) _poolOf[ptr] = _active;
            AllocatedBytes += size;
            PeakAllocatedBytes = Math.Max(PeakAllocatedBytes, AllocatedBytes);
            return ptr;
        }
    }

    public void Release(ulong ptr)
    {
        lock (_lock)
        {
            if (!_sizes.Remove(ptr, out var size)) throw new InvalidOperationException($"{runtime.Device}: release of unknown block 0x{ptr:x}");
            AllocatedBytes -= size;
            var bins = _poolOf.TryGetValue(ptr, out var pool) && !pool.Closed ? pool.Bins : _bins;
            if (pool is { Closed: true }) _poolOf.Remove(ptr);
            if (!bins.TryGetValue(size, out var bin)) bins[size] = bin = new Stack<ulong>();
            bin.Push(ptr);
        }
    }

    /// <summary>A pool whose blocks only the graph captured into it uses.</summary>
    public sealed class PrivatePool
    {
        internal readonly Dictionary<long, Stack<ulong>> Bins = new();
        internal bool Closed;
    }

    /// <summary>Until <see cref="EndPrivatePool"/>, allocations come from (and return to) a new private pool.</summary>
    public PrivatePool BeginPrivatePool()
    {
        lock (_lock)
        {
            if (_active != null) throw new InvalidOperationException("a graph capture is already in progress on this device");
            return _active = new PrivatePool();
        }
    }

    public void EndPrivatePool()
    {
        lock (_lock) _active = null;
    }

    /// <summary>The graph is gone: its free blocks join the shared cache, and blocks still in use will when released.</summary>
    public void ClosePrivatePool(PrivatePool pool)
    {
        lock (_lock)
        {
            pool.Closed = true;
            foreach (var (size, bin) in pool.Bins)
                while (bin.Count > 0)
                {
                    var p = bin.Pop();
                    _poolOf.Remove(p);
                    if (!_bins.TryGetValue(size, out var shared)) _bins[size] = shared = new Stack<ulong>();
                    shared.Push(p);
                }
        }
    }

    /// <summary>Called from finalizers: defers the release to the next allocation.</summary>
    public void ReleaseFromFinalizer(ulong ptr) => _finalized.Enqueue(ptr);

    private void DrainFinalized()
    {
        while (_finalized.TryDequeue(out var p)) Release(p);
    }

    /// <summary>Returns every cached (free) block to the device.</summary>
    public void EmptyCache()
    {
        DrainFinalized();
        lock (_lock) EmptyCacheLocked();
    }

    private void EmptyCacheLocked()
    {
        foreach (var (size, bin) in _bins)
            while (bin.Count > 0)
            {
                runtime.Free(bin.Pop());
                ReservedBytes -= size;
            }
    }

    public static string Format(long bytes) => bytes >= 1 << 30 ? $"{bytes / (double)(1 << 30):F2} GiB" : bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):F1} MiB" : $"{bytes / 1024.0:F1} KiB";
}
