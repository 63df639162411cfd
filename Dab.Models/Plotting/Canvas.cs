using System.Globalization;

namespace Dab.Models.Plotting;

/// <summary>An 8-bit sRGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb White = new(255, 255, 255), Black = new(0, 0, 0);

    /// <summary>Parses "#rrggbb" or "rrggbb".</summary>
    public static Rgb Parse(string hex)
    {
        var s = hex.StartsWith('#') ? hex[1..] : hex;
        if (s.Length != 6 || !uint.TryParse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v))
            throw new ArgumentException($"colour must look like #rrggbb, got '{hex}'");
        return new Rgb((byte)(v >> 16), (byte)(v >> 8), (byte)v);
    }

    /// <summary>This colour mixed with <paramref name="other"/>: t = 0 gives this, 1 gives other.</summary>
    public Rgb Mix(Rgb other, double t)
    {
        t = Math.Clamp(t, 0, 1);
        return new Rgb(Lerp(R, other.R, t), Lerp(G, other.G, t), Lerp(B, other.B, t));
        static byte Lerp(byte a, byte b, double t) => (byte)Math.Round(a + (b - a) * t);
    }

    public override string ToString() => $"#{R:x2}{G:x2}{B:x2}";
}

/// <summary>
/// An RGB raster with a clip rectangle: pixels, Bresenham lines (clipped, optionally thick), filled and
/// outlined rectangles, alpha-blended spans, and text in <see cref="BitmapFont"/>. Coordinates are
/// pixels, x to the right and y down from the top-left corner.
/// </summary>
public sealed class Canvas
{
    private readonly byte[] _px;

    public Canvas(int width, int height, Rgb? background = null)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"canvas size must be positive, got {width}x{height}");
        if ((long)width * height > 64L * 1024 * 1024) throw new ArgumentException($"canvas {width}x{height} is too large (at most 64 Mpixels)");
        Width = width;
        Height = height;
        _px = new byte[width * height * 3];
        Clear(background ?? Rgb.White);
        ResetClip();
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Row-major RGB bytes, 3 a pixel, from the top-left.</summary>
    public byte[] Pixels => _px;

    /// <summary>Drawing outside [ClipLeft, ClipRight) x [ClipTop, ClipBottom) is discarded.</summary>
    public int ClipLeft { get; private set; }
    public int ClipTop { get; private set; }
    public int ClipRight { get; private set; }
    public int ClipBottom { get; private set; }

    public void SetClip(int left, int top, int width, int height)
    {
        ClipLeft = Math.Clamp(left, 0, Width);
        ClipTop = Math.Clamp(top, 0, Height);
        ClipRight = Math.Clamp(left + Math.Max(0, width), ClipLeft, Width);
        ClipBottom = Math.Clamp(top + Math.Max(0, height), ClipTop, Height);
    }

    public void ResetClip() => SetClip(0, 0, Width, Height);

    public void Clear(Rgb c)
    {
        for (int i = 0; i < _px.Length; i += 3) { _px[i] = c.R; _px[i + 1] = c.G; _px[i + 2] = c.B; }
    }

    public Rgb GetPixel(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"pixel ({x}, {y}) is outside the {Width}x{Height} canvas");
        int i = (y * Width + x) * 3;
        return new Rgb(_px[i], _px[i + 1], _px[i + 2]);
    }

    /// <summary>Sets a pixel, or blends it over the old colour with <paramref name="alpha"/> in [0, 1]; clipped.</summary>
    public void SetPixel(int x, int y, Rgb c, double alpha = 1)
    {
        if (x < ClipLeft || x >= ClipRight || y < ClipTop || y >= ClipBottom) return;
        int i = (y * Width + x) * 3;
        if (alpha >= 1) { _px[i] = c.R; _px[i + 1] = c.G; _px[i + 2] = c.B; return; }
        if (alpha <= 0) return;
        var old = new Rgb(_px[i], _px[i + 1], _px[i + 2]).Mix(c, alpha);
        _px[i] = old.R; _px[i + 1] = old.G; _px[i + 2] = old.B;
    }

    public void FillRect(int x, int y, int width, int height, Rgb c, double alpha = 1)
    {
        int x0 = Math.Max(x, ClipLeft), x1 = Math.Min(x + width, ClipRight);
        int y0 = Math.Max(y, ClipTop), y1 = Math.Min(y + height, ClipBottom);
        for (int yy = y0; yy < y1; yy++)
            for (int xx = x0; xx < x1; xx++) SetPixel(xx, yy, c, alpha);
    }

    /// <summary>The one-pixel outline of the rectangle [x, x + width) x [y, y + height).</summary>
    public void DrawRect(int x, int y, int width, int height, Rgb c)
    {
        if (width <= 0 || height <= 0) return;
        FillRect(x, y, width, 1, c);
        FillRect(x, y + height - 1, width, 1, c);
        FillRect(x, y, 1, height, c);
        FillRect(x + width - 1, y, 1, height, c);
    }

    /// <summary>Fills the column x between rows y0 and y1 (either order, both included), blended with alpha.</summary>
    public void FillVerticalSpan(int x, int y0, int y1, Rgb c, double alpha = 1)
    {
        if (y0 > y1) (y0, y1) = (y1, y0);
        for (int y = y0; y <= y1; y++) SetPixel(x, y, c, alpha);
    }

    /// <summary>
    /// A straight line between two points given in (fractional) pixels: clipped to the clip rectangle
    /// first (Liang-Barsky, so far-away or infinite-looking endpoints are fine), then rasterised with
    /// Bresenham. A thickness above 1 stamps a square brush of that size at every step.
    /// Non-finite endpoints draw nothing.
    /// </summary>
    public void DrawLine(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1, double alpha = 1)
    {
        if (!double.IsFinite(x0) || !double.IsFinite(y0) || !double.IsFinite(x1) || !double.IsFinite(y1)) return;
        if (thickness < 1) throw new ArgumentException($"line thickness must be at least 1, got {thickness}");
        // Clip to the clip rectangle grown by the brush radius, in pixel-centre coordinates.
        double pad = thickness / 2.0;
        if (!ClipSegment(ref x0, ref y0, ref x1, ref y1, ClipLeft - pad, ClipTop - pad, ClipRight - 1 + pad, ClipBottom - 1 + pad)) return;
        int ix0 = (int)Math.Round(x0), iy0 = (int)Math.Round(y0), ix1 = (int)Math.Round(x1), iy1 = (int)Math.Round(y1);
        int dx = Math.Abs(ix1 - ix0), sx = ix0 < ix1 ? 1 : -1;
        int dy = -Math.Abs(iy1 - iy0), sy = iy0 < iy1 ? 1 : -1;
        int err = dx + dy;
        int lo = -(thickness - 1) / 2, hi = thickness / 2;
        // With blending, a thick brush would hit pixels several times: remember the ones done.
        HashSet<long>? done = alpha < 1 && thickness > 1 ? new() : null;
        while (true)
        {
            if (thickness == 1) SetPixel(ix0, iy0, c, alpha);
            else
                for (int oy = lo; oy <= hi; oy++)
                    for (int ox = lo; ox <= hi; ox++)
                        if (done == null || done.Add(((long)(iy0 + oy) << 32) | (uint)(ix0 + ox)))
                            SetPixel(ix0 + ox, iy0 + oy, c, alpha);
            if (ix0 == ix1 && iy0 == iy1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; ix0 += sx; }
            if (e2 <= dx) { err += dx; iy0 += sy; }
        }
    }

    /// <summary>Liang-Barsky: shortens the segment to the box; false when nothing of it is inside.</summary>
    private static bool ClipSegment(ref double x0, ref double y0, ref double x1, ref double y1, double left, double top, double right, double bottom)
    {
        double dx = x1 - x0, dy = y1 - y0, t0 = 0, t1 = 1;
        if (!Edge(-dx, x0 - left) || !Edge(dx, right - x0) || !Edge(-dy, y0 - top) || !Edge(dy, bottom - y0)) return false;
        double nx0 = x0 + t0 * dx, ny0 = y0 + t0 * dy, nx1 = x0 + t1 * dx, ny1 = y0 + t1 * dy;
        x0 = nx0; y0 = ny0; x1 = nx1; y1 = ny1;
        return true;

        bool Edge(double p, double q)
        {
            if (p == 0) return q >= 0;
            double r = q / p;
            if (p < 0) { if (r > t1) return false; if (r > t0) t0 = r; }
            else { if (r < t0) return false; if (r < t1) t1 = r; }
            return true;
        }
    }

    /// <summary>
    /// Draws <paramref name="text"/> with its top-left corner at (x, y), each font pixel a
    /// <paramref name="scale"/> x <paramref name="scale"/> square; no anti-aliasing, so it stays crisp.
    /// </summary>
    public void DrawText(int x, int y, string text, Rgb c, int scale = 1)
    {
        if (scale < 1) throw new ArgumentException($"text scale must be at least 1, got {scale}");
        int cx = x;
        foreach (var ch in text)
        {
            var rows = BitmapFont.Rows(ch);
            for (int r = 0; r < rows.Length; r++)
                for (int col = 0; col < BitmapFont.GlyphWidth; col++)
                    if ((rows[r] & (1 << (BitmapFont.GlyphWidth - 1 - col))) != 0)
                        FillRect(cx + col * scale, y + r * scale, scale, scale, c);
            cx += BitmapFont.CellWidth * scale;
        }
    }

    /// <summary>
    /// Draws text turned 90 degrees counter-clockwise (reading bottom to top), its bounding box's
    /// top-left corner at (x, y); the box is <see cref="BitmapFont.Height"/> wide and
    /// <see cref="BitmapFont.Width"/> tall.
    /// </summary>
    public void DrawTextVertical(int x, int y, string text, Rgb c, int scale = 1)
    {
        if (scale < 1) throw new ArgumentException($"text scale must be at least 1, got {scale}");
        int length = BitmapFont.Width(text, scale);
        int cy = y + length; // the first character sits at the bottom
        foreach (var ch in text)
        {
            var rows = BitmapFont.Rows(ch);
            for (int r = 0; r < rows.Length; r++)
                for (int col = 0; col < BitmapFont.GlyphWidth; col++)
                    if ((rows[r] & (1 << (BitmapFont.GlyphWidth - 1 - col))) != 0)
                        FillRect(x + r * scale, cy - (col + 1) * scale, scale, scale, c);
            cy -= BitmapFont.CellWidth * scale;
        }
    }

    public byte[] ToPng() => PngWriter.Encode(_px, Width, Height);

    /// <summary>Writes the canvas as a PNG, atomically.</summary>
    public void Save(string path) => Dab.IO.AtomicFile.WriteAllBytes(path, ToPng());
}
