using System.Globalization;
using Dab.Models.Sort;

namespace Dab.Cli;

/// <summary><c>dab report sort RUN_DIR...</c>: aggregates sort runs into the paper's Table II and Fig. 6, with plots.</summary>
public static class ReportCommand
{
    public const string Usage = """
        usage: dab report sort RUN_DIR... [options]

        Collects the runs of 'dab sort' (every results.json with "task": "sort" at or below each RUN_DIR;
        a multi-seed summary is not a run) and writes report.md (the paper's Table II layout, its numbers
        beside, and a ponder table like Fig. 6 when the RNN was run with several ponder settings),
        report.json, curves.png (test accuracy against samples seen, every run) and ponder.png.

        options:
          --out DIR              output directory (default runs/report-<UTC yyyyMMdd-HHmmss>)
          --include-interrupted  also report runs stopped early with Ctrl+C (skipped by default)
        """;

    private static readonly string[] ValueOptions = ["out"];
    private static readonly string[] Flags = ["include-interrupted", "help"];

    public static int Run(string[] args, TextWriter stdout)
    {
        if (args.Length == 0)
            throw new UsageException("report needs a subcommand: 'dab report sort RUN_DIR...' (see 'dab report --help')");
        if (args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        return args[0] switch
        {
            "sort" => Sort(args[1..], stdout),
            _ => throw new UsageException($"unknown report '{args[0]}' (reports: sort)"),
        };
    }

    private static int Sort(string[] args, TextWriter stdout)
    {
        var a = new CliArgs(args, ValueOptions, Flags, "report sort");
        if (a.Flag("help") || a.Positional.Contains("-h"))
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        if (a.Positional.Count == 0) throw new UsageException("report sort needs at least one run directory (dab report sort RUN_DIR...)");
        bool includeInterrupted = a.Flag("include-interrupted");
        var outDir = a.String("out") ?? Path.Combine("runs", "report-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        if (outDir.Trim().Length == 0) throw new UsageException("--out must not be empty");

        SortRunSet set;
        try { set = SortReport.Scan(a.Positional, includeInterrupted); }
        catch (ReportInputException e) { throw new UsageException(e.Message); }
        if (File.Exists(outDir)) throw new UsageException($"--out '{outDir}' is a file, not a directory");

        var output = SortReport.Write(set, outDir, includeInterrupted, JsonOut.Serialize);
        stdout.Write(output.Markdown);
        stdout.WriteLine($"wrote report.md, report.json, curves.png{(output.PonderPngPath != null ? ", ponder.png" : "")} ({set.Runs.Count} run(s)" +
                         (set.SkippedInterrupted > 0 ? $", {set.SkippedInterrupted} interrupted skipped" : "") + ")");
        stdout.WriteLine(output.ReportMdPath);
        return 0;
    }
}
