using System.Runtime.InteropServices;
using Dab.Kernels.Interop;
using NUnit.Framework;

namespace Dab.Tests.Kernels.Interop;

/// <summary>The resolver: candidate order, what it reports, directory probing and companion-free loads.</summary>
public class NativeLibrariesTests
{
    [Test]
    public void Candidates_are_tried_newest_first()
    {
        Assert.That(NativeLibraries.CandidateFiles("cuda"), Is.EqualTo(new[] { "libcuda.so.1", "libcuda.so" }));
        Assert.That(NativeLibraries.CandidateFiles("nvrtc"), Is.EqualTo(new[]
        {
            "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0", "libnvrtc.so",
        }));
        Assert.That(NativeLibraries.CandidateFiles("cublas"), Is.EqualTo(new[]
        {
            "libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so",
        }));
    }

    [Test]
    public void Driver_load_reports_what_it_tried()
    {
        var loaded = NativeLibraries.TryLoad("cuda", out var path, out var whyNot);
        var attempts = NativeLibraries.Attempts("cuda");
        if (loaded)
        {
            Assert.That(path, Does.Contain("libcuda.so"));
            Assert.That(whyNot, Is.Null);
            Assert.That(attempts[^1], Is.EqualTo(new LoadAttempt(path!, null)));
            return;
        }
        Assert.That(path, Is.Null);
        Assert.That(whyNot, Does.StartWith("CUDA driver not found (tried libcuda.so.1, libcuda.so"));
        Assert.That(whyNot, Does.EndWith("this machine has no NVIDIA driver"));
        // Both sonames went through the default search, each with the loader's reason.
        Assert.That(attempts.Select(a => a.Path), Does.Contain("libcuda.so.1").And.Contain("libcuda.so"));
        Assert.That(attempts.All(a => a.Error is { Length: > 0 }), Is.True, string.Join("\n", attempts));
        Assert.That(attempts.First(a => a.Path == "libcuda.so.1").Error, Does.Contain("libcuda.so.1"));
    }

    [Test]
    public void Unknown_names_are_refused_with_the_known_ones()
    {
        Assert.That(NativeLibraries.TryLoad("cudnn", out var path, out var whyNot), Is.False);
        Assert.That(path, Is.Null);
        Assert.That(whyNot, Does.Contain("unknown native library 'cudnn'").And.Contain("nvrtc"));
    }

    [Test, NonParallelizable]   // changes environment variables
    public void Probe_directories_come_from_the_environment_in_order()
    {
        using var env = new EnvScope(("DAB_CUDA_LIB_PATH", "/opt/a::/opt/b"), ("CUDA_PATH", "/opt/cuda-12"), ("CUDA_HOME", "/opt/cuda-12"));
        Assert.That(NativeLibraries.ProbeDirectories(), Is.EqualTo(new[] { "/opt/a", "/opt/b", "/opt/cuda-12/lib64" }));
    }

    [Test, NonParallelizable]   // changes environment variables
    public void A_registered_library_is_found_in_a_probe_directory()
    {
        var dir = Directory.CreateTempSubdirectory("dab-probe-");
        try
        {
            // Any real shared object will do; the runtime's own System.Native is always there.
            var real = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so");
            File.Copy(real, Path.Combine(dir.FullName, "libdabprobe.so.3"));
            NativeLibraries.Register("dab-test-probe", "Probe library", ["libdabprobe.so.4", "libdabprobe.so.3"], "none");

            using (new EnvScope(("DAB_CUDA_LIB_PATH", dir.FullName)))
                Assert.That(NativeLibraries.TryLoad("dab-test-probe", out var path, out var whyNot), Is.True, whyNot);

            var expected = Path.Combine(dir.FullName, "libdabprobe.so.3");
            Assert.That(NativeLibraries.TryLoad("dab-test-probe", out var again, out _), Is.True);
            Assert.That(again, Is.EqualTo(expected), "the first result is kept for the process");
            Assert.That(NativeLibraries.Attempts("dab-test-probe"), Is.EqualTo(new[] { new LoadAttempt(expected, null) }));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void A_library_that_is_nowhere_is_explained()
    {
        NativeLibraries.Register("dab-test-absent", "Absent library", ["libdab-absent.so.2", "libdab-absent.so"], "install it");
        Assert.That(NativeLibraries.TryLoad("dab-test-absent", out _, out var whyNot), Is.False);
        Assert.That(whyNot, Does.StartWith("Absent library not found (tried libdab-absent.so.2, libdab-absent.so in "));
        Assert.That(whyNot, Does.EndWith(": install it"));
        Assert.That(NativeLibraries.Attempts("dab-test-absent").Select(a => a.Path),
            Is.EqualTo(new[] { "libdab-absent.so.2", "libdab-absent.so" }));
        Assert.That(() => NativeLibraries.Register("dab-test-absent", "again", ["x.so"], ""), Throws.InvalidOperationException);
    }

    [Test]
    public void Versions_newer_than_the_driver_go_last()
    {
        string[] files = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"];
        Assert.That(NativeLibraries.OrderForDriver(files, 12),
            Is.EqualTo(new[] { "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so", "libnvrtc.so.13" }));
        Assert.That(NativeLibraries.OrderForDriver(files, 13), Is.EqualTo(files));
        Assert.That(NativeLibraries.OrderForDriver(files, null), Is.EqualTo(files));
        Assert.That(NativeLibraries.MajorOf("/usr/local/cuda/lib64/libnvrtc.so.11.2"), Is.EqualTo(11));
        Assert.That(NativeLibraries.MajorOf("libcublas.so"), Is.Null);
    }

    /// <summary>Sets environment variables for a test and puts the old values back.</summary>
    private sealed class EnvScope : IDisposable
    {
        private readonly (string Name, string? Old)[] _saved;

        public EnvScope(params (string Name, string? Value)[] vars)
        {
            _saved = vars.Select(v => (v.Name, Environment.GetEnvironmentVariable(v.Name))).ToArray();
            foreach (var (name, value) in vars) Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose()
        {
            foreach (var (name, old) in _saved) Environment.SetEnvironmentVariable(name, old);
        }
    }
}
