using System.Buffers.Binary;

namespace Dab.Kernels.Interop;

/// <summary>Recognises what a module image is, for cuModuleLoadData and for messages.</summary>
public static class ModuleImage
{
    const uint FatbinMagic = 0xBA55ED50;   // fatBinaryHeader.magic, as nvcc -fatbin writes it

    public static bool IsCubin(ReadOnlySpan<byte> image) =>
        image.Length >= 4 && image[0] == 0x7F && image[1] == (byte)'E' && image[2] == (byte)'L' && image[3] == (byte)'F';

    public static bool IsFatbin(ReadOnlySpan<byte> image) =>
        image.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(image) == FatbinMagic;

    /// <summary>"cubin", "fatbin" or "PTX".</summary>
    public static string Kind(ReadOnlySpan<byte> image) => IsCubin(image) ? "cubin" : IsFatbin(image) ? "fatbin" : "PTX";

    /// <summary>PTX is text the driver reads up to a NUL; binary images carry their own length.</summary>
    public static bool NeedsTerminator(ReadOnlySpan<byte> image) =>
        !IsCubin(image) && !IsFatbin(image) && (image.IsEmpty || image[^1] != 0);

    public static byte[] WithTerminator(ReadOnlySpan<byte> ptx)
    {
        var copy = new byte[ptx.Length + 1];
        ptx.CopyTo(copy);
        return copy;
    }
}
