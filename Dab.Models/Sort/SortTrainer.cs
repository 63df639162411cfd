using System.Diagnostics;
using Dab.Optim;

namespace Dab.Models.Sort;

public sealed record SortConfig
{
    public int Length { get; init; } = 5;
    public int Steps { get; init; } = 30000;
    public int Batch { get; init; } = 512;
    public double LearningRate { get; init; } = 2e-3;
    public double Gamma { get; init; } = 10;
    public int Latent { get; init; } = 256;
    public SortModelKind Model { get; init; } = SortModelKind.Dense;
    public bool StraightThrough { get; init; }
    public BridgeMode BridgeMode { get; init; } = BridgeMode.SurrogateOnly;
    public ulong Seed { get; init; } = 1;
    public Device Device { get; init; } = Device.Cpu;
    public int TestSize { get; init; } = 20_000;
    /// <summary>Cosine decay of the learning rate to zero over the run (false: constant, as in the paper).</summary>
    public bool CosineDecay { get; init; } = true;
    /// <summary>Extra LSTM steps on zero input after the sequence (pondering; the RNN model only).</summary>
    public int Ponder { get; init; }

    public void Validate()
    {
        if (Length < 2) throw new ArgumentOutOfRangeException(nameof(Length), $"--length must be at least 2, got {Length}");
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), $"--steps must be at least 1, got {Steps}");
        if (Batch < 1) throw new ArgumentOutOfRangeException(nameof(Batch), $"--batch must be at least 1, got {Batch}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), $"--lr must be positive, got {LearningRate}");
        if (!(Gamma >= 0) || double.IsInfinity(Gamma)) throw new ArgumentOutOfRangeException(nameof(Gamma), $"--gamma must be >= 0, got {Gamma}");
        if (Latent < 1) throw new ArgumentOutOfRangeException(nameof(Latent), $"--latent must be at least 1, got {Latent}");
        if (Ponder < 0) throw new ArgumentOutOfRangeException(nameof(Ponder), $"--ponder must be >= 0, got {Ponder}");
        if (TestSize < 1) throw new ArgumentOutOfRangeException(nameof(TestSize), $"--test-size must be at least 1, got {TestSize}");
    }
}

public readonly record struct SortProgress(int Step, int Steps, double Loss, double BridgeLoss, double BatchAccuracy, double SamplesPerSecond);

public sealed record SortResult(double TestAccuracy, long Samples, double Seconds, double FinalLoss, double FinalBridgeLoss, List<double[]> Curve);

/// <summary>Trains one sorting model on fresh batches and measures all-or-none accuracy on a fixed held-out set.</summary>
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
    }

    public SortConfig Config { get; }
    /// <summary>A <see cref="SortNet"/>, or a <see cref="SortRnn"/> for <see cref="SortModelKind.Rnn"/>.</summary>
    public NN.Module Model { get; }
    public Adam Optimizer { get; }
    public SortData Data { get; }

    /// <summary>One optimisation step on a fresh batch; returns (loss, bridge loss, batch accuracy).</summary>
    public (double Loss, double Bridge, double Accuracy) Step()
    {
        using var scope = Tensor.Scope();
        var (x, y) = Data.Next(Config.Batch, Config.Device);
        var logits = Model.Forward(x);
        var task = SortMetrics.Loss(logits, y);
        var bridge = DabLayer.TotalBridgeLoss(Model);
        var loss = bridge == null ? task : task.Add(bridge);
        Optimizer.ZeroGrad();
        loss.Backward();
        ClipGradients();
        Optimizer.Step();
        double acc = SortMetrics.AllOrNoneCorrect(logits, y) / (double)Config.Batch;
        return (task.Item(), bridge?.Item() ?? 0, acc);
    }

    /// <summary>The RNN's gradients are clipped to a global norm of 5 before each step (the paper's appendix).</summary>
    public void ClipGradients()
    {
        if (Model is SortRnn) GradClip.ClipByNorm(Model.Parameters(), SortRnn.GradClipNorm);
    }

    /// <summary>All-or-none accuracy on the held-out set (the same sequences for every model with this length).</summary>
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

    public SortResult Run(IProgress<SortProgress>? progress = null, CancellationToken cancel = default)
    {
        var sw = Stopwatch.StartNew();
        var curve = new List<double[]>();
        double loss = 0, bridge = 0, emaAcc = 0;
        int step = 0;
        for (step = 1; step <= Config.Steps && !cancel.IsCancellationRequested; step++)
        {
            if (Config.CosineDecay)
                Optimizer.LearningRate = Config.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - 1) / Config.Steps));
            var (l, b, a) = Step();
            (loss, bridge) = (l, b);
            emaAcc = step == 1 ? a : 0.95 * emaAcc + 0.05 * a;
            if (step % 50 == 0 || step == Config.Steps)
            {
                double sps = step * (double)Config.Batch / sw.Elapsed.TotalSeconds;
                progress?.Report(new SortProgress(step, Config.Steps, l, b, emaAcc, sps));
                curve.Add([step, (double)step * Config.Batch, l, b, emaAcc]);
            }
        }
        double seconds = sw.Elapsed.TotalSeconds;
        long samples = (long)(step - 1) * Config.Batch;
        return new SortResult(Evaluate(), samples, seconds, loss, bridge, curve);
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
    }
}
