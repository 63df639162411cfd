using System.Diagnostics.Tracing;
using Dab.Backends.Cpu;
using Dab.Models.Sort;
using NUnit.Framework;

namespace Dab.Tests.Models;

/// <summary>
/// Managed-heap bytes allocated by a steady-state training step (issue 5): tensor storage comes from the
/// pool, so what a step allocates is the tape's bookkeeping (tensor and node objects, closures). Counted in
/// bytes over whole steps, never timed.
/// </summary>
[NonParallelizable] // sets the global Par.Threads, and counts the allocations of every thread
public class StepAllocationTests
{
    /// <summary>
    /// A generous bound on one step of the small Signum-Dense model below, single-threaded. It measures about
    /// 13.5 KB (240 KB before the tape stopped allocating per op and per pass, 28 KB before the kernels passed
    /// their loop data to Par.For by value instead of in closures); a change that makes the step allocate per
    /// element, per op or per parallel loop again crosses it.
    /// </summary>
    private const long MaxBytesPerStep = 24 * 1024;

    private static long BytesPerStep(int batch, int warmup = 5, int steps = 20)
    {
        int saved = Par.Threads;
        Par.Threads = 1;
        try
        {
            using var trainer = new SortTrainer(new SortConfig
            {
                Length = 5, Batch = batch, Latent = 32, Steps = warmup + steps, LearningRate = 1e-4, CosineDecay = false, TestSize = 1,
            });
            for (int i = 0; i < warmup; i++) trainer.Step();
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < steps; i++) trainer.Step();
            return (GC.GetTotalAllocatedBytes(precise: true) - before) / steps;
        }
        finally { Par.Threads = saved; }
    }

    [Test]
    public void ASortTrainingStepAllocatesLittleOnTheManagedHeap()
    {
        long perStep = BytesPerStep(batch: 32);
        TestContext.Out.WriteLine($"{perStep} bytes allocated per step");
        Assert.That(perStep, Is.LessThan(MaxBytesPerStep));
    }

    /// <summary>
    /// Not a check: prints which types a step allocates, sampled by the runtime about every 100 KB
    /// (GCAllocationTick events, weighted by the bytes each sample stands for). Closures show up as their
    /// display classes (<c>&lt;&gt;c__DisplayClass..</c>; reflection on the assemblies names their fields).
    /// Run with <c>--filter FullyQualifiedName~AllocationSites --logger "console;verbosity=detailed"</c>.
    /// </summary>
    [Test, Explicit("a profiling tool, not a test")]
    public void AllocationSites()
    {
        const int steps = 4000;
        int saved = Par.Threads;
        Par.Threads = 1;
        try
        {
            using var trainer = new SortTrainer(new SortConfig { Length = 10, Batch = 64, Latent = 256, Steps = steps + 5, LearningRate = 1e-4, CosineDecay = false, TestSize = 1 });
            for (int i = 0; i < 5; i++) trainer.Step();
            var counts = new Dictionary<string, long>();
            using (new AllocationTicks(counts))
                for (int i = 0; i < steps; i++) trainer.Step();
            lock (counts)
                foreach (var (type, bytes) in counts.OrderByDescending(kv => kv.Value).Take(40))
                    TestContext.Out.WriteLine($"{bytes / steps,8} bytes/step  {type}");
        }
        finally { Par.Threads = saved; }
    }

    private sealed class AllocationTicks(Dictionary<string, long> counts) : EventListener
    {
        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName?.StartsWith("GCAllocationTick") != true || e.PayloadNames == null || e.Payload == null) return;
            int type = e.PayloadNames.IndexOf("TypeName"), amount = e.PayloadNames.IndexOf("AllocationAmount64");
            if (type < 0) return;
            long bytes = amount >= 0 ? Convert.ToInt64(e.Payload[amount]) : 100_000;
            lock (counts) counts[(string)e.Payload[type]!] = counts.GetValueOrDefault((string)e.Payload[type]!) + bytes;
        }
    }

    [Test]
    public void AllocationsPerStepDoNotGrowWithTheBatch()
    {
        long small = BytesPerStep(batch: 16), large = BytesPerStep(batch: 1024);
        TestContext.Out.WriteLine($"{small} bytes per step at batch 16, {large} at batch 1024");
        // A host array per element of the batch (targets or predictions read back, 5 per sample) adds 20-40 KB
        // at batch 1024; a couple of KB move with the runtime's own background work.
        Assert.That(large - small, Is.LessThan(12 * 1024));
    }
}
