using System.Text.Json;
using Dab.Cli;
using NUnit.Framework;

namespace Dab.Tests.Cli;

public class SortCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    [TestCase("--bogus", "1", "unknown option --bogus")]
    [TestCase("--steps", "abc", "--steps must be a whole number")]
    [TestCase("--steps", "0", "--steps must be between 1")]
    [TestCase("--lr", "-1", "--lr must be greater than 0")]
    [TestCase("--lr", "nan", "--lr must be a number")]
    [TestCase("--length", "1", "--length must be between 2")]
    [TestCase("--model", "cnn", "--model must be one of")]
    [TestCase("--device", "tpu", "unknown device 'tpu'")]
    [TestCase("--device", "cuda", "cuda:0 is not available")]
    [TestCase("--device", "cuda:3", "cuda:3 is not available")]
    [TestCase("--ponder", "2", "--ponder applies to --model rnn only")]
    public void BadOptionsGiveOneLineAndExitCode2(string option, string value, string message)
    {
        var (code, _, err) = Run("sort", option, value);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain(message));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1), "one line, no stack trace");
        Assert.That(err, Does.Not.Contain("   at "));
    }

    [TestCase("-1", "--ponder must be between 0 and 1024, got -1")]
    [TestCase("two", "--ponder must be a whole number, got 'two'")]
    public void BadPonderGivesOneLineAndExitCode2(string value, string message)
    {
        var (code, _, err) = Run("sort", "--model", "rnn", "--ponder", value);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain(message));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1), "one line, no stack trace");
        Assert.That(err, Does.Not.Contain("   at "));
    }

    [Test]
    public void MissingValueAndUnknownCommandAreUsageErrors()
    {
        Assert.That(Run("sort", "--steps").Code, Is.EqualTo(2));
        Assert.That(Run("sortt").Code, Is.EqualTo(2));
        Assert.That(Run("sort", "extra").Code, Is.EqualTo(2));
    }

    [Test]
    public void ShortRunWritesResultsAndPrintsAccuracyLast()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dab-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, err) = Run("sort", "--steps", "30", "--batch", "64", "--test-size", "500", "--latent", "32", "--out", dir);
            Assert.That(code, Is.EqualTo(0), err);
            var last = output.Trim().Split('\n')[^1];
            Assert.That(last, Does.Contain("test all-or-none accuracy").And.Contain(Path.Combine(dir, "results.json")));
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "results.json")));
            var r = doc.RootElement;
            foreach (var key in new[] { "task", "model", "length", "steps", "samples", "seconds", "samples_per_second", "test_all_or_none_accuracy" })
                Assert.That(r.TryGetProperty(key, out _), Is.True, key);
            Assert.That(r.GetProperty("task").GetString(), Is.EqualTo("sort"));
            Assert.That(r.GetProperty("model").GetString(), Is.EqualTo("signum-dense"));
            Assert.That(r.GetProperty("steps").GetInt32(), Is.EqualTo(30));
            Assert.That(r.GetProperty("samples").GetInt64(), Is.EqualTo(30 * 64));
            var acc = r.GetProperty("test_all_or_none_accuracy").GetDouble();
            Assert.That(acc, Is.InRange(0.0, 1.0));
            Assert.That(File.Exists(Path.Combine(dir, "model.safetensors")));
            Assert.That(File.ReadAllLines(Path.Combine(dir, "curves.csv"))[0], Does.StartWith("step,samples,loss"));
            Assert.That(Directory.GetFiles(dir, "*.tmp"), Is.Empty, "no temporary files left behind");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Test]
    public void RnnRunRecordsModelAndPonder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dab-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, _, err) = Run("sort", "--model", "rnn", "--ponder", "2", "--steps", "5", "--batch", "32", "--test-size", "100",
                "--latent", "16", "--length", "4", "--out", dir);
            Assert.That(code, Is.EqualTo(0), err);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "results.json")));
            var r = doc.RootElement;
            Assert.That(r.GetProperty("model").GetString(), Is.EqualTo("signum-rnn"));
            Assert.That(r.GetProperty("ponder").GetInt32(), Is.EqualTo(2));
            Assert.That(r.GetProperty("estimator").GetString(), Is.EqualTo("dab"));
            using var ste = Run("sort", "--model", "rnn", "--estimator", "ste", "--steps", "2", "--batch", "8", "--test-size", "10",
                "--latent", "8", "--out", Path.Combine(dir, "ste")) is var s && s.Code == 0 ? JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "ste", "results.json"))) : throw new AssertionException(s.Err);
            Assert.That(ste.RootElement.GetProperty("model").GetString(), Is.EqualTo("signum-rnn-ste"));
            Assert.That(ste.RootElement.GetProperty("ponder").GetInt32(), Is.EqualTo(0));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Test]
    public void HelpListsTheOptions()
    {
        var (code, output, _) = Run("sort", "--help");
        Assert.That(code, Is.EqualTo(0));
        foreach (var opt in new[] { "--length", "--steps", "--batch", "--lr", "--gamma", "--latent", "--model", "--ponder", "--seed", "--device", "--out" })
            Assert.That(output, Does.Contain(opt));
    }
}
