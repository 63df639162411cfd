using System.Reflection;
using System.Runtime.InteropServices;

namespace Dab.Kernels.Interop;

/// <summary>One try at loading a candidate file: the path handed to the loader and, if it failed, why.</summary>
public readonly record struct LoadAttempt(string Path, string? Error)
{
    public override string ToString() => Error is null ? $"{Path}: loaded" : $"{Path}: {Error}";
}

/// <summary>
/// Maps the logical library names used by the [LibraryImport] declarations of Dab.Kernels ("cuda",
/// "nvrtc", "cublas", and any added with <see cref="Register"/>) to the first file that loads.
/// The versions differ between machines (libnvrtc.so.12 here, .so.13 there), so the names cannot be
/// fixed at compile time. This is the only DllImport resolver of the Dab.Kernels assembly (the runtime
/// allows one per assembly): other native libraries of Dab.Kernels, such as the emulated device's
/// runtime, must be added with <see cref="Register"/> rather than with a resolver of their own.
/// </summary>
public static class NativeLibraries
{
    public const string CudaDriverName = "cuda";
    public const string NvrtcName = "nvrtc";
    public const string CublasName = "cublas";

    /// <summary>Colon-separated directories searched before everything else.</summary>
    public const string LibraryPathVariable = "DAB_CUDA_LIB_PATH";

    const string ToolkitDefaultDir = "/usr/local/cuda/lib64";

    sealed record Spec(string Logical, string DisplayName, string[] Files, string Advice,
        Func<string, string?>? CompanionPrefix, bool PreferDriverCompatible);

    sealed record Result(IntPtr Handle, string? LoadedPath, string? WhyNot, IReadOnlyList<LoadAttempt> Attempts);

    static readonly object Sync = new();
    static readonly Dictionary<string, Spec> Specs = new(StringComparer.Ordinal)
    {
        [CudaDriverName] = new(CudaDriverName, "CUDA driver", ["libcuda.so.1", "libcuda.so"],
            "this machine has no NVIDIA driver", null, false),
        // 11.x NVRTC sonames carry the minor version (libnvrtc.so.11.2 serves 11.2 to 11.8).
        [NvrtcName] = new(NvrtcName, "NVRTC",
            ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0", "libnvrtc.so"],
            $"install the CUDA toolkit's NVRTC or point CUDA_PATH or {LibraryPathVariable} at the directory holding it",
            // NVRTC dlopens its builtins library by bare name when it compiles.
            file => MajorOf(file) is { } major ? $"libnvrtc-builtins.so.{major}" : "libnvrtc-builtins.so", true),
        [CublasName] = new(CublasName, "cuBLAS",
            ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"],
            $"install the CUDA toolkit's cuBLAS or point CUDA_PATH or {LibraryPathVariable} at the directory holding it",
            // libcublas needs libcublasLt of the same major version (a DT_NEEDED entry).
            file => MajorOf(file) is { } major ? $"libcublasLt.so.{major}" : "libcublasLt.so", true),
    };
    static readonly Dictionary<string, Result> Results = new(StringComparer.Ordinal);
    static int _registered;

    /// <summary>Installs the resolver for the Dab.Kernels assembly; cheap and idempotent.</summary>
    /// <exception cref="InvalidOperationException">Someone else set a resolver for Dab.Kernels.</exception>
    public static void EnsureRegistered()
    {
        if (Volatile.Read(ref _registered) != 0) return;
        lock (Sync)
        {
            if (_registered != 0) return;
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException(
                    "Another DllImport resolver was set for Dab.Kernels; add native libraries with " +
                    "NativeLibraries.Register instead, the runtime allows only one resolver per assembly.", e);
            }
            Volatile.Write(ref _registered, 1);
        }
    }

    /// <summary>
    /// Adds a logical library name for [LibraryImport] declarations in Dab.Kernels. Candidates are
    /// file names (searched like the CUDA libraries) or absolute paths, tried in order.
    /// </summary>
    public static void Register(string logical, string displayName, IReadOnlyList<string> candidates, string advice)
    {
        ArgumentException.ThrowIfNullOrEmpty(logical);
        if (candidates.Count == 0) throw new ArgumentException("at least one candidate is needed", nameof(candidates));
        lock (Sync)
        {
            if (!Specs.TryAdd(logical, new Spec(logical, displayName, [.. candidates], advice, null, false)))
                throw new InvalidOperationException($"native library '{logical}' is already registered");
        }
    }

    /// <summary>
    /// Loads (once per process) the library behind a logical name. On failure <paramref name="whyNot"/>
    /// says which files were tried and why they did not load, in a form fit for `dab info`.
    /// </summary>
    public static bool TryLoad(string logical, out string? loadedPath, out string? whyNot)
    {
        var r = Load(logical);
        loadedPath = r.LoadedPath;
        whyNot = r.WhyNot;
        return r.Handle != IntPtr.Zero;
    }

    /// <summary>Every load attempt made for a logical name, in order (loads it first if need be).</summary>
    public static IReadOnlyList<LoadAttempt> Attempts(string logical) => Load(logical).Attempts;

    /// <summary>The file names tried for a logical name, newest version first.</summary>
    public static IReadOnlyList<string> CandidateFiles(string logical)
    {
        lock (Sync)
            return Specs.TryGetValue(logical, out var spec) ? spec.Files : [];
    }

    /// <summary>
    /// Directories searched, in order, before the loader's default search (LD_LIBRARY_PATH, ld.so.cache,
    /// system directories): those in DAB_CUDA_LIB_PATH, then $CUDA_PATH/lib64 and $CUDA_HOME/lib64.
    /// /usr/local/cuda/lib64 is searched after the default search. Read from the environment on each call.
    /// </summary>
    public static IReadOnlyList<string> ProbeDirectories()
    {
        var dirs = new List<string>();
        foreach (var d in (Environment.GetEnvironmentVariable(LibraryPathVariable) ?? "").Split(':'))
            if (d.Length > 0) dirs.Add(d);
        foreach (var variable in new[] { "CUDA_PATH", "CUDA_HOME" })
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } root)
                dirs.Add(Path.Combine(root, "lib64"));
        return dirs.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The handle of a loaded library, or zero; used by the call gates.</summary>
    internal static IntPtr Handle(string logical) => Load(logical).Handle;

    internal static string DisplayName(string logical)
    {
        lock (Sync)
            return Specs.TryGetValue(logical, out var spec) ? spec.DisplayName : logical;
    }

    static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        bool known;
        lock (Sync) known = Specs.ContainsKey(libraryName);
        // Zero hands the name back to the runtime's own probing, which then fails with
        // DllNotFoundException; the call gates never let a call get that far.
        return known ? Load(libraryName).Handle : IntPtr.Zero;
    }

    static Result Load(string logical)
    {
        EnsureRegistered();
        lock (Sync)
        {
            if (Results.TryGetValue(logical, out var cached)) return cached;
            var result = Specs.TryGetValue(logical, out var spec)
                ? Probe(spec)
                : new Result(IntPtr.Zero, null, $"unknown native library '{logical}' (known: {string.Join(", ", Specs.Keys)})", []);
            Results[logical] = result;
            return result;
        }
    }

    static Result Probe(Spec spec)
    {
        var attempts = new List<LoadAttempt>();
        var files = spec.PreferDriverCompatible ? OrderForDriver(spec.Files, DriverMajorVersion()) : spec.Files;

        // Explicit directories first, so CUDA_PATH wins over whatever the system has; within a
        // directory, newest first.
        var before = ProbeDirectories();
        foreach (var dir in before)
            foreach (var file in files)
                if (TryFile(spec, dir, file, attempts) is { } hit) return hit;
        foreach (var file in files)
            if (TryOne(spec, file, attempts) is { } hit) return hit;
        if (!before.Contains(ToolkitDefaultDir))
            foreach (var file in files)
                if (TryFile(spec, ToolkitDefaultDir, file, attempts) is { } hit) return hit;

        return new Result(IntPtr.Zero, null, Explain(spec, before, attempts), attempts);
    }

    static Result? TryFile(Spec spec, string dir, string file, List<LoadAttempt> attempts)
    {
        if (Path.IsPathRooted(file)) return null;   // absolute candidates are tried once, as they are
        var path = Path.Combine(dir, file);
        if (!File.Exists(path)) return null;    // absent files are not worth a line in the report
        if (spec.CompanionPrefix?.Invoke(file) is { } prefix)
            LoadCompanion(Path.GetDirectoryName(path)!, prefix);
        return TryOne(spec, path, attempts);
    }

    static Result? TryOne(Spec spec, string pathOrName, List<LoadAttempt> attempts)
    {
        try
        {
            var handle = NativeLibrary.Load(pathOrName);
            attempts.Add(new LoadAttempt(pathOrName, null));
            return new Result(handle, pathOrName, null, attempts);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            attempts.Add(new LoadAttempt(pathOrName, LoaderMessage(e.Message)));
            return null;
        }
    }

    /// <summary>
    /// A library loaded by full path from a directory outside the loader's search path cannot find
    /// its siblings by soname; loading the sibling first lets the dynamic linker match it by soname.
    /// Failures are ignored: the main load then reports the missing dependency itself.
    /// </summary>
    static void LoadCompanion(string dir, string prefix)
    {
        string[] matches;
        try { matches = Directory.GetFiles(dir, prefix + "*"); }
        catch (IOException) { return; }
        catch (UnauthorizedAccessException) { return; }
        // The longest name is the most specific version (libnvrtc-builtins.so.12.4 over .so.12).
        foreach (var m in matches.OrderByDescending(p => p.Length).ThenByDescending(p => p, StringComparer.Ordinal))
            if (NativeLibrary.TryLoad(m, out _)) return;
    }

    /// <summary>
    /// An NVRTC or cuBLAS newer than the driver produces code or calls the driver rejects
    /// (CUDA_ERROR_UNSUPPORTED_PTX_VERSION, insufficient driver), so when the driver's version is
    /// known, versions no newer than it come first; newer ones stay as a last resort.
    /// </summary>
    internal static string[] OrderForDriver(string[] files, int? driverMajor)
    {
        if (driverMajor is not { } max) return files;
        return [.. files.Where(f => (MajorOf(f) ?? 0) <= max), .. files.Where(f => (MajorOf(f) ?? 0) > max)];
    }

    /// <summary>The major version in a soname: "libnvrtc.so.11.2" gives 11, "libnvrtc.so" gives null.</summary>
    internal static int? MajorOf(string file)
    {
        var name = Path.GetFileName(file);
        var at = name.IndexOf(".so.", StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = name[(at + 4)..];
        var dot = rest.IndexOf('.');
        return int.TryParse(dot < 0 ? rest : rest[..dot], out var major) ? major : null;
    }

    /// <summary>
    /// The driver's CUDA major version (12 for 12080), read through a function pointer rather than
    /// a [LibraryImport] so that resolving NVRTC never re-enters the resolver.
    /// cuDriverGetVersion needs no cuInit.
    /// </summary>
    static unsafe int? DriverMajorVersion()
    {
        var cuda = Load(CudaDriverName).Handle;
        if (cuda == IntPtr.Zero || !NativeLibrary.TryGetExport(cuda, "cuDriverGetVersion", out var fn)) return null;
        int version = 0;
        var rc = ((delegate* unmanaged<int*, int>)fn)(&version);
        return rc == 0 && version > 0 ? version / 1000 : null;
    }

    /// <summary>
    /// The runtime's message starts with a generic paragraph; the loader's own lines (dlerror) follow.
    /// </summary>
    static string LoaderMessage(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length > 1 ? string.Join("; ", lines.Skip(1)) : message.Trim();
    }

    static string Explain(Spec spec, IReadOnlyList<string> dirs, List<LoadAttempt> attempts)
    {
        var where = dirs.Count == 0
            ? $"the default library path and {ToolkitDefaultDir}"
            : $"{string.Join(", ", dirs)}, the default library path and {ToolkitDefaultDir}";
        // "No such file" for a bare name only means "not installed"; anything else (a missing
        // dependency, a wrong ELF class, a file that is present but broken) is worth showing.
        var notable = attempts
            .Where(a => a.Error is { } err && !(err.Contains("No such file", StringComparison.Ordinal)
                                                && err.StartsWith(a.Path + ":", StringComparison.Ordinal)))
            .Select(a => a.ToString())
            .ToList();
        var detail = notable.Count == 0 ? "" : $" [{string.Join("; ", notable)}]";
        return $"{spec.DisplayName} not found (tried {string.Join(", ", spec.Files)} in {where}){detail}: {spec.Advice}";
    }
}
