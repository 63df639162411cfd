using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Dab.IO;

namespace Dab.Models.Plotting;

/// <summary>
/// Encodes 8-bit RGB or RGBA images as PNG (signature, IHDR, one IDAT compressed with zlib, IEND),
/// with its own CRC-32. Rows are stored with filter type 0 (none): plots are mostly flat colour,
/// which deflate handles well without prediction.
/// </summary>
public static class PngWriter
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Encodes <paramref name="pixels"/>, row-major from the top-left, 3 bytes a pixel (R, G, B) or 4 with
    /// <paramref name="alpha"/> (R, G, B, A, not premultiplied).
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, bool alpha = false)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"a PNG needs a positive width and height, got {width}x{height}");
        int channels = alpha ? 4 : 3;
        long rowBytes = (long)width * channels;
        if (rowBytes + 1 > int.MaxValue / Math.Max(1, height) || width > int.MaxValue / 8)
            throw new ArgumentException($"image {width}x{height} is too large");
        if (pixels.Length != rowBytes * height)
            throw new ArgumentException($"pixel buffer has {pixels.Length} bytes; a {width}x{height} {(alpha ? "RGBA" : "RGB")} image needs {rowBytes * height}");

        using var png = new MemoryStream();
        png.Write(Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)height);
        ihdr[8] = 8;                       // bit depth
        ihdr[9] = (byte)(alpha ? 6 : 2);   // colour type: truecolour (+ alpha)
        ihdr[10] = 0;                      // compression: deflate
        ihdr[11] = 0;                      // filter method 0
        ihdr[12] = 0;                      // no interlace
        WriteChunk(png, "IHDR", ihdr);

        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
        {
            Span<byte> none = [0];
            for (int y = 0; y < height; y++)
            {
                z.Write(none);
                z.Write(pixels.Slice((int)(y * rowBytes), (int)rowBytes));
            }
        }
        WriteChunk(png, "IDAT", idat.GetBuffer().AsSpan(0, (int)idat.Length));
        WriteChunk(png, "IEND", ReadOnlySpan<byte>.Empty);
        return png.ToArray();
    }

    /// <summary>Encodes and writes the image atomically (readers never see a partial file).</summary>
    public static void Save(string path, byte[] pixels, int width, int height, bool alpha = false) =>
        AtomicFile.WriteAllBytes(path, Encode(pixels, width, height, alpha));

    private static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, head[4..]);
        s.Write(head);
        s.Write(data);
        uint crc = Crc32.Update(Crc32.Initial, head[4..]);
        crc = Crc32.Update(crc, data);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, Crc32.Finish(crc));
        s.Write(tail);
    }
}

/// <summary>CRC-32 as PNG and zlib's gzip use it (polynomial 0xEDB88320, reflected, inverted in and out).</summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public const uint Initial = 0xFFFFFFFFu;

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Initial, data));

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }
}
