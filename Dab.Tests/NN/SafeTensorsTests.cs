using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Dab.IO;
using Dab.NN;
using Dab.Random;
using Dab.Tests.Engine;
using NUnit.Framework;

namespace Dab.Tests.NN;

/// <summary>
/// safetensors files: round trips of every dtype and of odd shapes, the byte layout of the format
/// (checked with our own parser), metadata, module save/load, and damaged files.
/// </summary>
public class SafeTensorsTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "dab-nn-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>Our own reader of the layout: header length, JSON header, offset of the data section.</summary>
    internal static (ulong HeaderLength, JsonDocument Header, int DataStart) ParseLayout(byte[] file)
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        var json = Encoding.UTF8.GetString(file, 8, (int)n);
        return (n, JsonDocument.Parse(json), 8 + (int)n);
    }

    private static Dictionary<string, Tensor> Sample() => new()
    {
        ["f32"] = TestData.F32([2, 3], 1),
        ["f64"] = Tensor.FromArray(new[] { 1.0, -2.5, double.MaxValue, double.Epsilon, -0.0 }),
        ["i32"] = Tensor.FromArray(new[] { 1, -2, int.MaxValue, int.MinValue, 0, 7, 8, 9 }, [2, 2, 2]),
        ["i64"] = Tensor.FromArray(new[] { long.MaxValue, long.MinValue, 3L }, [3, 1]),
        ["scalar"] = Tensor.Scalar(3.25f),
        ["scalar64"] = Tensor.Scalar(-1.5, DType.Float64),
        ["empty"] = Tensor.Zeros([0]),
        ["empty2"] = Tensor.Zeros([2, 0, 3], DType.Int64),
        ["f32 nonfinite"] = Tensor.FromArray(new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-45f }),
    };

    [Test]
    public void RoundTripsEveryDTypeAndShape()
    {
        var src = Sample();
        var path = PathOf("all.safetensors");
        SafeTensors.Save(path, src.Select(kv => (kv.Key, kv.Value)));
        var loaded = SafeTensors.Load(path);
        Assert.That(loaded.Keys, Is.EquivalentTo(src.Keys));
        foreach (var (name, t) in src)
        {
            var l = loaded[name];
            Assert.That(l.DType, Is.EqualTo(t.DType), name);
            Assert.That(l.Shape, Is.EqualTo(t.Shape), name);
            Assert.That(l.Device, Is.EqualTo(Device.Cpu), name);
            Assert.That(l.RequiresGrad, Is.False, name);
            switch (t.DType)
            {
                case DType.Float32: Assert.That(BitsOf(l.ToArray<float>()), Is.EqualTo(BitsOf(t.ToArray<float>())), name); break;
                case DType.Float64: Assert.That(l.ToArray<double>().Select(BitConverter.DoubleToInt64Bits), Is.EqualTo(t.ToArray<double>().Select(BitConverter.DoubleToInt64Bits)), name); break;
                case DType.Int32: Assert.That(l.ToArray<int>(), Is.EqualTo(t.ToArray<int>()), name); break;
                default: Assert.That(l.ToArray<long>(), Is.EqualTo(t.ToArray<long>()), name); break;
            }
        }
        foreach (var t in src.Values.Concat(loaded.Values)) t.Dispose();
    }

    private static int[] BitsOf(float[] a) => a.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Test]
    public void LayoutMatchesTheSpecByteForByte()
    {
        var path = PathOf("tiny.safetensors");
        using var a = Tensor.FromArray(new[] { 1.5f, -2f });
        SafeTensors.Save(path, [("a", a)]);
        var file = File.ReadAllBytes(path);

        const string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        int pad = (8 - json.Length % 8) % 8;
        var expected = new List<byte>();
        expected.AddRange(BitConverter.GetBytes((ulong)(json.Length + pad))); // little-endian u64
        expected.AddRange(Encoding.UTF8.GetBytes(json));
        expected.AddRange(Enumerable.Repeat((byte)' ', pad));
        expected.AddRange(new byte[] { 0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0 }); // 1.5f, -2f little-endian
        Assert.That(file, Is.EqualTo(expected.ToArray()), $"file bytes; header was \"{Encoding.UTF8.GetString(file, 8, file.Length - 16)}\"");
    }

    [Test]
    public void LayoutOfSeveralTensorsParsesWithOurOwnReader()
    {
        var path = PathOf("several.safetensors");
        using var w = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, [2, 3]);
        using var idx = Tensor.FromArray(new long[] { -1, 258 });
        using var s = Tensor.Scalar(0.5, DType.Float64);
        using var i = Tensor.FromArray(new[] { 0x01020304 }, [1, 1]);
        using var e = Tensor.Zeros([0, 4]);
        SafeTensors.Save(path, [("w", w), ("idx", idx), ("s", s), ("i", i), ("e", e)]);
        var file = File.ReadAllBytes(path);

        var (n, header, start) = ParseLayout(file);
        Assert.That(n % 8, Is.EqualTo(0UL), "the data section starts 8-byte aligned");
        Assert.That(file[8], Is.EqualTo((byte)'{'), "the header starts with '{'");
        var headerText = Encoding.UTF8.GetString(file, 8, (int)n);
        var trimmed = headerText.TrimEnd(' ');
        Assert.That(trimmed, Does.EndWith("}"));
        Assert.That(headerText.Length - trimmed.Length, Is.LessThan(8), "at most 7 padding spaces");

        var root = header.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "w", "idx", "s", "i", "e" }));
        void Entry(string name, string dtype, int[] shape, long begin, long end)
        {
            var o = root.GetProperty(name);
            Assert.That(o.GetProperty("dtype").GetString(), Is.EqualTo(dtype), name);
            Assert.That(o.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(shape), name);
            Assert.That(o.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()), Is.EqualTo(new[] { begin, end }), name);
            Assert.That(o.EnumerateObject().Count(), Is.EqualTo(3), $"{name}: only dtype, shape, data_offsets");
        }
        Entry("w", "F32", [2, 3], 0, 24);
        Entry("idx", "I64", [2], 24, 40);
        Entry("s", "F64", [], 40, 48);
        Entry("i", "I32", [1, 1], 48, 52);
        Entry("e", "F32", [0, 4], 52, 52);
        Assert.That(file.Length, Is.EqualTo(start + 52), "nothing after the data");

        var data = file.AsSpan(start);
        for (int k = 0; k < 6; k++) Assert.That(BinaryPrimitives.ReadSingleLittleEndian(data[(4 * k)..]), Is.EqualTo(k + 1f));
        Assert.That(BinaryPrimitives.ReadInt64LittleEndian(data[24..]), Is.EqualTo(-1));
        Assert.That(BinaryPrimitives.ReadInt64LittleEndian(data[32..]), Is.EqualTo(258));
        Assert.That(BinaryPrimitives.ReadDoubleLittleEndian(data[40..]), Is.EqualTo(0.5));
        Assert.That(data.Slice(48, 4).ToArray(), Is.EqualTo(new byte[] { 4, 3, 2, 1 }));
    }

    [Test]
    public void MetadataRoundTripsUnderMetadataKey()
    {
        var path = PathOf("meta.safetensors");
        using var a = Tensor.Ones([2]);
        var md = new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "12", ["note"] = "héllo \"quoted\" <tag> & +" };
        SafeTensors.Save(path, [("a", a)], md);
        var (_, header, _) = ParseLayout(File.ReadAllBytes(path));
        var meta = header.RootElement.GetProperty("__metadata__");
        Assert.That(meta.ValueKind, Is.EqualTo(JsonValueKind.Object));
        var back = meta.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.That(back, Is.EquivalentTo(md));

        // Load skips the metadata entry and still finds the tensor.
        var loaded = SafeTensors.Load(path);
        Assert.That(loaded.Keys, Is.EquivalentTo(new[] { "a" }));
        Assert.That(loaded["a"].ToArray<float>(), Is.EqualTo(new[] { 1f, 1f }));
        loaded["a"].Dispose();

        // No metadata: no entry.
        SafeTensors.Save(path, [("a", a)]);
        Assert.That(ParseLayout(File.ReadAllBytes(path)).Header.RootElement.TryGetProperty("__metadata__", out _), Is.False);
    }

    [Test]
    public void SaveRejectsDuplicateNamesAndKeepsTheOldFile()
    {
        var path = PathOf("dup.safetensors");
        using var a = Tensor.Ones([2]);
        SafeTensors.Save(path, [("a", a)]);
        var before = File.ReadAllBytes(path);
        var ex = Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [("a", a), ("b", a), ("a", a)]))!;
        Assert.That(ex.Message, Does.Contain("'a'"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));
    }

    private static Sequential Mlp(ulong seed, DType dtype = DType.Float32)
    {
        var g = new Generator(seed);
        return new Sequential(new Linear(3, 5, gen: g, dtype: dtype), new Tanh(), new Linear(5, 2, gen: g, dtype: dtype));
    }

    private static float[][] Values(Module m) => m.Parameters().Select(p => p.ToArray<float>()).ToArray();

    [Test]
    public void ModuleSaveThenLoadIntoCopiesEveryParameter()
    {
        var path = PathOf("mlp.safetensors");
        using var a = Mlp(1);
        using var b = Mlp(2);
        Assert.That(Values(b)[0], Is.Not.EqualTo(Values(a)[0]));
        var bParams = b.Parameters().ToArray();

        SafeTensors.Save(path, a, new Dictionary<string, string> { ["format"] = "pt" });
        var (_, header, _) = ParseLayout(File.ReadAllBytes(path));
        Assert.That(header.RootElement.EnumerateObject().Select(p => p.Name).Where(n => n != "__metadata__"),
            Is.EqualTo(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }), "PyTorch state_dict names in order");

        SafeTensors.LoadInto(path, b);
        var va = Values(a);
        var vb = Values(b);
        for (int i = 0; i < va.Length; i++) Assert.That(vb[i], Is.EqualTo(va[i]), $"parameter {i}");
        Assert.That(b.Parameters().ToArray(), Is.EqualTo(bParams).AsCollection, "loaded in place: same tensor objects");
        Assert.That(b.Parameters().All(p => p.RequiresGrad && p.IsLeaf));

        using var x = TestData.F32([4, 3], 9);
        using var ya = a.Forward(x);
        using var yb = b.Forward(x);
        Assert.That(yb.ToArray<float>(), Is.EqualTo(ya.ToArray<float>()));
    }

    [Test]
    public void LoadIntoConvertsDTypes()
    {
        var path = PathOf("f64.safetensors");
        using var a = Mlp(1, DType.Float64);
        using var b = Mlp(2);
        SafeTensors.Save(path, a);
        SafeTensors.LoadInto(path, b);
        foreach (var ((n, pa), (_, pb)) in a.NamedParameters().Zip(b.NamedParameters()))
        {
            Assert.That(pb.DType, Is.EqualTo(DType.Float32), n);
            Assert.That(pb.ToArray<float>(), Is.EqualTo(pa.ToArray<double>().Select(v => (float)v).ToArray()), n);
        }
    }

    [Test]
    public void LoadIntoWithAMissingTensorNamesIt()
    {
        var path = PathOf("partial.safetensors");
        using var small = new Sequential(new Linear(3, 5, gen: new Generator(1)));
        SafeTensors.Save(path, small);
        using var big = Mlp(2);
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.LoadInto(path, big))!;
        Assert.That(ex.Message, Does.Contain("'2.weight'"), ex.Message);
    }

    [Test]
    public void LoadIntoWithAWrongShapeNamesTheTensorAndBothShapes()
    {
        var path = PathOf("shape.safetensors");
        using var a = new Sequential(new Linear(3, 4, gen: new Generator(1)));
        SafeTensors.Save(path, a);
        using var b = new Sequential(new Linear(3, 6, gen: new Generator(2)));
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.LoadInto(path, b))!;
        Assert.That(ex.Message, Does.Contain("'0.weight'").And.Contain("[4, 3]").And.Contain("[6, 3]"), ex.Message);
    }

    [Test]
    public void LoadIntoFailingOnTheFirstParameterLeavesTheModuleUnchanged()
    {
        // The first parameter already fails, so nothing can have been copied (see the pending tests for later failures).
        var path = PathOf("first.safetensors");
        using var a = new Sequential(new Linear(3, 4, gen: new Generator(1)));
        SafeTensors.Save(path, a);
        using var b = new Sequential(new Linear(2, 4, gen: new Generator(2)));
        var before = Values(b);
        Assert.Throws<InvalidDataException>(() => SafeTensors.LoadInto(path, b));
        Assert.That(Values(b), Is.EqualTo(before));
    }

    [Test]
    public void UnknownDTypeIsInvalidData()
    {
        var path = PathOf("bf16.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]);
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path))!;
        Assert.That(ex.Message, Does.Contain("BF16").And.Contain("'a'"));
    }

    [Test]
    public void OffsetsThatDoNotFitTheShapeAreInvalidData()
    {
        var path = PathOf("offs.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[12]);
        Assert.That(Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path))!.Message, Does.Contain("'a'"));
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[4,16]}}", new byte[12]); // past the end
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12,16]}}", new byte[16]);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
    }

    /// <summary>A hand-made file: length prefix, header (padded), data.</summary>
    internal static void WriteRaw(string path, string header, byte[] data, bool pad = true)
    {
        var h = Encoding.UTF8.GetBytes(header);
        int p = pad ? (8 - h.Length % 8) % 8 : 0;
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes((ulong)(h.Length + p)));
        fs.Write(h);
        for (int i = 0; i < p; i++) fs.WriteByte((byte)' ');
        fs.Write(data);
    }

    [Test]
    public void HandMadeFileWithoutPaddingLoads()
    {
        // Writers other than ours may not pad; the reader must not depend on it.
        var path = PathOf("nopad.safetensors");
        var data = new byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(data, 5);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(4), -6);
        WriteRaw(path, "{\"__metadata__\":{\"k\":\"v\"},\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[4,12]},\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data, pad: false);
        var loaded = SafeTensors.Load(path);
        Assert.That(loaded["a"].ToArray<int>(), Is.EqualTo(new[] { 5 }));
        Assert.That(loaded["b"].Shape, Is.Empty);
        Assert.That(loaded["b"].ToArray<long>(), Is.EqualTo(new[] { -6L }));
    }

    [Test]
    public void TruncatedFilesAreInvalidData()
    {
        var path = PathOf("full.safetensors");
        using var m = Mlp(3);
        SafeTensors.Save(path, m);
        var full = File.ReadAllBytes(path);
        int headerEnd = ParseLayout(full).DataStart;
        var cut = PathOf("cut.safetensors");
        foreach (int len in new[] { 0, 1, 7, 8, 9, 20, headerEnd - 1, headerEnd, headerEnd + 5, full.Length - 1 })
        {
            File.WriteAllBytes(cut, full.AsSpan(0, len).ToArray());
            Assert.Throws<InvalidDataException>(() => SafeTensors.Load(cut), $"truncated to {len} of {full.Length} bytes");
            Assert.Throws<InvalidDataException>(() => SafeTensors.LoadInto(cut, m), $"LoadInto, truncated to {len} bytes");
        }
    }

    [Test]
    public void GarbageFilesAreInvalidData()
    {
        var path = PathOf("garbage.bin");
        var r = new System.Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            var bytes = new byte[r.Next(0, 300)];
            r.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path), $"random file of {bytes.Length} bytes");
        }
        // A plausible length followed by text that is not JSON, or not UTF-8.
        WriteRaw(path, "this is not json", new byte[8]);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",", new byte[8]);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
    }

    [Test]
    public void LoadOfAMissingFileIsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(PathOf("nope.safetensors")));
    }

    [Test]
    public void SaveWritesNoTemporaryFilesAndReplacesOldContent()
    {
        var path = PathOf("model.safetensors");
        using (var big = new Linear(64, 64))
            SafeTensors.Save(path, big);
        long bigLength = new FileInfo(path).Length;
        using var small = new Linear(2, 1);
        SafeTensors.Save(path, small);
        Assert.That(new FileInfo(path).Length, Is.LessThan(bigLength));
        Assert.That(SafeTensors.Load(path).Keys, Is.EquivalentTo(new[] { "weight", "bias" }));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void SaveCreatesMissingDirectories()
    {
        var path = Path.Combine(_dir, "a", "b", "m.safetensors");
        using var lin = new Linear(2, 1);
        SafeTensors.Save(path, lin);
        Assert.That(File.Exists(path));
    }
}
