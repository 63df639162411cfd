using Dab.Backends;
using Dab.Kernels.Gpu;

namespace Dab.Models.Sort;

/// <summary>
/// A sort training step replayed as one captured graph on a GPU device: the forward pass, both
/// losses and the whole backward pass (the hard node's surrogate VJP included) are captured once
/// into static input, output and gradient tensors; each step fills the inputs, replays, and runs the
/// optimizer on the gradients the replay wrote (the optimizer stays outside the graph because its
/// learning rate and bias corrections change every step).
/// </summary>
public sealed class SortGraphStep : IDisposable
{
    private readonly SortTrainer _trainer;
    private readonly Tensor _x, _y, _task, _logits;
    private readonly Tensor? _bridge;
    private readonly GpuGraph _graph;

    public SortGraphStep(SortTrainer trainer)
    {
        _trainer = trainer;
        var cfg = trainer.Config;
        var backend = BackendRegistry.Get(cfg.Device) as GpuBackend
            ?? throw new ArgumentException($"graph replay needs a GPU device (cuda or emu), the trainer runs on {cfg.Device}");
        _x = Tensor.Zeros([cfg.Batch, cfg.Length], DType.Float32, cfg.Device).DetachFromScopes();
        _y = Tensor.Zeros([cfg.Batch, cfg.Length], DType.Int64, cfg.Device).DetachFromScopes();
        trainer.Optimizer.ZeroGrad(); // the captured backward allocates the gradients the replays overwrite
        Tensor? task = null, bridge = null, logits = null;
        using (Tensor.Scope())
            _graph = backend.Capture(() =>
            {
                logits = trainer.Model.Forward(_x).DetachFromScopes();
                task = SortMetrics.Loss(logits, _y).DetachFromScopes();
                bridge = DabLayer.TotalBridgeLoss(trainer.Model)?.DetachFromScopes();
                (bridge == null ? task : task.Add(bridge)).Backward();
            });
        (_task, _bridge, _logits) = (task!, bridge, logits!);
    }

    public int NodeCount => _graph.NodeCount;

    /// <summary>One step on a fresh batch, like <see cref="SortTrainer.Step"/>.</summary>
    public (double Loss, double Bridge, double Accuracy) Step()
    {
        using (Tensor.Scope())
        {
            var (x, y) = _trainer.Data.Next(_trainer.Config.Batch, _trainer.Config.Device);
            _x.CopyFrom(x);
            _y.CopyFrom(y);
        }
        _graph.Replay();
        _trainer.ClipGradients();
        _trainer.Optimizer.Step();
        double acc = SortMetrics.AllOrNoneCorrect(_logits, _y) / (double)_trainer.Config.Batch;
        return (_task.Item(), _bridge?.Item() ?? 0, acc);
    }

    public void Dispose()
    {
        _graph.Dispose();
        foreach (var t in new[] { _x, _y, _task, _logits, _bridge }) t?.Dispose();
    }
}
