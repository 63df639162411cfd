using System.Globalization;
using System.Text;
using System.Text.Json;
using Dab.Cli;
using Dab.Models.Sort;
using Dab.Tests.Models.Plotting;
using NUnit.Framework;

namespace Dab.Tests.Cli;

/// <summary><c>dab report sort</c> on run directories written by the test in the format <c>dab sort</c> writes.</summary>
public class ReportCommandTests
{
    private string _root = "";

    [SetUp]
    public void SetUp()
    {
        _root = Path.Combine(Path.GetTempPath(), "dab-report-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Writes one run directory: results.json and (unless noCurve) curves.csv, new or old format.</summary>
    private string WriteRun(string rel, string model, int length, int seed, double best, int ponder = 0, bool interrupted = false,
        bool oldCurves = false, bool noBest = false, bool noCurve = false)
    {
        var dir = Path.Combine(_root, rel);
        Directory.CreateDirectory(dir);
        double final = best - 0.005;
        var json = new StringBuilder("{\n");
        json.Append($"  \"task\": \"sort\", \"model\": \"{model}\", \"length\": {length}, \"seed\": {seed}, \"ponder\": {ponder},\n");
        json.Append($"  \"samples\": 100000, \"seconds\": 12.5, \"test_all_or_none_accuracy\": {F(noBest ? best : final)},\n");
        if (!noBest) json.Append($"  \"best_test_accuracy\": {F(best)},\n");
        json.Append($"  \"interrupted\": {(interrupted ? "true" : "false")}\n}}\n");
        File.WriteAllText(Path.Combine(dir, "results.json"), json.ToString());
        if (noCurve) return dir;
        var csv = new StringBuilder(oldCurves ? "step,samples,loss,bridge_loss,batch_accuracy\n" : "step,samples,loss,bridge_loss,batch_accuracy,test_accuracy\n");
        for (int step = 1; step <= 10; step++)
        {
            double acc = best * step / 10.0;
            csv.Append($"{step},{step * 10000},1.5,0.1,{F(acc * 0.9)}");
            if (!oldCurves) csv.Append(step % 2 == 0 ? $",{F(acc)}" : ",");
            csv.Append('\n');
        }
        File.WriteAllText(Path.Combine(dir, "curves.csv"), csv.ToString());
        return dir;
    }

    /// <summary>A multi-seed parent: seed-N/ run directories and a summary results.json with "runs".</summary>
    private string WriteMultiSeed(string rel, string model, int length, params double[] bests)
    {
        for (int i = 0; i < bests.Length; i++) WriteRun(Path.Combine(rel, $"seed-{i + 1}"), model, length, i + 1, bests[i]);
        var parent = Path.Combine(_root, rel);
        File.WriteAllText(Path.Combine(parent, "results.json"),
            $"{{\"task\": \"sort\", \"model\": \"{model}\", \"length\": {length}, \"runs\": [\"seed-1\", \"seed-2\"], \"test_all_or_none_accuracy\": 0.5}}");
        return parent;
    }

    private void WriteStandardFixture()
    {
        WriteMultiSeed("dense5", "signum-dense", 5, 0.99, 0.98, 0.97);          // 98.0 +- 1.0 (x3)
        WriteMultiSeed("dense10", "signum-dense", 10, 0.90, 0.94);              // 92.0 +- 2.83 (x2)
        WriteRun("elu/T5", "elu-dense", 5, 1, 0.85);                           // 85.0 +- 0 (x1)
        WriteRun("tanh/T5", "tanh-dense", 5, 1, 0.97, oldCurves: true);        // old curves.csv
        WriteRun("tanh/T5b", "tanh-dense", 5, 2, 0.95, noBest: true);          // no best_test_accuracy: final used
        WriteRun("rnn/p0", "signum-rnn", 5, 1, 0.90, ponder: 0);
        WriteRun("rnn/p3a", "signum-rnn", 5, 1, 0.96, ponder: 3);
        WriteRun("rnn/p3b", "signum-rnn", 5, 2, 0.94, ponder: 3);              // ponder 3: 95.0 +- 1.41 (x2)
        WriteRun("ste/T7", "signum-dense-ste", 7, 1, 0.5);                    // another length and model
        WriteRun("dense5-stopped", "signum-dense", 5, 9, 0.10, interrupted: true);
    }

    private static string Row(string markdown, string startsWith) =>
        markdown.Split('\n').FirstOrDefault(l => l.StartsWith(startsWith)) ?? throw new AssertionException($"no line starting '{startsWith}' in:\n{markdown}");

    private static string[] Cells(string row) => row.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();

    [Test]
    public void TableIIHasMeansStdsCountsAndThePapersNumbers()
    {
        WriteStandardFixture();
        var outDir = Path.Combine(_root, "out");
        var (code, stdout, err) = Run("report", "sort", _root, "--out", outDir);
        Assert.That(code, Is.EqualTo(0), err);
        var md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.That(stdout, Does.Contain(md), "the report is printed");
        Assert.That(stdout.TrimEnd().Split('\n')[^1], Is.EqualTo(Path.Combine(outDir, "report.md")), "last line: the path of report.md");

        // Columns: ELU-Dense, Tanh-Dense, Signum-RNN, Signum-Dense, then the STE variant.
        var header = Cells(Row(md, "| Length (T) | ELU-Dense"));
        Assert.That(header, Is.EqualTo(new[] { "Length (T)", "ELU-Dense", "Tanh-Dense", "Signum-RNN", "Signum-Dense", "Signum-Dense (STE)" }));
        var t5 = Cells(Row(md, "| T=5 |"));
        Assert.That(t5[1], Is.EqualTo("85.0 ± 0.0 % (x1)"), "N = 1: std 0");
        Assert.That(t5[2], Is.EqualTo("96.0 ± 1.41 % (x2)"), "0.97 (best) and 0.95 (final, no best)");
        Assert.That(t5[3], Is.EqualTo("95.0 ± 1.41 % (x2) (ponder 3)"), "the best ponder setting");
        Assert.That(t5[4], Is.EqualTo("98.0 ± 1.0 % (x3)"), "the summary and the interrupted run are not counted");
        Assert.That(t5[5], Is.EqualTo("—"));
        var t10 = Cells(Row(md, "| T=10 |"));
        Assert.That(t10[4], Is.EqualTo("92.0 ± 2.83 % (x2)"));
        Assert.That(Cells(Row(md, "| T=15 |")).Skip(1), Is.All.EqualTo("—"), "T=15 is always a row");
        Assert.That(Cells(Row(md, "| T=7 |"))[5], Is.EqualTo("50.0 ± 0.0 % (x1)"));
        var rows = md.Split('\n').Where(l => l.StartsWith("| T=")).Take(4).Select(l => Cells(l)[0]).ToArray();
        Assert.That(rows, Is.EqualTo(new[] { "T=5", "T=7", "T=10", "T=15" }));

        Assert.That(md, Does.Contain("sample standard deviation (N - 1; 0 when N = 1)"));
        Assert.That(md, Does.Contain("1 interrupted run(s) skipped"));
        Assert.That(md, Does.Contain("1 run(s) have no best_test_accuracy"));
        Assert.That(md, Does.Contain("running batch accuracy"));

        // The paper's table.
        var paperHeader = Cells(Row(md, "| Length (T) | ELU-Dense | Ptr-Net"));
        Assert.That(paperHeader, Is.EqualTo(new[] { "Length (T)", "ELU-Dense", "Ptr-Net [53]", "Read-Process-Write [52]", "Tanh-Dense", "Signum-RNN", "Signum-Dense" }));
        var paperRows = md.Split('\n').Where(l => l.StartsWith("| T=")).Skip(4).Take(4).Select(Cells).ToArray();
        Assert.That(paperRows[0], Is.EqualTo(new[] { "T=5", "86.46 ± 4.7 % (x5)", "90.0 %", "94.0 %", "99.3 %", "99.3 ± 0.09 % (x5)", "99.3 ± 0.25 % (x5)" }));
        Assert.That(paperRows[1], Is.EqualTo(new[] { "T=7", "—", "—", "—", "—", "—", "—" }));
        Assert.That(paperRows[2], Is.EqualTo(new[] { "T=10", "0.0 ± 0.0 % (x5)", "28.0 %", "57.0 %", "88.3 %", "92.4 ± 0.36 % (x5)", "94.2 ± 0.1 % (x5)" }));
        Assert.That(paperRows[3], Is.EqualTo(new[] { "T=15", "0.0 ± 0.0 % (x5)", "4.0 %", "10.0 %", "1.9 %", "87.2 ± 0.3 % (x5)", "79.8 ± 0.8 % (x5)" }));

        // Fig. 6: ponder steps as rows.
        Assert.That(Cells(Row(md, "| 0 |")), Is.EqualTo(new[] { "0", "90.0 ± 0.0 % (x1)" }));
        Assert.That(Cells(Row(md, "| 3 |")), Is.EqualTo(new[] { "3", "95.0 ± 1.41 % (x2)" }));
    }

    [Test]
    public void WritesReportJsonAndValidPngs()
    {
        WriteStandardFixture();
        var outDir = Path.Combine(_root, "out");
        var (code, _, err) = Run("report", "sort", _root, "--out", outDir);
        Assert.That(code, Is.EqualTo(0), err);
        foreach (var (file, w, h) in new[] { ("curves.png", 900, 560), ("ponder.png", 800, 500) })
        {
            var img = PngTestDecoder.Decode(File.ReadAllBytes(Path.Combine(outDir, file)));
            Assert.That((img.Width, img.Height), Is.EqualTo((w, h)), file);
            Assert.That(img.Pixels.Distinct().Count(), Is.GreaterThan(10), $"{file} is not blank");
        }
        Assert.That(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories), Is.Empty);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")));
        var r = doc.RootElement;
        Assert.That(r.GetProperty("task").GetString(), Is.EqualTo("sort"));
        Assert.That(r.GetProperty("runs_reported").GetInt32(), Is.EqualTo(12));
        Assert.That(r.GetProperty("skipped_interrupted").GetInt32(), Is.EqualTo(1));
        var dense5 = r.GetProperty("table").EnumerateArray().Single(c => c.GetProperty("model").GetString() == "signum-dense" && c.GetProperty("length").GetInt32() == 5);
        Assert.That(dense5.GetProperty("n").GetInt32(), Is.EqualTo(3));
        Assert.That(dense5.GetProperty("mean").GetDouble(), Is.EqualTo(0.98).Within(1e-12));
        Assert.That(dense5.GetProperty("std").GetDouble(), Is.EqualTo(0.01).Within(1e-12));
        Assert.That(dense5.GetProperty("paper").GetProperty("mean_percent").GetDouble(), Is.EqualTo(99.3));
        Assert.That(dense5.GetProperty("paper").GetProperty("std_percent").GetDouble(), Is.EqualTo(0.25));
        var ponderCells = r.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("model").GetString() == "signum-rnn").ToList();
        Assert.That(ponderCells.Select(c => c.GetProperty("ponder").GetInt32()), Is.EqualTo(new[] { 0, 3 }));
        var tanhRuns = r.GetProperty("runs").EnumerateArray().Where(x => x.GetProperty("model").GetString() == "tanh-dense").ToList();
        Assert.That(tanhRuns.Select(x => x.GetProperty("curve").GetString()), Is.EquivalentTo(new[] { "batch_accuracy", "test_accuracy" }));
        Assert.That(r.GetProperty("paper").GetArrayLength(), Is.EqualTo(18));
    }

    [Test]
    public void IncludeInterruptedCountsTheStoppedRun()
    {
        WriteStandardFixture();
        var outDir = Path.Combine(_root, "out");
        var (code, stdout, err) = Run("report", "sort", Path.Combine(_root, "dense5"), Path.Combine(_root, "dense5-stopped"), "--out", outDir, "--include-interrupted");
        Assert.That(code, Is.EqualTo(0), err);
        var t5 = Cells(Row(stdout, "| T=5 |"));
        var (mean, std) = SortReport.MeanStd([0.99, 0.98, 0.97, 0.10]);
        Assert.That(t5[4], Is.EqualTo($"{SortReport.Percent(mean)} ± {SortReport.Percent(std)} % (x4)"));
        Assert.That(stdout, Does.Contain("1 interrupted run(s) included"));
        Assert.That(File.Exists(Path.Combine(outDir, "ponder.png")), Is.False, "no ponder sweep, no ponder plot");
    }

    [Test]
    public void TheSameRunGivenTwiceIsCountedOnce()
    {
        var dir = WriteRun("a", "signum-dense", 5, 1, 0.9);
        var (code, stdout, err) = Run("report", "sort", dir, _root, Path.Combine(dir, "results.json"), "--out", Path.Combine(_root, "out"));
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(Cells(Row(stdout, "| T=5 |"))[4], Is.EqualTo("90.0 ± 0.0 % (x1)"));
    }

    [Test]
    public void MeanStdIsTheSampleStd()
    {
        Assert.That(SortReport.MeanStd([0.5]), Is.EqualTo((0.5, 0.0)));
        var (m, s) = SortReport.MeanStd([1, 2, 3, 4]);
        Assert.That(m, Is.EqualTo(2.5));
        Assert.That(s, Is.EqualTo(Math.Sqrt(5.0 / 3)).Within(1e-12));
    }

    [Test]
    public void MeanCurveAveragesRunsAtCommonSamples()
    {
        var a = new SortCurve([10, 20, 30], [0.1, 0.2, 0.3], true);
        var b = new SortCurve([10, 30], [0.3, 0.5], true);
        var (x, mean, std) = SortReport.MeanCurve([a, b]);
        Assert.That(x, Is.EqualTo(new double[] { 10, 20, 30 }));
        Assert.That(mean, Is.EqualTo(new[] { 0.2, 0.3, 0.4 }).Within(1e-12)); // b at 20 interpolates to 0.4
        Assert.That(std[0], Is.EqualTo(Math.Sqrt(0.02)).Within(1e-12));
    }

    [Test]
    public void LongCurvesAreBinnedForThePlot()
    {
        var x = Enumerable.Range(1, 1000).Select(i => (double)i).ToArray();
        var c = new SortCurve(x, x.Select(v => v / 1000).ToArray(), false);
        var d = SortReport.Downsample(c, SortReport.MaxPlotPoints);
        Assert.That(d.Samples.Length, Is.LessThanOrEqualTo(SortReport.MaxPlotPoints).And.GreaterThan(SortReport.MaxPlotPoints / 2));
        Assert.That(d.Samples[0], Is.EqualTo(2.5), "mean of the first bin (1..4)");
        Assert.That(d.Accuracy.Average(), Is.EqualTo(c.Accuracy.Average()).Within(1e-9));
        Assert.That(SortReport.Downsample(d, SortReport.MaxPlotPoints), Is.SameAs(d), "short curves are kept");
    }

    [Test]
    public void OldCurvesFallBackToBatchAccuracyAndMissingCurvesAreNoted()
    {
        var oldDir = WriteRun("old", "signum-dense", 5, 1, 0.9, oldCurves: true);
        var curve = SortReport.ReadCurve(Path.Combine(oldDir, "curves.csv"))!;
        Assert.That(curve.IsTestAccuracy, Is.False);
        Assert.That(curve.Samples, Has.Length.EqualTo(10));
        var newDir = WriteRun("new", "signum-dense", 5, 2, 0.9);
        var c2 = SortReport.ReadCurve(Path.Combine(newDir, "curves.csv"))!;
        Assert.That(c2.IsTestAccuracy);
        Assert.That(c2.Samples, Is.EqualTo(new double[] { 20000, 40000, 60000, 80000, 100000 }), "only rows with an evaluation");
        WriteRun("none", "signum-dense", 5, 3, 0.9, noCurve: true);
        var (code, stdout, err) = Run("report", "sort", _root, "--out", Path.Combine(_root, "out"));
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("1 run(s) have no curves.csv"));
        Assert.That(stdout, Does.Contain("1 run(s) have an older curves.csv"));
    }

    private static void AssertUsageError((int Code, string Out, string Err) r, string message)
    {
        Assert.That(r.Code, Is.EqualTo(2), r.Err + r.Out);
        Assert.That(r.Err, Does.Contain(message));
        Assert.That(r.Err.Trim().Split('\n'), Has.Length.EqualTo(1), "one line");
        Assert.That(r.Err, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void ErrorsAreOneLineWithExitCode2()
    {
        AssertUsageError(Run("report"), "report needs a subcommand");
        AssertUsageError(Run("report", "classify"), "unknown report 'classify'");
        AssertUsageError(Run("report", "sort"), "at least one run directory");
        AssertUsageError(Run("report", "sort", _root, "--bogus"), "unknown option --bogus");
        var missing = Path.Combine(_root, "nope");
        AssertUsageError(Run("report", "sort", missing), $"'{missing}' does not exist");
        var empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(empty);
        AssertUsageError(Run("report", "sort", empty), $"no results.json under '{empty}'");

        var bad = Path.Combine(_root, "bad");
        Directory.CreateDirectory(bad);
        File.WriteAllText(Path.Combine(bad, "results.json"), "{\"task\": \"sort\", \"model\": ");
        AssertUsageError(Run("report", "sort", bad), Path.Combine(bad, "results.json") + ": malformed JSON");
        File.WriteAllText(Path.Combine(bad, "results.json"), "{\"task\": \"sort\", \"model\": \"signum-dense\", \"test_all_or_none_accuracy\": 0.5}");
        AssertUsageError(Run("report", "sort", bad), "no \"length\"");
        File.WriteAllText(Path.Combine(bad, "results.json"), "{\"task\": \"sort\", \"model\": \"signum-dense\", \"length\": 5, \"test_all_or_none_accuracy\": 98.5}");
        AssertUsageError(Run("report", "sort", bad), "must be a fraction");
        File.WriteAllText(Path.Combine(bad, "results.json"), "{\"task\": \"sort\", \"model\": \"signum-dense\", \"length\": 5, \"test_all_or_none_accuracy\": 0.5}");
        File.WriteAllText(Path.Combine(bad, "curves.csv"), "step,samples,loss\n1,10,0.5\n");
        AssertUsageError(Run("report", "sort", bad), Path.Combine(bad, "curves.csv") + ": header needs");
        File.WriteAllText(Path.Combine(bad, "curves.csv"), "step,samples,loss,bridge_loss,batch_accuracy,test_accuracy\n1,10,0.5,0.1,0.2,zero\n");
        AssertUsageError(Run("report", "sort", bad), "curves.csv:2: 'zero' is not a number");

        var stopped = Path.Combine(_root, "stopped");
        WriteRun("stopped", "signum-dense", 5, 1, 0.5, interrupted: true);
        AssertUsageError(Run("report", "sort", stopped), "--include-interrupted");

        var other = Path.Combine(_root, "other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "results.json"), "{\"task\": \"check\"}");
        AssertUsageError(Run("report", "sort", other), "no sort runs");
    }

    [Test]
    public void HelpAndUsageListTheReportCommand()
    {
        var (code, stdout, _) = Run("report", "--help");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("dab report sort RUN_DIR").And.Contain("--out").And.Contain("--include-interrupted"));
        Assert.That(Run("report", "sort", "--help").Code, Is.EqualTo(0));
        Assert.That(Program.Usage, Does.Contain("report"));
    }
}

public class ReportSeedOrderTests
{
    [Test]
    public void SeedsSortNumericallyThenByName()
    {
        var seeds = new List<string> { "10", "b", "2", "1", "a" };
        seeds.Sort(Dab.Models.Sort.SeedOrder.Instance);
        Assert.That(seeds, Is.EqualTo(new[] { "1", "2", "10", "a", "b" }));
    }
}
