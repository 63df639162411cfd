using Dab.Autograd;
using Dab.Models.Hard;
using Dab.NN;

namespace Dab.Models;

/// <summary>Where the bridge (DAB) loss sends its gradient.</summary>
public enum BridgeMode
{
    /// <summary>Only the surrogate's parameters learn from the bridge loss (the reference behaviour).</summary>
    SurrogateOnly,
    /// <summary>The bridge loss also reaches the layer's input, with the hard output as a constant target.</summary>
    AlsoInput,
}

/// <summary>
/// A hard node with a surrogate gradient (a differentiable approximation bridge):
/// forward returns f(x) exactly; the gradient arriving at f(x) reaches x through the surrogate's
/// Jacobian, J_soft(x)^T g, and never the surrogate's parameters; the bridge loss
/// gamma * mean_batch sum_features (soft - f(x))^2 fits the surrogate. In eval mode or under NoGrad
/// the surrogate is not run at all.
/// </summary>
public sealed class DabLayer : Module
{
    public DabLayer(HardFunction function, Module surrogate, double gamma = 10, BridgeMode mode = BridgeMode.SurrogateOnly)
    {
        if (gamma < 0 || double.IsNaN(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), $"DAB gamma must be >= 0, got {gamma}");
        Function = function;
        Surrogate = RegisterModule("surrogate", surrogate);
        Gamma = gamma;
        Mode = mode;
    }

    /// <summary>The straight-through estimator: the same node with the identity as surrogate (shapes must match).</summary>
    public static DabLayer StraightThrough(HardFunction function) => new(function, new Identity(), gamma: 0);

    public HardFunction Function { get; }
    public Module Surrogate { get; }
    public double Gamma { get; }
    public BridgeMode Mode { get; }

    /// <summary>The bridge loss of the last training forward (already multiplied by gamma), or null.</summary>
    public Tensor? BridgeLoss { get; private set; }

    /// <summary>The surrogate output of the last training forward, or null.</summary>
    public Tensor? Soft { get; private set; }

    public override Tensor Forward(Tensor x)
    {
        BridgeLoss = null;
        Soft = null;
        Tensor hard;
        using (Autograd.Autograd.NoGrad()) hard = Function.Apply(x);
        if (!Training || !Autograd.Autograd.IsEnabled) return hard;

        // The surrogate sees a stand-in for x: gradients can be taken with respect to it, but the
        // bridge loss stops there unless the mode lets it through.
        var xs = Mode == BridgeMode.AlsoInput ? x.Alias() : Autograd.Autograd.StopGradient(x);
        var soft = Surrogate.Forward(xs);
        if (!ShapeUtil.SameShape(soft.Shape, hard.Shape))
            throw new ArgumentException($"DAB {Function.Name}: the surrogate gives {ShapeUtil.Format(soft.Shape)} but the hard function gives {ShapeUtil.Format(hard.Shape)}; they must match");
        Soft = soft;

        if (xs.RequiresGrad)
            Autograd.Autograd.Record(Function.NodeName, hard, [x], (g, _) =>
                [Autograd.Autograd.Grad([soft], [xs], [g], retainGraph: true)[0]]);

        // gamma * mean over the batch of each sample's squared distance, to the hard output held constant
        // (detached: `hard` itself is the Hard node's output). The step's scope frees the intermediates.
        BridgeLoss = Tensor.SquaredDistanceLoss(soft, hard.Detach(), Gamma);
        return hard;
    }

    /// <summary>The sum of the bridge losses of every DAB layer in a model after its last forward (null if none).</summary>
    public static Tensor? TotalBridgeLoss(Module model)
    {
        Tensor? total = null;
        foreach (var layer in FindAll(model))
        {
            if (layer.BridgeLoss == null) continue;
            total = total == null ? layer.BridgeLoss : total.Add(layer.BridgeLoss);
        }
        return total;
    }

    public static IEnumerable<DabLayer> FindAll(Module model)
    {
        if (model is DabLayer d) yield return d;
        foreach (var c in model.Children())
            foreach (var x in FindAll(c)) yield return x;
    }
}
