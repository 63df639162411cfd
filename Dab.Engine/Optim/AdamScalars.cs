namespace Dab.Optim;

/// <summary>
/// The per-step scalars of a bias-corrected Adam(W) update, computed once on the host in double:
/// p = p * Shrink - StepSize * m / (sqrt(v) * InvSqrtBc2 + eps), with L2 added to the gradient.
/// Every backend's fused update and the graph-replayed one use exactly these.
/// </summary>
public readonly record struct AdamScalars(double StepSize, double InvSqrtBc2, double L2, double Shrink)
{
    public static AdamScalars At(long step, double lr, double beta1, double beta2, double weightDecay, bool decoupled)
    {
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        return new(lr / bc1, 1 / Math.Sqrt(bc2), decoupled ? 0 : weightDecay, decoupled ? 1 - lr * weightDecay : 1);
    }
}
