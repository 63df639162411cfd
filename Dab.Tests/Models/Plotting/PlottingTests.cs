using System.Text;
using Dab.Models.Plotting;
using NUnit.Framework;

namespace Dab.Tests.Models.Plotting;

public class PngWriterTests
{
    [Test]
    public void Crc32MatchesTheStandardCheckValue() =>
        Assert.That(Crc32.Compute(Encoding.ASCII.GetBytes("123456789")), Is.EqualTo(0xCBF43926u));

    [TestCase(7, 5, false)]
    [TestCase(3, 2, true)]
    [TestCase(1, 1, false)]
    [TestCase(300, 17, false)]
    public void RoundTripsThroughAnIndependentDecoder(int w, int h, bool alpha)
    {
        int ch = alpha ? 4 : 3;
        var px = new byte[w * h * ch];
        new System.Random(42).NextBytes(px);
        var png = PngWriter.Encode(px, w, h, alpha);
        var img = PngTestDecoder.Decode(png);
        Assert.That((img.Width, img.Height, img.Channels), Is.EqualTo((w, h, ch)));
        Assert.That(img.InflatedLength, Is.EqualTo(h * (1 + w * ch)));
        Assert.That(img.ChunkTypes, Is.EqualTo(new[] { "IHDR", "IDAT", "IEND" }));
        Assert.That(img.Pixels, Is.EqualTo(px));
    }

    [Test]
    public void BadSizesAndBuffersAreArgumentErrors()
    {
        Assert.That(() => PngWriter.Encode(new byte[0], 0, 5), Throws.ArgumentException.With.Message.Contains("positive width and height"));
        Assert.That(() => PngWriter.Encode(new byte[3], 1, -1), Throws.ArgumentException);
        Assert.That(() => PngWriter.Encode(new byte[10], 2, 2), Throws.ArgumentException.With.Message.Contains("needs 12"));
    }

    [Test]
    public void SaveWritesAtomicallyAndLeavesNoTemporaryFile()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dab-png-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Path.Combine(dir, "sub", "a.png");
            PngWriter.Save(path, new byte[2 * 2 * 3], 2, 2);
            Assert.That(PngTestDecoder.Decode(File.ReadAllBytes(path)).Width, Is.EqualTo(2));
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!), Has.Length.EqualTo(1));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}

public class CanvasTests
{
    private static readonly Rgb Red = new(220, 20, 30);

    private static int CountColour(Canvas c, Rgb colour, int x0 = 0, int y0 = 0, int x1 = int.MaxValue, int y1 = int.MaxValue)
    {
        int n = 0;
        for (int y = y0; y < Math.Min(y1, c.Height); y++)
            for (int x = x0; x < Math.Min(x1, c.Width); x++)
                if (c.GetPixel(x, y) == colour) n++;
        return n;
    }

    [Test]
    public void ALineFarOutsideIsClippedToTheCanvas()
    {
        var c = new Canvas(50, 20);
        c.DrawLine(-1e9, 10, 1e9, 10, Red);
        for (int x = 0; x < 50; x++) Assert.That(c.GetPixel(x, 10), Is.EqualTo(Red), $"x={x}");
        Assert.That(CountColour(c, Red), Is.EqualTo(50));
    }

    [Test]
    public void LinesRespectTheClipRectangleAndHitTheirEndpoints()
    {
        var c = new Canvas(40, 40);
        c.SetClip(10, 10, 20, 20);
        c.DrawLine(0, 0, 39, 39, Red);
        Assert.That(c.GetPixel(5, 5), Is.EqualTo(Rgb.White));
        Assert.That(c.GetPixel(10, 10), Is.EqualTo(Red));
        Assert.That(c.GetPixel(29, 29), Is.EqualTo(Red));
        Assert.That(c.GetPixel(30, 30), Is.EqualTo(Rgb.White));
        Assert.That(CountColour(c, Red), Is.EqualTo(20));

        c.ResetClip();
        var d = new Canvas(30, 30);
        d.DrawLine(3, 4, 17, 9, Red);
        Assert.That(d.GetPixel(3, 4), Is.EqualTo(Red));
        Assert.That(d.GetPixel(17, 9), Is.EqualTo(Red));
        Assert.That(CountColour(d, Red), Is.EqualTo(15), "Bresenham: one pixel per column of an x-major line");
    }

    [Test]
    public void ThickLinesCoverTheirThickness()
    {
        var c = new Canvas(30, 30);
        c.DrawLine(5, 15, 25, 15, Red, thickness: 3);
        for (int y = 14; y <= 16; y++) Assert.That(c.GetPixel(15, y), Is.EqualTo(Red));
        Assert.That(c.GetPixel(15, 13), Is.EqualTo(Rgb.White));
        Assert.That(c.GetPixel(15, 17), Is.EqualTo(Rgb.White));
    }

    [Test]
    public void NonFiniteEndpointsDrawNothing()
    {
        var c = new Canvas(10, 10);
        c.DrawLine(double.NaN, 1, 5, 5, Red);
        c.DrawLine(1, 1, double.PositiveInfinity, 5, Red);
        Assert.That(CountColour(c, Red), Is.Zero);
    }

    [Test]
    public void BlendingMixesColours()
    {
        var c = new Canvas(4, 4, new Rgb(0, 0, 0));
        c.FillRect(0, 0, 2, 2, new Rgb(200, 100, 50), alpha: 0.5);
        Assert.That(c.GetPixel(1, 1), Is.EqualTo(new Rgb(100, 50, 25)));
        Assert.That(c.GetPixel(2, 2), Is.EqualTo(new Rgb(0, 0, 0)));
    }

    [Test]
    public void TextIsDrawnCrispFromTheGlyphBitmaps()
    {
        var c = new Canvas(40, 20);
        c.DrawText(2, 3, "H1", Rgb.Black);
        foreach (var (ch, x0) in new[] { ('H', 2), ('1', 2 + BitmapFont.CellWidth) })
        {
            var rows = BitmapFont.Rows(ch);
            for (int r = 0; r < 7; r++)
                for (int col = 0; col < 5; col++)
                {
                    bool on = (rows[r] & (1 << (4 - col))) != 0;
                    Assert.That(c.GetPixel(x0 + col, 3 + r), Is.EqualTo(on ? Rgb.Black : Rgb.White), $"'{ch}' row {r} col {col}");
                }
        }
        // Only black and white: no anti-aliasing.
        Assert.That(CountColour(c, Rgb.Black) + CountColour(c, Rgb.White), Is.EqualTo(40 * 20));
        Assert.That(BitmapFont.Width("H1"), Is.EqualTo(11));
    }

    [Test]
    public void EveryPrintableAsciiCharacterHasADistinctGlyph()
    {
        var seen = new HashSet<string>();
        for (char ch = ' '; ch <= '~'; ch++)
        {
            Assert.That(BitmapFont.Has(ch), ch.ToString());
            var rows = BitmapFont.Rows(ch).ToArray();
            Assert.That(rows.Length, Is.EqualTo(7).Or.EqualTo(9));
            Assert.That(seen.Add(string.Join(",", rows)), Is.True, $"'{ch}' looks like another glyph");
        }
        Assert.That(BitmapFont.Has('\u00B1'));
        Assert.That(BitmapFont.Has('\u20AC'), Is.False);
        var c = new Canvas(10, 10);
        c.DrawText(0, 0, "\u20AC", Rgb.Black); // missing: a box
        Assert.That(c.GetPixel(0, 0), Is.EqualTo(Rgb.Black));
        Assert.That(c.GetPixel(2, 3), Is.EqualTo(Rgb.White));
    }

    [Test]
    public void VerticalTextReadsBottomToTop()
    {
        var c = new Canvas(20, 30);
        c.DrawTextVertical(2, 2, "L", Rgb.Black); // 'L': left column full, bottom row full
        // The glyph's left column becomes the bottom row of its 7x5 box; its bottom row becomes the right column.
        int boxBottom = 2 + BitmapFont.Width("L") - 1;
        for (int x = 2; x < 2 + 7; x++) Assert.That(c.GetPixel(x, boxBottom), Is.EqualTo(Rgb.Black), $"x={x}");
        for (int y = 2; y <= boxBottom; y++) Assert.That(c.GetPixel(2 + 6, y), Is.EqualTo(Rgb.Black), $"y={y}");
    }

    [Test]
    public void BadCanvasArgumentsAreArgumentErrors()
    {
        Assert.That(() => new Canvas(0, 10), Throws.ArgumentException.With.Message.Contains("positive"));
        Assert.That(() => new Canvas(10, -1), Throws.ArgumentException);
        Assert.That(() => new Canvas(10, 10).DrawLine(0, 0, 1, 1, Red, thickness: 0), Throws.ArgumentException);
        Assert.That(() => new Canvas(10, 10).DrawText(0, 0, "a", Red, scale: 0), Throws.ArgumentException);
        Assert.That(() => Rgb.Parse("#12345"), Throws.ArgumentException);
        Assert.That(Rgb.Parse("#ff7f0e"), Is.EqualTo(new Rgb(255, 127, 14)));
    }
}

public class LinePlotTests
{
    private static readonly Rgb Red = new(214, 39, 40), Blue = new(31, 119, 180);

    private static PngTestDecoder.Image Png(LinePlot p, int w = 800, int h = 500) => PngTestDecoder.Decode(p.ToPng(w, h));

    private static int CountInRow(PngTestDecoder.Image img, int y, Rgb c, int x0, int x1)
    {
        int n = 0;
        for (int x = x0; x <= x1; x++) if (img.Pixel(x, y) == (c.R, c.G, c.B)) n++;
        return n;
    }

    [Test]
    public void AHorizontalLineLandsOnTheComputedRow()
    {
        var p = new LinePlot { YRange = (0, 1), Legend = LegendPosition.None };
        p.Add("half", [0, 1], [0.5, 0.5], color: Red).LineWidth = 1;
        var area = p.Area(800, 500);
        var img = Png(p);
        Assert.That((img.Width, img.Height), Is.EqualTo((800, 500)));
        // The top and bottom pixel rows of the area are y = 1 and y = 0; 0.5 is half way.
        int row = (int)Math.Round(area.Top + 0.5 * (area.Height - 1));
        Assert.That(area.PixelY(0.5), Is.EqualTo(area.Top + 0.5 * (area.Height - 1)).Within(1e-9));
        Assert.That(CountInRow(img, row, Red, area.Left, area.Right), Is.EqualTo(area.Width), "the whole row, edge to edge");
        for (int y = 0; y < img.Height; y++)
            if (y != row) Assert.That(CountInRow(img, y, Red, 0, img.Width - 1), Is.Zero, $"row {y}");
    }

    [Test]
    public void SeriesGetDistinctColoursAndTheLegendShowsThem()
    {
        var p = new LinePlot { YRange = (0, 1), Legend = LegendPosition.TopLeft, Title = "two" };
        p.Add("low", [0, 1], [0.25, 0.25]);
        p.Add("high", [0, 1], [0.75, 0.75]);
        Assert.That(p.Series[0].Color, Is.Not.EqualTo(p.Series[1].Color));
        var area = p.Area(640, 400);
        var img = Png(p, 640, 400);
        int mid = (area.Left + area.Right) / 2;
        foreach (var (s, y) in new[] { (p.Series[0], 0.25), (p.Series[1], 0.75) })
        {
            int row = (int)Math.Round(area.PixelY(y));
            Assert.That(img.Pixel(mid, row), Is.EqualTo((s.Color.R, s.Color.G, s.Color.B)), s.Name);
            // Legend swatch in the top-left corner of the plot area.
            int found = 0;
            for (int yy = area.Top; yy < area.Top + 60; yy++) found += CountInRow(img, yy, s.Color, area.Left, area.Left + 60);
            Assert.That(found, Is.GreaterThan(10), $"legend swatch of {s.Name}");
        }
    }

    [Test]
    public void NaNPointsLeaveAGap()
    {
        var p = new LinePlot { YRange = (0, 1), Legend = LegendPosition.None };
        var x = Enumerable.Range(0, 11).Select(i => (double)i).ToArray();
        var y = x.Select(_ => 0.5).ToArray();
        y[5] = double.NaN;
        p.Add("gappy", x, y, color: Red).LineWidth = 1;
        var area = p.Area(800, 500);
        var img = Png(p);
        int row = (int)Math.Round(area.PixelY(0.5));
        Assert.That(img.Pixel((int)Math.Round(area.PixelX(2.5)), row), Is.EqualTo((Red.R, Red.G, Red.B)));
        Assert.That(img.Pixel((int)Math.Round(area.PixelX(5)), row), Is.Not.EqualTo((Red.R, Red.G, Red.B)), "no line across the NaN");
        Assert.That(img.Pixel((int)Math.Round(area.PixelX(7.5)), row), Is.EqualTo((Red.R, Red.G, Red.B)));
    }

    [Test]
    public void TheBandIsATintBetweenMeanMinusAndPlusStd()
    {
        var p = new LinePlot { YRange = (0, 1), Legend = LegendPosition.None };
        p.Add("band", [0, 1], [0.5, 0.5], [0.1, 0.1], Blue);
        var area = p.Area(800, 500);
        var img = Png(p);
        int x = (area.Left + area.Right) / 2 + 3;
        var inside = img.Pixel(x, (int)Math.Round(area.PixelY(0.56)));
        var outside = img.Pixel(x, (int)Math.Round(area.PixelY(0.65)));
        Assert.That(inside, Is.Not.EqualTo((Blue.R, Blue.G, Blue.B)).And.Not.EqualTo(((byte)255, (byte)255, (byte)255)));
        Assert.That(inside.B, Is.GreaterThan(inside.R), "a tint of blue");
        Assert.That(img.Pixel(x, (int)Math.Round(area.PixelY(0.44))), Is.EqualTo(inside), "the band is one even shade");
        Assert.That(outside.R, Is.GreaterThan(inside.R), "lighter outside the band");
    }

    [Test]
    public void TitleAndLabelsAreRendered()
    {
        var plain = new LinePlot { YRange = (0, 1) };
        plain.Add("a", [0, 1], [0, 1]);
        var titled = new LinePlot { YRange = (0, 1), Title = "Hello", XLabel = "samples", YLabel = "accuracy" };
        titled.Add("a", [0, 1], [0, 1]);
        var a = plain.Render(400, 300);
        var b = titled.Render(400, 300);
        var area = titled.Area(400, 300);
        int Dark(Canvas c, int y0, int y1, int x0 = 0, int x1 = 400)
        {
            int n = 0;
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++)
                    if (c.GetPixel(x, y) == new Rgb(40, 40, 40)) n++;
            return n;
        }
        Assert.That(Dark(a, 0, 25, area.Left + 10, area.Right - 10), Is.Zero);
        Assert.That(Dark(b, 0, 25, area.Left + 10, area.Right - 10), Is.GreaterThan(50), "title in the top band");
        Assert.That(area.Top, Is.GreaterThan(plain.Area(400, 300).Top));
        Assert.That(Dark(b, 280, 300), Is.GreaterThan(10), "x label at the bottom");
        Assert.That(Dark(b, area.Top, area.Bottom, 10, 19), Is.GreaterThan(20), "y label along the left edge");
    }

    [Test]
    public void EmptySeriesAndAnEmptyPlotStillRender()
    {
        var p = new LinePlot();
        Assert.That(PngTestDecoder.Decode(p.ToPng(300, 200)).Width, Is.EqualTo(300));
        p.Add("nothing", Array.Empty<double>(), Array.Empty<double>());
        p.Add("all nan", [1.0, 2.0], [double.NaN, double.NaN]);
        p.Add("one point", [3.0], [4.0]);
        var img = Png(p, 300, 200);
        Assert.That(img.Height, Is.EqualTo(200));
        var area = p.Area(300, 200);
        var c = p.Series[2].Color;
        Assert.That(img.Pixel((int)Math.Round(area.PixelX(3)), (int)Math.Round(area.PixelY(4))), Is.EqualTo((c.R, c.G, c.B)), "an isolated point is a marker");
    }

    [Test]
    public void LogXPlacesDecadesEvenly()
    {
        var p = new LinePlot { LogX = true };
        p.Add("a", [1, 10, 100, -5, 0], [1, 2, 3, 4, 5]); // x <= 0 skipped
        var area = p.Area(800, 500);
        Assert.That((area.XMin, area.XMax), Is.EqualTo((1.0, 100.0)));
        Assert.That(area.PixelX(10), Is.EqualTo((area.PixelX(1) + area.PixelX(100)) / 2).Within(1e-9));
        Assert.That(area.YMax, Is.EqualTo(3).Within(0.5), "the skipped points do not stretch y");
        Assert.That(Png(p).Width, Is.EqualTo(800));
    }

    [TestCase(0.13, 0.2)]
    [TestCase(3.0, 5.0)]
    [TestCase(7.0, 10.0)]
    [TestCase(1.0, 1.0)]
    [TestCase(0.0004, 0.0005)]
    [TestCase(120000.0, 200000.0)]
    public void NiceStepsAreOneTwoFiveTimesAPowerOfTen(double raw, double nice) =>
        Assert.That(LinePlot.NiceStep(raw), Is.EqualTo(nice).Within(nice * 1e-12));

    [Test]
    public void TicksAndLabels()
    {
        var t = LinePlot.LinearTicks(0, 1, 5, percent: true);
        Assert.That(t.Select(x => x.Label), Is.EqualTo(new[] { "0%", "20%", "40%", "60%", "80%", "100%" }));
        Assert.That(LinePlot.LinearTicks(0, 3e6, 6).Select(x => x.Label), Is.EqualTo(new[] { "0", "0.5M", "1.0M", "1.5M", "2.0M", "2.5M", "3.0M" }));
        Assert.That(LinePlot.LinearTicks(-1, 1, 4).Select(x => x.Label), Is.EqualTo(new[] { "-1.0", "-0.5", "0", "0.5", "1.0" }));
        Assert.That(LinePlot.FormatTick(0.995, 0.005, percent: true), Is.EqualTo("99.5%"));
        var auto = new LinePlot();
        auto.Add("a", [0, 10], [0.13, 0.87]);
        var area = auto.Area(800, 500);
        Assert.That(area.YMin, Is.LessThanOrEqualTo(0.13));
        Assert.That(area.YMax, Is.GreaterThanOrEqualTo(0.87));
        Assert.That(area.YMax, Is.LessThanOrEqualTo(1.0 + 1e-9), "snapped to a nice tick, not far beyond the data");
    }

    [Test]
    public void BadInputIsAClearArgumentException()
    {
        var p = new LinePlot();
        Assert.That(() => p.Add("s", [1, 2, 3], [1, 2, 3, 4]), Throws.ArgumentException.With.Message.Contains("series 's': x has 3 values but y has 4"));
        Assert.That(() => p.Add("s", [1, 2], [1, 2], [0.1]), Throws.ArgumentException.With.Message.Contains("spread has 1 values"));
        Assert.That(() => p.Save("/tmp/never.png", 0, 500), Throws.ArgumentException.With.Message.Contains("at least"));
        Assert.That(() => p.Render(800, 0), Throws.ArgumentException.With.Message.Contains("800x0"));
        Assert.That(() => p.YRange = (1, 0), Throws.ArgumentException.With.Message.Contains("Min < Max"));
        Assert.That(() => p.YRange = (0, double.NaN), Throws.ArgumentException);
        Assert.That(() => p.Add(null!, [1.0], [1.0]), Throws.ArgumentNullException);
        Assert.That(p.Series, Is.Empty, "a rejected series is not added");
        Assert.That(File.Exists("/tmp/never.png"), Is.False);
    }

    [Test]
    public void SaveWritesAValidPng()
    {
        var path = Path.Combine(Path.GetTempPath(), "dab-plot-" + Guid.NewGuid().ToString("N") + ".png");
        try
        {
            var p = new LinePlot { Title = "t", YRange = (0, 1), YAsPercent = true };
            p.Add("a", [0, 1, 2], [0.1, 0.5, 0.9], [0.05, 0.05, 0.05]);
            p.Save(path, 320, 200);
            var img = PngTestDecoder.Decode(File.ReadAllBytes(path));
            Assert.That((img.Width, img.Height, img.Channels), Is.EqualTo((320, 200, 3)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
