namespace Dab.Models;

/// <summary>
/// Reports progress on the caller's thread, in order. <see cref="Progress{T}"/> would post each report
/// to the thread pool, reordering progress lines and letting a stop request arrive steps late.
/// </summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
