using Dab.Backends;

namespace Dab.Kernels.Gpu;

// Launches of the fused LSTM gate kernels (kernels/lstm.cuh): a thread per (row, unit).
public sealed partial class GpuBackend
{
    public void LstmGates(Rows xg, Tensor hg, Tensor c, Rows gates, Rows cOut, Tensor h, Rows hOut, int batch, int hidden)
    {
        long n = (long)batch * hidden;
        if (n == 0) return;
        var a = KernelArgs.Begin().Ptr(P(xg.Tensor)).Add(xg.Offset).Add(xg.Stride).Ptr(P(hg)).Ptr(P(c))
            .Ptr(P(gates.Tensor)).Add(gates.Offset).Add(gates.Stride).Ptr(P(cOut.Tensor)).Add(cOut.Offset).Add(cOut.Stride)
            .Ptr(P(h)).Ptr(P(hOut.Tensor)).Add(hOut.Offset).Add(hOut.Stride).Add(batch).Add(hidden);
        Launch(a, "lstm_gates_" + Suffix(hg), GridFor(n), new(Threads), Describe("lstm gates", hg, c));
    }

    public void LstmGatesBackward(Rows gates, Rows cPrev, Rows c, Rows dhOut, Tensor dh, Tensor dc, Tensor dGates, Rows dGatesOut,
        int batch, int hidden)
    {
        long n = (long)batch * hidden;
        if (n == 0) return;
        var a = KernelArgs.Begin().Ptr(P(gates.Tensor)).Add(gates.Offset).Add(gates.Stride)
            .Ptr(P(cPrev.Tensor)).Add(cPrev.Offset).Add(cPrev.Stride).Ptr(P(c.Tensor)).Add(c.Offset).Add(c.Stride)
            .Ptr(P(dhOut.Tensor)).Add(dhOut.Offset).Add(dhOut.Stride).Ptr(P(dh)).Ptr(P(dc)).Ptr(P(dGates))
            .Ptr(P(dGatesOut.Tensor)).Add(dGatesOut.Offset).Add(dGatesOut.Stride).Add(batch).Add(hidden);
        Launch(a, "lstm_gates_grad_" + Suffix(dh), GridFor(n), new(Threads), Describe("lstm gates backward", dh, dc));
    }
}
