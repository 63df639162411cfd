namespace Dab;

/// <summary>
/// A reference-counted buffer of elements on one device. Views (reshape, detach) share a storage;
/// the buffer goes back to its allocator when the last tensor using it is disposed.
/// </summary>
public abstract class Storage
{
    private int _refs = 1;

    protected Storage(DType dtype, int length, Device device)
    {
        DType = dtype;
        Length = length;
        Device = device;
    }

    public DType DType { get; }
    public int Length { get; }
    public Device Device { get; }
    public bool IsReleased => Volatile.Read(ref _refs) <= 0;

    internal void AddRef()
    {
        if (Interlocked.Increment(ref _refs) <= 1)
            throw new ObjectDisposedException("Storage", "the storage was already released");
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0) Free();
    }

    protected abstract void Free();
}

/// <summary>Host storage: a pooled managed array.</summary>
public sealed class CpuStorage : Storage
{
    private Array? _data;

    public CpuStorage(DType dtype, int length, bool clear) : base(dtype, length, Device.Cpu)
    {
        _data = dtype switch
        {
            DType.Float32 => BufferPool<float>.Rent(length, clear),
            DType.Float64 => BufferPool<double>.Rent(length, clear),
            DType.Int32 => BufferPool<int>.Rent(length, clear),
            _ => BufferPool<long>.Rent(length, clear),
        };
    }

    public Span<T> Span<T>() where T : unmanaged
    {
        var d = _data ?? throw new ObjectDisposedException("Tensor", "the tensor's storage was disposed");
        return new Span<T>((T[])d, 0, Length);
    }

    public T[] Array<T>() where T : unmanaged =>
        (T[])(_data ?? throw new ObjectDisposedException("Tensor", "the tensor's storage was disposed"));

    protected override void Free()
    {
        var d = _data;
        _data = null;
        switch (d)
        {
            case float[] f: BufferPool<float>.Return(f); break;
            case double[] f: BufferPool<double>.Return(f); break;
            case int[] f: BufferPool<int>.Return(f); break;
            case long[] f: BufferPool<long>.Return(f); break;
        }
    }
}
