using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Dab.Kernels.Interop;

/// <summary>
/// Stands before the [LibraryImport] methods of one library: a call is let through only when the
/// library loaded and exports the entry point. Otherwise the runtime would throw DllNotFoundException
/// or EntryPointNotFoundException from inside the call, which callers could not tell from a bug.
/// The exports are checked once, at load, against every [LibraryImport] of the binding class, so a
/// driver too old for one function (say cuGraphInstantiateWithFlags, CUDA 11.4) still serves the rest.
/// </summary>
internal sealed class LibraryGate
{
    sealed record State(bool Loaded, string? Path, string? WhyNot, IReadOnlyList<string> Tried, HashSet<string> Missing);

    readonly string _logical;
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods)]
    readonly Type _bindings;
    State? _state;

    public LibraryGate(string logical, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods)] Type bindings)
    {
        _logical = logical;
        _bindings = bindings;
    }

    public static readonly LibraryGate Driver = new(NativeLibraries.CudaDriverName, typeof(CudaDriver));
    public static readonly LibraryGate Nvrtc = new(NativeLibraries.NvrtcName, typeof(Interop.Nvrtc));
    public static readonly LibraryGate Cublas = new(NativeLibraries.CublasName, typeof(Interop.Cublas));

    public string DisplayName => NativeLibraries.DisplayName(_logical);

    public bool IsLoaded => Current.Loaded;

    /// <summary>Throws <see cref="CudaUnavailableException"/> unless <paramref name="entryPoint"/> can be called.</summary>
    public void Require(string entryPoint)
    {
        var s = Current;
        if (!s.Loaded)
            throw new CudaUnavailableException(DisplayName, s.WhyNot ?? $"{DisplayName} not found", s.Tried);
        if (s.Missing.Count != 0 && s.Missing.Contains(entryPoint))
            throw new CudaUnavailableException(DisplayName,
                $"{s.Path} has no {entryPoint}: the installed {DisplayName} is older than Dab needs for this call", s.Tried);
    }

    /// <summary>Whether an optional entry point can be called.</summary>
    public bool Has(string entryPoint)
    {
        var s = Current;
        return s.Loaded && !s.Missing.Contains(entryPoint);
    }

    /// <summary>Declared entry points the loaded library lacks.</summary>
    public IReadOnlyCollection<string> MissingEntryPoints => Current.Missing;

    State Current => Volatile.Read(ref _state) ?? Load();

    State Load()
    {
        // Racing threads compute the same answer (the library load itself is cached and locked).
        var loaded = NativeLibraries.TryLoad(_logical, out var path, out var whyNot);
        var tried = NativeLibraries.Attempts(_logical).Select(a => a.ToString()).ToList();
        var missing = new HashSet<string>(StringComparer.Ordinal);
        if (loaded)
        {
            var handle = NativeLibraries.Handle(_logical);
            foreach (var entry in DeclaredEntryPoints(_bindings))
                if (!NativeLibrary.TryGetExport(handle, entry, out _))
                    missing.Add(entry);
        }
        var state = new State(loaded, path, whyNot, tried, missing);
        Interlocked.CompareExchange(ref _state, state, null);
        return _state!;
    }

    /// <summary>The EntryPoint (or method name) of every [LibraryImport] method of a binding class.</summary>
    internal static IEnumerable<string> DeclaredEntryPoints([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods)] Type bindings) =>
        bindings.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .Select(m => (m, a: m.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(p => p.a is not null)
            .Select(p => p.a!.EntryPoint ?? p.m.Name);
}
