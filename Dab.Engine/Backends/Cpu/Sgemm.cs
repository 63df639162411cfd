using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dab.Backends.Cpu;

/// <summary>
/// Single-precision GEMM in the BLIS style: B is packed into KC x NR panels, A into MR x KC panels
/// (packing absorbs the transposes), and a 6x16 register-blocked FMA micro-kernel computes each tile.
/// Row blocks of C are shared between the cores.
/// </summary>
internal static unsafe class Sgemm
{
    private const int MR = 6, NR = 16, KC = 256, MC = 96, NC = 2048;

    [ThreadStatic] private static float[]? _aPack;
    private static float[] _bPack = new float[KC * NC];
    private static readonly object BLock = new();

    /// <summary>C (m x n, row-major) = op(A) op(B) (+ C if accumulate).</summary>
    public static void Run(float* a, bool transA, float* b, bool transB, float* c, int m, int n, int k, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) new Span<float>(c, m * n).Clear();
            return;
        }
        // The shared B panel buffer serialises concurrent top-level GEMMs (tests may run them in parallel).
        lock (BLock)
        {
            int lda = transA ? m : k, ldb = transB ? k : n;
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool acc = accumulate || pc > 0;
                    fixed (float* bp = _bPack) PackB(b, transB, ldb, pc, jc, kc, nc, bp);
                    int mBlocks = (m + MC - 1) / MC, panels = (nc + NR - 1) / NR;
                    int nSplit = Math.Max(1, Math.Min(panels, Par.Threads / mBlocks));
                    nint pa = (nint)a, pcc = (nint)c;
                    int jcL = jc, pcL = pc;
                    Par.For(mBlocks * nSplit, (long)Math.Min(MC, m) * kc * nc / nSplit, (t0, t1) =>
                    {
                        var aPack = _aPack ??= new float[MC * KC];
                        fixed (float* ap = aPack)
                        fixed (float* bp = _bPack)
                            for (int t = t0; t < t1; t++)
                            {
                                int ib = t / nSplit, part = t % nSplit;
                                int ic = ib * MC, mc = Math.Min(MC, m - ic);
                                int p0 = part * panels / nSplit, p1 = (part + 1) * panels / nSplit;
                                PackA((float*)pa, transA, lda, ic, pcL, mc, kc, ap);
                                Macro(ap, bp, (float*)pcc, n, ic, jcL, mc, nc, kc, p0, p1, acc);
                            }
                    });
                }
            }
        }
    }

    private static void PackB(float* b, bool transB, int ldb, int pc, int jc, int kc, int nc, float* dst)
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int nr = Math.Min(NR, nc - jr);
            float* d = dst + jr * kc;
            for (int p = 0; p < kc; p++, d += NR)
            {
                int row = pc + p;
                if (!transB)
                {
                    float* s = b + (long)row * ldb + jc + jr;
                    if (nr == NR) { Vector256.Store(Vector256.Load(s), d); Vector256.Store(Vector256.Load(s + 8), d + 8); }
                    else { for (int j = 0; j < nr; j++) d[j] = s[j]; for (int j = nr; j < NR; j++) d[j] = 0; }
                }
                else
                {
                    float* s = b + (long)(jc + jr) * ldb + row;
                    for (int j = 0; j < nr; j++) d[j] = s[(long)j * ldb];
                    for (int j = nr; j < NR; j++) d[j] = 0;
                }
            }
        }
    }

    private static void PackA(float* a, bool transA, int lda, int ic, int pc, int mc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            float* d = dst + ir * kc;
            if (!transA)
            {
                for (int r = 0; r < MR; r++)
                {
                    if (r < mr)
                    {
                        float* s = a + (long)(ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) d[p * MR + r] = s[p];
                    }
                    else for (int p = 0; p < kc; p++) d[p * MR + r] = 0;
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* s = a + (long)(pc + p) * lda + ic + ir;
                    for (int r = 0; r < mr; r++) d[p * MR + r] = s[r];
                    for (int r = mr; r < MR; r++) d[p * MR + r] = 0;
                }
            }
        }
    }

    private static void Macro(float* ap, float* bp, float* c, int ldc, int ic, int jc, int mc, int nc, int kc, int p0, int p1, bool acc)
    {
        for (int panel = p0; panel < p1; panel++)
        {
            int jr = panel * NR, nr = Math.Min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR)
            {
                int mr = Math.Min(MR, mc - ir);
                Kernel(kc, ap + ir * kc, bp + jr * kc, c + (long)(ic + ir) * ldc + jc + jr, ldc, mr, nr, acc);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, bool acc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += MR, b += NR)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        if (mr == MR && nr == NR)
        {
            Store(c, c00, c01, acc); Store(c + ldc, c10, c11, acc); Store(c + 2 * ldc, c20, c21, acc);
            Store(c + 3 * ldc, c30, c31, acc); Store(c + 4 * ldc, c40, c41, acc); Store(c + 5 * ldc, c50, c51, acc);
            return;
        }
        float* t = stackalloc float[MR * NR];
        Vector256.Store(c00, t); Vector256.Store(c01, t + 8); Vector256.Store(c10, t + 16); Vector256.Store(c11, t + 24);
        Vector256.Store(c20, t + 32); Vector256.Store(c21, t + 40); Vector256.Store(c30, t + 48); Vector256.Store(c31, t + 56);
        Vector256.Store(c40, t + 64); Vector256.Store(c41, t + 72); Vector256.Store(c50, t + 80); Vector256.Store(c51, t + 88);
        for (int r = 0; r < mr; r++)
            for (int j = 0; j < nr; j++)
                c[(long)r * ldc + j] = acc ? c[(long)r * ldc + j] + t[r * NR + j] : t[r * NR + j];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v0, Vector256<float> v1, bool acc)
    {
        if (acc) { v0 += Vector256.Load(c); v1 += Vector256.Load(c + 8); }
        Vector256.Store(v0, c);
        Vector256.Store(v1, c + 8);
    }
}
