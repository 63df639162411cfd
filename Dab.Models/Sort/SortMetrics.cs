namespace Dab.Models.Sort;

public static class SortMetrics
{
    /// <summary>Per-sample loss of the paper: sum over positions of the cross-entropy, averaged over the batch.</summary>
    public static Tensor Loss(Tensor logits, Tensor targets)
    {
        var perPosition = Tensor.CrossEntropy(logits, targets, Reduction.None);
        return perPosition.Sum(1).Mean();
    }

    /// <summary>Number of sequences whose every position is predicted right (all-or-none).</summary>
    public static int AllOrNoneCorrect(Tensor logits, Tensor targets)
    {
        using var pred = logits.ArgMax(1);
        using var p = HostInt64(pred);
        using var t = HostInt64(targets);
        var ps = p.Span<long>();
        var ts = t.Span<long>();
        int b = targets.Shape[0], n = targets.Shape[1], correct = 0;
        for (int r = 0; r < b; r++)
            if (ps.Slice(r * n, n).SequenceEqual(ts.Slice(r * n, n))) correct++;
        return correct;
    }

    /// <summary>
    /// <paramref name="t"/>'s values as a CPU int64 tensor in pooled storage (a view of it when it already is
    /// one), so a training step reads its predictions without allocating host arrays. The caller disposes it.
    /// </summary>
    private static Tensor HostInt64(Tensor t)
    {
        var cpu = t.Device == Device.Cpu ? t.Detach() : t.To(Device.Cpu);
        if (cpu.DType == DType.Int64) return cpu;
        using (cpu) return cpu.To(DType.Int64);
    }
}
