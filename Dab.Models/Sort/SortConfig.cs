using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dab.Models.Sort;

/// <summary>Everything that decides a sorting run. Serialised into checkpoints so <c>--resume</c> continues with the same settings.</summary>
public sealed record SortConfig
{
    /// <summary>The paper's epoch: 2,000,000 fresh sequences.</summary>
    public const int PaperEpochSize = 2_000_000;
    /// <summary>The paper's held-out test set: 400,000 sequences.</summary>
    public const int PaperTestSize = 400_000;

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
    /// <summary>Held-out sequences for the final all-or-none accuracy.</summary>
    public int TestSize { get; init; } = PaperTestSize;
    /// <summary>Cosine decay of the learning rate to zero over the run (false: constant, as in the paper).</summary>
    public bool CosineDecay { get; init; } = true;
    /// <summary>Extra LSTM steps on zero input after the sequence (pondering; the RNN model only).</summary>
    public int Ponder { get; init; }
    /// <summary>Steps between evaluations on the first <see cref="EvalSize"/> test sequences (0: about 25 over the run).</summary>
    public int EvalEvery { get; init; }
    public int EvalSize { get; init; } = 20_000;
    /// <summary>Stop after this many evaluations without a better test accuracy (0: never).</summary>
    public int Patience { get; init; }
    /// <summary>Steps between checkpoints when a checkpoint path is given (0: at every evaluation).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>The evaluation interval in steps, with the automatic default resolved.</summary>
    public int EvalInterval => EvalEvery > 0 ? EvalEvery : Math.Max(1, (Steps + 24) / 25);
    public int CheckpointInterval => CheckpointEvery > 0 ? CheckpointEvery : EvalInterval;

    public void Validate()
    {
        if (Length < 2) throw new ArgumentOutOfRangeException(nameof(Length), $"--length must be at least 2, got {Length}");
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), $"--steps must be at least 1, got {Steps}");
        if (Batch < 1) throw new ArgumentOutOfRangeException(nameof(Batch), $"--batch must be at least 1, got {Batch}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), $"--lr must be positive, got {LearningRate}");
        if (!(Gamma >= 0) || double.IsInfinity(Gamma)) throw new ArgumentOutOfRangeException(nameof(Gamma), $"--gamma must be >= 0, got {Gamma}");
        if (Latent < 1) throw new ArgumentOutOfRangeException(nameof(Latent), $"--latent must be at least 1, got {Latent}");
        if (TestSize < 1) throw new ArgumentOutOfRangeException(nameof(TestSize), $"--test-size must be at least 1, got {TestSize}");
        if (EvalSize < 1) throw new ArgumentOutOfRangeException(nameof(EvalSize), $"--eval-size must be at least 1, got {EvalSize}");
        if (EvalEvery < 0) throw new ArgumentOutOfRangeException(nameof(EvalEvery), $"--eval-every must be >= 0, got {EvalEvery}");
        if (Patience < 0) throw new ArgumentOutOfRangeException(nameof(Patience), $"--patience must be >= 0, got {Patience}");
        if (Ponder < 0) throw new ArgumentOutOfRangeException(nameof(Ponder), $"--ponder must be >= 0, got {Ponder}");
        if (CheckpointEvery < 0) throw new ArgumentOutOfRangeException(nameof(CheckpointEvery), $"--checkpoint-every must be >= 0, got {CheckpointEvery}");
        if (StraightThrough && Model == SortModelKind.EluDense || StraightThrough && Model == SortModelKind.TanhDense)
            throw new ArgumentException($"the straight-through estimator needs a hard layer; model {Model} has none", nameof(StraightThrough));
    }

    /// <summary>The settings as a flat JSON object (written by hand: the CLI is published trimmed, without reflection).</summary>
    public string ToJson()
    {
        var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("length", Length);
            w.WriteNumber("steps", Steps);
            w.WriteNumber("batch", Batch);
            w.WriteNumber("lr", LearningRate);
            w.WriteNumber("gamma", Gamma);
            w.WriteNumber("latent", Latent);
            w.WriteString("model", Model.ToString());
            w.WriteBoolean("straight_through", StraightThrough);
            w.WriteNumber("ponder", Ponder);
            w.WriteString("bridge", BridgeMode.ToString());
            w.WriteString("seed", Seed.ToString(CultureInfo.InvariantCulture)); // a ulong does not survive a double
            w.WriteString("device", Device.ToString());
            w.WriteNumber("test_size", TestSize);
            w.WriteBoolean("cosine_decay", CosineDecay);
            w.WriteNumber("eval_every", EvalEvery);
            w.WriteNumber("eval_size", EvalSize);
            w.WriteNumber("patience", Patience);
            w.WriteNumber("checkpoint_every", CheckpointEvery);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Reads <see cref="ToJson"/>'s output; every key must be there with the right type.</summary>
    public static SortConfig FromJson(string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            JsonElement Get(string key) => r.TryGetProperty(key, out var v) ? v : throw new InvalidDataException($"{source}: the sort settings have no '{key}'");
            T Enum<T>(string key) where T : struct, System.Enum =>
                System.Enum.TryParse<T>(Get(key).GetString(), out var v) ? v : throw new InvalidDataException($"{source}: '{key}' is not a {typeof(T).Name}: {Get(key).GetRawText()}");
            var config = new SortConfig
            {
                Length = Get("length").GetInt32(),
                Steps = Get("steps").GetInt32(),
                Batch = Get("batch").GetInt32(),
                LearningRate = Get("lr").GetDouble(),
                Gamma = Get("gamma").GetDouble(),
                Latent = Get("latent").GetInt32(),
                Model = Enum<SortModelKind>("model"),
                StraightThrough = Get("straight_through").GetBoolean(),
                Ponder = Get("ponder").GetInt32(),
                BridgeMode = Enum<BridgeMode>("bridge"),
                Seed = ulong.Parse(Get("seed").GetString()!, CultureInfo.InvariantCulture),
                Device = Device.Parse(Get("device").GetString()!),
                TestSize = Get("test_size").GetInt32(),
                CosineDecay = Get("cosine_decay").GetBoolean(),
                EvalEvery = Get("eval_every").GetInt32(),
                EvalSize = Get("eval_size").GetInt32(),
                Patience = Get("patience").GetInt32(),
                CheckpointEvery = Get("checkpoint_every").GetInt32(),
            };
            config.Validate();
            return config;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{source}: invalid sort settings: {e.Message}", e);
        }
    }
}
