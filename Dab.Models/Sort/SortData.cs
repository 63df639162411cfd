using Dab.Random;

namespace Dab.Models.Sort;

/// <summary>
/// The sorting task: x ~ U(0,1)^T and, per position p, the index of the p-th smallest element
/// (the paper's one-hot rows as class indices). Seeded by Philox, so a seed fixes every batch.
/// </summary>
public sealed class SortData(int length, ulong seed)
{
    private readonly Generator _gen = new(seed);

    /// <summary>How far the generator has advanced: restoring it makes the following batches the same again (checkpoints).</summary>
    public ulong Offset { get => _gen.Offset; set => _gen.Offset = value; }

    public int Length { get; } = length >= 2 ? length : throw new ArgumentOutOfRangeException(nameof(length), $"sort length must be at least 2, got {length}");

    /// <summary>A fresh batch: inputs (B, T) float32 and targets (B, T) int64.</summary>
    public (Tensor X, Tensor Y) Next(int batch, Device device)
    {
        var x = _gen.Uniform([batch, Length]);
        var y = Targets(x);
        if (device == Device.Cpu) return (x, y);
        using (x) using (y) return (x.To(device), y.To(device));
    }

    /// <summary>argsort of each row (ascending); ties, which have probability zero, go to the lower index.</summary>
    public static Tensor Targets(Tensor x)
    {
        int b = x.Shape[0], t = x.Shape[1];
        if (t <= 32 && x.Device == Device.Cpu && x.DType == DType.Float32) return SmallTargets(x, b, t);
        var values = x.ToArray<float>();
        var idx = new long[b * t];
        var keys = new float[t];
        var order = new int[t];
        for (int r = 0; r < b; r++)
        {
            for (int j = 0; j < t; j++) { keys[j] = values[r * t + j]; order[j] = j; }
            Array.Sort(order, (p, q) => keys[p] != keys[q] ? keys[p].CompareTo(keys[q]) : p.CompareTo(q));
            for (int j = 0; j < t; j++) idx[r * t + j] = order[j];
        }
        return Tensor.FromArray(idx, [b, t], x.Device);
    }

    /// <summary>
    /// Short rows: a stable insertion sort straight from the tensor into a pooled one, so a training
    /// step allocates no arrays or comparison delegates here. Same order as the comparison above.
    /// </summary>
    private static Tensor SmallTargets(Tensor x, int b, int t)
    {
        var y = Tensor.Zeros([b, t], DType.Int64);
        var values = x.Span<float>();
        var idx = y.Span<long>();
        Span<int> order = stackalloc int[t];
        for (int r = 0; r < b; r++)
        {
            var keys = values.Slice(r * t, t);
            for (int i = 0; i < t; i++)
            {
                float k = keys[i];
                int j = i - 1;
                while (j >= 0 && keys[order[j]].CompareTo(k) > 0) { order[j + 1] = order[j]; j--; }
                order[j + 1] = i;
            }
            for (int j = 0; j < t; j++) idx[r * t + j] = order[j];
        }
        return y;
    }
}
