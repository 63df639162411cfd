using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NUnit.Framework;

namespace Dab.Tests.Models.Plotting;

/// <summary>
/// A minimal, independent PNG reader for the tests: checks the signature and every chunk's CRC (a
/// bit-by-bit CRC-32, not the writer's table), reads IHDR, inflates the IDAT stream, checks that it
/// holds exactly height x (1 + width x channels) bytes, and undoes the five row filters.
/// </summary>
public static class PngTestDecoder
{
    public sealed record Image(int Width, int Height, int Channels, byte[] Pixels, List<string> ChunkTypes, int InflatedLength)
    {
        public (byte R, byte G, byte B) Pixel(int x, int y)
        {
            int i = (y * Width + x) * Channels;
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }

    public static uint Crc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (uint)-(int)(c & 1));
        }
        return ~c;
    }

    public static Image Decode(byte[] png)
    {
        byte[] sig = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.That(png.AsSpan(0, 8).ToArray(), Is.EqualTo(sig), "PNG signature");
        int pos = 8, width = 0, height = 0, channels = 0;
        var types = new List<string>();
        using var idat = new MemoryStream();
        while (pos < png.Length)
        {
            Assert.That(pos + 12, Is.LessThanOrEqualTo(png.Length), "truncated chunk");
            int len = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var body = png.AsSpan(pos + 8, len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len));
            Assert.That(crc, Is.EqualTo(Crc(png.AsSpan(pos + 4, 4 + len))), $"CRC of {type}");
            types.Add(type);
            switch (type)
            {
                case "IHDR":
                    Assert.That(len, Is.EqualTo(13));
                    width = (int)BinaryPrimitives.ReadUInt32BigEndian(body);
                    height = (int)BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                    Assert.That(body[8], Is.EqualTo(8), "bit depth");
                    Assert.That(body[9], Is.EqualTo(2).Or.EqualTo(6), "colour type");
                    Assert.That(body[10], Is.EqualTo(0));
                    Assert.That(body[11], Is.EqualTo(0));
                    Assert.That(body[12], Is.EqualTo(0));
                    channels = body[9] == 6 ? 4 : 3;
                    break;
                case "IDAT": idat.Write(body); break;
            }
            pos += 12 + len;
        }
        Assert.That(types[0], Is.EqualTo("IHDR"));
        Assert.That(types[^1], Is.EqualTo("IEND"));
        Assert.That(types, Does.Contain("IDAT"));

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var data = raw.ToArray();
        int stride = width * channels;
        Assert.That(data.Length, Is.EqualTo(height * (1 + stride)), "inflated IDAT = height x (filter byte + row)");

        var px = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            int filter = data[y * (1 + stride)];
            Assert.That(filter, Is.InRange(0, 4), "filter type");
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? px[y * stride + i - channels] : 0;
                int b = y > 0 ? px[(y - 1) * stride + i] : 0;
                int c = i >= channels && y > 0 ? px[(y - 1) * stride + i - channels] : 0;
                int v = data[y * (1 + stride) + 1 + i];
                px[y * stride + i] = (byte)(filter switch
                {
                    0 => v,
                    1 => v + a,
                    2 => v + b,
                    3 => v + (a + b) / 2,
                    _ => v + Paeth(a, b, c),
                });
            }
        }
        return new Image(width, height, channels, px, types, data.Length);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
