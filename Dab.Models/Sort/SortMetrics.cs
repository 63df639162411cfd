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
        var p = pred.ToArray<long>();
        var t = targets.ToArray<long>();
        int b = targets.Shape[0], n = targets.Shape[1], correct = 0;
        for (int r = 0; r < b; r++)
        {
            bool ok = true;
            for (int j = 0; j < n && ok; j++) ok = p[r * n + j] == t[r * n + j];
            if (ok) correct++;
        }
        return correct;
    }
}
