using System.Runtime.ExceptionServices;

namespace Dab.Backends.Cpu;

/// <summary>
/// Splits a loop over the cores only when the work is large enough to pay for the hand-off (about
/// 50 µs of work per chunk); smaller loops run inline. The hand-off goes to a team of persistent
/// worker threads (<see cref="WorkerTeam"/>) rather than the thread pool: a training step runs
/// hundreds of short parallel loops, and waking a pool thread for each costs more than the loop.
/// </summary>
public static class Par
{
    private static int _threads = Environment.ProcessorCount;
    private const long MinWorkPerChunk = 32_768;

    /// <summary>The most threads a loop is split for (the team counts chunks in 16 bits).</summary>
    public const int MaxThreads = 4096;

    /// <summary>Number of threads CPU kernels use (default: all cores).</summary>
    public static int Threads
    {
        get => _threads;
        set => _threads = value is < 1 or > MaxThreads ? throw new ArgumentOutOfRangeException(nameof(value), $"threads must be between 1 and {MaxThreads}, got {value}") : value;
    }

    /// <summary>Runs body(start, end) over [0, count) in up to <see cref="Threads"/> chunks; cost is the work of one item.</summary>
    public static void For(int count, long costPerItem, Action<int, int> body) =>
        For(count, costPerItem, body, static (in Action<int, int> b, int start, int end) => b(start, end));

    /// <summary>
    /// The same with the loop's data passed as a value: with a <c>static</c> lambda nothing is allocated
    /// per call (a capturing lambda allocates its closure every time), which is what the kernels of a
    /// training step use.
    /// </summary>
    public static void For<TState>(int count, long costPerItem, in TState state, RangeAction<TState> body)
    {
        if (count <= 0) return;
        int chunks = Chunks(count, costPerItem);
        if (chunks <= 1 || !WorkerTeam.TryRun(chunks, count, state, body)) body(in state, 0, count);
    }

    private static int Chunks(int count, long costPerItem)
    {
        long cost = Math.Max(1, costPerItem);
        long total = cost > long.MaxValue / count ? long.MaxValue : count * cost; // saturates: "huge" means split
        return (int)Math.Min(Math.Min(_threads, count), Math.Max(1, total / MinWorkPerChunk));
    }
}

/// <summary>A loop body over [start, end) with its data in <paramref name="state"/>.</summary>
public delegate void RangeAction<TState>(in TState state, int start, int end);

/// <summary>
/// A fork/join team: the calling thread and up to <c>Threads - 1</c> persistent background workers
/// claim the chunks of one loop from a shared counter, so a worker that is late (its core busy with
/// other work) simply finds nothing left and the caller never waits for a chunk nobody started.
/// Idle workers spin for a short while (the next loop of a training step usually follows within
/// microseconds), then sleep on a semaphore. Only one loop runs on the team at a time; a loop
/// started while the team is busy (from another thread, or nested inside a chunk) runs inline.
/// Which thread runs a chunk never changes what it computes, so results do not depend on timing.
/// </summary>
internal static class WorkerTeam
{
    /// <summary>How long an idle worker spins before it sleeps: a few short kernels' worth.</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5_000; // 200 µs

    private static readonly object Gate = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static readonly List<Thread> Workers = [];
    private static int _busy;          // 1 while a loop owns the team
    private static int _sleeping;      // workers blocked on Wake

    // The loop's generation (high 32 bits) and its unclaimed chunks [lo, hi) (16 bits each), in one word
    // so that a claim (a compare-and-swap) only succeeds for the loop whose fields the claimer read.
    private static long _state;

    // The current loop, written by its owner before _state announces it; stable until every chunk is done.
    private static Action<int, int>? _body;
    private static int _count, _chunks, _finished;
    private static ExceptionDispatchInfo? _error;

    [ThreadStatic] private static bool _inChunk;

    /// <summary>
    /// Holds a stateful loop while it runs on the team, behind one cached delegate per state type, so
    /// handing it over allocates nothing. Only the team's owner writes it (one loop at a time).
    /// </summary>
    private static class Job<TState>
    {
        public static TState State = default!;
        public static RangeAction<TState>? Body;
        public static readonly Action<int, int> Run = static (start, end) => Body!(in State, start, end);
    }

    public static bool TryRun<TState>(int chunks, int count, in TState state, RangeAction<TState> body)
    {
        if (!TryAcquire()) return false;
        Job<TState>.State = state; // the team is ours: no other loop can be writing the job
        Job<TState>.Body = body;
        try { RunOwned(chunks, count, Job<TState>.Run); }
        finally
        {
            Job<TState>.Body = null;
            Job<TState>.State = default!; // drop references to the loop's arrays
            Release();
        }
        return true;
    }

    private static bool TryAcquire() => !_inChunk && Interlocked.CompareExchange(ref _busy, 1, 0) == 0;
    private static void Release() => Volatile.Write(ref _busy, 0);

    /// <summary>Runs one loop on the team, which the caller owns; rethrows the first chunk's exception.</summary>
    private static void RunOwned(int chunks, int count, Action<int, int> body)
    {
        int helpers = Math.Min(chunks, Par.Threads) - 1; // never more threads than asked for, however many chunks
        EnsureWorkers(helpers);
        _body = body;
        _count = count;
        _chunks = chunks;
        _finished = 0;
        _error = null;
        long generation = (Volatile.Read(ref _state) >> 32) + 1;
        Interlocked.Exchange(ref _state, (generation << 32) | (uint)chunks); // publishes the fields above
        int sleepers = Volatile.Read(ref _sleeping);
        if (sleepers > 0 && helpers > 0) Wake.Release(Math.Min(sleepers, helpers));

        RunChunks(generation, owner: true);
        var spin = new SpinWait();
        while (Volatile.Read(ref _finished) < chunks) spin.SpinOnce(sleep1Threshold: -1);
        _body = null;
        _error?.Throw();
    }

    /// <summary>
    /// Claims and runs chunks of loop <paramref name="generation"/> until none are left. The owner claims
    /// from the last chunk down and the workers from the first up, so with two threads each keeps the
    /// same half of every loop of the same size (its data stays in its core's cache) while either can
    /// still take all the chunks the other has not started.
    /// </summary>
    private static void RunChunks(long generation, bool owner = false)
    {
        _inChunk = true;
        try
        {
            while (true)
            {
                long state = Volatile.Read(ref _state);
                if (state >> 32 != generation) return;           // a later loop: ours is over
                int lo = (int)(state >> 16) & 0xFFFF, hi = (int)state & 0xFFFF; // unclaimed chunks are [lo, hi)
                int chunks = _chunks, count = _count;
                var body = _body;
                if (lo >= hi || body == null) return;            // every chunk claimed
                int c = owner ? hi - 1 : lo;
                long next = owner ? state - 1 : state + (1L << 16);
                // Succeeds only while loop `generation` still has chunk c unclaimed, so the fields
                // read above are that loop's (a new loop cannot start before all of its chunks finish).
                if (Interlocked.CompareExchange(ref _state, next, state) != state) continue;
                try
                {
                    if (_error == null)
                        body((int)((long)c * count / chunks), (int)((long)(c + 1) * count / chunks));
                }
                catch (Exception e) { Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null); }
                Interlocked.Increment(ref _finished);
            }
        }
        finally { _inChunk = false; }
    }

    private static void EnsureWorkers(int wanted)
    {
        if (Volatile.Read(ref _workerCount) >= wanted) return;
        lock (Gate)
            while (Workers.Count < wanted)
            {
                var t = new Thread(WorkerLoop) { IsBackground = true, Name = $"dab-cpu-{Workers.Count + 1}" };
                Workers.Add(t);
                t.Start();
                Volatile.Write(ref _workerCount, Workers.Count);
            }
    }

    private static int _workerCount;

    private static void WorkerLoop()
    {
        long seen = Volatile.Read(ref _state) >> 32;
        while (true)
        {
            long g, idleSince = System.Diagnostics.Stopwatch.GetTimestamp();
            while ((g = Volatile.Read(ref _state) >> 32) == seen)
            {
                if (System.Diagnostics.Stopwatch.GetTimestamp() - idleSince < SpinTicks) { Thread.SpinWait(8); continue; }
                Interlocked.Increment(ref _sleeping);
                // Re-check after announcing ourselves, so a loop published in between is not missed.
                if (Volatile.Read(ref _state) >> 32 == seen) Wake.Wait();
                Interlocked.Decrement(ref _sleeping);
                idleSince = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            seen = g;
            RunChunks(g);
        }
    }
}
