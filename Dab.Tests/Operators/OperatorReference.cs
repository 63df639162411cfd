namespace Dab.Tests.Operators;

/// <summary>
/// Straightforward references for the operators: a stable LINQ sort on a rank that spells out the
/// documented order, and brute-force nearest centroids in float64. Deliberately share no code with
/// the backends (not even SortKeys).
/// </summary>
internal static class OperatorReference
{
    // Ascending rank: every number by value (-0 equal to +0), then NaN after +inf.
    private static (int, double) Rank(double v) => double.IsNaN(v) ? (1, 0) : (0, v == 0 ? 0 : v);

    /// <summary>Sorted order of one row: indices, stable (equal values keep index order) both ways.</summary>
    public static int[] Order(double[] row, bool descending)
    {
        var idx = Enumerable.Range(0, row.Length);
        return (descending ? idx.OrderByDescending(i => Rank(row[i])) : idx.OrderBy(i => Rank(row[i]))).ToArray();
    }

    /// <summary>Random data with many ties, both infinities, NaN, -0 and +0.</summary>
    public static float[] Nasty(int n, int seed)
    {
        var r = new System.Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            int c = r.Next(20);
            v[i] = c switch
            {
                0 => float.NaN,
                1 => float.PositiveInfinity,
                2 => float.NegativeInfinity,
                3 => 0f,
                4 => -0f,
                < 10 => r.Next(-3, 4),          // small integers: ties
                _ => (float)(r.NextDouble() * 8 - 4),
            };
        }
        return v;
    }

    /// <summary>Checks sort/top-k outputs of a (rows, n) input whose results are (rows, m) rows of the full order.</summary>
    public static void AssertRowsSorted(double[] x, int rows, int n, int m, bool descending, double[] values, long[] indices, string what)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * n, n).ToArray();
            var order = Order(row, descending);
            for (int j = 0; j < m; j++)
            {
                long got = indices[r * m + j];
                if (got != order[j])
                    NUnit.Framework.Assert.Fail($"{what}: row {r} position {j}: index {got}, expected {order[j]} (value {row[order[j]]})");
                double v = values[r * m + j], e = row[order[j]];
                if (!(v.Equals(e) || (v == e)))
                    NUnit.Framework.Assert.Fail($"{what}: row {r} position {j}: value {v}, expected {e}");
            }
        }
    }

    /// <summary>Nearest centroid in float64 by plain sums of squared differences; lowest index on ties.</summary>
    public static (long[] Assign, double[] Dist) Nearest(double[] x, int n, int d, double[] c, int k)
    {
        var a = new long[n];
        var dist = new double[n];
        for (int p = 0; p < n; p++)
        {
            double best = double.PositiveInfinity;
            int bi = -1;
            for (int j = 0; j < k; j++)
            {
                double s = 0;
                for (int e = 0; e < d; e++) { double t = x[p * d + e] - c[j * d + e]; s += t * t; }
                if (!double.IsNaN(s) && (bi < 0 || s < best)) { best = s; bi = j; }
            }
            a[p] = Math.Max(0, bi);
            dist[p] = bi < 0 ? double.NaN : best;
        }
        return (a, dist);
    }
}
