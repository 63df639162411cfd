namespace Dab.Optim;

public static class GradClip
{
    /// <summary>Scales all gradients so their joint L2 norm is at most maxNorm; returns the norm before clipping.</summary>
    public static double ClipByNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        using var norm = ClipByNormOnDevice(parameters, maxNorm);
        return norm?.Item() ?? 0;
    }

    /// <summary>
    /// The clipping computed entirely on the gradients' device: no value comes back to the host, so it does not
    /// stall a GPU and can be captured into a graph. Returns the norm before clipping as a one-element tensor (the
    /// caller owns it), or null when no parameter has a gradient.
    /// </summary>
    public static Tensor? ClipByNormOnDevice(IEnumerable<Tensor> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"clip: max norm must be positive, got {maxNorm}");
        using var _ = Autograd.Autograd.NoGrad();
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToArray();
        if (grads.Length == 0) return null;
        using var scope = Tensor.Scope();
        Tensor? sq = null;
        foreach (var g in grads)
        {
            var s = g.Square().Sum();
            sq = sq == null ? s : sq.Add(s);
        }
        var norm = sq!.Sqrt();
        // scale = min(1, maxNorm / (norm + 1e-6)), applied to every gradient in place
        var scale = norm.Add(1e-6);
        scale.Backend.Scalar(Backends.ScalarOp.RDiv, scale, maxNorm, scale);
        scale.Backend.Scalar(Backends.ScalarOp.Min, scale, 1, scale);
        foreach (var g in grads) g.Backend.Binary(Backends.BinaryOp.Mul, g, scale, g);
        return norm.MoveToOuterScope();
    }

    /// <summary>Clamps every gradient element into [-value, value].</summary>
    public static void ClipByValue(IEnumerable<Tensor> parameters, double value)
    {
        if (!(value > 0)) throw new ArgumentOutOfRangeException(nameof(value), $"clip: value must be positive, got {value}");
        foreach (var p in parameters)
            if (p.Grad is { } g) g.Backend.Clamp(g, -value, value, g);
    }
}
