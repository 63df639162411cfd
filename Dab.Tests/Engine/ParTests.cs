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

    [TestCase(1, 1000, 1L)]
    [TestCase(2, 1000, 1L << 20)]
    [TestCase(2, 3, 1L << 30)]
    public void AStatefulLoopSeesItsStateAndEveryItemOnce(int threads, int count, long cost)
    {
        Par.Threads = threads;
        for (int round = 0; round < 100; round++)
        {
            var seen = new int[count];
            Par.For(count, cost, (Seen: seen, Add: round), static (in (int[] Seen, int Add) s, int start, int end) =>
            {
                for (int i = start; i < end; i++) Interlocked.Add(ref s.Seen[i], 1 + s.Add);
            });
            Assert.That(seen, Is.All.EqualTo(1 + round), $"round {round}");
        }
    }

    [Test]
    public void AStatefulLoopWithAStaticBodyAllocatesNothing()
    {
        Par.Threads = 2;
        var data = new long[4096];
        static void Loop(long[] data, long cost) =>
            Par.For(data.Length, cost, data, static (in long[] d, int start, int end) => { for (int i = start; i < end; i++) d[i]++; });
        for (int i = 0; i < 50; i++) { Loop(data, 1); Loop(data, 1L << 20); } // warm up: jit, workers started
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < 1000; i++) { Loop(data, 1); Loop(data, 1L << 20); } // inline, then on the team
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.That(allocated, Is.LessThan(2048), "bytes for 2000 loops, all threads");
        Assert.That(data, Is.All.EqualTo(2100L));
    }

    [Test]
    public void AnExceptionInAStatefulChunkReachesTheCaller()
    {
        Par.Threads = 2;
        var ex = Assert.Throws<ArgumentException>(() =>
            Par.For(8, 1L << 40, 4, static (in int limit, int s, int e) => { if (s >= limit) throw new ArgumentException("stateful chunk failed"); }));
        Assert.That(ex!.Message, Is.EqualTo("stateful chunk failed"));
    }

    [Test]
    public void AHugeCostPerItemStillSplitsTheLoop()
    {
        Par.Threads = 2;
        var threads = new HashSet<int>();
        for (int round = 0; round < 50 && threads.Count < 2; round++)
            Par.For(4, long.MaxValue / 2, (s, e) => // count x cost overflows a long: it must saturate, not wrap
            {
                lock (threads) threads.Add(Environment.CurrentManagedThreadId);
                Thread.Sleep(2);
            });
        Assert.That(threads, Has.Count.EqualTo(2));
    }
}
