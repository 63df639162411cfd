using Dab.Backends;

namespace Dab.Optim;

/// <summary>Updates a fixed list of parameters from their gradients. State tensors belong to no scope.</summary>
public abstract class Optimizer : IDisposable
{
    protected Optimizer(IEnumerable<Tensor> parameters, double lr)
    {
        Parameters = parameters.ToArray();
        if (Parameters.Length == 0) throw new ArgumentException("optimizer: no parameters to optimize", nameof(parameters));
        if (!(lr > 0) || double.IsInfinity(lr)) throw new ArgumentOutOfRangeException(nameof(lr), $"optimizer: learning rate must be positive and finite, got {lr}");
        foreach (var p in Parameters)
            if (!p.RequiresGrad || !p.IsLeaf) throw new ArgumentException($"optimizer: parameter {ShapeUtil.Format(p.Shape)} is not a leaf that requires grad", nameof(parameters));
        LearningRate = lr;
    }

    public Tensor[] Parameters { get; }
    public double LearningRate { get; set; }
    public long StepCount { get; protected set; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        using var _ = Autograd.Autograd.NoGrad();
        for (int i = 0; i < Parameters.Length; i++)
            if (Parameters[i].Grad is { } g) Update(i, Parameters[i], g);
    }

    protected abstract void Update(int index, Tensor param, Tensor grad);

    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            p.Grad?.Dispose();
            p.Grad = null;
        }
    }

    protected static Tensor State(Tensor like) => Tensor.Zeros(like.Shape, like.DType, like.Device).DetachFromScopes();

    protected static void Scale(Tensor t, double s) => t.Backend.Scalar(ScalarOp.Mul, t, s, t);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
