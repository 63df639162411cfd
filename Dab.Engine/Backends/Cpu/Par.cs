namespace Dab.Backends.Cpu;

/// <summary>
/// Splits a loop over both cores only when the work is large enough to pay for the hand-off
/// (about 50 µs of work per chunk); smaller loops run inline.
/// </summary>
public static class Par
{
    private static int _threads = Environment.ProcessorCount;
    private const long MinWorkPerChunk = 32_768;

    /// <summary>Number of threads CPU kernels use (default: all cores).</summary>
    public static int Threads
    {
        get => _threads;
        set => _threads = value < 1 ? throw new ArgumentOutOfRangeException(nameof(value), $"threads must be at least 1, got {value}") : value;
    }

    /// <summary>Runs body(start, end) over [0, count) in up to <see cref="Threads"/> chunks; cost is the work of one item.</summary>
    public static void For(int count, long costPerItem, Action<int, int> body)
    {
        if (count <= 0) return;
        long total = count * Math.Max(1, costPerItem);
        int chunks = (int)Math.Min(Math.Min(_threads, count), Math.Max(1, total / MinWorkPerChunk));
        if (chunks <= 1)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            int s = (int)((long)c * count / chunks), e = (int)((long)(c + 1) * count / chunks);
            body(s, e);
        });
    }
}
