namespace Dab.Optim;

public static class GradClip
{
    /// <summary>Scales all gradients so their joint L2 norm is at most maxNorm; returns the norm before clipping.</summary>
    public static double ClipByNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"clip: max norm must be positive, got {maxNorm}");
        using var _ = Autograd.Autograd.NoGrad();
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToArray();
        double sq = 0;
        foreach (var g in grads)
        {
            using var s = g.Square();
            using var t = s.Sum();
            sq += t.Item();
        }
        double norm = Math.Sqrt(sq);
        double scale = maxNorm / (norm + 1e-6);
        if (scale < 1)
            foreach (var g in grads) g.Backend.Scalar(Backends.ScalarOp.Mul, g, scale, g);
        return norm;
    }

    /// <summary>Clamps every gradient element into [-value, value].</summary>
    public static void ClipByValue(IEnumerable<Tensor> parameters, double value)
    {
        if (!(value > 0)) throw new ArgumentOutOfRangeException(nameof(value), $"clip: value must be positive, got {value}");
        foreach (var p in parameters)
            if (p.Grad is { } g) g.Backend.Clamp(g, -value, value, g);
    }
}
