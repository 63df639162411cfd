using System.Numerics;

namespace Dab.Backends.Cpu;

// The LSTM's fused gate loops: the same math as kernels/lstm.cuh, one pass over a row's 4 gates per
// unit, SIMD over units (Vector<T>) with a scalar tail. Rows are split over the cores when large.
public sealed partial class CpuBackend
{
    public void LstmGates(Rows xg, Tensor hg, Tensor c, Rows gates, Rows cOut, Tensor h, Rows hOut, int batch, int hidden)
    {
        if (batch == 0 || hidden == 0) return;
        if (hg.DType == DType.Float32) LstmGates<float>(xg, hg, c, gates, cOut, h, hOut, batch, hidden);
        else LstmGates<double>(xg, hg, c, gates, cOut, h, hOut, batch, hidden);
    }

    private static void LstmGates<T>(Rows xgR, Tensor hgT, Tensor cT, Rows gatesR, Rows cOutR, Tensor hT, Rows hOutR, int batch, int H)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xg = A<T>(xgR.Tensor); var hg = A<T>(hgT); var c = A<T>(cT); var gates = A<T>(gatesR.Tensor);
        var cOut = A<T>(cOutR.Tensor); var h = A<T>(hT); var hOut = A<T>(hOutR.Tensor);
        Par.For(batch, 40L * H, (b0, b1) =>
        {
            var sig = new Ops<T>.Sigmoid(); var th = new Ops<T>.Tanh();
            int w = Vector<T>.Count;
            for (int b = b0; b < b1; b++)
            {
                int x0 = xgR.Offset + b * xgR.Stride, h0 = b * 4 * H, g0 = gatesR.Offset + b * gatesR.Stride;
                int c0 = b * H, co = cOutR.Offset + b * cOutR.Stride, ho = hOutR.Offset + b * hOutR.Stride;
                int j = 0;
                for (; j <= H - w; j += w)
                {
                    var i = sig.Apply(new Vector<T>(xg, x0 + j) + new Vector<T>(hg, h0 + j));
                    var f = sig.Apply(new Vector<T>(xg, x0 + H + j) + new Vector<T>(hg, h0 + H + j));
                    var g = th.Apply(new Vector<T>(xg, x0 + 2 * H + j) + new Vector<T>(hg, h0 + 2 * H + j));
                    var o = sig.Apply(new Vector<T>(xg, x0 + 3 * H + j) + new Vector<T>(hg, h0 + 3 * H + j));
                    i.CopyTo(gates, g0 + j); f.CopyTo(gates, g0 + H + j); g.CopyTo(gates, g0 + 2 * H + j); o.CopyTo(gates, g0 + 3 * H + j);
                    var cn = f * new Vector<T>(c, c0 + j) + i * g;
                    var hn = o * th.Apply(cn);
                    cn.CopyTo(c, c0 + j); cn.CopyTo(cOut, co + j);
                    hn.CopyTo(h, c0 + j); hn.CopyTo(hOut, ho + j);
                }
                for (; j < H; j++)
                {
                    T i = sig.Apply(xg[x0 + j] + hg[h0 + j]);
                    T f = sig.Apply(xg[x0 + H + j] + hg[h0 + H + j]);
                    T g = th.Apply(xg[x0 + 2 * H + j] + hg[h0 + 2 * H + j]);
                    T o = sig.Apply(xg[x0 + 3 * H + j] + hg[h0 + 3 * H + j]);
                    gates[g0 + j] = i; gates[g0 + H + j] = f; gates[g0 + 2 * H + j] = g; gates[g0 + 3 * H + j] = o;
                    T cn = f * c[c0 + j] + i * g;
                    T hn = o * th.Apply(cn);
                    c[c0 + j] = cn; cOut[co + j] = cn;
                    h[c0 + j] = hn; hOut[ho + j] = hn;
                }
            }
        });
    }

    public void LstmGatesBackward(Rows gates, Rows cPrev, Rows c, Rows dhOut, Tensor dh, Tensor dc, Tensor dGates, Rows dGatesOut,
        int batch, int hidden)
    {
        if (batch == 0 || hidden == 0) return;
        if (dh.DType == DType.Float32) LstmGatesBackward<float>(gates, cPrev, c, dhOut, dh, dc, dGates, dGatesOut, batch, hidden);
        else LstmGatesBackward<double>(gates, cPrev, c, dhOut, dh, dc, dGates, dGatesOut, batch, hidden);
    }

    private static void LstmGatesBackward<T>(Rows gatesR, Rows cPrevR, Rows cR, Rows dhOutR, Tensor dhT, Tensor dcT, Tensor dGT, Rows dGOutR,
        int batch, int H) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gates = A<T>(gatesR.Tensor); var cPrev = A<T>(cPrevR.Tensor); var c = A<T>(cR.Tensor); var dhOut = A<T>(dhOutR.Tensor);
        var dh = A<T>(dhT); var dc = A<T>(dcT); var dG = A<T>(dGT); var dGOut = A<T>(dGOutR.Tensor);
        Par.For(batch, 40L * H, (b0, b1) =>
        {
            var th = new Ops<T>.Tanh();
            var one = Vector<T>.One;
            int w = Vector<T>.Count;
            for (int b = b0; b < b1; b++)
            {
                int g0 = gatesR.Offset + b * gatesR.Stride, cp = cPrevR.Offset + b * cPrevR.Stride, cc = cR.Offset + b * cR.Stride;
                int ho = dhOutR.Offset + b * dhOutR.Stride, r = b * H, d0 = b * 4 * H, dgo = dGOutR.Offset + b * dGOutR.Stride;
                int j = 0;
                for (; j <= H - w; j += w)
                {
                    var i = new Vector<T>(gates, g0 + j); var f = new Vector<T>(gates, g0 + H + j);
                    var g = new Vector<T>(gates, g0 + 2 * H + j); var o = new Vector<T>(gates, g0 + 3 * H + j);
                    var tc = th.Apply(new Vector<T>(c, cc + j));
                    var dhv = new Vector<T>(dhOut, ho + j) + new Vector<T>(dh, r + j);
                    var dct = new Vector<T>(dc, r + j) + dhv * o * (one - tc * tc);
                    var di = dct * g * i * (one - i);
                    var df = dct * new Vector<T>(cPrev, cp + j) * f * (one - f);
                    var dg = dct * i * (one - g * g);
                    var dO = dhv * tc * o * (one - o);
                    (dct * f).CopyTo(dc, r + j);
                    di.CopyTo(dG, d0 + j); df.CopyTo(dG, d0 + H + j); dg.CopyTo(dG, d0 + 2 * H + j); dO.CopyTo(dG, d0 + 3 * H + j);
                    di.CopyTo(dGOut, dgo + j); df.CopyTo(dGOut, dgo + H + j); dg.CopyTo(dGOut, dgo + 2 * H + j); dO.CopyTo(dGOut, dgo + 3 * H + j);
                }
                for (; j < H; j++)
                {
                    T i = gates[g0 + j], f = gates[g0 + H + j], g = gates[g0 + 2 * H + j], o = gates[g0 + 3 * H + j];
                    T tc = th.Apply(c[cc + j]);
                    T dhv = dhOut[ho + j] + dh[r + j];
                    T dct = dc[r + j] + dhv * o * (T.One - tc * tc);
                    T di = dct * g * i * (T.One - i);
                    T df = dct * cPrev[cp + j] * f * (T.One - f);
                    T dg = dct * i * (T.One - g * g);
                    T dO = dhv * tc * o * (T.One - o);
                    dc[r + j] = dct * f;
                    dG[d0 + j] = di; dG[d0 + H + j] = df; dG[d0 + 2 * H + j] = dg; dG[d0 + 3 * H + j] = dO;
                    dGOut[dgo + j] = di; dGOut[dgo + H + j] = df; dGOut[dgo + 2 * H + j] = dg; dGOut[dgo + 3 * H + j] = dO;
                }
            }
        });
    }
}
