namespace Dab.Kernels.Gpu;

public sealed partial class GpuBackend
{
    private static string Width(Tensor t) => t.DType.ElementSize() == 8 ? "b64" : "b32";

    public void Permute(Tensor x, int[] perm, Tensor y)
    {
        if (y.Numel == 0) return;
        int r = x.Rank;
        var stride = new int[r];
        for (int i = r - 1, s = 1; i >= 0; i--) { stride[i] = s; s *= x.Shape[i]; }
        var src = perm.Select(p => stride[p]).ToArray();
        var a = KernelArgs.Begin().Ptr(P(x)).Ptr(P(y)).Add(y.Numel).Add(r).Add(Dims8.From(y.Shape)).Add(Dims8.From(src));
        Launch(a, "permute_" + Width(x), GridFor(y.Numel), new(Threads), Describe("permute", x));
    }

    public void CopyBlocks(Tensor src, int srcRow, int srcOff, Tensor dst, int dstRow, int dstOff, int outer, int len)
    {
        if ((long)outer * len == 0) return;
        var a = KernelArgs.Begin().Ptr(P(src)).Add(srcRow).Add(srcOff).Ptr(P(dst)).Add(dstRow).Add(dstOff).Add(outer).Add(len);
        Launch(a, "copy_blocks_" + Width(src), GridFor((long)outer * len), new(Threads), Describe("copy", src, dst));
    }

    public void Gather(Tensor x, int outer, int n, int inner, Tensor index, int m, Tensor y) =>
        Indexed("gather_", x, outer, n, inner, index, m, y, "gather", checkFlag: true);

    public void ScatterAdd(Tensor g, int outer, int n, int inner, Tensor index, int m, Tensor dx) =>
        Indexed("scatter_add_", g, outer, n, inner, index, m, dx, "scatter_add", checkFlag: true);

    public void IndexSelect(Tensor x, int outer, int n, int inner, Tensor index, Tensor y) =>
        Indexed("index_select_", x, outer, n, inner, index, index.Numel, y, "index_select", checkFlag: true);

    public void IndexAdd(Tensor g, int outer, int n, int inner, Tensor index, Tensor dx)
    {
        if (g.Numel == 0) return;
        var a = KernelArgs.Begin().Ptr(P(g)).Add(outer).Add(n).Add(inner).Ptr(P(index)).Add(index.Numel).Ptr(P(dx));
        Launch(a, "index_add_" + Suffix(g), GridFor(g.Numel), new(Threads), Describe("index_add", g));
    }

    private void Indexed(string kernel, Tensor src, int outer, int n, int inner, Tensor index, int m, Tensor dst, string op, bool checkFlag)
    {
        long total = (long)outer * m * inner;
        if (total == 0) return;
        if (checkFlag) ClearFlag();
        var a = KernelArgs.Begin().Ptr(P(src)).Add(outer).Add(n).Add(inner).Ptr(P(index)).Add(m).Ptr(P(dst)).Ptr(_flag);
        Launch(a, kernel + Suffix(src), GridFor(total), new(Threads), Describe(op, src, index));
        if (!checkFlag) return;
        int bad = ReadFlag();
        if (bad != 0)
            throw new ArgumentException($"{op}: index {index.ToArray<long>()[bad - 1]} is out of range for a dimension of size {n}");
    }
}
