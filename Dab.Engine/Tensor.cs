using Dab.Autograd;
using Dab.Backends;

namespace Dab;

/// <summary>
/// An n-dimensional, row-major, contiguous array on one device, with an optional gradient.
/// A tensor owns (a reference to) its storage and should be disposed, directly or by a scope.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private Storage? _storage;
    private bool _requiresGrad;

    internal Tensor(Storage storage, int[] shape)
    {
        if (ShapeUtil.Numel(shape) != storage.Length)
            throw new ArgumentException($"shape {ShapeUtil.Format(shape)} needs {ShapeUtil.Numel(shape)} elements, storage has {storage.Length}");
        _storage = storage;
        Shape = shape;
        DisposeScope.Current?.Adopt(this);
    }

    /// <summary>The dims. Never modify the array: tensors share it (a view, a gradient, a result of the same shape).</summary>
    public int[] Shape { get; }
    public int Rank => Shape.Length;
    public int Numel => _storage?.Length ?? (int)ShapeUtil.Numel(Shape);
    public DType DType => Storage.DType;
    public Device Device => Storage.Device;
    public bool IsDisposed => _storage == null;
    internal DisposeScope? OwnerScope { get; set; }

    public Storage Storage => _storage ?? throw new ObjectDisposedException("Tensor", $"tensor {ShapeUtil.Format(Shape)} was disposed");
    internal IBackend Backend => BackendRegistry.Get(Device);

    /// <summary>The node that produced this tensor, or null for a leaf.</summary>
    public Node? GradFn { get; internal set; }
    public bool IsLeaf => GradFn == null;

    /// <summary>Whether gradients flow to (a leaf) or through (a non-leaf) this tensor.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad || GradFn != null;
        set
        {
            if (GradFn != null && !value)
                throw new InvalidOperationException("RequiresGrad can only be cleared on a leaf tensor; use Detach()");
            if (value && !DType.IsFloating())
                throw new ArgumentException($"only floating-point tensors can require gradients, this one is {DType.Name()}");
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward"/>; owned by this tensor, not by any scope.</summary>
    public Tensor? Grad { get; set; }

    public int Size(int dim) => Shape[ShapeUtil.NormalizeDim(dim, Rank, "Size")];

    public static DisposeScope Scope() => new();

    /// <summary>Removes this tensor from the scopes so it outlives them; the caller now owns it.</summary>
    public Tensor DetachFromScopes()
    {
        OwnerScope = null;
        return this;
    }

    /// <summary>Hands this tensor to the scope that encloses the current one (or to no scope).</summary>
    public Tensor MoveToOuterScope()
    {
        var outer = OwnerScope?.Outer;
        OwnerScope = null;
        outer?.Adopt(this);
        return this;
    }

    public void Dispose()
    {
        var s = _storage;
        _storage = null;
        OwnerScope = null;
        GradFn = null;
        s?.Release();
    }

    internal Span<T> Span<T>() where T : unmanaged => ((CpuStorage)Storage).Span<T>();

    // ---- creation -------------------------------------------------------------------------

    /// <summary>An uninitialised (or zeroed) tensor with a copy of <paramref name="shape"/>.</summary>
    internal static Tensor Empty(int[] shape, DType dtype, Device device, bool clear = false) =>
        Alloc(shape.Length == 0 ? [] : (int[])shape.Clone(), dtype, device, clear);

    /// <summary>
    /// Like <see cref="Empty"/> but the tensor keeps <paramref name="shape"/> itself: pass an array made for
    /// it, or another tensor's <see cref="Shape"/> (never modified, so it can be shared), never one the
    /// caller changes afterwards.
    /// </summary>
    internal static Tensor Alloc(int[] shape, DType dtype, Device device, bool clear = false)
    {
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"negative dimension in shape {ShapeUtil.Format(shape)}");
        long n = ShapeUtil.Numel(shape);
        if (n > int.MaxValue) throw new ArgumentException($"shape {ShapeUtil.Format(shape)} has more than 2^31 elements");
        var backend = BackendRegistry.Get(device);
        return new Tensor(backend.Allocate(dtype, (int)n, device, clear), shape);
    }

    /// <summary>A tensor on this device with this shape (shared) or <paramref name="shape"/> (kept, see <see cref="Alloc"/>).</summary>
    internal Tensor EmptyLike(int[]? shape = null, DType? dtype = null) => Alloc(shape ?? Shape, dtype ?? DType, Device);

    public static Tensor Zeros(int[] shape, DType dtype = DType.Float32, Device? device = null)
        => Empty(shape, dtype, device ?? Device.Cpu, clear: true);

    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32, Device? device = null)
    {
        var t = Empty(shape, dtype, device ?? Device.Cpu);
        t.Backend.Fill(t, value);
        return t;
    }

    public static Tensor Ones(int[] shape, DType dtype = DType.Float32, Device? device = null) => Full(shape, 1, dtype, device);

    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full([], value, dtype, device);

    public static Tensor FromArray<T>(T[] data, int[]? shape = null, Device? device = null) where T : unmanaged
    {
        shape ??= [data.Length];
        if (ShapeUtil.Numel(shape) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {ShapeUtil.Format(shape)}");
        var t = Empty(shape, DTypeExtensions.Of<T>(), device ?? Device.Cpu);
        t.Backend.CopyFromHost<T>(t, data);
        return t;
    }

    public static Tensor Arange(int n, DType dtype = DType.Int64, Device? device = null)
    {
        var t = Empty([n], DType.Float64, Device.Cpu);
        var s = t.Span<double>();
        for (int i = 0; i < n; i++) s[i] = i;
        using (t) return t.To(dtype).To(device ?? Device.Cpu);
    }

    public Tensor ZerosLike() => Alloc(Shape, DType, Device, clear: true);
    public Tensor OnesLike()
    {
        var t = EmptyLike();
        t.Backend.Fill(t, 1);
        return t;
    }

    // ---- reading --------------------------------------------------------------------------

    public T[] ToArray<T>() where T : unmanaged
    {
        if (DTypeExtensions.Of<T>() != DType)
        {
            using var c = To(DTypeExtensions.Of<T>());
            return c.ToArray<T>();
        }
        var arr = new T[Numel];
        Backend.CopyToHost<T>(this, arr);
        return arr;
    }

    /// <summary>The value of a one-element tensor as a double.</summary>
    public double Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item() needs a one-element tensor, this one has shape {ShapeUtil.Format(Shape)}");
        // Copied out in its own dtype and converted here: no float64 copy and no host array per call.
        switch (DType)
        {
            case DType.Float32: { Span<float> v = stackalloc float[1]; Backend.CopyToHost(this, v); return v[0]; }
            case DType.Float64: { Span<double> v = stackalloc double[1]; Backend.CopyToHost(this, v); return v[0]; }
            case DType.Int32: { Span<int> v = stackalloc int[1]; Backend.CopyToHost(this, v); return v[0]; }
            default: { Span<long> v = stackalloc long[1]; Backend.CopyToHost(this, v); return v[0]; }
        }
    }

    /// <summary>Converts to another dtype (a copy; no gradient flows through a cast to an integer type).</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return Alias();
        var y = EmptyLike(dtype: dtype);
        Backend.Cast(this, y);
        if (dtype.IsFloating() && DType.IsFloating() && Autograd.Autograd.ShouldRecord(this))
            Autograd.Autograd.Record("To", y, [this], (g, _) => [g.To(DType)]);
        return y;
    }

    /// <summary>Copies to another device (a copy, differentiable).</summary>
    public Tensor To(Device device)
    {
        if (device == Device) return Alias();
        var target = BackendRegistry.Get(device);
        var y = Alloc(Shape, DType, device);
        if (Device.Kind == DeviceKind.Cpu) CopyHostTo(this, y, target);
        else if (device.Kind == DeviceKind.Cpu) CopyToHostFrom(this, y);
        else
        {
            using var h = To(Device.Cpu);
            CopyHostTo(h, y, target);
        }
        if (Autograd.Autograd.ShouldRecord(this)) RecordToDevice(this, y);
        return y;
    }

    private static void RecordToDevice(Tensor x, Tensor y)
    {
        var src = x.Device;
        Autograd.Autograd.Record("ToDevice", y, [x], (g, _) => [g.To(src)]);
    }

    private static void CopyHostTo(Tensor host, Tensor dst, IBackend target)
    {
        switch (host.DType)
        {
            case DType.Float32: target.CopyFromHost<float>(dst, host.Span<float>()); break;
            case DType.Float64: target.CopyFromHost<double>(dst, host.Span<double>()); break;
            case DType.Int32: target.CopyFromHost<int>(dst, host.Span<int>()); break;
            default: target.CopyFromHost<long>(dst, host.Span<long>()); break;
        }
    }

    private static void CopyToHostFrom(Tensor src, Tensor host)
    {
        switch (src.DType)
        {
            case DType.Float32: src.Backend.CopyToHost<float>(src, host.Span<float>()); break;
            case DType.Float64: src.Backend.CopyToHost<double>(src, host.Span<double>()); break;
            case DType.Int32: src.Backend.CopyToHost<int>(src, host.Span<int>()); break;
            default: src.Backend.CopyToHost<long>(src, host.Span<long>()); break;
        }
    }

    /// <summary>A new tensor sharing this storage (no copy), with another shape.</summary>
    internal Tensor ShareAs(int[] shape)
    {
        Storage.AddRef();
        return new Tensor(Storage, shape);
    }

    internal Tensor Alias()
    {
        var y = ShareAs(Shape);
        if (Autograd.Autograd.ShouldRecord(this)) Autograd.Autograd.Record("Alias", y, [this], (g, _) => [g]);
        return y;
    }

    /// <summary>A tensor sharing this storage that is cut off from the graph.</summary>
    public Tensor Detach() => ShareAs(Shape);

    /// <summary>A copy with its own storage (differentiable).</summary>
    public Tensor Clone()
    {
        var y = EmptyLike();
        Backend.Copy(this, y);
        if (Autograd.Autograd.ShouldRecord(this)) Autograd.Autograd.Record("Clone", y, [this], (g, _) => [g]);
        return y;
    }

    /// <summary>Copies the values of <paramref name="src"/> into this tensor (no gradient).</summary>
    public void CopyFrom(Tensor src)
    {
        Checks.SameShape(this, src, "CopyFrom");
        Checks.SameDType(this, src, "CopyFrom");
        if (src.Device != Device)
        {
            using var detached = src.Detach();
            using var moved = detached.To(Device);
            Backend.Copy(moved, this);
        }
        else Backend.Copy(src, this);
    }

    public void Fill(double value) => Backend.Fill(this, value);

    public override string ToString()
    {
        if (IsDisposed) return $"Tensor({ShapeUtil.Format(Shape)}, disposed)";
        var head = $"Tensor({ShapeUtil.Format(Shape)}, {DType.Name()}, {Device}";
        if (Numel > 16) return head + ")";
        var vals = ToArray<double>();
        return head + ", [" + string.Join(", ", vals.Select(v => v.ToString("G6"))) + "])";
    }
}
