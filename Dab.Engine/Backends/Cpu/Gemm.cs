using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dab.Backends.Cpu;

/// <summary>Which register-blocked micro-kernel a GEMM uses.</summary>
public enum GemmKernel
{
    /// <summary>The widest the processor runs natively: Vector512, else Vector256, else scalar.</summary>
    Auto,
    /// <summary>12 rows x 2 Vector512 (12x32 float, 12x16 double).</summary>
    Vector512,
    /// <summary>6 rows x 2 Vector256 (6x16 float, 6x8 double).</summary>
    Vector256,
    /// <summary>4x4 scalar fused multiply-adds: the portable fallback.</summary>
    Scalar,
}

/// <summary>
/// General matrix product C = op(A) op(B) (+ C) for float32 and float64 in the BLIS style:
/// B is packed into KC x NR panels (a KC x NC block, 1 MiB, stays in L2), A one MR x KC panel at a time just
/// before use (packing absorbs the transposes, so no operand is ever copied whole), and a register-blocked
/// FMA micro-kernel computes each MR x NR tile while the A panel stays in L1 and the B panels stream past
/// it along a row of tiles. A narrow C reads A in place instead (<see cref="SerialNarrow"/>). The micro-kernel is chosen at run time
/// from what the processor runs natively. With more than one thread, C is split into independent
/// row (or column) blocks, one per thread, each with its own packing buffers: one fork/join per GEMM.
/// Every kernel sums each element in the same order (KC blocks, FMAs in k order), so the result is
/// bit-identical across kernels and thread counts.
/// </summary>
internal static unsafe class Gemm<T> where T : unmanaged
{
    private const int KC = 256;
    /// <summary>Columns of a packed B block: KC x NC is 1 MiB, half the L2 of a core here.</summary>
    private static readonly int NC = (1 << 20) / (KC * sizeof(T));
    /// <summary>Below this many multiply-adds a second thread costs more than it saves.</summary>
    private const long MinParallelWork = 96 * 1024;

    [ThreadStatic] private static T[]? _aPack, _bPack;

    public static GemmKernel Native =>
        Vector512.IsHardwareAccelerated ? GemmKernel.Vector512
        : Vector256.IsHardwareAccelerated ? GemmKernel.Vector256
        : GemmKernel.Scalar;

    private static (int MR, int NR) Tile(GemmKernel k) => k switch
    {
        GemmKernel.Vector512 => (12, 2 * Vector512<T>.Count),
        GemmKernel.Vector256 => (6, 2 * Vector256<T>.Count),
        _ => (4, 4),
    };

    /// <summary>C (m x n, row-major) = op(A) op(B) (+ C if accumulate), A and B row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(T* a, bool transA, T* b, bool transB, T* c, int m, int n, int k, bool accumulate,
        GemmKernel kernel = GemmKernel.Auto, int threads = 0)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) throw new NotSupportedException($"GEMM of {typeof(T).Name}");
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) new Span<T>(c + (long)i * n, n).Clear();
            return;
        }
        if (kernel == GemmKernel.Auto) kernel = Native;
        if (threads <= 0) threads = Par.Threads;
        var (mr, nr) = Tile(kernel);
        // A narrow C (n well under the tile width, m larger) wastes most of every register tile. With A not
        // transposed the Vector512 kernel has a narrow path that reads A in place (SerialNarrow); otherwise
        // compute C^T = op(B)^T op(A)^T instead, n rows of m, into scratch and transpose it into C. Each
        // element is the same sum in the same order, so the result does not change.
        if (n < nr / 2 && m > n && !Narrow(kernel, transA, n))
        {
            RunTransposed(a, transA, b, transB, c, m, n, k, accumulate, kernel, threads);
            return;
        }
        int lda = transA ? m : k, ldb = transB ? k : n;
        long work = (long)m * n * k;
        // Split C into one block of rows or of columns per thread, aligned to the register tile: whichever
        // makes the largest block cheaper, counting the packing each block repeats (a row block packs all of
        // B, a column block all of A).
        int usable = (int)Math.Min(threads, Math.Max(1, work / MinParallelWork));
        int tilesM = (m + mr - 1) / mr, tilesN = (n + nr - 1) / nr;
        bool splitM = SplitCost(tilesM, mr, n, m, k, usable) <= SplitCost(tilesN, nr, m, n, k, usable);
        int tiles = splitM ? tilesM : tilesN;
        int parts = Math.Min(usable, tiles);
        if (parts <= 1)
        {
            Serial(a, transA, lda, b, transB, ldb, c, n, m, n, k, accumulate, kernel);
            return;
        }
        var job = new SplitJob((nint)a, transA, lda, (nint)b, transB, ldb, (nint)c, m, n, k, accumulate, kernel, splitM, tiles, parts, mr, nr);
        Par.For(parts, long.MaxValue / parts / 2, job, static (in SplitJob j, int p0, int p1) =>
        {
            for (int part = p0; part < p1; part++) j.RunPart(part);
        });
    }

    /// <summary>One GEMM split into blocks of C for the threads (passed by value: no closure per call).</summary>
    private readonly record struct SplitJob(nint A, bool TransA, int Lda, nint B, bool TransB, int Ldb, nint C,
        int M, int N, int K, bool Accumulate, GemmKernel Kernel, bool SplitM, int Tiles, int Parts, int MR, int NR)
    {
        public void RunPart(int part)
        {
            int t0 = (int)((long)part * Tiles / Parts), t1 = (int)((long)(part + 1) * Tiles / Parts);
            if (SplitM)
            {
                int i0 = t0 * MR, i1 = Math.Min(M, t1 * MR);
                T* ai = (T*)A + (TransA ? i0 : (long)i0 * Lda);
                Serial(ai, TransA, Lda, (T*)B, TransB, Ldb, (T*)C + (long)i0 * N, N, i1 - i0, N, K, Accumulate, Kernel);
            }
            else
            {
                int j0 = t0 * NR, j1 = Math.Min(N, t1 * NR);
                T* bj = (T*)B + (TransB ? (long)j0 * Ldb : j0);
                Serial((T*)A, TransA, Lda, bj, TransB, Ldb, (T*)C + j0, N, M, j1 - j0, K, Accumulate, Kernel);
            }
        }
    }

    /// <summary>
    /// Multiply-adds of the largest of `threads` blocks when C (size x other) is split along size in tiles of
    /// `tile`, plus its packing (about 16 multiply-adds an element): all of the other operand and its share.
    /// </summary>
    private static long SplitCost(int tiles, int tile, int other, int size, int k, int threads)
    {
        int parts = Math.Min(threads, tiles);
        long block = Math.Min(size, (long)((tiles + parts - 1) / parts) * tile);
        return block * other * k + 16 * ((long)other * k + block * k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunTransposed(T* a, bool transA, T* b, bool transB, T* c, int m, int n, int k, bool accumulate,
        GemmKernel kernel, int threads)
    {
        var scratch = System.Buffers.ArrayPool<T>.Shared.Rent(m * n);
        try
        {
            fixed (T* ct = scratch)
            {
                // Accumulating, C^T starts as the old C so that each k-block is added to it in turn, as
                // every other path does (adding the finished sum at the end would round differently).
                if (accumulate)
                    for (int i = 0; i < m; i++)
                    {
                        T* row = c + (long)i * n;
                        for (int j = 0; j < n; j++) ct[(long)j * m + i] = row[j];
                    }
                Run(b, !transB, a, !transA, ct, n, m, k, accumulate, kernel, threads); // ct (n x m) = C^T
                for (int i = 0; i < m; i++)
                {
                    T* row = c + (long)i * n;
                    for (int j = 0; j < n; j++) row[j] = ct[(long)j * m + i];
                }
            }
        }
        finally { System.Buffers.ArrayPool<T>.Shared.Return(scratch); }
    }

    /// <summary>
    /// This thread's packing buffer of at least the given length, 64-byte aligned so that every Vector512
    /// load of a packed panel stays within one cache line. Pinned: the GC never moves it.
    /// </summary>
    private static T* PackBuffer(ref T[]? buffer, int length)
    {
        int pad = 64 / sizeof(T);
        if (buffer == null || buffer.Length < length + pad) buffer = GC.AllocateUninitializedArray<T>(length + pad, pinned: true);
        nint p = (nint)Unsafe.AsPointer(ref buffer[0]);
        return (T*)((p + 63) & ~(nint)63);
    }

    /// <summary>One thread's GEMM on a block of C with leading dimension ldc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Serial(T* a, bool transA, int lda, T* b, bool transB, int ldb, T* c, int ldc,
        int m, int n, int k, bool accumulate, GemmKernel kernel)
    {
        if (Narrow(kernel, transA, n))
        {
            SerialNarrow(a, transA, lda, b, transB, ldb, c, ldc, m, n, k, accumulate);
            return;
        }
        var (mr, nr) = Tile(kernel);
        T* ap = PackBuffer(ref _aPack, 12 * KC + 16);
        T* bp = PackBuffer(ref _bPack, KC * (NC + 32));
        // A partial tile is written here first. Kept out of the kernels: a stackalloc there is zeroed by a
        // helper call, and the JIT then keeps every accumulator in memory across the whole k loop.
        T* tile = stackalloc T[12 * 32];
        for (int jc = 0; jc < n; jc += NC)
        {
            int ncb = Math.Min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                bool acc = accumulate || pc > 0;
                PackB(b, transB, ldb, pc, jc, kc, ncb, nr, bp);
                // Each A micro-panel (MR x kc) is packed just before use and stays in L1 while the B panels
                // stream past it from L2, so consecutive tiles walk along the same MR rows of C (sequential,
                // which the hardware prefetches) rather than down MR new rows each time.
                for (int ir = 0; ir < m; ir += mr)
                {
                    int mrr = Math.Min(mr, m - ir);
                    // The Vector512 kernels read a full 12-row block of A where it lies (untransposed: 12 rows
                    // walked along k; transposed: 12 adjacent elements of each of kc rows): packing it would
                    // cost a pass over A per product, for the same loads.
                    T* aBlock = ap;
                    nint rs = 1, ps = mr;
                    if (kernel == GemmKernel.Vector512 && !transA && mrr == mr) { aBlock = a + (long)ir * lda + pc; rs = lda; ps = 1; }
                    else if (kernel == GemmKernel.Vector512 && transA && mrr == mr) { aBlock = a + (long)pc * lda + ir; rs = 1; ps = lda; }
                    else PackA(a, transA, lda, ir, pc, mrr, kc, mr, ap);
                    T* cRow = c + (long)ir * ldc + jc;
                    for (int jr = 0; jr < ncb; jr += nr)
                    {
                        int nrr = Math.Min(nr, ncb - jr);
                        T* bPanel = bp + (long)jr * kc, ct = cRow + jr;
                        switch (kernel)
                        {
                            case GemmKernel.Vector512 when nrr <= nr / 2: Kernel512Half(kc, aBlock, rs, ps, bPanel, ct, ldc, mrr, nrr, acc, nr, tile); break;
                            case GemmKernel.Vector512: Kernel512(kc, aBlock, rs, ps, bPanel, ct, ldc, mrr, nrr, acc, tile); break;
                            case GemmKernel.Vector256: Kernel256(kc, ap, bPanel, ct, ldc, mrr, nrr, acc, tile); break;
                            default: KernelScalar(kc, ap, bPanel, ct, ldc, mrr, nrr, acc, tile); break;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Whether <see cref="SerialNarrow"/> computes this product (a transposed A is read better packed).</summary>
    private static bool Narrow(GemmKernel kernel, bool transA, int n) =>
        kernel == GemmKernel.Vector512 && n <= Vector512<T>.Count && !transA;

    /// <summary>
    /// A narrow C (n at most one Vector512): op(B) is packed into kc x W panels (tiny), and op(A) is read in
    /// place, 12 rows at a time, each element broadcast against the row of B: packing A would cost as much
    /// as the product itself. Only a last partial block of rows is packed (zero-padded), so nothing is read
    /// past A. Per element the same sums in the same order as the other kernels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SerialNarrow(T* a, bool transA, int lda, T* b, bool transB, int ldb, T* c, int ldc,
        int m, int n, int k, bool accumulate)
    {
        const int MR = 12;
        int w = Vector512<T>.Count;
        T* ap = PackBuffer(ref _aPack, 12 * KC + 16);
        T* bp = PackBuffer(ref _bPack, KC * (NC + 32));
        T* tile = stackalloc T[12 * 32];
        nint rs = transA ? 1 : lda, ps = transA ? lda : 1; // element (i, p) of op(A) is a[i * rs + p * ps]
        int full = m / MR * MR;
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            bool acc = accumulate || pc > 0;
            PackB(b, transB, ldb, pc, 0, kc, n, w, bp);
            T* ak = a + pc * ps;
            for (int i = 0; i < full; i += MR)
                Kernel512Half(kc, ak + i * rs, rs, ps, bp, c + (long)i * ldc, ldc, MR, n, acc, w, tile);
            if (full < m)
            {
                PackA(a, transA, lda, full, pc, m - full, kc, MR, ap);
                Kernel512Half(kc, ap, 1, MR, bp, c + (long)full * ldc, ldc, m - full, n, acc, w, tile);
            }
        }
    }

    /// <summary>B[pc.., jc..] (kc x nc) into panels of NR columns, each kc rows of NR contiguous elements, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(T* b, bool transB, int ldb, int pc, int jc, int kc, int nc, int nr, T* dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int w = Math.Min(nr, nc - jr);
            T* d = dst + (long)jr * kc;
            if (!transB) CopyRows(b + (long)pc * ldb + jc + jr, ldb, kc, w, d, nr);
            else TransposeRows(b + (long)(jc + jr) * ldb + pc, ldb, w, kc, d, nr); // column j of op(B) is row j of B
        }
    }

    /// <summary>Rows i0 .. i0 + h of op(A)[.., pc..] (h &lt;= mr) into one panel: kc columns of mr contiguous elements, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(T* a, bool transA, int lda, int i0, int pc, int h, int kc, int mr, T* dst)
    {
        if (!transA) TransposeRows(a + (long)i0 * lda + pc, lda, h, kc, dst, mr);
        else CopyRows(a + (long)pc * lda + i0, lda, kc, h, dst, mr);
    }

    /// <summary>dst[p * width + j] = src[p * ld + j] for p &lt; rows, j &lt; w; zero for w &lt;= j &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyRows(T* src, int ld, int rows, int w, T* dst, int width)
    {
        if (w < width) new Span<T>(dst, rows * width).Clear();
        else if (Vector512.IsHardwareAccelerated && width == 2 * Vector512<T>.Count) // a full Vector512 B panel
        {
            for (int p = 0; p < rows; p++, src += ld, dst += width)
            {
                Vector512.Load(src).Store(dst);
                Vector512.Load(src + Vector512<T>.Count).Store(dst + Vector512<T>.Count);
            }
            return;
        }
        else if (width == 12) // a full 12-row A panel of the Vector512 kernel
        {
            for (int p = 0; p < rows; p++, src += ld, dst += width)
            {
                if (typeof(T) == typeof(float)) { Vector256.Load(src).Store(dst); Vector128.Load(src + 8).Store(dst + 8); }
                else { Vector512.Load(src).Store(dst); Vector256.Load(src + 8).Store(dst + 8); }
            }
            return;
        }
        for (int p = 0; p < rows; p++, src += ld, dst += width)
        {
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
                for (; j <= w - Vector512<T>.Count; j += Vector512<T>.Count) Vector512.Load(src + j).Store(dst + j);
            for (; j <= w - Vector256<T>.Count; j += Vector256<T>.Count) Vector256.Load(src + j).Store(dst + j);
            for (; j <= w - Vector128<T>.Count; j += Vector128<T>.Count) Vector128.Load(src + j).Store(dst + j);
            for (; j < w; j++) dst[j] = src[j];
        }
    }

    /// <summary>
    /// dst[p * width + r] = src[r * ld + p] for r &lt; h, p &lt; kc; zero for h &lt;= r &lt; width.
    /// Reads rows contiguously; float32 goes through 4x4 SSE transposes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeRows(T* src, int ld, int h, int kc, T* dst, int width)
    {
        if (h < width) new Span<T>(dst, kc * width).Clear();
        int r = 0;
        if (typeof(T) == typeof(float) && System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            for (; r + 4 <= h; r += 4)
            {
                float* s0 = (float*)src + (long)r * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
                float* d = (float*)dst + r;
                int p = 0;
                for (; p + 4 <= kc; p += 4, d += 4 * width)
                {
                    var r0 = Vector128.Load(s0 + p); var r1 = Vector128.Load(s1 + p);
                    var r2 = Vector128.Load(s2 + p); var r3 = Vector128.Load(s3 + p);
                    var t0 = System.Runtime.Intrinsics.X86.Sse.UnpackLow(r0, r1);
                    var t1 = System.Runtime.Intrinsics.X86.Sse.UnpackLow(r2, r3);
                    var t2 = System.Runtime.Intrinsics.X86.Sse.UnpackHigh(r0, r1);
                    var t3 = System.Runtime.Intrinsics.X86.Sse.UnpackHigh(r2, r3);
                    System.Runtime.Intrinsics.X86.Sse.MoveLowToHigh(t0, t1).Store(d);
                    System.Runtime.Intrinsics.X86.Sse.MoveHighToLow(t1, t0).Store(d + width);
                    System.Runtime.Intrinsics.X86.Sse.MoveLowToHigh(t2, t3).Store(d + 2 * width);
                    System.Runtime.Intrinsics.X86.Sse.MoveHighToLow(t3, t2).Store(d + 3 * width);
                }
                for (; p < kc; p++, d += width) { d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p]; }
            }
        }
        for (; r < h; r++)
        {
            T* s = src + (long)r * ld;
            for (int p = 0; p < kc; p++) dst[(long)p * width + r] = s[p];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> x, Vector512<T> y, Vector512<T> z) =>
        typeof(T) == typeof(float)
            ? Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>()
            : Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> x, Vector256<T> y, Vector256<T> z) =>
        typeof(T) == typeof(float)
            ? Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>()
            : Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Fma(T x, T y, T z) =>
        typeof(T) == typeof(float)
            ? (T)(object)MathF.FusedMultiplyAdd((float)(object)x, (float)(object)y, (float)(object)z)
            : (T)(object)Math.FusedMultiplyAdd((double)(object)x, (double)(object)y, (double)(object)z);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Add(T x, T y) =>
        typeof(T) == typeof(float) ? (T)(object)((float)(object)x + (float)(object)y) : (T)(object)((double)(object)x + (double)(object)y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(T* c, Vector512<T> v0, Vector512<T> v1, bool acc)
    {
        if (acc) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + Vector512<T>.Count); }
        v0.Store(c);
        v1.Store(c + Vector512<T>.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(T* c, Vector256<T> v0, Vector256<T> v1, bool acc)
    {
        if (acc) { v0 += Vector256.Load(c); v1 += Vector256.Load(c + Vector256<T>.Count); }
        v0.Store(c);
        v1.Store(c + Vector256<T>.Count);
    }

    /// <summary>A partial tile: the kernel wrote its full tile to t (MR x NR); copy the valid part.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StorePartial(T* t, int nrFull, T* c, int ldc, int mr, int nr, bool acc)
    {
        if (Avx512F.IsSupported)
        {
            int w = Vector512<T>.Count;
            for (int r = 0; r < mr; r++)
            {
                T* tr = t + r * nrFull, cr = c + (long)r * ldc;
                int j = 0;
                for (; j <= nr - w; j += w)
                {
                    var v = Vector512.Load(tr + j);
                    if (acc) v += Vector512.Load(cr + j);
                    v.Store(cr + j);
                }
                if (j < nr)
                {
                    var mask = FirstLanes(nr - j);
                    var v = Vector512.Load(tr + j);
                    if (acc) v += MaskLoad(cr + j, mask);
                    MaskStore(cr + j, mask, v);
                }
            }
            return;
        }
        for (int r = 0; r < mr; r++)
            for (int j = 0; j < nr; j++)
            {
                ref T dst = ref c[(long)r * ldc + j];
                dst = acc ? Add(dst, t[r * nrFull + j]) : t[r * nrFull + j];
            }
    }

    /// <summary>A mask of the first count lanes (0 &lt; count &lt; lanes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> FirstLanes(int count) =>
        typeof(T) == typeof(float)
            ? Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).As<int, T>()
            : Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)count)).As<long, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> MaskLoad(T* p, Vector512<T> mask) =>
        typeof(T) == typeof(float)
            ? Avx512F.MaskLoad((float*)p, mask.AsSingle(), Vector512<float>.Zero).As<float, T>()
            : Avx512F.MaskLoad((double*)p, mask.AsDouble(), Vector512<double>.Zero).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaskStore(T* p, Vector512<T> mask, Vector512<T> v)
    {
        if (typeof(T) == typeof(float)) Avx512F.MaskStore((float*)p, mask.AsSingle(), v.AsSingle());
        else Avx512F.MaskStore((double*)p, mask.AsDouble(), v.AsDouble());
    }

    /// <summary>
    /// 12 x (2 x Vector512): 24 accumulators of the 32 zmm registers, 2 for B, 1 broadcast of A. Element
    /// (r, p) of the A block is a[r * rs + p * ps]: a packed panel (rs 1, ps 12) or A read in place (rs lda,
    /// ps 1), addressed from four row pointers (rows 0, 3, 6, 9) plus 0, 1 or 2 row strides.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512(int kc, T* a, nint rs, nint ps, T* b, T* c, int ldc, int mr, int nr, bool acc, T* t)
    {
        int W = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default,
            c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        T* a0 = a, a3 = a + 3 * rs, a6 = a + 6 * rs, a9 = a + 9 * rs;
        nint r2 = 2 * rs;
        for (int p = 0; p < kc; p++, a0 += ps, a3 += ps, a6 += ps, a9 += ps, b += 2 * W)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + W);
            var x = Vector512.Create(a0[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector512.Create(a0[rs]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector512.Create(a0[r2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector512.Create(a3[0]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector512.Create(a3[rs]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector512.Create(a3[r2]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            x = Vector512.Create(a6[0]); c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61);
            x = Vector512.Create(a6[rs]); c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71);
            x = Vector512.Create(a6[r2]); c80 = Fma(x, b0, c80); c81 = Fma(x, b1, c81);
            x = Vector512.Create(a9[0]); c90 = Fma(x, b0, c90); c91 = Fma(x, b1, c91);
            x = Vector512.Create(a9[rs]); ca0 = Fma(x, b0, ca0); ca1 = Fma(x, b1, ca1);
            x = Vector512.Create(a9[r2]); cb0 = Fma(x, b0, cb0); cb1 = Fma(x, b1, cb1);
        }
        if (mr == 12 && nr == 2 * W)
        {
            Store2(c, c00, c01, acc); Store2(c + ldc, c10, c11, acc); Store2(c + 2 * ldc, c20, c21, acc);
            Store2(c + 3 * ldc, c30, c31, acc); Store2(c + 4 * ldc, c40, c41, acc); Store2(c + 5 * ldc, c50, c51, acc);
            Store2(c + 6 * ldc, c60, c61, acc); Store2(c + 7 * ldc, c70, c71, acc); Store2(c + 8 * ldc, c80, c81, acc);
            Store2(c + 9 * ldc, c90, c91, acc); Store2(c + 10 * ldc, ca0, ca1, acc); Store2(c + 11 * ldc, cb0, cb1, acc);
            return;
        }
        int nf = 2 * W;
        Store2(t, c00, c01, false); Store2(t + nf, c10, c11, false); Store2(t + 2 * nf, c20, c21, false);
        Store2(t + 3 * nf, c30, c31, false); Store2(t + 4 * nf, c40, c41, false); Store2(t + 5 * nf, c50, c51, false);
        Store2(t + 6 * nf, c60, c61, false); Store2(t + 7 * nf, c70, c71, false); Store2(t + 8 * nf, c80, c81, false);
        Store2(t + 9 * nf, c90, c91, false); Store2(t + 10 * nf, ca0, ca1, false); Store2(t + 11 * nf, cb0, cb1, false);
        StorePartial(t, nf, c, ldc, mr, nr, acc);
    }

    /// <summary>
    /// 12 rows x 1 Vector512: the ragged last panel when it is at most half a tile wide (n = 100 leaves 4
    /// columns; B rows <paramref name="stride"/> apart in the 32-wide panel), and the whole of a narrow C
    /// (B packed one Vector512 wide). A addressed as in <see cref="Kernel512"/>. Same sums in the same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512Half(int kc, T* a, nint rs, nint ps, T* b, T* c, int ldc, int mr, int nr, bool acc, int stride, T* t)
    {
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, ca = default, cb = default;
        T* a0 = a, a3 = a + 3 * rs, a6 = a + 6 * rs, a9 = a + 9 * rs;
        nint r2 = 2 * rs;
        for (int p = 0; p < kc; p++, a0 += ps, a3 += ps, a6 += ps, a9 += ps, b += stride)
        {
            var b0 = Vector512.Load(b);
            c0 = Fma(Vector512.Create(a0[0]), b0, c0); c1 = Fma(Vector512.Create(a0[rs]), b0, c1); c2 = Fma(Vector512.Create(a0[r2]), b0, c2);
            c3 = Fma(Vector512.Create(a3[0]), b0, c3); c4 = Fma(Vector512.Create(a3[rs]), b0, c4); c5 = Fma(Vector512.Create(a3[r2]), b0, c5);
            c6 = Fma(Vector512.Create(a6[0]), b0, c6); c7 = Fma(Vector512.Create(a6[rs]), b0, c7); c8 = Fma(Vector512.Create(a6[r2]), b0, c8);
            c9 = Fma(Vector512.Create(a9[0]), b0, c9); ca = Fma(Vector512.Create(a9[rs]), b0, ca); cb = Fma(Vector512.Create(a9[r2]), b0, cb);
        }
        int nf = Vector512<T>.Count;
        c0.Store(t); c1.Store(t + nf); c2.Store(t + 2 * nf); c3.Store(t + 3 * nf); c4.Store(t + 4 * nf); c5.Store(t + 5 * nf);
        c6.Store(t + 6 * nf); c7.Store(t + 7 * nf); c8.Store(t + 8 * nf); c9.Store(t + 9 * nf); ca.Store(t + 10 * nf); cb.Store(t + 11 * nf);
        StorePartial(t, nf, c, ldc, mr, nr, acc);
    }

    /// <summary>6 x (2 x Vector256): 12 accumulators of the 16 ymm registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256(int kc, T* a, T* b, T* c, int ldc, int mr, int nr, bool acc, T* t)
    {
        const int MR = 6;
        int W = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += MR, b += 2 * W)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + W);
            var x = Vector256.Create(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
        }
        if (mr == MR && nr == 2 * W)
        {
            Store2(c, c00, c01, acc); Store2(c + ldc, c10, c11, acc); Store2(c + 2 * ldc, c20, c21, acc);
            Store2(c + 3 * ldc, c30, c31, acc); Store2(c + 4 * ldc, c40, c41, acc); Store2(c + 5 * ldc, c50, c51, acc);
            return;
        }
        int nf = 2 * W;
        Store2(t, c00, c01, false); Store2(t + nf, c10, c11, false); Store2(t + 2 * nf, c20, c21, false);
        Store2(t + 3 * nf, c30, c31, false); Store2(t + 4 * nf, c40, c41, false); Store2(t + 5 * nf, c50, c51, false);
        StorePartial(t, nf, c, ldc, mr, nr, acc);
    }

    /// <summary>4x4 scalar FMAs in the same per-element order as the vector kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelScalar(int kc, T* a, T* b, T* c, int ldc, int mr, int nr, bool acc, T* t)
    {
        const int MR = 4, NR = 4;
        for (int i = 0; i < MR * NR; i++) t[i] = default;
        for (int p = 0; p < kc; p++, a += MR, b += NR)
            for (int r = 0; r < MR; r++)
                for (int j = 0; j < NR; j++)
                    t[r * NR + j] = Fma(a[r], b[j], t[r * NR + j]);
        StorePartial(t, NR, c, ldc, mr, nr, acc);
    }
}

/// <summary>Single-precision GEMM (kept as the name the tests and benchmarks use).</summary>
internal static unsafe class Sgemm
{
    public static void Run(float* a, bool transA, float* b, bool transB, float* c, int m, int n, int k, bool accumulate,
        GemmKernel kernel = GemmKernel.Auto, int threads = 0) =>
        Gemm<float>.Run(a, transA, b, transB, c, m, n, k, accumulate, kernel, threads);
}

/// <summary>Double-precision GEMM (the float64 path used by the gradient checks).</summary>
internal static unsafe class Dgemm
{
    public static void Run(double* a, bool transA, double* b, bool transB, double* c, int m, int n, int k, bool accumulate,
        GemmKernel kernel = GemmKernel.Auto, int threads = 0) =>
        Gemm<double>.Run(a, transA, b, transB, c, m, n, k, accumulate, kernel, threads);
}

/// <summary>What the CPU GEMM runs on this processor (for `dab info` and benchmark reports).</summary>
public static class CpuGemm
{
    /// <summary>The micro-kernel the CPU backend's GEMMs use here.</summary>
    public static GemmKernel Kernel => Gemm<float>.Native;
}
