using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dab.Kernels.Interop;

namespace Dab.Kernels.Gpu;

/// <summary>
/// Finds the kernels for a GPU: the prebuilt kernels.fatbin next to the assemblies when the driver
/// accepts it for this device, otherwise kernels.cu (embedded in this assembly) compiled by NVRTC for
/// the device's architecture and cached on disk by source hash, options and architecture.
/// </summary>
public static class KernelModule
{
    public const string FatbinName = "kernels.fatbin";

    /// <summary>Loads a module into the current context; returns it and a description of where it came from.</summary>
    public static (IntPtr Module, string Source) Load(CudaDeviceInfo device)
    {
        var fatbin = Path.Combine(AppContext.BaseDirectory, FatbinName);
        string? fatbinProblem = null;
        if (File.Exists(fatbin))
        {
            try { return (Cu.ModuleLoadFatBinary(File.ReadAllBytes(fatbin), $"loading {fatbin}"), $"prebuilt fatbin ({fatbin})"); }
            catch (CudaException e) { fatbinProblem = e.Message; } // e.g. no SASS/PTX usable by this GPU: fall back to NVRTC
        }
        var options = new[] { $"--gpu-architecture={device.Architecture}", "--std=c++17", "-default-device" };
        var source = Source();
        var cache = CachePath(source, options);
        byte[] image;
        string origin;
        if (File.Exists(cache))
        {
            image = File.ReadAllBytes(cache);
            origin = $"NVRTC cache ({cache})";
        }
        else
        {
            image = Nvrtc.Compile(source, "kernels.cu", options, out _);
            try { IO.AtomicFile.Write(cache, s => s.Write(image)); } catch (IOException) { } // a cache we cannot write is only slower
            origin = $"NVRTC for {device.Architecture}";
        }
        if (fatbinProblem != null) origin += $"; the prebuilt fatbin was not usable: {fatbinProblem}";
        return (Cu.ModuleLoadData(image, "loading kernels compiled by NVRTC"), origin);
    }

    /// <summary>kernels.cu with its includes inlined (NVRTC sees one self-contained source).</summary>
    public static string Source()
    {
        var asm = typeof(KernelModule).Assembly;
        var sb = new StringBuilder();
        Inline(asm, "kernels.cu", sb, new HashSet<string>());
        return sb.ToString();
    }

    private static void Inline(Assembly asm, string name, StringBuilder sb, HashSet<string> seen)
    {
        if (!seen.Add(name)) return; // every kernel header is #pragma once
        using var stream = asm.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"kernel source '{name}' is not embedded in {asm.GetName().Name}");
        using var reader = new StreamReader(stream);
        sb.Append("#line 1 \"").Append(name).Append("\"\n");
        int line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            var t = text.Trim();
            // Headers that are not embedded (the emulator's) only sit in branches NVRTC never takes.
            if (t.StartsWith("#include \"") && t.EndsWith('"') && asm.GetManifestResourceInfo(t[10..^1]) != null)
            {
                Inline(asm, t[10..^1], sb, seen);
                sb.Append("#line ").Append(line + 1).Append(" \"").Append(name).Append("\"\n");
            }
            else if (t != "#pragma once") sb.Append(text).Append('\n');
        }
    }

    private static string CachePath(string source, string[] options)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(source + "\n" + string.Join(" ", options) + "\n" + Nvrtc.Version())))[..24];
        var root = Environment.GetEnvironmentVariable("DAB_KERNEL_CACHE")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "dab", "kernels");
        return Path.Combine(root, $"kernels-{key}.cubin");
    }
}
