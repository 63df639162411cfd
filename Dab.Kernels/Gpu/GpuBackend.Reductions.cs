using Dab.Kernels.Interop;
using Dab.Backends;

namespace Dab.Kernels.Gpu;

public sealed partial class GpuBackend
{
    /// <summary>Rows (inner == 1) get a warp each, 4 warps a block; strided columns a thread per output.</summary>
    private static (Dim3 Grid, Dim3 Block) DimwiseLaunch(int outer, int inner) =>
        inner == 1 ? (new Dim3((uint)Math.Max(1, (outer + 3) / 4)), new Dim3(128)) : (GridFor((long)outer * inner), new Dim3(Threads));

    public void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y)
    {
        if (y.Numel == 0) return;
        bool arg = op is ReduceOp.ArgMax or ReduceOp.ArgMin;
        var a = KernelArgs.Begin().Add((int)op).Ptr(P(x)).Add(outer).Add(n).Add(inner).Ptr(arg ? 0 : P(y)).Ptr(arg ? P(y) : 0);
        var (grid, block) = DimwiseLaunch(outer, inner);
        Launch(a, "reduce_" + Suffix(x), grid, block, Describe(op.ToString(), x));
    }

    public void Softmax(Tensor x, int outer, int n, int inner, Tensor y, bool log)
    {
        if (x.Numel == 0) return;
        var a = KernelArgs.Begin().Ptr(P(x)).Add(outer).Add(n).Add(inner).Ptr(P(y)).Add(log ? 1 : 0);
        var (grid, block) = DimwiseLaunch(outer, inner);
        Launch(a, "softmax_" + Suffix(x), grid, block, Describe(log ? "log_softmax" : "softmax", x));
    }

    public void SoftmaxBackward(Tensor g, Tensor y, int outer, int n, int inner, Tensor dx, bool log)
    {
        if (g.Numel == 0) return;
        var a = KernelArgs.Begin().Ptr(P(g)).Ptr(P(y)).Add(outer).Add(n).Add(inner).Ptr(P(dx)).Add(log ? 1 : 0);
        Launch(a, "softmax_grad_" + Suffix(g), GridFor((long)outer * inner), new(Threads), Describe("softmax backward", g));
    }

    public void CrossEntropy(Tensor logits, Tensor target, int outer, int n, int inner, Tensor loss, Tensor logProbs)
    {
        Softmax(logits, outer, n, inner, logProbs, log: true);
        if (loss.Numel == 0) return;
        ClearFlag();
        var a = KernelArgs.Begin().Ptr(P(logProbs)).Ptr(P(target)).Add(outer).Add(n).Add(inner).Ptr(P(loss)).Ptr(_flag);
        Launch(a, "nll_" + Suffix(logits), GridFor(loss.Numel), new(Threads), Describe("cross_entropy", logits, target));
        int bad = ReadFlag();
        if (bad != 0)
        {
            long t = target.ToArray<long>()[bad - 1];
            throw new ArgumentException($"cross_entropy: target {t} at position {bad - 1} is out of range for {n} classes");
        }
    }

    public void CrossEntropyBackward(Tensor g, Tensor logProbs, Tensor target, int outer, int n, int inner, Tensor dx)
    {
        if (dx.Numel == 0) return;
        var a = KernelArgs.Begin().Ptr(P(g)).Ptr(P(logProbs)).Ptr(P(target)).Add(outer).Add(n).Add(inner).Ptr(P(dx));
        Launch(a, "ce_grad_" + Suffix(g), GridFor(dx.Numel), new(Threads), Describe("cross_entropy backward", g));
    }

    public void MatMul(Tensor a, bool transA, long strideA, Tensor b, bool transB, long strideB, Tensor c,
        int batch, int m, int n, int k, bool accumulate)
    {
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) Runtime.Memset(P(c), 0, (long)batch * m * n * c.DType.ElementSize());
            return;
        }
        bool f32 = F32(a);
        int tile = f32 ? 64 : 16;
        var args = KernelArgs.Begin().Ptr(P(a)).Add(transA ? 1 : 0).Add(strideA).Ptr(P(b)).Add(transB ? 1 : 0).Add(strideB)
            .Ptr(P(c)).Add(m).Add(n).Add(k).Add(accumulate ? 1 : 0);
        var grid = new Dim3((uint)((n + tile - 1) / tile), (uint)((m + tile - 1) / tile), (uint)batch);
        Launch(args, f32 ? "sgemm" : "dgemm", grid, new(256), $"matmul {batch}x({m}x{k} @ {k}x{n}) {a.DType.Name()}");
    }

    private void ClearFlag() => Runtime.Memset(_flag, 0, 4);

    // The index checks read a device flag back, which a capture cannot: there they are skipped.
    private unsafe int ReadFlag()
    {
        if (Capturing) return 0;
        int v;
        Runtime.Synchronize();
        Runtime.CopyDtoH(&v, _flag, 4);
        return v;
    }
}
