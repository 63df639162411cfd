using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dab.Backends.Cpu;

/// <summary>
/// float32 math of the hot elementwise kernels on 16-lane <see cref="Vector512{T}"/> (the generic
/// kernels use <c>Vector&lt;T&gt;</c>, which .NET keeps at 256 bits even where AVX-512 runs), all in
/// single precision (the library's <c>Vector.Exp</c> of float works in double). Tanh gets a cheaper
/// formula too: tanh|x| = e / (e + 2) with e = expm1(2|x|), one path for every x (no separate small-x
/// series, since expm1 does not cancel near 0). Used only where <see cref="Enabled"/>; elsewhere the
/// generic kernels run.
/// </summary>
internal static unsafe class FastMath
{
    public static bool Enabled => Vector512.IsHardwareAccelerated;

    /// <summary>
    /// tanh, within 2-3 float ulp everywhere (TanhAccuracyTests): tanh|x| = e / (e + 2) with
    /// e = expm1(2|x|) = 2^n expm1(r) + (2^n - 1), which for n &gt;= 1 adds two positive terms. |x| is capped
    /// at 10, where tanh is 1 in float; NaN passes through, -0 stays -0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var a = Vector512.MinNative(Vector512.Abs(x), Vector512.Create(10f)); // NaN becomes 10, restored below
        var (r, scale) = ReduceLn2(a + a, 0.5f);                                              // 2^n, n <= 29
        var e = Vector512.FusedMultiplyAdd(scale, Expm1Reduced(r), scale - Vector512<float>.One); // expm1(2|x|)
        var t = e / (e + Vector512.Create(2f));
        var signed = t | (x & Vector512.Create(-0f));                                        // copysign(t, x)
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), signed, x);
    }

    /// <summary>
    /// e^x for x &lt;= 0 (and NaN): 2^n (1 + expm1(r)), within 4 float ulp; below -87.3 (where e^x leaves the
    /// normal floats) and at -inf the result is 0. Callers guarantee x &lt;= 0 (softmax's x - max,
    /// log-probabilities).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        var a = Vector512.MaxNative(x, Vector512.Create(-87.3f)); // NaN becomes -87.3, restored below
        var (r, scale) = ReduceLn2(a, -0.5f);                       // 2^n, n >= -126
        var e = Vector512.FusedMultiplyAdd(scale, Expm1Reduced(r), scale);
        e = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(-87.3f)), Vector512<float>.Zero, e);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), e, x);
    }

    /// <summary>
    /// x = n ln2 + r with |r| &lt;= ln2/2 (Cody-Waite: ln2 split so n ln2 is exact); n rounds to nearest by
    /// truncating x / ln2 + <paramref name="half"/> (+0.5 for x &gt;= 0, -0.5 for x &lt;= 0). Returns r and 2^n,
    /// built in the exponent bits (so -126 &lt;= n &lt;= 127).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> R, Vector512<float> Scale) ReduceLn2(Vector512<float> x, float half)
    {
        var ni = Vector512.ConvertToInt32(Vector512.FusedMultiplyAdd(x, Vector512.Create(1.44269504f), Vector512.Create(half)));
        var n = Vector512.ConvertToSingle(ni);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693145752f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-1.42860677e-6f), r);
        return (r, Vector512.ShiftLeft(ni + Vector512.Create(127), 23).AsSingle());
    }

    /// <summary>expm1(r) for |r| &lt;= ln2/2: r + r^2 (1/2 + r/6 + ... + r^6/8!), truncation below 2e-10 relative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Expm1Reduced(Vector512<float> r)
    {
        var p = Vector512.Create(1f / 40320);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 5040));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        return Vector512.FusedMultiplyAdd(p, r * r, r);
    }

    /// <summary>a[i] = e^a[i] over [start, end) for a[i] &lt;= 0 (see <see cref="ExpNonPositive"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: fully optimised from the first call
    public static void ExpNonPositiveInPlace(float* a, int start, int end)
    {
        int i = start;
        for (; i <= end - 16; i += 16) ExpNonPositive(Vector512.Load(a + i)).Store(a + i);
        for (; i < end; i++) a[i] = MathF.Exp(a[i]);
    }

    /// <summary>y[i] = tanh(x[i] + bias[i % cols]) over rows x cols (bias may be null); x may be y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: fully optimised from the first call
    public static void BiasTanhRows(float* x, float* bias, float* y, int rowStart, int rowEnd, int cols)
    {
        for (int row = rowStart; row < rowEnd; row++)
        {
            float* xr = x + (long)row * cols, yr = y + (long)row * cols;
            int j = 0;
            if (bias != null)
            {
                for (; j <= cols - 16; j += 16) Tanh(Vector512.Load(xr + j) + Vector512.Load(bias + j)).Store(yr + j);
                for (; j < cols; j++) yr[j] = MathF.Tanh(xr[j] + bias[j]);
            }
            else
            {
                for (; j <= cols - 16; j += 16) Tanh(Vector512.Load(xr + j)).Store(yr + j);
                for (; j < cols; j++) yr[j] = MathF.Tanh(xr[j]);
            }
        }
    }

    /// <summary>dx = g (1 - y^2) over [start, end): tanh's gradient from its output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: fully optimised from the first call
    public static void Backward(float* g, float* y, float* dx, int start, int end)
    {
        int i = start;
        for (; i <= end - 16; i += 16)
        {
            var yv = Vector512.Load(y + i);
            (Vector512.Load(g + i) * Vector512.FusedMultiplyAdd(-yv, yv, Vector512<float>.One)).Store(dx + i);
        }
        for (; i < end; i++) dx[i] = g[i] * (1f - y[i] * y[i]);
    }
}
