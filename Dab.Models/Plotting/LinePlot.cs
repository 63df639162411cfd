using System.Globalization;

namespace Dab.Models.Plotting;

public enum LegendPosition { TopLeft, TopRight, BottomLeft, BottomRight, None }

/// <summary>One line of a <see cref="LinePlot"/>: points (x[i], y[i]); a NaN in either breaks the line.</summary>
public sealed class PlotSeries
{
    internal PlotSeries(string name, double[] x, double[] y, double[]? spread, Rgb color)
    {
        Name = name;
        X = x;
        Y = y;
        Spread = spread;
        Color = color;
    }

    public string Name { get; }
    public double[] X { get; }
    public double[] Y { get; }

    /// <summary>Half-width of a shaded band around the line (y - spread .. y + spread), e.g. a standard deviation.</summary>
    public double[]? Spread { get; }

    public Rgb Color { get; set; }

    /// <summary>Line thickness in pixels (at least 1).</summary>
    public int LineWidth { get; set; } = 2;

    /// <summary>1 draws the line opaque; less blends it with what is below (for many overlapping runs).</summary>
    public double Opacity { get; set; } = 1;

    /// <summary>Opacity of the spread band.</summary>
    public double BandOpacity { get; set; } = 0.2;

    /// <summary>Draws a small square at every point, not only at isolated ones.</summary>
    public bool Markers { get; set; }

    /// <summary>Whether the series gets a legend entry (entries with the same name and colour are shown once).</summary>
    public bool InLegend { get; set; } = true;

    internal bool HasData(bool logX)
    {
        for (int i = 0; i < X.Length; i++) if (Finite(X[i], Y[i], logX)) return true;
        return false;
    }

    internal static bool Finite(double x, double y, bool logX) => double.IsFinite(x) && double.IsFinite(y) && (!logX || x > 0);
}

/// <summary>
/// Where the data lands on the image: the plot rectangle in pixels and the axis ranges. Pixel centres of
/// the rectangle's first and last columns (rows) are the x (y) range's ends.
/// </summary>
public readonly record struct PlotArea(int Left, int Top, int Width, int Height, double XMin, double XMax, double YMin, double YMax, bool LogX)
{
    public int Right => Left + Width - 1;
    public int Bottom => Top + Height - 1;

    public double PixelX(double x)
    {
        double t = LogX ? (Math.Log10(x) - Math.Log10(XMin)) / (Math.Log10(XMax) - Math.Log10(XMin)) : (x - XMin) / (XMax - XMin);
        return Left + t * (Width - 1);
    }

    public double PixelY(double y) => Top + (YMax - y) / (YMax - YMin) * (Height - 1);
}

/// <summary>
/// A line chart rendered from scratch to PNG: title, axis labels, several named series with distinct
/// colours, "nice" ticks (1, 2, 5 x 10^k; decades on a log x axis), an optional fixed y range (shown as
/// percentages with <see cref="YAsPercent"/>), optional shaded bands (mean +- std), NaN gaps, a legend.
/// </summary>
public sealed class LinePlot
{
    /// <summary>Ten well-separated colours (the usual "category10" set), used in turn by <see cref="Add"/>.</summary>
    public static readonly IReadOnlyList<Rgb> Palette =
    [
        Rgb.Parse("#1f77b4"), Rgb.Parse("#ff7f0e"), Rgb.Parse("#2ca02c"), Rgb.Parse("#d62728"), Rgb.Parse("#9467bd"),
        Rgb.Parse("#8c564b"), Rgb.Parse("#e377c2"), Rgb.Parse("#7f7f7f"), Rgb.Parse("#bcbd22"), Rgb.Parse("#17becf"),
    ];

    public const int MinWidth = 160, MinHeight = 120;

    private static readonly Rgb Ink = new(40, 40, 40), Grid = new(228, 228, 228), Frame = new(110, 110, 110);

    private readonly List<PlotSeries> _series = new();
    private (double Min, double Max)? _yRange, _xRange;

    public string Title { get; set; } = "";
    public string XLabel { get; set; } = "";
    public string YLabel { get; set; } = "";

    /// <summary>Logarithmic x axis; points with x &lt;= 0 are then skipped like NaNs.</summary>
    public bool LogX { get; set; }

    /// <summary>Tick labels on y as percentages (0.5 -> "50%").</summary>
    public bool YAsPercent { get; set; }

    public LegendPosition Legend { get; set; } = LegendPosition.BottomRight;

    public IReadOnlyList<PlotSeries> Series => _series;

    /// <summary>A fixed y range (e.g. (0, 1) for an accuracy); null fits the data.</summary>
    public (double Min, double Max)? YRange
    {
        get => _yRange;
        set => _yRange = CheckRange(value, "YRange");
    }

    /// <summary>A fixed x range; null fits the data.</summary>
    public (double Min, double Max)? XRange
    {
        get => _xRange;
        set => _xRange = CheckRange(value, "XRange");
    }

    private static (double, double)? CheckRange((double Min, double Max)? r, string what)
    {
        if (r is { } v && !(double.IsFinite(v.Min) && double.IsFinite(v.Max) && v.Min < v.Max))
            throw new ArgumentException($"{what} must be finite with Min < Max, got ({v.Min}, {v.Max})");
        return r;
    }

    /// <summary>
    /// Adds a series; x and y (and the optional band half-width) must have the same length, which may be 0.
    /// Without a colour, the next palette colour is used.
    /// </summary>
    public PlotSeries Add(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double>? spread = null, Rgb? color = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
            throw new ArgumentException($"series '{name}': x has {x.Count} values but y has {y.Count}");
        if (spread != null && spread.Count != y.Count)
            throw new ArgumentException($"series '{name}': spread has {spread.Count} values but y has {y.Count}");
        var s = new PlotSeries(name, x.ToArray(), y.ToArray(), spread?.ToArray(), color ?? Palette[_series.Count % Palette.Count]);
        _series.Add(s);
        return s;
    }

    public void Save(string path, int width = 800, int height = 500) => Render(width, height).Save(path);

    public byte[] ToPng(int width = 800, int height = 500) => Render(width, height).ToPng();

    // ---- layout ----

    private const int Pad = 10, TickLen = 4;

    private int TitleHeight => Title.Length > 0 ? BitmapFont.Height(2) + Pad : 0;

    /// <summary>The plot rectangle and axis ranges an image of this size would use.</summary>
    public PlotArea Area(int width, int height)
    {
        CheckSize(width, height);
        var (xmin, xmax) = XLimits(width);
        var (ymin, ymax, yTicks) = YLimits(height);
        int yTickWidth = yTicks.Max(t => BitmapFont.Width(t.Label));
        int left = Pad + (YLabel.Length > 0 ? BitmapFont.Height() + Pad : 0) + yTickWidth + TickLen + 4;
        int top = Pad + TitleHeight + 4;
        int bottom = Pad + (XLabel.Length > 0 ? BitmapFont.Height() + Pad : 0) + BitmapFont.Height() + TickLen + 4;
        int right = Pad + Math.Max(8, BitmapFont.Width(TicksX(xmin, xmax, width).LastOrDefault().Label ?? "") / 2);
        int w = width - left - right, h = height - top - bottom;
        if (w < 40 || h < 40) throw new ArgumentException($"a {width}x{height} image leaves no room for the plot (labels take {left + right}x{top + bottom} pixels)");
        return new PlotArea(left, top, w, h, xmin, xmax, ymin, ymax, LogX);
    }

    private static void CheckSize(int width, int height)
    {
        if (width < MinWidth || height < MinHeight)
            throw new ArgumentException($"plot size must be at least {MinWidth}x{MinHeight} pixels, got {width}x{height}");
        if ((long)width * height > 64L * 1024 * 1024) throw new ArgumentException($"plot size {width}x{height} is too large");
    }

    private IEnumerable<(double X, double Y)> DataPoints(bool withBands)
    {
        foreach (var s in _series)
            for (int i = 0; i < s.X.Length; i++)
            {
                if (!PlotSeries.Finite(s.X[i], s.Y[i], LogX)) continue;
                yield return (s.X[i], s.Y[i]);
                if (withBands && s.Spread != null && double.IsFinite(s.Spread[i]))
                {
                    yield return (s.X[i], s.Y[i] - Math.Abs(s.Spread[i]));
                    yield return (s.X[i], s.Y[i] + Math.Abs(s.Spread[i]));
                }
            }
    }

    private (double Min, double Max) XLimits(int width)
    {
        if (_xRange is { } fixedRange)
        {
            if (LogX && fixedRange.Min <= 0) throw new ArgumentException($"a log x axis needs XRange above 0, got ({fixedRange.Min}, {fixedRange.Max})");
            return fixedRange;
        }
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var (x, _) in DataPoints(false)) { lo = Math.Min(lo, x); hi = Math.Max(hi, x); }
        if (LogX)
        {
            if (!double.IsFinite(lo)) return (1, 10);
            double a = Math.Floor(Math.Log10(lo) + 1e-9), b = Math.Ceiling(Math.Log10(hi) - 1e-9);
            if (b <= a) b = a + 1;
            return (Math.Pow(10, a), Math.Pow(10, b));
        }
        if (!double.IsFinite(lo)) return (0, 1);
        var (l, h) = Widen(lo, hi);
        double step = NiceStep((h - l) / TickTarget(width, 90));
        return (Math.Floor(l / step + 1e-9) * step, Math.Ceiling(h / step - 1e-9) * step);
    }

    private (double Min, double Max, List<(double Value, string Label)> Ticks) YLimits(int height)
    {
        double lo, hi;
        if (_yRange is { } r) (lo, hi) = r;
        else
        {
            lo = double.PositiveInfinity; hi = double.NegativeInfinity;
            foreach (var (_, y) in DataPoints(true)) { lo = Math.Min(lo, y); hi = Math.Max(hi, y); }
            if (!double.IsFinite(lo)) (lo, hi) = (0, 1);
            (lo, hi) = Widen(lo, hi);
            double step = NiceStep((hi - lo) / TickTarget(height, 50));
            (lo, hi) = (Math.Floor(lo / step + 1e-9) * step, Math.Ceiling(hi / step - 1e-9) * step);
        }
        return (lo, hi, LinearTicks(lo, hi, TickTarget(height, 50), YAsPercent));
    }

    private static int TickTarget(int pixels, int per) => Math.Clamp(pixels / per, 3, 10);

    private static (double, double) Widen(double lo, double hi)
    {
        if (hi > lo) return (lo, hi);
        double d = lo == 0 ? 0.5 : Math.Abs(lo) * 0.1;
        return (lo - d, hi + d);
    }

    /// <summary>The smallest of 1, 2, 5 x 10^k that is at least <paramref name="raw"/>.</summary>
    public static double NiceStep(double raw)
    {
        if (!(raw > 0) || !double.IsFinite(raw)) return 1;
        double p = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        foreach (var m in new[] { 1.0, 2.0, 5.0, 10.0 })
            if (m * p >= raw * (1 - 1e-9)) return m * p;
        return 10 * p;
    }

    /// <summary>Ticks at multiples of a nice step inside [lo, hi], about <paramref name="target"/> of them.</summary>
    public static List<(double Value, string Label)> LinearTicks(double lo, double hi, int target, bool percent = false)
    {
        double step = NiceStep((hi - lo) / Math.Max(1, target));
        var ticks = new List<(double, string)>();
        double first = Math.Ceiling(lo / step - 1e-9);
        for (double k = first; k * step <= hi + step * 1e-9 && ticks.Count < 100; k++)
        {
            double v = k * step;
            if (Math.Abs(v) < step * 1e-9) v = 0;
            ticks.Add((v, FormatTick(v, step, percent, Math.Max(Math.Abs(lo), Math.Abs(hi)))));
        }
        return ticks;
    }

    private List<(double Value, string Label)> TicksX(double lo, double hi, int width)
    {
        if (!LogX) return LinearTicks(lo, hi, TickTarget(width, 90));
        var ticks = new List<(double, string)>();
        int a = (int)Math.Floor(Math.Log10(lo) + 1e-9), b = (int)Math.Ceiling(Math.Log10(hi) - 1e-9);
        double[] mults = b - a <= 2 ? [1, 2, 5] : [1];
        for (int k = a; k <= b; k++)
            foreach (var m in mults)
            {
                double v = m * Math.Pow(10, k);
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.Add((v, FormatTick(v, v, false)));
            }
        return ticks;
    }

    /// <summary>
    /// A tick label with as many decimals as the step needs. Large values get a k, M or G suffix, chosen
    /// from <paramref name="magnitude"/> (the axis's largest absolute value; default the value itself)
    /// so that one axis uses one suffix. Zero is always "0" (or "0%").
    /// </summary>
    public static string FormatTick(double v, double step, bool percent = false, double magnitude = double.NaN)
    {
        string suffix = "";
        if (percent) { v *= 100; step *= 100; suffix = "%"; }
        else
        {
            double mag = double.IsFinite(magnitude) ? magnitude : Math.Max(Math.Abs(v), step);
            (double scale, string s) = mag >= 1e9 ? (1e9, "G") : mag >= 1e6 ? (1e6, "M") : mag >= 1e4 ? (1e3, "k") : (1, "");
            v /= scale; step /= scale; suffix = s;
        }
        if (v == 0) return percent ? "0%" : "0";
        int decimals = Math.Clamp((int)-Math.Floor(Math.Log10(step) + 1e-9), 0, 10);
        return v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + suffix;
    }

    // ---- rendering ----

    public Canvas Render(int width = 800, int height = 500)
    {
        var area = Area(width, height);
        var canvas = new Canvas(width, height, Rgb.White);
        var yTicks = LinearTicks(area.YMin, area.YMax, TickTarget(height, 50), YAsPercent);
        var xTicks = TicksX(area.XMin, area.XMax, width);

        // Grid.
        canvas.SetClip(area.Left, area.Top, area.Width, area.Height);
        foreach (var (v, _) in yTicks) canvas.FillRect(area.Left, (int)Math.Round(area.PixelY(v)), area.Width, 1, Grid);
        foreach (var (v, _) in xTicks) canvas.FillRect((int)Math.Round(area.PixelX(v)), area.Top, 1, area.Height, Grid);

        // Bands first, so every line lies on top of every band.
        foreach (var s in _series) if (s.Spread != null) DrawBand(canvas, area, s);
        foreach (var s in _series) DrawSeries(canvas, area, s);

        // Frame, ticks, labels.
        canvas.ResetClip();
        canvas.DrawRect(area.Left - 1, area.Top - 1, area.Width + 2, area.Height + 2, Frame);
        foreach (var (v, label) in yTicks)
        {
            int py = (int)Math.Round(area.PixelY(v));
            canvas.FillRect(area.Left - 1 - TickLen, py, TickLen, 1, Frame);
            canvas.DrawText(area.Left - 1 - TickLen - 3 - BitmapFont.Width(label), py - BitmapFont.GlyphHeight / 2, label, Ink);
        }
        foreach (var (v, label) in xTicks)
        {
            int px = (int)Math.Round(area.PixelX(v));
            canvas.FillRect(px, area.Bottom + 2, 1, TickLen, Frame);
            canvas.DrawText(px - BitmapFont.Width(label) / 2, area.Bottom + 2 + TickLen + 3, label, Ink);
        }
        if (Title.Length > 0)
        {
            int tw = BitmapFont.Width(Title, 2);
            canvas.DrawText(Math.Max(Pad, area.Left + (area.Width - tw) / 2), Pad, Title, Ink, 2);
        }
        if (XLabel.Length > 0)
            canvas.DrawText(area.Left + (area.Width - BitmapFont.Width(XLabel)) / 2, height - Pad - BitmapFont.Height(), XLabel, Ink);
        if (YLabel.Length > 0)
            canvas.DrawTextVertical(Pad, area.Top + Math.Max(0, (area.Height - BitmapFont.Width(YLabel)) / 2), YLabel, Ink);
        DrawLegend(canvas, area);
        return canvas;
    }

    private void DrawSeries(Canvas canvas, PlotArea area, PlotSeries s)
    {
        canvas.SetClip(area.Left, area.Top, area.Width, area.Height);
        int n = s.X.Length;
        for (int i = 0; i < n; i++)
        {
            if (!PlotSeries.Finite(s.X[i], s.Y[i], LogX)) continue;
            bool next = i + 1 < n && PlotSeries.Finite(s.X[i + 1], s.Y[i + 1], LogX);
            bool prev = i > 0 && PlotSeries.Finite(s.X[i - 1], s.Y[i - 1], LogX);
            double px = area.PixelX(s.X[i]), py = area.PixelY(s.Y[i]);
            if (next) canvas.DrawLine(px, py, area.PixelX(s.X[i + 1]), area.PixelY(s.Y[i + 1]), s.Color, s.LineWidth, s.Opacity);
            if (s.Markers || (!next && !prev))
            {
                // A marker; an isolated point (its neighbours are gaps) always gets one, so it is still visible.
                int m = s.LineWidth + 3;
                if (px > -1e6 && px < 1e6 && py > -1e6 && py < 1e6)
                    canvas.FillRect((int)Math.Round(px) - m / 2, (int)Math.Round(py) - m / 2, m, m, s.Color, s.Opacity);
            }
        }
    }

    private void DrawBand(Canvas canvas, PlotArea area, PlotSeries s)
    {
        canvas.SetClip(area.Left, area.Top, area.Width, area.Height);
        var spread = s.Spread!;
        int lastColumn = int.MinValue;
        for (int i = 0; i + 1 < s.X.Length; i++)
        {
            if (!PlotSeries.Finite(s.X[i], s.Y[i], LogX) || !PlotSeries.Finite(s.X[i + 1], s.Y[i + 1], LogX)
                || !double.IsFinite(spread[i]) || !double.IsFinite(spread[i + 1])) continue;
            double x0 = area.PixelX(s.X[i]), x1 = area.PixelX(s.X[i + 1]);
            double lo0 = s.Y[i] - Math.Abs(spread[i]), hi0 = s.Y[i] + Math.Abs(spread[i]);
            double lo1 = s.Y[i + 1] - Math.Abs(spread[i + 1]), hi1 = s.Y[i + 1] + Math.Abs(spread[i + 1]);
            if (x1 < x0) { (x0, x1) = (x1, x0); (lo0, lo1) = (lo1, lo0); (hi0, hi1) = (hi1, hi0); }
            int c0 = Math.Max((int)Math.Ceiling(x0 - 1e-9), area.Left), c1 = Math.Min((int)Math.Floor(x1 + 1e-9), area.Right);
            for (int c = c0; c <= c1; c++)
            {
                if (c <= lastColumn) continue; // each column once, so the band has one even shade
                double t = x1 > x0 ? (c - x0) / (x1 - x0) : 0;
                double lo = lo0 + (lo1 - lo0) * t, hi = hi0 + (hi1 - hi0) * t;
                int top = (int)Math.Round(Math.Clamp(area.PixelY(hi), area.Top - 1, area.Bottom + 1));
                int bottom = (int)Math.Round(Math.Clamp(area.PixelY(lo), area.Top - 1, area.Bottom + 1));
                canvas.FillVerticalSpan(c, top, bottom, s.Color, s.BandOpacity);
                lastColumn = c;
            }
        }
    }

    private void DrawLegend(Canvas canvas, PlotArea area)
    {
        if (Legend == LegendPosition.None) return;
        var entries = new List<(string Label, PlotSeries S)>();
        var seen = new HashSet<(string, Rgb)>();
        foreach (var s in _series)
        {
            if (!s.InLegend || s.Name.Length == 0 || !seen.Add((s.Name, s.Color))) continue;
            entries.Add((s.HasData(LogX) ? s.Name : s.Name + " (no data)", s));
        }
        if (entries.Count == 0) return;
        const int sample = 18, gap = 6, row = 12, inner = 6;
        int w = inner * 2 + sample + gap + entries.Max(e => BitmapFont.Width(e.Label));
        int h = inner * 2 + entries.Count * row - (row - BitmapFont.GlyphHeight);
        int x = Legend is LegendPosition.TopLeft or LegendPosition.BottomLeft ? area.Left + 8 : area.Right - 8 - w + 1;
        int y = Legend is LegendPosition.TopLeft or LegendPosition.TopRight ? area.Top + 8 : area.Bottom - 8 - h + 1;
        canvas.ResetClip();
        canvas.FillRect(x, y, w, h, Rgb.White, 0.9);
        canvas.DrawRect(x, y, w, h, Frame);
        for (int k = 0; k < entries.Count; k++)
        {
            var (label, s) = entries[k];
            int ty = y + inner + k * row;
            int ly = ty + BitmapFont.GlyphHeight / 2;
            if (s.Spread != null) canvas.FillRect(x + inner, ly - 4, sample, 9, s.Color, s.BandOpacity);
            canvas.DrawLine(x + inner, ly, x + inner + sample - 1, ly, s.Color, Math.Clamp(s.LineWidth, 2, 3));
            canvas.DrawText(x + inner + sample + gap, ty, label, Ink);
        }
    }
}
