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
        return Affine(Draw(shape, dtype, device, 0), high - low, low);
    }

    public Tensor Normal(int[] shape, DType dtype = DType.Float32, Device? device = null, double mean = 0, double std = 1)
    {
        return Affine(Draw(shape, dtype, device, 1), std, mean);
    }

    /// <summary>t * scale + shift (t itself when that is the identity; otherwise t is disposed).</summary>
    private static Tensor Affine(Tensor t, double scale, double shift)
    {
        if (scale == 1 && shift == 0) return t;
        using (t)
        using (Autograd.Autograd.NoGrad())
            return t.Mul(scale).Add(shift);
    }

    /// <summary>1 with probability p (elementwise, p a tensor of probabilities), else 0.</summary>
    public Tensor Bernoulli(Tensor p)
    {
        using var u = Draw(p.Shape, p.DType, p.Device, 0);
        using (Autograd.Autograd.NoGrad()) return u.Lt(p);
    }

    /// <summary>1 with probability p, else 0, in <paramref name="dtype"/> (p is checked to lie in [0, 1]).</summary>
    public Tensor Bernoulli(int[] shape, double p, DType dtype = DType.Float32, Device? device = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Bernoulli probability must be in [0, 1], got {p}");
        using var u = Draw(shape, dtype, device, 0);
        using (Autograd.Autograd.NoGrad()) return u.Lt(p);
    }

    /// <summary>Gumbel(loc, scale) numbers: loc - scale * log(-log(u)), u uniform in the open interval (0, 1).</summary>
    public Tensor Gumbel(int[] shape, DType dtype = DType.Float32, Device? device = null, double loc = 0, double scale = 1)
    {
        return Affine(Draw(shape, dtype, device, 2), scale, loc);
    }

    private Tensor Draw(int[] shape, DType dtype, Device? device, int kind)
    {
        var t = Tensor.Empty(shape, dtype, device ?? Device.Cpu);
        BackendRegistry.Get(t.Device).Random(t, kind, Seed, Offset);
        Offset += Philox.Blocks(t.Numel);
        return t;
    }
}
