using Dab.Kernels.Interop;
using System.Runtime.CompilerServices;

namespace Dab.Kernels.Gpu;

/// <summary>Shapes and strides passed by value to kernels (kernels/common.cuh: struct Dims8).</summary>
[InlineArray(8)]
public struct Dims8
{
    private int _e0;

    public static Dims8 From(ReadOnlySpan<int> values)
    {
        if (values.Length > 8) throw new ArgumentException($"tensors of rank {values.Length} are not supported on the GPU backend (at most 8 dims)");
        var d = new Dims8();
        for (int i = 0; i < values.Length; i++) d[i] = values[i];
        return d;
    }
}

/// <summary>
/// Packs kernel arguments the way cuLaunchKernel reads them: each value at its natural alignment in
/// one buffer, and a pointer to each. One instance per thread is reused, so a launch allocates nothing.
/// </summary>
public sealed unsafe class KernelArgs
{
    [ThreadStatic] private static KernelArgs? _current;
    private readonly byte[] _buffer = new byte[512];
    private readonly int[] _offsets = new int[24];
    private int _size, _count;

    /// <summary>The calling thread's argument list, emptied.</summary>
    public static KernelArgs Begin()
    {
        var a = _current ??= new KernelArgs();
        a._size = 0;
        a._count = 0;
        return a;
    }

    public int Count => _count;

    public KernelArgs Add<T>(T value) where T : unmanaged
    {
        int size = sizeof(T), align = Math.Min(8, size >= 8 ? 8 : size >= 4 ? 4 : size);
        _size = (_size + align - 1) / align * align;
        if (_size + size > _buffer.Length || _count == _offsets.Length) throw new InvalidOperationException("too many kernel arguments");
        Unsafe.WriteUnaligned(ref _buffer[_size], value);
        _offsets[_count++] = _size;
        _size += size;
        return this;
    }

    public KernelArgs Ptr(ulong devicePointer) => Add(devicePointer);

    /// <summary>Calls <paramref name="use"/> with cuLaunchKernel's argument array (valid only during the call).</summary>
    public void WithPointers(PointerUser use) => WithPointers(_buffer, _offsets.AsSpan(0, _count), use);

    public delegate void PointerUser(void** args);

    internal static void WithPointers(byte[] buffer, ReadOnlySpan<int> offsets, PointerUser use)
    {
        fixed (byte* b = buffer)
        {
            void** ptrs = stackalloc void*[offsets.Length];
            for (int i = 0; i < offsets.Length; i++) ptrs[i] = b + offsets[i];
            use(ptrs);
        }
    }

    /// <summary>A copy of the packed arguments, for replaying a recorded launch.</summary>
    public (byte[] Buffer, int[] Offsets) Snapshot() => (_buffer.AsSpan(0, _size).ToArray(), _offsets.AsSpan(0, _count).ToArray());

    internal ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _size);
    internal ReadOnlySpan<int> Offsets => _offsets.AsSpan(0, _count);
}
