using Dab.Backends;

namespace Dab.Random;

/// <summary>A seeded stream of Philox draws: each draw takes the next counter blocks, so results depend only on the seed and the order of draws.</summary>
public sealed class Generator(ulong seed)
{
    public ulong Seed { get; } = seed;
    public ulong Offset { get; set; }

    public static Generator Default { get; set; } = new(0x5EED);

    public Tensor Uniform(int[] shape, DType dtype = DType.Float32, Device? device = null, double low = 0, double high = 1)
    {
        var t = Draw(shape, dtype, device, 0);
        if (low == 0 && high == 1) return t;
        using (t)
        using (Autograd.Autograd.NoGrad())
            return t.Mul(high - low).Add(low);
    }

    public Tensor Normal(int[] shape, DType dtype = DType.Float32, Device? device = null, double mean = 0, double std = 1)
    {
        var t = Draw(shape, dtype, device, 1);
        if (mean == 0 && std == 1) return t;
        using (t)
        using (Autograd.Autograd.NoGrad())
            return t.Mul(std).Add(mean);
    }

    /// <summary>1 with probability p (elementwise, p a tensor of probabilities), else 0.</summary>
    public Tensor Bernoulli(Tensor p)
    {
        using var u = Draw(p.Shape, p.DType, p.Device, 0);
        using (Autograd.Autograd.NoGrad()) return u.Lt(p);
    }

    private Tensor Draw(int[] shape, DType dtype, Device? device, int kind)
    {
        var t = Tensor.Empty(shape, dtype, device ?? Device.Cpu);
        BackendRegistry.Get(t.Device).Random(t, kind, Seed, Offset);
        Offset += Philox.Blocks(t.Numel);
        return t;
    }
}
