using System.Text.Json;
using Dab.Cli;
using NUnit.Framework;

namespace Dab.Tests.Cli;

public class BenchCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    [TestCase("--bogus", "1", "unknown option --bogus")]
    [TestCase("--steps", "0", "--steps must be between 1")]
    [TestCase("--steps", "x", "--steps must be a whole number")]
    [TestCase("--threads", "0", "--threads must be between 1")]
    [TestCase("--length", "1", "--length must be between 2")]
    [TestCase("--batch", "-3", "--batch must be between 1")]
    [TestCase("--device", "tpu", "unknown device 'tpu'")]
    [TestCase("--device", "cuda:3", "cuda:3 is not available")]
    public void BadOptionsGiveOneLineAndExitCode2(string option, string value, string message)
    {
        var (code, _, err) = Run("bench", "sort-step", option, value);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain(message));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1), "one line, no stack trace");
    }

    [Test]
    public void UnknownOrMissingBenchmarkIsAUsageError()
    {
        Assert.That(Run("bench").Code, Is.EqualTo(2));
        Assert.That(Run("bench", "sort-stepp").Code, Is.EqualTo(2));
        Assert.That(Run("bench", "sort-step", "extra").Code, Is.EqualTo(2));
        Assert.That(Run("bench", "sort-step", "--json=1").Code, Is.EqualTo(2));
    }

    [Test]
    public void HelpListsTheOptions()
    {
        var (code, output, _) = Run("bench", "sort-step", "--help");
        Assert.That(code, Is.EqualTo(0));
        foreach (var opt in new[] { "--length", "--batch", "--latent", "--steps", "--threads", "--device", "--json" })
            Assert.That(output, Does.Contain(opt));
    }

    [Test]
    [NonParallelizable] // --threads sets the global thread count while it runs
    public void JsonReportsTimePerStepAndThroughput()
    {
        int saved = Backends.Cpu.Par.Threads;
        var (code, output, err) = Run("bench", "sort-step", "--length", "4", "--batch", "32", "--latent", "16",
            "--steps", "3", "--warmup", "1", "--threads", "1", "--json");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(Backends.Cpu.Par.Threads, Is.EqualTo(saved), "the thread count is restored");
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.That(r.GetProperty("ms_per_step").GetDouble(), Is.GreaterThan(0));
        Assert.That(r.GetProperty("samples_per_second").GetDouble(), Is.GreaterThan(0));
        Assert.That(r.GetProperty("threads").GetInt32(), Is.EqualTo(1));
        Assert.That(r.GetProperty("device").GetString(), Is.EqualTo("cpu"));
        Assert.That(r.GetProperty("steps").GetInt32(), Is.EqualTo(3));
        Assert.That(r.GetProperty("length").GetInt32(), Is.EqualTo(4));
        Assert.That(r.GetProperty("batch").GetInt32(), Is.EqualTo(32));
        Assert.That(r.GetProperty("model").GetString(), Is.EqualTo("signum-dense"));
    }

    [Test]
    public void TextOutputIsOneLine()
    {
        var (code, output, err) = Run("bench", "sort-step", "--length", "3", "--batch", "8", "--latent", "8", "--steps", "2", "--warmup", "0");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(output, Does.Contain("ms/step"));
    }
}
