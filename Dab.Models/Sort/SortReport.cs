using System.Globalization;
using System.Text;
using System.Text.Json;
using Dab.Models.Plotting;

namespace Dab.Models.Sort;

/// <summary>A problem with the report's input (a missing directory, a malformed file): shown to the user as one line.</summary>
public sealed class ReportInputException(string message) : Exception(message);

/// <summary>An accuracy curve of one run: samples seen against test (or, in old runs, running batch) accuracy.</summary>
public sealed record SortCurve(double[] Samples, double[] Accuracy, bool IsTestAccuracy);

/// <summary>One <c>dab sort</c> run, read from its <c>results.json</c> (and <c>curves.csv</c> when present).</summary>
public sealed record SortRun(
    string Dir, string Model, int Length, string Seed, int Ponder, long Samples, double Seconds,
    double FinalAccuracy, double BestAccuracy, bool BestIsFinal, bool Interrupted, SortCurve? Curve);

/// <summary>Mean and sample standard deviation (N - 1; 0 for N = 1) of the best test accuracy of a group of runs.</summary>
public sealed record SortCell(string Model, int Length, int Ponder, int N, double Mean, double Std, double[] Values, string[] Seeds);

/// <summary>A published number: mean and std in percent (std null where the paper gives none), replications.</summary>
public sealed record PaperNumber(double Mean, double? Std, int? N);

/// <summary>The runs a report covers, and what was left out.</summary>
public sealed record SortRunSet(List<SortRun> Runs, int SkippedInterrupted, int SkippedSummaries, int SkippedOtherTasks);

/// <summary>
/// <c>dab report sort</c>'s logic: finds runs, groups them into the paper's Table II (lengths x models)
/// and Fig. 6 (ponder steps x lengths), writes report.md, report.json, curves.png and ponder.png.
/// </summary>
public static class SortReport
{
    /// <summary>Column order of Table II, then the straight-through variants; other models follow alphabetically.</summary>
    public static readonly string[] ModelOrder = ["elu-dense", "tanh-dense", "signum-rnn", "signum-dense", "signum-rnn-ste", "signum-dense-ste"];

    public static readonly int[] PaperLengths = [5, 10, 15];

    /// <summary>Table II of the paper (and the Tanh averages from its text), in percent.</summary>
    public static readonly IReadOnlyDictionary<(string Model, int Length), PaperNumber> Paper = new Dictionary<(string, int), PaperNumber>
    {
        [("elu-dense", 5)] = new(86.46, 4.7, 5),
        [("elu-dense", 10)] = new(0, 0, 5),
        [("elu-dense", 15)] = new(0, 0, 5),
        [("tanh-dense", 5)] = new(99.3, null, null),
        [("tanh-dense", 10)] = new(88.3, null, null),
        [("tanh-dense", 15)] = new(1.9, null, null),
        [("ptr-net", 5)] = new(90, null, null),
        [("ptr-net", 10)] = new(28, null, null),
        [("ptr-net", 15)] = new(4, null, null),
        [("read-process-write", 5)] = new(94, null, null),
        [("read-process-write", 10)] = new(57, null, null),
        [("read-process-write", 15)] = new(10, null, null),
        [("signum-rnn", 5)] = new(99.3, 0.09, 5),
        [("signum-rnn", 10)] = new(92.4, 0.36, 5),
        [("signum-rnn", 15)] = new(87.2, 0.3, 5),
        [("signum-dense", 5)] = new(99.3, 0.25, 5),
        [("signum-dense", 10)] = new(94.2, 0.1, 5),
        [("signum-dense", 15)] = new(79.8, 0.8, 5),
    };

    /// <summary>Columns of the paper's table, in its order (Tanh-Dense is from the text).</summary>
    public static readonly string[] PaperColumns = ["elu-dense", "ptr-net", "read-process-write", "tanh-dense", "signum-rnn", "signum-dense"];

    public static string DisplayName(string model) => model switch
    {
        "elu-dense" => "ELU-Dense",
        "tanh-dense" => "Tanh-Dense",
        "signum-rnn" => "Signum-RNN",
        "signum-dense" => "Signum-Dense",
        "signum-rnn-ste" => "Signum-RNN (STE)",
        "signum-dense-ste" => "Signum-Dense (STE)",
        "ptr-net" => "Ptr-Net [53]",
        "read-process-write" => "Read-Process-Write [52]",
        _ => model,
    };

    // ---- finding and reading runs ----

    /// <summary>
    /// Finds every run (a results.json with "task": "sort") at or below each path. A summary file of a
    /// multi-seed run (it has "runs") is not a run. Interrupted runs are left out unless asked for.
    /// </summary>
    public static SortRunSet Scan(IReadOnlyList<string> paths, bool includeInterrupted)
    {
        if (paths.Count == 0) throw new ReportInputException("no run directories given");
        var files = new List<string>();
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in paths)
        {
            var full = Path.GetFullPath(p);
            List<string> found;
            if (File.Exists(full) && Path.GetFileName(full) == "results.json") found = [full];
            else if (Directory.Exists(full))
                found = Directory.EnumerateFiles(full, "results.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            else throw new ReportInputException($"'{p}' does not exist");
            if (found.Count == 0) throw new ReportInputException($"no results.json under '{p}'");
            foreach (var f in found) if (seenFiles.Add(f)) files.Add(f);
        }

        var runs = new List<SortRun>();
        int interrupted = 0, summaries = 0, other = 0;
        foreach (var f in files)
        {
            var run = ReadRun(f, out var kind);
            switch (kind)
            {
                case RunKind.Summary: summaries++; continue;
                case RunKind.OtherTask: other++; continue;
            }
            if (run!.Interrupted && !includeInterrupted) { interrupted++; continue; }
            runs.Add(run);
        }
        if (runs.Count == 0)
            throw new ReportInputException(
                $"no sort runs to report in {string.Join(", ", paths.Select(p => $"'{p}'"))}" +
                (interrupted > 0 ? $" ({interrupted} interrupted run(s) skipped; --include-interrupted reports them)" : ""));
        return new SortRunSet(runs, interrupted, summaries, other);
    }

    private enum RunKind { Run, Summary, OtherTask }

    private static SortRun? ReadRun(string file, out RunKind kind)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(file)); }
        catch (JsonException e) { throw new ReportInputException($"{file}: malformed JSON ({FirstLine(e.Message)})"); }
        catch (IOException e) { throw new ReportInputException($"{file}: cannot read ({FirstLine(e.Message)})"); }
        using (doc)
        {
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) throw new ReportInputException($"{file}: expected a JSON object");
            if (r.TryGetProperty("runs", out _)) { kind = RunKind.Summary; return null; }
            if (!r.TryGetProperty("task", out var task) || task.ValueKind != JsonValueKind.String || task.GetString() != "sort")
            {
                kind = RunKind.OtherTask;
                return null;
            }
            kind = RunKind.Run;
            string model = Str(r, "model", file) ?? throw Missing(file, "model");
            int length = (int)(Num(r, "length", file) ?? throw Missing(file, "length"));
            double final = Num(r, "test_all_or_none_accuracy", file) ?? throw Missing(file, "test_all_or_none_accuracy");
            double? best = Num(r, "best_test_accuracy", file);
            CheckFraction(final, file, "test_all_or_none_accuracy");
            if (best is { } b) CheckFraction(b, file, "best_test_accuracy");
            string seed = r.TryGetProperty("seed", out var s)
                ? s.ValueKind == JsonValueKind.Number ? s.GetRawText() : s.ValueKind == JsonValueKind.String ? s.GetString()! : "?"
                : "?";
            bool interrupted = r.TryGetProperty("interrupted", out var i) && i.ValueKind == JsonValueKind.True;
            var dir = Path.GetDirectoryName(file)!;
            return new SortRun(dir, model, length, seed, (int)(Num(r, "ponder", file) ?? 0), (long)(Num(r, "samples", file) ?? 0),
                Num(r, "seconds", file) ?? 0, final, best ?? final, best == null, interrupted, ReadCurve(Path.Combine(dir, "curves.csv")));
        }
    }

    private static ReportInputException Missing(string file, string key) => new($"{file}: no \"{key}\"");

    private static void CheckFraction(double v, string file, string key)
    {
        if (!(v >= 0 && v <= 1)) throw new ReportInputException($"{file}: \"{key}\" must be a fraction in [0, 1], got {v.ToString(CultureInfo.InvariantCulture)}");
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private static string? Str(JsonElement r, string key, string file)
    {
        if (!r.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw new ReportInputException($"{file}: \"{key}\" must be a string");
        return v.GetString();
    }

    private static double? Num(JsonElement r, string key, string file)
    {
        if (!r.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        throw new ReportInputException($"{file}: \"{key}\" must be a number, got {v.GetRawText()}");
    }

    /// <summary>
    /// Reads samples and test accuracy from curves.csv, keeping only rows with an evaluation; files
    /// written before test_accuracy existed give the running batch accuracy instead. Null when absent.
    /// </summary>
    public static SortCurve? ReadCurve(string path)
    {
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim().Length == 0) throw new ReportInputException($"{path}: empty, expected a header line");
        var header = lines[0].Trim().Split(',').Select(h => h.Trim()).ToList();
        int samples = header.IndexOf("samples");
        int test = header.IndexOf("test_accuracy");
        int acc = test >= 0 ? test : header.IndexOf("batch_accuracy");
        if (samples < 0 || acc < 0)
            throw new ReportInputException($"{path}: header needs 'samples' and 'test_accuracy' or 'batch_accuracy', got '{lines[0].Trim()}'");
        var xs = new List<double>();
        var ys = new List<double>();
        for (int li = 1; li < lines.Length; li++)
        {
            var line = lines[li].Trim();
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length <= Math.Max(samples, acc))
            {
                if (cells.Length <= samples) throw new ReportInputException($"{path}:{li + 1}: {cells.Length} fields, expected {header.Count}");
                continue; // a trailing empty test_accuracy may be cut off
            }
            var a = cells[acc].Trim();
            if (a.Length == 0) continue; // no evaluation on this row
            xs.Add(Parse(cells[samples], path, li));
            ys.Add(Parse(a, path, li));
        }
        var sx = xs.ToArray();
        var sy = ys.ToArray();
        Array.Sort(sx, sy); // samples only grow in one run; a resumed or concatenated file is put in order
        return new SortCurve(sx, sy, test >= 0);

        static double Parse(string s, string path, int li) =>
            double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new ReportInputException($"{path}:{li + 1}: '{s.Trim()}' is not a number");
    }

    // ---- aggregation ----

    public static (double Mean, double Std) MeanStd(IReadOnlyList<double> v)
    {
        if (v.Count == 0) return (double.NaN, double.NaN);
        double mean = v.Average();
        if (v.Count == 1) return (mean, 0);
        double ss = v.Sum(x => (x - mean) * (x - mean));
        return (mean, Math.Sqrt(ss / (v.Count - 1)));
    }

    /// <summary>Position of a model in <see cref="ModelOrder"/>; models not in it come after, alphabetically.</summary>
    public static int ModelRank(string model) => Array.IndexOf(ModelOrder, model) is var k && k >= 0 ? k : ModelOrder.Length;

    public static IEnumerable<string> OrderModels(IEnumerable<string> models) =>
        models.Distinct().OrderBy(ModelRank).ThenBy(m => m, StringComparer.Ordinal);

    /// <summary>Every (model, length, ponder) group: the cells of the Fig. 6 table.</summary>
    public static List<SortCell> Cells(IEnumerable<SortRun> runs) =>
        runs.GroupBy(r => (r.Model, r.Length, r.Ponder))
            .Select(g =>
            {
                var ordered = g.OrderBy(r => r.Seed, SeedOrder.Instance).ToList();
                var values = ordered.Select(r => r.BestAccuracy).ToArray();
                var (mean, std) = MeanStd(values);
                return new SortCell(g.Key.Model, g.Key.Length, g.Key.Ponder, values.Length, mean, std, values, ordered.Select(r => r.Seed).ToArray());
            })
            .OrderBy(c => ModelRank(c.Model))
            .ThenBy(c => c.Model, StringComparer.Ordinal).ThenBy(c => c.Length).ThenBy(c => c.Ponder)
            .ToList();

    /// <summary>
    /// The Table II cell of each (model, length): where a model was run with several ponder settings,
    /// the setting with the best mean (its ponder value is shown beside the cell).
    /// </summary>
    public static Dictionary<(string Model, int Length), SortCell> TableCells(IEnumerable<SortCell> cells) =>
        cells.GroupBy(c => (c.Model, c.Length))
            .ToDictionary(g => g.Key, g => g.OrderByDescending(c => c.Mean).ThenBy(c => c.Ponder).First());

    public static string Percent(double fraction) => Pct(fraction * 100);

    private static string Pct(double v) => v.ToString("0.0#", CultureInfo.InvariantCulture);

    public static string FormatCell(SortCell c) => $"{Percent(c.Mean)} ± {Percent(c.Std)} % (x{c.N})";

    public static string FormatPaper(PaperNumber p) =>
        p.Std is { } s ? $"{Pct(p.Mean)} ± {Pct(s)} % (x{p.N})" : $"{Pct(p.Mean)} %";

    // ---- the report ----

    public sealed record Output(string ReportMdPath, string ReportJsonPath, string CurvesPngPath, string? PonderPngPath, string Markdown);

    /// <summary>Writes report.md, report.json, curves.png and (with a ponder sweep) ponder.png into <paramref name="outDir"/>, atomically.</summary>
    public static Output Write(SortRunSet set, string outDir, bool includedInterrupted, Func<object?, string> toJson)
    {
        Directory.CreateDirectory(outDir);
        var runs = set.Runs;
        var cells = Cells(runs);
        var table = TableCells(cells);
        var lengths = runs.Select(r => r.Length).Concat(PaperLengths).Distinct().Order().ToList();
        var models = OrderModels(runs.Select(r => r.Model).Concat(["elu-dense", "tanh-dense", "signum-rnn", "signum-dense"])).ToList();
        var ponderModels = cells.GroupBy(c => c.Model).Where(g => g.Select(c => c.Ponder).Distinct().Count() > 1).Select(g => g.Key).ToList();

        var md = new StringBuilder();
        md.AppendLine("# Sorting: all-or-none test accuracy (paper Table II)").AppendLine();
        int dirs = runs.Select(r => r.Dir).Distinct().Count();
        md.AppendLine($"{runs.Count} run(s) in {dirs} director{(dirs == 1 ? "y" : "ies")}" +
                      (set.SkippedInterrupted > 0 ? $"; {set.SkippedInterrupted} interrupted run(s) skipped (--include-interrupted reports them)" : "") +
                      (includedInterrupted && runs.Any(r => r.Interrupted) ? $"; {runs.Count(r => r.Interrupted)} interrupted run(s) included" : "") +
                      ".").AppendLine();

        md.AppendLine("## This reproduction").AppendLine();
        md.AppendLine("| Length (T) | " + string.Join(" | ", models.Select(DisplayName)) + " |");
        md.AppendLine("| --- |" + string.Concat(models.Select(_ => " --- |")));
        foreach (var t in lengths)
        {
            md.Append($"| T={t} |");
            foreach (var m in models)
            {
                if (!table.TryGetValue((m, t), out var c)) { md.Append(" — |"); continue; }
                md.Append(' ').Append(FormatCell(c));
                if (ponderModels.Contains(m) || c.Ponder != 0) md.Append($" (ponder {c.Ponder})");
                md.Append(" |");
            }
            md.AppendLine();
        }
        md.AppendLine();
        md.AppendLine("Each cell: mean ± sample standard deviation (N - 1; 0 when N = 1) over N runs (seeds) of the best " +
                      "all-or-none test accuracy, the highest of a run's periodic evaluations on its held-out set " +
                      "(every position of a sequence right), as in the paper.");
        int fellBack = runs.Count(r => r.BestIsFinal);
        if (fellBack > 0) md.AppendLine($"{fellBack} run(s) have no best_test_accuracy (older runs); their final test accuracy is used.");
        if (ponderModels.Count > 0)
            md.AppendLine($"{string.Join(", ", ponderModels.Select(DisplayName))}: several ponder settings were run; each cell shows the best setting's mean, all of them are in the ponder table below.");
        md.AppendLine();

        md.AppendLine("## The paper (Table II; Tanh-Dense from the text of section IV-A)").AppendLine();
        md.AppendLine("| Length (T) | " + string.Join(" | ", PaperColumns.Select(DisplayName)) + " |");
        md.AppendLine("| --- |" + string.Concat(PaperColumns.Select(_ => " --- |")));
        foreach (var t in lengths)
        {
            md.Append($"| T={t} |");
            foreach (var m in PaperColumns)
                md.Append(Paper.TryGetValue((m, t), out var p) ? $" {FormatPaper(p)} |" : " — |");
            md.AppendLine();
        }
        md.AppendLine();
        md.AppendLine("Ptr-Net and Read-Process-Write are the paper's references [53], [52] (their best results, pondering included); " +
                      "the paper gives the Tanh-Dense averages without a spread.").AppendLine();

        if (ponderModels.Count > 0)
        {
            md.AppendLine("## Effect of pondering (paper Fig. 6)").AppendLine();
            foreach (var m in ponderModels)
            {
                var mc = cells.Where(c => c.Model == m).ToList();
                var ls = mc.Select(c => c.Length).Distinct().Order().ToList();
                md.AppendLine($"{DisplayName(m)}, best test all-or-none accuracy, mean ± std (xN):").AppendLine();
                md.AppendLine("| Ponder steps | " + string.Join(" | ", ls.Select(l => $"T={l}")) + " |");
                md.AppendLine("| --- |" + string.Concat(ls.Select(_ => " --- |")));
                foreach (var p in mc.Select(c => c.Ponder).Distinct().Order())
                {
                    md.Append($"| {p} |");
                    foreach (var l in ls)
                    {
                        var c = mc.FirstOrDefault(c => c.Length == l && c.Ponder == p);
                        md.Append(c == null ? " — |" : $" {FormatCell(c)} |");
                    }
                    md.AppendLine();
                }
                md.AppendLine();
            }
            md.AppendLine("The paper (Fig. 6, 5 trials per setting) sees accuracy rise with ponder steps and level off after about five.").AppendLine();
        }

        md.AppendLine("## Runs").AppendLine();
        md.AppendLine("| Model | T | Ponder | Seed | Best | Final | Samples | Seconds | Directory |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in runs.OrderBy(r => ModelRank(r.Model)).ThenBy(r => r.Model, StringComparer.Ordinal).ThenBy(r => r.Length).ThenBy(r => r.Ponder).ThenBy(r => r.Seed, SeedOrder.Instance))
            md.AppendLine($"| {DisplayName(r.Model)} | {r.Length} | {r.Ponder} | {r.Seed} | {Percent(r.BestAccuracy)} %{(r.BestIsFinal ? " (final)" : "")} | " +
                          $"{Percent(r.FinalAccuracy)} % | {r.Samples} | {r.Seconds.ToString("0.#", CultureInfo.InvariantCulture)}{(r.Interrupted ? " (interrupted)" : "")} | {r.Dir} |");
        md.AppendLine();

        // Plots.
        string curvesPng = Path.Combine(outDir, "curves.png");
        var (curves, batchOnly) = CurvesPlot(runs, ponderModels);
        curves.Save(curvesPng, 900, 560);
        md.AppendLine("![test accuracy against samples seen](curves.png)").AppendLine();
        int noCurve = runs.Count(r => r.Curve == null);
        if (noCurve > 0) md.AppendLine($"{noCurve} run(s) have no curves.csv and are not in curves.png.");
        int binned = runs.Count(r => r.Curve != null && r.Curve.Samples.Length > MaxPlotPoints);
        if (binned > 0) md.AppendLine($"{binned} curve(s) have more than {MaxPlotPoints} points; the plot shows them averaged into {MaxPlotPoints} bins.");
        if (batchOnly > 0) md.AppendLine($"{batchOnly} run(s) have an older curves.csv without test_accuracy; their curve is the running batch accuracy (marked \"batch acc.\" in the legend).");
        string? ponderPng = null;
        if (ponderModels.Count > 0)
        {
            ponderPng = Path.Combine(outDir, "ponder.png");
            PonderPlot(cells, ponderModels).Save(ponderPng, 800, 500);
            md.AppendLine().AppendLine("![best test accuracy against ponder steps](ponder.png)");
        }

        var markdown = md.ToString();
        var mdPath = Path.Combine(outDir, "report.md");
        var jsonPath = Path.Combine(outDir, "report.json");
        Dab.IO.AtomicFile.WriteAllText(jsonPath, toJson(JsonReport(set, cells, table, lengths, includedInterrupted)));
        Dab.IO.AtomicFile.WriteAllText(mdPath, markdown);
        return new Output(mdPath, jsonPath, curvesPng, ponderPng, markdown);
    }

    private static string GroupLabel(string model, int length, int ponder, bool showPonder) =>
        $"{DisplayName(model)} T={length}{(showPonder ? $" p={ponder}" : "")}";

    /// <summary>
    /// Accuracy against samples seen: every run as a thin line in its group's colour, and for groups of
    /// two or more runs the mean with a +-1 std band over the runs (interpolated to common x).
    /// </summary>
    public static (LinePlot Plot, int BatchOnly) CurvesPlot(IReadOnlyList<SortRun> runs, IReadOnlyCollection<string> ponderModels)
    {
        var plot = new LinePlot
        {
            Title = "Sorting: test all-or-none accuracy",
            XLabel = "samples seen",
            YLabel = "accuracy",
            YRange = (0, 1),
            YAsPercent = true,
            Legend = LegendPosition.BottomRight,
        };
        int batchOnly = 0, colour = 0;
        var groups = runs.Where(r => r.Curve != null)
            .GroupBy(r => (r.Model, r.Length, Ponder: ponderModels.Contains(r.Model) ? r.Ponder : 0, Batch: !r.Curve!.IsTestAccuracy))
            .OrderBy(g => ModelRank(g.Key.Model)).ThenBy(g => g.Key.Model, StringComparer.Ordinal).ThenBy(g => g.Key.Length).ThenBy(g => g.Key.Ponder).ThenBy(g => g.Key.Batch);
        foreach (var g in groups)
        {
            var color = LinePlot.Palette[colour++ % LinePlot.Palette.Count];
            var members = g.ToList();
            if (g.Key.Batch) batchOnly += members.Count;
            string label = GroupLabel(g.Key.Model, g.Key.Length, g.Key.Ponder, ponderModels.Contains(g.Key.Model))
                           + (g.Key.Batch ? " (batch acc.)" : "") + (members.Count > 1 ? $" x{members.Count}" : "");
            var curves = members.Select(r => Downsample(r.Curve!, MaxPlotPoints)).ToList();
            foreach (var c in curves)
            {
                var s = plot.Add(label, c.Samples, c.Accuracy, color: color);
                s.LineWidth = members.Count > 1 ? 1 : 2;
                s.Opacity = members.Count > 1 ? 0.45 : 1;
            }
            if (members.Count > 1)
            {
                var (x, mean, std) = MeanCurve(curves);
                var m = plot.Add(label, x, mean, std, color);
                m.LineWidth = 2;
            }
        }
        if (plot.Series.Count == 0) plot.Add("no curves.csv found", Array.Empty<double>(), Array.Empty<double>());
        return (plot, batchOnly);
    }

    /// <summary>Curves longer than this (a batch accuracy logged every step) are averaged into this many bins for the plot.</summary>
    public const int MaxPlotPoints = 300;

    /// <summary>Averages consecutive points into at most <paramref name="maxPoints"/> bins of equal count (NaNs left out of a bin's mean).</summary>
    public static SortCurve Downsample(SortCurve c, int maxPoints)
    {
        int n = c.Samples.Length;
        if (n <= maxPoints) return c;
        int per = (n + maxPoints - 1) / maxPoints;
        var xs = new List<double>();
        var ys = new List<double>();
        for (int start = 0; start < n; start += per)
        {
            double sx = 0, sy = 0;
            int k = 0;
            for (int i = start; i < Math.Min(n, start + per); i++)
                if (double.IsFinite(c.Samples[i]) && double.IsFinite(c.Accuracy[i])) { sx += c.Samples[i]; sy += c.Accuracy[i]; k++; }
            if (k > 0) { xs.Add(sx / k); ys.Add(sy / k); }
        }
        return new SortCurve(xs.ToArray(), ys.ToArray(), c.IsTestAccuracy);
    }

    /// <summary>Mean and std (N - 1) over curves, each linearly interpolated at the union of their x; where fewer than two curves reach, NaN.</summary>
    public static (double[] X, double[] Mean, double[] Std) MeanCurve(IReadOnlyList<SortCurve> curves)
    {
        var xs = curves.SelectMany(c => c.Samples).Where(double.IsFinite).Distinct().Order().ToArray();
        var mean = new double[xs.Length];
        var std = new double[xs.Length];
        var vals = new List<double>();
        for (int i = 0; i < xs.Length; i++)
        {
            vals.Clear();
            foreach (var c in curves) if (Interpolate(c, xs[i]) is { } v) vals.Add(v);
            if (vals.Count < 2) { mean[i] = std[i] = double.NaN; continue; }
            (mean[i], std[i]) = MeanStd(vals);
        }
        return (xs, mean, std);
    }

    /// <summary>The curve's accuracy at x (linear between its points, samples ascending), or null outside it or next to a NaN.</summary>
    private static double? Interpolate(SortCurve c, double x)
    {
        var xs = c.Samples;
        var ys = c.Accuracy;
        int i = Array.BinarySearch(xs, x);
        if (i >= 0) return double.IsFinite(ys[i]) ? ys[i] : null;
        int hi = ~i, lo = hi - 1;
        if (lo < 0 || hi >= xs.Length || !double.IsFinite(ys[lo]) || !double.IsFinite(ys[hi]) || !(xs[hi] > xs[lo])) return null;
        return ys[lo] + (ys[hi] - ys[lo]) * (x - xs[lo]) / (xs[hi] - xs[lo]);
    }

    /// <summary>Fig. 6: best test accuracy (mean, +-1 std band) against ponder steps, one line per model and length.</summary>
    public static LinePlot PonderPlot(IReadOnlyList<SortCell> cells, IReadOnlyCollection<string> ponderModels)
    {
        var plot = new LinePlot
        {
            Title = "Effect of pondering (paper Fig. 6)",
            XLabel = "ponder steps",
            YLabel = "best test accuracy (mean, std band)",
            YAsPercent = true,
        };
        foreach (var m in OrderModels(ponderModels))
            foreach (var g in cells.Where(c => c.Model == m).GroupBy(c => c.Length).OrderBy(g => g.Key))
            {
                var pts = g.OrderBy(c => c.Ponder).ToList();
                plot.Add($"{DisplayName(m)} T={g.Key}", pts.Select(c => (double)c.Ponder).ToArray(), pts.Select(c => c.Mean).ToArray(), pts.Select(c => c.Std).ToArray()).Markers = true;
            }
        return plot;
    }

    private static Dictionary<string, object?> JsonReport(SortRunSet set, List<SortCell> cells, Dictionary<(string, int), SortCell> table, List<int> lengths, bool includedInterrupted)
    {
        static Dictionary<string, object?> CellJson(SortCell c) => new()
        {
            ["model"] = c.Model,
            ["length"] = c.Length,
            ["ponder"] = c.Ponder,
            ["n"] = c.N,
            ["mean"] = c.Mean,
            ["std"] = c.Std,
            ["values"] = c.Values,
            ["seeds"] = c.Seeds,
        };
        var tableRows = new List<object?>();
        foreach (var ((m, t), c) in table.OrderBy(kv => ModelRank(kv.Key.Item1)).ThenBy(kv => kv.Key.Item1, StringComparer.Ordinal).ThenBy(kv => kv.Key.Item2))
        {
            var row = CellJson(c);
            row["paper"] = Paper.TryGetValue((m, t), out var p)
                ? new Dictionary<string, object?> { ["mean_percent"] = p.Mean, ["std_percent"] = p.Std, ["n"] = p.N }
                : null;
            tableRows.Add(row);
        }
        var paper = new List<object?>();
        foreach (var m in PaperColumns)
            foreach (var t in lengths)
                if (Paper.TryGetValue((m, t), out var p))
                    paper.Add(new Dictionary<string, object?> { ["model"] = m, ["length"] = t, ["mean_percent"] = p.Mean, ["std_percent"] = p.Std, ["n"] = p.N });
        return new Dictionary<string, object?>
        {
            ["task"] = "sort",
            ["metric"] = "best test all-or-none accuracy per run (fraction); mean and sample std (N-1, 0 for N=1) over runs",
            ["generated_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["runs_reported"] = set.Runs.Count,
            ["skipped_interrupted"] = set.SkippedInterrupted,
            ["included_interrupted"] = includedInterrupted,
            ["table"] = tableRows,
            ["cells"] = cells.Select(c => (object?)CellJson(c)).ToList(),
            ["paper"] = paper,
            ["runs"] = set.Runs.Select(r => (object?)new Dictionary<string, object?>
            {
                ["dir"] = r.Dir,
                ["model"] = r.Model,
                ["length"] = r.Length,
                ["ponder"] = r.Ponder,
                ["seed"] = r.Seed,
                ["best_test_accuracy"] = r.BestAccuracy,
                ["best_is_final"] = r.BestIsFinal,
                ["test_all_or_none_accuracy"] = r.FinalAccuracy,
                ["samples"] = r.Samples,
                ["seconds"] = r.Seconds,
                ["interrupted"] = r.Interrupted,
                ["curve"] = r.Curve == null ? "none" : r.Curve.IsTestAccuracy ? "test_accuracy" : "batch_accuracy",
            }).ToList(),
        };
    }
}

/// <summary>Seeds in numeric order ("2" before "10"); seeds that are not numbers follow, ordinally.</summary>
internal sealed class SeedOrder : IComparer<string>
{
    public static readonly SeedOrder Instance = new();

    public int Compare(string? a, string? b)
    {
        bool na = ulong.TryParse(a, out var x), nb = ulong.TryParse(b, out var y);
        if (na && nb) return x.CompareTo(y);
        if (na != nb) return na ? -1 : 1;
        return StringComparer.Ordinal.Compare(a, b);
    }
}
