using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dab.NN;

namespace Dab.IO;

/// <summary>
/// The safetensors format (8-byte little-endian header size, a JSON header of name -> dtype, shape,
/// data_offsets, then the raw little-endian data), readable by PyTorch's safetensors package.
/// </summary>
public static class SafeTensors
{
    public static void Save(string path, IEnumerable<(string Name, Tensor Value)> tensors, IDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var md = new JsonObject();
            foreach (var (k, v) in metadata) md[k] = v;
            header["__metadata__"] = md;
        }
        long offset = 0;
        var blobs = new List<byte[]>();
        foreach (var (name, value) in list)
        {
            if (header.ContainsKey(name)) throw new ArgumentException($"safetensors: duplicate tensor name '{name}'");
            var bytes = ToBytes(value);
            header[name] = new JsonObject
            {
                ["dtype"] = Code(value.DType),
                ["shape"] = new JsonArray(value.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8; // the format aligns data to 8 bytes with trailing spaces
        AtomicFile.Write(path, s =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(json.Length + pad));
            s.Write(len);
            s.Write(json);
            for (int i = 0; i < pad; i++) s.WriteByte((byte)' ');
            foreach (var b in blobs) s.Write(b);
        });
    }

    public static void Save(string path, Module module, IDictionary<string, string>? metadata = null) =>
        Save(path, module.NamedParameters(), metadata);

    /// <summary>Reads every tensor of a file onto the CPU; the caller owns them.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 8) throw new InvalidDataException($"safetensors: '{path}' is too short to be a safetensors file");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (n > (ulong)data.Length - 8) throw new InvalidDataException($"safetensors: '{path}' has a header size of {n} bytes, larger than the file");
        JsonObject header;
        try { header = JsonNode.Parse(data.AsSpan(8, (int)n))!.AsObject(); }
        catch (JsonException e) { throw new InvalidDataException($"safetensors: '{path}' has an invalid JSON header: {e.Message}"); }
        var result = new Dictionary<string, Tensor>();
        int dataStart = 8 + (int)n;
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            var o = node!.AsObject();
            var dtype = Parse(o["dtype"]!.GetValue<string>(), path, name);
            var shape = o["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
            var offs = o["data_offsets"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
            long bytes = ShapeUtil.Numel(shape) * dtype.ElementSize();
            if (offs.Length != 2 || offs[1] - offs[0] != bytes || dataStart + offs[1] > data.Length)
                throw new InvalidDataException($"safetensors: '{path}': tensor '{name}' has data offsets that do not fit its shape {ShapeUtil.Format(shape)} or the file");
            var t = Tensor.Zeros(shape, dtype);
            data.AsSpan(dataStart + (int)offs[0], (int)bytes).CopyTo(Bytes(t));
            result[name] = t;
        }
        return result;
    }

    /// <summary>Copies a file's tensors into the module's parameters by name; every parameter must be present with its shape.</summary>
    public static void LoadInto(string path, Module module)
    {
        var loaded = Load(path);
        try
        {
            foreach (var (name, p) in module.NamedParameters())
            {
                if (!loaded.TryGetValue(name, out var t))
                    throw new InvalidDataException($"safetensors: '{path}' has no tensor '{name}'");
                if (!ShapeUtil.SameShape(t.Shape, p.Shape))
                    throw new InvalidDataException($"safetensors: '{path}': '{name}' has shape {ShapeUtil.Format(t.Shape)}, the model expects {ShapeUtil.Format(p.Shape)}");
                using var conv = t.To(p.DType);
                using (Autograd.Autograd.NoGrad()) p.CopyFrom(conv);
            }
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    private static byte[] ToBytes(Tensor t)
    {
        using var host = t.Detach().To(Device.Cpu);
        var b = Bytes(host);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors: big-endian hosts are not supported");
        return b.ToArray();
    }

    private static Span<byte> Bytes(Tensor t) => t.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(t.Span<float>()),
        DType.Float64 => MemoryMarshal.AsBytes(t.Span<double>()),
        DType.Int32 => MemoryMarshal.AsBytes(t.Span<int>()),
        _ => MemoryMarshal.AsBytes(t.Span<long>()),
    };

    private static string Code(DType d) => d switch { DType.Float32 => "F32", DType.Float64 => "F64", DType.Int32 => "I32", _ => "I64" };

    private static DType Parse(string code, string path, string name) => code switch
    {
        "F32" => DType.Float32, "F64" => DType.Float64, "I32" => DType.Int32, "I64" => DType.Int64,
        _ => throw new InvalidDataException($"safetensors: '{path}': tensor '{name}' has dtype {code}, which Dab does not read"),
    };
}
