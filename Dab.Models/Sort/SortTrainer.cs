using System.Diagnostics;
using Dab.Optim;

namespace Dab.Models.Sort;

public readonly record struct SortProgress(int Step, int Steps, double Loss, double BridgeLoss, double BatchAccuracy, double SamplesPerSecond, double? TestAccuracy = null);

/// <summary>
/// The outcome of a run. <paramref name="Curve"/> rows are (step, samples, loss, bridge loss, smoothed batch accuracy,
/// test accuracy on the evaluation set or NaN where none was measured).
/// </summary>
public sealed record SortResult(double TestAccuracy, long Samples, double Seconds, double FinalLoss, double FinalBridgeLoss,
    List<double[]> Curve, double BestTestAccuracy = double.NaN, int StepsDone = 0, bool StoppedEarly = false, double EvalSeconds = 0)
{
    /// <summary>Training throughput, evaluation time excluded.</summary>
    public double SamplesPerSecond => Samples / Math.Max(1e-9, Seconds - EvalSeconds);
}

/// <summary>
/// Trains one sorting model on fresh batches and measures all-or-none accuracy on a fixed held-out set.
/// Everything a run depends on (parameters, optimizer state, the data generator's position, the curves,
/// the early-stopping state) is in <see cref="SortTrainingState"/> and the checkpoint, so a resumed run
/// continues bit for bit where the backend is deterministic.
/// </summary>
public sealed class SortTrainer : IDisposable
{
    private const ulong TestSeedOffset = 0x7E57_0000_0000;

    public SortTrainer(SortConfig config)
    {
        config.Validate();
        Config = config;
        Model = config.Model == SortModelKind.Rnn
            ? new SortRnn(config.Length, config.Latent, config.Ponder, gamma: config.Gamma, mode: config.BridgeMode,
                straightThrough: config.StraightThrough, gen: new Random.Generator(config.Seed))
            : new SortNet(config.Model, config.Length, config.Latent, gamma: config.Gamma, mode: config.BridgeMode,
                straightThrough: config.StraightThrough, gen: new Random.Generator(config.Seed));
        Model.To(config.Device);
        Optimizer = new Adam(Model.Parameters(), config.LearningRate);
        Data = new SortData(config.Length, config.Seed * 7919 + 17);
        _dabLayers = DabLayer.FindAll(Model).ToArray();
    }

    // The model's DAB layers, found once: walking the module tree every step allocates an iterator per module.
    private readonly DabLayer[] _dabLayers;

    public SortConfig Config { get; }
    /// <summary>A <see cref="SortNet"/>, or a <see cref="SortRnn"/> for <see cref="SortModelKind.Rnn"/>.</summary>
    public NN.Module Model { get; }
    public Adam Optimizer { get; }
    public SortData Data { get; }
    public SortTrainingState State { get; } = new();

    /// <summary>One optimisation step on a fresh batch; returns (loss, bridge loss, batch accuracy).</summary>
    public (double Loss, double Bridge, double Accuracy) Step()
    {
        using var scope = Tensor.Scope();
        var (x, y) = Data.Next(Config.Batch, Config.Device);
        var logits = Model.Forward(x);
        var task = SortMetrics.Loss(logits, y);
        var bridge = BridgeLoss();
        var loss = bridge == null ? task : task.Add(bridge);
        Optimizer.ZeroGrad();
        loss.Backward();
        ClipGradients();
        Optimizer.Step();
        double acc = SortMetrics.AllOrNoneCorrect(logits, y) / (double)Config.Batch;
        return (task.Item(), bridge?.Item() ?? 0, acc);
    }

    /// <summary>The sum of the DAB layers' bridge losses after the last forward (<see cref="DabLayer.TotalBridgeLoss"/>, same order), or null.</summary>
    private Tensor? BridgeLoss()
    {
        Tensor? total = null;
        foreach (var layer in _dabLayers)
            if (layer.BridgeLoss is { } b) total = total == null ? b : total.Add(b);
        return total;
    }

    /// <summary>
    /// The RNN's gradients are clipped to a global norm of 5 before each step (the paper's appendix), on the device
    /// (no host round trip, so a captured graph step can include it).
    /// </summary>
    public void ClipGradients()
    {
        if (Model is SortRnn) GradClip.ClipByNormOnDevice(Model.Parameters(), SortRnn.GradClipNorm)?.Dispose();
    }

    /// <summary>All-or-none accuracy on the first <paramref name="size"/> held-out sequences (the same for every model with this length).</summary>
    public double Evaluate(int? size = null)
    {
        int n = size ?? Config.TestSize;
        var test = new SortData(Config.Length, TestSeedOffset + (ulong)Config.Length);
        Model.Eval();
        try
        {
            int correct = 0;
            using var _ = Autograd.Autograd.NoGrad();
            for (int done = 0; done < n; done += 4096)
            {
                using var scope = Tensor.Scope();
                int b = Math.Min(4096, n - done);
                var (x, y) = test.Next(b, Config.Device);
                correct += SortMetrics.AllOrNoneCorrect(Model.Forward(x), y);
            }
            return correct / (double)n;
        }
        finally { Model.Train(); }
    }

    /// <summary>
    /// Trains from the current state to <see cref="SortConfig.Steps"/> (or an early stop, or cancellation), evaluating every
    /// <see cref="SortConfig.EvalInterval"/> steps and, when <paramref name="checkpointPath"/> is given, checkpointing every
    /// <see cref="SortConfig.CheckpointInterval"/> steps.
    /// </summary>
    public SortResult Run(IProgress<SortProgress>? progress = null, CancellationToken cancel = default, string? checkpointPath = null)
    {
        var s = State;
        var sw = Stopwatch.StartNew();
        double startSeconds = s.Seconds;
        int startStep = s.Step;
        double startEval = s.EvalSeconds;
        while (s.Step < Config.Steps && !s.StoppedEarly && !cancel.IsCancellationRequested)
        {
            int step = s.Step + 1;
            if (Config.CosineDecay)
                Optimizer.LearningRate = Config.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - 1) / Config.Steps));
            var (l, b, a) = Step();
            s.Step = step;
            (s.Loss, s.Bridge) = (l, b);
            s.EmaAccuracy = step == 1 ? a : 0.95 * s.EmaAccuracy + 0.05 * a;
            s.Seconds = startSeconds + sw.Elapsed.TotalSeconds;
            bool eval = step % Config.EvalInterval == 0 || step == Config.Steps;
            double? test = null;
            if (eval)
            {
                var evalStart = sw.Elapsed.TotalSeconds;
                test = Evaluate(Math.Min(Config.EvalSize, Config.TestSize));
                s.EvalSeconds += sw.Elapsed.TotalSeconds - evalStart;
                s.Seconds = startSeconds + sw.Elapsed.TotalSeconds;
                if (test > s.BestAccuracy) (s.BestAccuracy, s.EvalsWithoutImprovement) = (test.Value, 0);
                else if (++s.EvalsWithoutImprovement >= Config.Patience && Config.Patience > 0) s.StoppedEarly = true;
            }
            if (eval || step % 50 == 0)
            {
                double sps = (step - startStep) * (double)Config.Batch / Math.Max(1e-9, s.Seconds - startSeconds - (s.EvalSeconds - startEval));
                progress?.Report(new SortProgress(step, Config.Steps, l, b, s.EmaAccuracy, sps, test));
                s.Curve.Add([step, (double)step * Config.Batch, l, b, s.EmaAccuracy, test ?? double.NaN]);
            }
            if (checkpointPath != null && (step % Config.CheckpointInterval == 0 || s.StoppedEarly))
                SortCheckpoint.Save(checkpointPath, this);
        }
        double final = Evaluate();
        s.BestAccuracy = Math.Max(s.BestAccuracy, final);
        return new SortResult(final, (long)s.Step * Config.Batch, s.Seconds, s.Loss, s.Bridge, s.Curve, s.BestAccuracy, s.Step, s.StoppedEarly, s.EvalSeconds);
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
    }
}

/// <summary>Where a run stands, beyond the parameters and optimizer state: what a checkpoint must restore.</summary>
public sealed class SortTrainingState
{
    public int Step { get; set; }
    /// <summary>Wall-clock seconds of the run so far, evaluations included.</summary>
    public double Seconds { get; set; }
    /// <summary>The part of <see cref="Seconds"/> spent evaluating on the held-out set.</summary>
    public double EvalSeconds { get; set; }
    public double Loss { get; set; }
    public double Bridge { get; set; }
    public double EmaAccuracy { get; set; }
    public double BestAccuracy { get; set; } = double.NegativeInfinity;
    public int EvalsWithoutImprovement { get; set; }
    public bool StoppedEarly { get; set; }
    public List<double[]> Curve { get; } = new();
}
