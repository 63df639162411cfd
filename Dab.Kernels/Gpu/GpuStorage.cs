namespace Dab.Kernels.Gpu;

/// <summary>Device memory of a tensor, from the backend's caching allocator.</summary>
public sealed class GpuStorage : Storage
{
    private readonly CachingAllocator _allocator;
    private ulong _ptr;

    internal GpuStorage(CachingAllocator allocator, DType dtype, int length, Device device, string what)
        : base(dtype, length, device)
    {
        _allocator = allocator;
        _ptr = allocator.Allocate((long)length * dtype.ElementSize(), what);
    }

    public ulong Pointer => _ptr != 0 ? _ptr : throw new ObjectDisposedException("Tensor", "the tensor's device storage was released");
    public long Bytes => (long)Length * DType.ElementSize();

    protected override void Free()
    {
        var p = _ptr;
        _ptr = 0;
        if (p != 0) _allocator.Release(p);
        GC.SuppressFinalize(this);
    }

    // A tensor that was never disposed: hand the block back through the allocator's queue.
    ~GpuStorage()
    {
        if (_ptr != 0) _allocator.ReleaseFromFinalizer(_ptr);
    }
}
