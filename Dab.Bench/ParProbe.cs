using System.Diagnostics;
using Dab.Backends.Cpu;

namespace Dab.Bench;

/// <summary>
/// <c>Dab.Bench par-probe</c>: the loop of <see cref="ParForBench"/> (y = 2x + 1 in two halves) in rounds of
/// 2,000 calls, alternating one thread, the worker team and <c>Parallel.For</c>, best round of each; and
/// the hand-off: how long after the call the second thread starts its half (mean), and how often the
/// calling thread ran the top half on the team (the owner takes the top chunk, so a steady split reads
/// "all"). A check on BenchmarkDotNet's one-stretch numbers.
/// </summary>
public static class ParProbe
{
    private const int Calls = 2_000;

    public static void Run(int rounds = 5)
    {
        Par.Threads = 2;
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; {rounds} rounds of {Calls} calls, best round of each, us per call");
        Console.WriteLine("| n | one thread | worker team | Parallel.For | team / one | Parallel.For / one | team: 2nd thread starts after | Parallel.For: 2nd thread starts after | team calls whose top half the caller ran |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (int n in new[] { 8_192, 65_536, 262_144 })
        {
            var s = (X: new float[n], Y: new float[n]);
            double one = double.MaxValue, team = double.MaxValue, pf = double.MaxValue;
            var probe = (S: s, Caller: Environment.CurrentManagedThreadId, Stats: new long[5]); // team delay, team late calls, caller top, PF delay, PF late calls
            for (int round = 0; round < rounds; round++)
            {
                var sw = Stopwatch.StartNew();
                for (int it = 0; it < Calls; it++) ParForBench.Body(s, 0, n);
                one = Math.Min(one, sw.Elapsed.TotalMicroseconds / Calls);

                sw.Restart();
                for (int it = 0; it < Calls; it++)
                    Par.For(2, long.MaxValue / 4, (P: probe, Start: Stopwatch.GetTimestamp()), static (in ((( float[] X, float[] Y) S, int Caller, long[] Stats) P, long Start) q, int c0, int c1) =>
                    {
                        Record(q.P.Stats, 0, q.P.Caller, q.Start);
                        if (c0 == 1 && Environment.CurrentManagedThreadId == q.P.Caller) Interlocked.Increment(ref q.P.Stats[2]);
                        int half = q.P.S.X.Length / 2;
                        ParForBench.Body(q.P.S, c0 * half, c1 * half);
                    });
                team = Math.Min(team, sw.Elapsed.TotalMicroseconds / Calls);

                sw.Restart();
                for (int it = 0; it < Calls; it++)
                {
                    long start = Stopwatch.GetTimestamp();
                    Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, c =>
                    {
                        Record(probe.Stats, 3, probe.Caller, start);
                        ParForBench.Body(s, c * n / 2, (c + 1) * n / 2);
                    });
                }
                pf = Math.Min(pf, sw.Elapsed.TotalMicroseconds / Calls);
            }
            var st = probe.Stats;
            double us = 1e6 / Stopwatch.Frequency, calls = (double)rounds * Calls;
            Console.WriteLine($"| {n} | {one:F1} | {team:F1} | {pf:F1} | {team / one:F2} | {pf / one:F2} | {st[0] * us / Math.Max(1, st[1]):F1} us | {st[3] * us / Math.Max(1, st[4]):F1} us | {st[2] / calls:P0} |");
        }
    }

    /// <summary>Adds how long after <paramref name="start"/> a thread other than the caller began its chunk.</summary>
    private static void Record(long[] stats, int slot, int caller, long start)
    {
        if (Environment.CurrentManagedThreadId == caller) return;
        Interlocked.Add(ref stats[slot], Stopwatch.GetTimestamp() - start);
        Interlocked.Increment(ref stats[slot + 1]);
    }
}
