using System.Collections.Concurrent;

namespace Dab;

/// <summary>
/// Recycles host arrays by exact length so a steady-state training step (same shapes every step)
/// allocates nothing on the managed heap once the first step has filled the pool.
/// </summary>
internal static class BufferPool<T> where T : unmanaged
{
    private static readonly ConcurrentDictionary<int, ConcurrentBag<T[]>> Bins = new();
    private const int MaxPerBin = 64;

    public static T[] Rent(int length, bool clear)
    {
        if (length == 0) return Array.Empty<T>();
        if (Bins.TryGetValue(length, out var bag) && bag.TryTake(out var arr))
        {
            if (clear) Array.Clear(arr);
            return arr;
        }
        return clear ? new T[length] : GC.AllocateUninitializedArray<T>(length);
    }

    public static void Return(T[] arr)
    {
        if (arr.Length == 0) return;
        var bag = Bins.GetOrAdd(arr.Length, _ => new ConcurrentBag<T[]>());
        if (bag.Count < MaxPerBin) bag.Add(arr);
    }
}
