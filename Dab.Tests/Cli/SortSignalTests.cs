using System.Diagnostics;
using System.Text.Json;
using Dab.Cli;
using NUnit.Framework;

namespace Dab.Tests.Cli;

/// <summary>A real <c>dab sort</c> process stopped by SIGTERM checkpoints, records the stop and says how to resume.</summary>
public class SortSignalTests
{
    [Test]
    public void SigtermStopsWithACheckpointAndTellsHowToResume()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("POSIX signals");
        var dir = Path.Combine(Path.GetTempPath(), "dab-sigterm-" + Guid.NewGuid().ToString("N"));
        try
        {
            string[] args = ["sort", "--length", "4", "--batch", "32", "--latent", "16", "--steps", "200000", "--eval-every", "100",
                "--test-size", "200", "--eval-size", "100", "--threads", "1", "--out", dir];
            using var p = Start(args);
            var checkpoint = Path.Combine(dir, "checkpoint.safetensors");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && clock.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited) Thread.Sleep(50);
            Assert.That(File.Exists(checkpoint), Is.True, "the run checkpoints at its first evaluation");
            Process.Start("kill", ["-TERM", p.Id.ToString()])!.WaitForExit();
            Assert.That(p.WaitForExit(60_000), Is.True, "SIGTERM stops the run");
            Assert.That(p.ExitCode, Is.EqualTo(130));
            using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "results.json"))))
            {
                Assert.That(doc.RootElement.GetProperty("interrupted").GetBoolean(), Is.True);
                Assert.That(doc.RootElement.GetProperty("steps").GetInt32(), Is.InRange(100, 199_999));
            }
            Assert.That(p.StandardOutput.ReadToEnd(), Does.Contain("--resume " + dir));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    private static Process Start(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        return p;
    }
}
