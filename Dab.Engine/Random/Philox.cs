namespace Dab.Random;

/// <summary>
/// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"): a counter-based
/// generator, so element i of a draw depends only on (seed, offset, i) and every backend can produce
/// the same numbers in any order. Block b = offset + i/4 yields four 32-bit words.
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    public static (uint, uint, uint, uint) Block(ulong counter, ulong key)
    {
        uint c0 = (uint)counter, c1 = (uint)(counter >> 32), c2 = 0, c3 = 0;
        uint k0 = (uint)key, k1 = (uint)(key >> 32);
        for (int r = 0; r < 10; r++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0);
            k0 += W0; k1 += W1;
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>Uniform in [0, 1) from the top 24 bits, exactly representable in float32 and float64 alike.</summary>
    public static double Uniform(uint u) => (u >> 8) * (1.0 / 16777216.0);

    /// <summary>Uniform in the open interval (0, 1): the top 24 bits plus a half step, so logs are finite.</summary>
    public static double OpenUniform(uint u) => ((u >> 8) + 0.5) * (1.0 / 16777216.0);

    /// <summary>Standard Gumbel, -log(-log(u)) with u in (0, 1), so always finite (|g| &lt; 17).</summary>
    public static double Gumbel(uint u) => -Math.Log(-Math.Log(OpenUniform(u)));

    /// <summary>kind 0: uniform [0,1); kind 1: standard normal by Box-Muller on word pairs; kind 2: standard Gumbel.</summary>
    public static void Fill<T>(Span<T> dst, int kind, ulong seed, ulong offset) where T : unmanaged, System.Numerics.IFloatingPoint<T>
    {
        Span<double> v = stackalloc double[4];
        for (int i = 0; i < dst.Length; i += 4)
        {
            var (a, b, c, d) = Block(offset + (ulong)(i / 4), seed);
            if (kind == 0)
            {
                v[0] = Uniform(a); v[1] = Uniform(b); v[2] = Uniform(c); v[3] = Uniform(d);
            }
            else if (kind == 2)
            {
                v[0] = Gumbel(a); v[1] = Gumbel(b); v[2] = Gumbel(c); v[3] = Gumbel(d);
            }
            else
            {
                (v[0], v[1]) = BoxMuller(a, b);
                (v[2], v[3]) = BoxMuller(c, d);
            }
            for (int j = 0; j < 4 && i + j < dst.Length; j++) dst[i + j] = T.CreateChecked(v[j]);
        }
    }

    private static (double, double) BoxMuller(uint a, uint b)
    {
        double u1 = OpenUniform(a); // (0,1): log never sees 0
        double u2 = Uniform(b);
        double r = Math.Sqrt(-2 * Math.Log(u1)), t = 2 * Math.PI * u2;
        return (r * Math.Cos(t), r * Math.Sin(t));
    }

    /// <summary>Number of counter blocks a draw of n elements consumes.</summary>
    public static ulong Blocks(int n) => (ulong)((n + 3) / 4);
}
