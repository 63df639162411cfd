using Dab.IO;

namespace Dab.Models.Sort;

/// <summary>
/// A sorting run's checkpoint: one safetensors file (written atomically, so a kill never leaves half of
/// one) with the parameters ("model/..."), the optimizer state ("optim/..."), the curves, the run's scalar
/// state as exact float64/int64 tensors, and the settings as JSON metadata.
/// </summary>
public static class SortCheckpoint
{
    public const string FileName = "checkpoint.safetensors";
    private const string Format = "dab-sort-checkpoint/1";

    public static void Save(string path, SortTrainer trainer)
    {
        var s = trainer.State;
        var owned = new List<Tensor>();
        try
        {
            var tensors = new List<(string, Tensor)>();
            foreach (var (name, p) in trainer.Model.NamedParameters()) tensors.Add(("model/" + name, p));
            foreach (var (name, t) in trainer.Optimizer.SaveState())
            {
                owned.Add(t);
                tensors.Add(("optim/" + name, t));
            }
            Tensor Own(Tensor t) { owned.Add(t); return t; }
            tensors.Add(("state/f64", Own(Tensor.FromArray(new[] { s.Seconds, s.Loss, s.Bridge, s.EmaAccuracy, s.BestAccuracy, s.EvalSeconds }, [6]))));
            tensors.Add(("state/i64", Own(Tensor.FromArray(new[] { s.Step, s.EvalsWithoutImprovement, s.StoppedEarly ? 1L : 0L, (long)trainer.Data.Offset }, [4]))));
            var curve = new double[s.Curve.Count * CurveColumns];
            for (int r = 0; r < s.Curve.Count; r++) s.Curve[r].CopyTo(curve, r * CurveColumns);
            tensors.Add(("state/curve", Own(Tensor.FromArray(curve, [s.Curve.Count, CurveColumns]))));
            SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = Format, ["config"] = trainer.Config.ToJson() });
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    private const int CurveColumns = 6;

    /// <summary>The settings a checkpoint was written with.</summary>
    public static SortConfig ReadConfig(string path)
    {
        var tensors = SafeTensors.Load(path, out var metadata);
        foreach (var t in tensors.Values) t.Dispose();
        return ConfigOf(path, metadata);
    }

    /// <summary>
    /// A trainer in exactly the state the checkpoint recorded, on <paramref name="device"/> if given (else the
    /// checkpoint's). A file that does not fit fails with InvalidDataException before anything is built.
    /// </summary>
    public static SortTrainer Resume(string path, Device? device = null)
    {
        var tensors = SafeTensors.Load(path, out var metadata);
        SortTrainer? trainer = null;
        try
        {
            var config = ConfigOf(path, metadata);
            if (device is { } d) config = config with { Device = d };
            Tensor Need(string name) => tensors.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"checkpoint '{path}' has no '{name}'");
            var f = Need("state/f64").ToArray<double>();
            var i = Need("state/i64").ToArray<long>();
            var curveTensor = Need("state/curve");
            if (f.Length != 6 || i.Length != 4 || curveTensor.Rank != 2 || curveTensor.Shape[1] != CurveColumns)
                throw new InvalidDataException($"checkpoint '{path}' has a malformed run state");
            if (i[0] < 0 || i[0] > config.Steps)
                throw new InvalidDataException($"checkpoint '{path}' is at step {i[0]}, outside the run's 0..{config.Steps}");

            trainer = new SortTrainer(config);
            SafeTensors.CopyInto(trainer.Model, tensors, $"checkpoint '{path}'", "model/");
            var optim = tensors.Where(kv => kv.Key.StartsWith("optim/", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key["optim/".Length..], kv => kv.Value);
            try { trainer.Optimizer.LoadState(optim); }
            catch (InvalidDataException e) { throw new InvalidDataException($"checkpoint '{path}': {e.Message}", e); }

            var s = trainer.State;
            (s.Seconds, s.Loss, s.Bridge, s.EmaAccuracy, s.BestAccuracy, s.EvalSeconds) = (f[0], f[1], f[2], f[3], f[4], f[5]);
            (s.Step, s.EvalsWithoutImprovement, s.StoppedEarly) = ((int)i[0], (int)i[1], i[2] != 0);
            trainer.Data.Offset = (ulong)i[3];
            var curve = curveTensor.ToArray<double>();
            for (int r = 0; r < curveTensor.Shape[0]; r++) s.Curve.Add(curve.AsSpan(r * CurveColumns, CurveColumns).ToArray());
            var done = trainer;
            trainer = null;
            return done;
        }
        finally
        {
            trainer?.Dispose();
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static SortConfig ConfigOf(string path, Dictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("format", out var format) || format != Format)
            throw new InvalidDataException($"'{path}' is not a Dab sort checkpoint (format '{format ?? "none"}', expected '{Format}')");
        if (!metadata.TryGetValue("config", out var json))
            throw new InvalidDataException($"checkpoint '{path}' has no settings");
        return SortConfig.FromJson(json, $"checkpoint '{path}'");
    }
}
