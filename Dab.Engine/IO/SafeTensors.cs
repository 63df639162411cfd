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
            if (name == "__metadata__") throw new ArgumentException("safetensors: '__metadata__' is reserved and cannot name a tensor");
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

    private readonly record struct Entry(string Name, DType DType, int[] Shape, long Begin, long End);

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and checks the whole header before any tensor is made: a damaged file gives InvalidDataException.</summary>
    private static List<Entry> ReadHeader(byte[] data, string path, out int dataStart) => ReadHeader(data, path, out dataStart, out _);

    private static List<Entry> ReadHeader(byte[] data, string path, out int dataStart, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>();
        InvalidDataException Bad(string what) => new($"safetensors: '{path}' {what}");
        if (data.Length < 8) throw Bad("is too short to be a safetensors file");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (n > (ulong)data.Length - 8) throw Bad($"has a header size of {n} bytes, larger than the file");
        dataStart = 8 + (int)n;
        long dataLength = data.Length - dataStart;
        JsonDocument doc;
        try
        {
            StrictUtf8.GetCharCount(data, 8, (int)n); // System.Text.Json only notices bad UTF-8 later, when a string is read
            doc = JsonDocument.Parse(data.AsMemory(8, (int)n));
        }
        catch (Exception e) when (e is JsonException or System.Text.DecoderFallbackException)
        {
            throw Bad($"has an invalid JSON header: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad($"has a header that is a JSON {root.ValueKind}, not an object");
            var entries = new List<Entry>();
            var names = new HashSet<string>();
            foreach (var prop in root.EnumerateObject())
            {
                var name = prop.Name;
                if (!names.Add(name)) throw Bad($"names tensor '{name}' twice");
                if (name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad("has a __metadata__ that is not an object");
                    foreach (var m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw Bad($"has metadata '{m.Name}' that is not a string");
                    continue;
                }
                var o = prop.Value;
                if (o.ValueKind != JsonValueKind.Object
                    || !o.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String
                    || !o.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array
                    || !o.TryGetProperty("data_offsets", out var of) || of.ValueKind != JsonValueKind.Array || of.GetArrayLength() != 2)
                    throw Bad($"has a tensor '{name}' without a string dtype, an array shape and two data_offsets: {o.GetRawText()}");
                var dtype = Parse(dt.GetString()!, path, name);
                var shape = new int[sh.GetArrayLength()];
                long numel = 1;
                int k = 0;
                foreach (var d in sh.EnumerateArray())
                {
                    if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out var size) || size < 0)
                        throw Bad($"has a tensor '{name}' with an invalid shape {sh.GetRawText()}");
                    shape[k++] = size;
                    numel = Math.Min(numel * size, (long)int.MaxValue + 1); // saturate: no overflow, still "too big"
                }
                if (numel > int.MaxValue) throw Bad($"has a tensor '{name}' of shape {sh.GetRawText()}, more than 2^31 elements");
                if (of[0].ValueKind != JsonValueKind.Number || !of[0].TryGetInt64(out var begin)
                    || of[1].ValueKind != JsonValueKind.Number || !of[1].TryGetInt64(out var end))
                    throw Bad($"has a tensor '{name}' with invalid data_offsets {of.GetRawText()}");
                long bytes = numel * dtype.ElementSize();
                if (begin < 0 || end < begin || end - begin != bytes || end > dataLength)
                    throw Bad($"tensor '{name}' has data offsets [{begin}, {end}] that do not fit its shape {ShapeUtil.Format(shape)} or the file");
                entries.Add(new Entry(name, dtype, shape, begin, end));
            }
            // The format requires the tensors to tile the data section without holes or overlaps.
            long pos = 0;
            foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
            {
                if (e.Begin != pos) throw Bad($"tensor '{e.Name}' starts at byte {e.Begin} of the data, expected {pos} (overlap or hole)");
                pos = e.End;
            }
            if (pos != dataLength) throw Bad($"has {dataLength - pos} bytes of data that belong to no tensor");
            return entries;
        }
    }

    /// <summary>Reads every tensor of a file onto the CPU; the caller owns them.</summary>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Reads every tensor of a file onto the CPU, and the header's string metadata.</summary>
    public static Dictionary<string, Tensor> Load(string path, out Dictionary<string, string> metadata)
    {
        var data = File.ReadAllBytes(path);
        var entries = ReadHeader(data, path, out int dataStart, out metadata);
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var e in entries)
            {
                var t = Tensor.Zeros(e.Shape, e.DType);
                result[e.Name] = t;
                data.AsSpan(dataStart + (int)e.Begin, (int)(e.End - e.Begin)).CopyTo(Bytes(t));
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// Copies a file's tensors into the module's parameters by name; every parameter must be present with its shape.
    /// Everything is checked before anything is copied, so a file that does not fit leaves the module as it was.
    /// </summary>
    public static void LoadInto(string path, Module module)
    {
        var loaded = Load(path);
        try { CopyInto(module, loaded, $"'{path}'"); }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Copies tensors named <paramref name="prefix"/> + parameter name into the module's parameters; every parameter
    /// must be present with its shape, and all are checked before any is copied.
    /// </summary>
    public static void CopyInto(Module module, IReadOnlyDictionary<string, Tensor> tensors, string source, string prefix = "")
    {
        var targets = module.NamedParameters().ToList();
        foreach (var (name, p) in targets)
        {
            if (!tensors.TryGetValue(prefix + name, out var t))
                throw new InvalidDataException($"safetensors: {source} has no tensor '{prefix + name}'");
            if (!ShapeUtil.SameShape(t.Shape, p.Shape))
                throw new InvalidDataException($"safetensors: {source}: '{prefix + name}' has shape {ShapeUtil.Format(t.Shape)}, the model expects {ShapeUtil.Format(p.Shape)}");
        }
        using (Autograd.Autograd.NoGrad())
            foreach (var (name, p) in targets)
            {
                using var conv = tensors[prefix + name].To(p.DType);
                p.CopyFrom(conv);
            }
    }

    private static byte[] ToBytes(Tensor t)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors: big-endian hosts are not supported");
        using var detached = t.Detach();
        using var host = detached.To(Device.Cpu);
        return Bytes(host).ToArray();
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
