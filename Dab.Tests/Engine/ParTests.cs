using Dab.Backends.Cpu;
using NUnit.Framework;

namespace Dab.Tests.Engine;

/// <summary>The CPU fork/join (Par.For on the persistent worker team): coverage, errors, nesting, concurrency.</summary>
[NonParallelizable] // changes Par.Threads
public class ParTests
{
    private int _saved;

    [SetUp] public void SaveThreads() => _saved = Par.Threads;
    [TearDown] public void RestoreThreads() => Par.Threads = _saved;

    /// <summary>Runs a loop whose chunks record which items they saw; every item exactly once.</summary>
    private static int[] Visits(int count, long cost)
    {
        var seen = new int[count];
        Par.For(count, cost, (s, e) =>
        {
            for (int i = s; i < e; i++) Interlocked.Increment(ref seen[i]);
        });
        return seen;
    }

    [TestCase(1, 1, 1L)]
    [TestCase(2, 1, 1_000_000L)]
    [TestCase(2, 2, 1_000_000L)]
    [TestCase(2, 7, 1_000_000L)]
    [TestCase(4, 1023, 100_000L)]
    [TestCase(3, 5, 1L)]            // too little work: runs inline
    public void EveryItemRunsExactlyOnce(int threads, int count, long cost)
    {
        Par.Threads = threads;
        for (int round = 0; round < 200; round++)
            Assert.That(Visits(count, cost), Is.All.EqualTo(1), $"round {round}");
    }

    [Test]
    public void ChunksRunOnSeveralThreadsWhenTheWorkIsLarge()
    {
        Par.Threads = 2;
        var threads = new HashSet<int>();
        for (int round = 0; round < 50 && threads.Count < 2; round++)
            Par.For(2, 1L << 40, (s, e) =>
            {
                lock (threads) threads.Add(Environment.CurrentManagedThreadId);
                Thread.Sleep(5); // long enough for the worker to claim the other chunk
            });
        Assert.That(threads, Has.Count.EqualTo(2));
    }

    [Test]
    public void AnExceptionInAChunkReachesTheCallerUnwrapped()
    {
        Par.Threads = 2;
        var ex = Assert.Throws<InvalidOperationException>(() =>
            Par.For(8, 1L << 40, (s, e) => { if (s >= 4) throw new InvalidOperationException("chunk failed"); }));
        Assert.That(ex!.Message, Is.EqualTo("chunk failed"));
        Assert.That(Visits(1000, 1L << 20), Is.All.EqualTo(1), "the team still works after a failure");
    }

    [Test]
    public void ANestedLoopRunsInlineAndCompletes()
    {
        Par.Threads = 2;
        var sums = new long[4];
        Par.For(4, 1L << 40, (s, e) =>
        {
            for (int i = s; i < e; i++)
            {
                long local = 0;
                Par.For(1000, 1L << 20, (a, b) => { for (int j = a; j < b; j++) Interlocked.Add(ref local, j); });
                sums[i] = local;
            }
        });
        Assert.That(sums, Is.All.EqualTo(999L * 1000 / 2));
    }

    [Test]
    public void LoopsFromManyThreadsAtOnceAllComplete()
    {
        Par.Threads = 2;
        var failures = 0;
        var callers = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int round = 0; round < 300; round++)
                if (Visits(513, 1L << 16).Any(v => v != 1)) Interlocked.Increment(ref failures);
        })).ToList();
        callers.ForEach(t => t.Start());
        callers.ForEach(t => t.Join());
        Assert.That(failures, Is.Zero);
    }
}
