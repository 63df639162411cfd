using System.Text;
using Dab.IO;
using NUnit.Framework;

namespace Dab.Tests.NN;

/// <summary>AtomicFile: readers see the old or the complete new content, and no temporary files are left behind.</summary>
public class AtomicFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "dab-atomic-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string[] Entries() => Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).ToArray()!;

    [Test]
    public void WritesANewFile()
    {
        var path = Path.Combine(_dir, "new.bin");
        AtomicFile.Write(path, s => s.Write(new byte[] { 1, 2, 3 }));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(Entries(), Is.EqualTo(new[] { "new.bin" }));
    }

    [Test]
    public void OverwritingReplacesTheWholeFile()
    {
        var path = Path.Combine(_dir, "f.txt");
        File.WriteAllText(path, new string('x', 10_000));
        AtomicFile.WriteAllText(path, "short");
        Assert.That(File.ReadAllText(path), Is.EqualTo("short"), "no tail of the old, longer content");
        AtomicFile.Write(path, s => { });
        Assert.That(File.ReadAllBytes(path), Is.Empty);
        AtomicFile.WriteAllText(path, "héllo");
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(Encoding.UTF8.GetBytes("héllo")), "UTF-8 without BOM");
        Assert.That(Entries(), Is.EqualTo(new[] { "f.txt" }));
    }

    [Test]
    public void AWriterThatThrowsLeavesTheOldFileAndNoTemporaries()
    {
        var path = Path.Combine(_dir, "keep.txt");
        File.WriteAllText(path, "old content");
        var ex = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(Encoding.UTF8.GetBytes("new content, half writ"));
            s.Flush();
            throw new IOException("disk on fire");
        }))!;
        Assert.That(ex.Message, Is.EqualTo("disk on fire"), "the writer's exception comes through unchanged");
        Assert.That(File.ReadAllText(path), Is.EqualTo("old content"));
        Assert.That(Entries(), Is.EqualTo(new[] { "keep.txt" }));
    }

    [Test]
    public void AWriterThatThrowsOnANewPathCreatesNothing()
    {
        var path = Path.Combine(_dir, "never.txt");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new InvalidOperationException(); }));
        Assert.That(File.Exists(path), Is.False);
        Assert.That(Entries(), Is.Empty);
    }

    [Test]
    public void TheTargetIsNotOpenWhileTheWriterRuns()
    {
        // The new content goes to a separate file: during the write the target still holds the old content.
        var path = Path.Combine(_dir, "t.txt");
        File.WriteAllText(path, "old");
        string? seen = null;
        string[]? during = null;
        AtomicFile.WriteAllText(path, "ignored");
        File.WriteAllText(path, "old");
        AtomicFile.Write(path, s =>
        {
            s.Write(Encoding.UTF8.GetBytes("new"));
            s.Flush();
            seen = File.ReadAllText(path);
            during = Entries();
        });
        Assert.That(seen, Is.EqualTo("old"));
        Assert.That(during!.Length, Is.EqualTo(2), "the target and one temporary file in the same directory");
        Assert.That(File.ReadAllText(path), Is.EqualTo("new"));
        Assert.That(Entries(), Is.EqualTo(new[] { "t.txt" }));
    }

    [Test]
    public void CreatesMissingDirectoriesAndAcceptsRelativePaths()
    {
        var nested = Path.Combine(_dir, "x", "y", "z.txt");
        AtomicFile.WriteAllText(nested, "deep");
        Assert.That(File.ReadAllText(nested), Is.EqualTo("deep"));

        var cwd = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = _dir;
            AtomicFile.WriteAllText("rel.txt", "relative");
        }
        finally { Environment.CurrentDirectory = cwd; }
        Assert.That(File.ReadAllText(Path.Combine(_dir, "rel.txt")), Is.EqualTo("relative"));
    }
}
