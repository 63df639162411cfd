using System.Diagnostics;

namespace Dab.Cli;

/// <summary>
/// A one-line progress display on stderr: redrawn in place on a terminal, or a plain line every
/// few percent when stderr is a file or pipe (CI logs stay readable).
/// </summary>
public sealed class ProgressBar(string label, TextWriter output)
{
    private readonly bool _interactive = ReferenceEquals(output, Console.Error) && !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _lastPercent = -1;
    private TimeSpan _lastDraw = TimeSpan.MinValue;
    private int _firstDone = -1; // a resumed run starts part-way: the ETA counts only the work done here

    public void Update(int done, int total, string details)
    {
        if (_firstDone < 0) _firstDone = Math.Max(0, done - 1);
        int percent = (int)(100L * done / Math.Max(1, total));
        var elapsed = _clock.Elapsed;
        if (_interactive)
        {
            if (done < total && elapsed - _lastDraw < TimeSpan.FromMilliseconds(100)) return;
            _lastDraw = elapsed;
            const int width = 24;
            int filled = (int)((long)width * done / Math.Max(1, total));
            var bar = new string('#', filled) + new string('.', width - filled);
            var line = $"\r{label} [{bar}] {percent,3}% {done}/{total} {details} {Eta(done - _firstDone, total - _firstDone, elapsed)}";
            int cols = SafeWidth();
            if (line.Length - 1 > cols) line = line[..(cols + 1)];
            output.Write(line.PadRight(Math.Min(cols, 160) + 1));
            if (done >= total) output.WriteLine();
        }
        else if (percent / 5 != _lastPercent / 5 || done >= total)
        {
            _lastPercent = percent;
            output.WriteLine($"{label} {percent,3}% {done}/{total} {details} {Eta(done - _firstDone, total - _firstDone, elapsed)}");
        }
    }

    private static string Eta(int done, int total, TimeSpan elapsed)
    {
        if (done <= 0) return "";
        if (done >= total) return $"in {Format(elapsed)}";
        var remaining = TimeSpan.FromSeconds(elapsed.TotalSeconds * (total - done) / done);
        return $"eta {Format(remaining)}";
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s" : $"{t.TotalSeconds:F1}s";

    private static int SafeWidth()
    {
        try { return Math.Max(40, Console.WindowWidth - 1); }
        catch (IOException) { return 120; }
    }
}
