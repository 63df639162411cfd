using Dab.Backends;
using Dab.Kernels.Gpu;

namespace Dab.Models.Sort;

/// <summary>
/// A whole sort training step replayed as one captured graph on a GPU device: the forward pass, both
/// losses, the backward pass (the hard node's surrogate VJP included) and the Adam update are captured
/// once into static input, output and gradient tensors. Each step uploads a fresh batch and the
/// optimizer's per-step scalars (learning rate, bias corrections), then replays.
/// </summary>
public sealed class SortGraphStep : IDisposable
{
    private readonly SortTrainer _trainer;
    private readonly Tensor _x, _y, _task, _logits;
    private readonly Tensor? _bridge;
    private readonly GpuGraph _graph;
    private readonly GraphedAdam _adam;

    public SortGraphStep(SortTrainer trainer)
    {
        _trainer = trainer;
        var cfg = trainer.Config;
        var backend = BackendRegistry.Get(cfg.Device) as GpuBackend
            ?? throw new ArgumentException($"graph replay needs a GPU device (cuda or emu), the trainer runs on {cfg.Device}");
        _x = Tensor.Zeros([cfg.Batch, cfg.Length], DType.Float32, cfg.Device).DetachFromScopes();
        _y = Tensor.Zeros([cfg.Batch, cfg.Length], DType.Int64, cfg.Device).DetachFromScopes();
        trainer.Optimizer.ZeroGrad(); // the captured backward allocates the gradients the replays overwrite
        _adam = new GraphedAdam(trainer.Optimizer, backend);
        Tensor? task = null, bridge = null, logits = null;
        using (Tensor.Scope())
            _graph = backend.Capture(() =>
            {
                logits = trainer.Model.Forward(_x).DetachFromScopes();
                task = SortMetrics.Loss(logits, _y).DetachFromScopes();
                bridge = DabLayer.TotalBridgeLoss(trainer.Model)?.DetachFromScopes();
                (bridge == null ? task : task.Add(bridge)).Backward();
                trainer.ClipGradients();
                _adam.RecordUpdate();
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
        _adam.PrepareStep();
        _graph.Replay();
        double acc = SortMetrics.AllOrNoneCorrect(_logits, _y) / (double)_trainer.Config.Batch;
        return (_task.Item(), _bridge?.Item() ?? 0, acc);
    }

    public void Dispose()
    {
        _graph.Dispose();
        _adam.Dispose();
        foreach (var t in new[] { _x, _y, _task, _logits, _bridge }) t?.Dispose();
    }
}
