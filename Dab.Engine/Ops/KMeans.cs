using Dab.Random;
using static Dab.Autograd.Autograd;

namespace Dab;

/// <summary>The result of <see cref="Tensor.KMeans"/>; the caller owns (and disposes) the tensors.</summary>
public sealed record KMeansResult(Tensor Centroids, Tensor Assignments, Tensor Quantized, int Iterations) : IDisposable
{
    public void Dispose()
    {
        Centroids.Dispose();
        Assignments.Dispose();
        Quantized.Dispose();
    }
}

// k-means (docs/operators.md): assignment to the nearest centroid on the device (a fused kernel on
// the GPU), k-means++ seeding and Lloyd iterations. Nothing here is differentiable.
public sealed partial class Tensor
{
    /// <summary>
    /// Nearest centroid of each point: points (N, D), centroids (K, D), same dtype and device.
    /// Returns int64 assignments (N) and the squared distances to the chosen centroids (N).
    /// Squared distances are |x|^2 - 2 x.c + |c|^2 with the dot products as fma chains over D in
    /// order, identical on every backend; ties go to the lowest centroid index; a NaN distance never
    /// wins, and a point whose distances are all NaN gets centroid 0 and distance NaN.
    /// </summary>
    public static (Tensor Assignments, Tensor Distances) KMeansAssign(Tensor points, Tensor centroids)
    {
        CheckKMeansPoints(points, "kmeans_assign");
        Checks.Compatible(points, centroids, "kmeans_assign");
        if (centroids.Rank != 2 || centroids.Shape[1] != points.Shape[1])
            throw new ArgumentException($"kmeans_assign: centroids must be (K, {points.Shape[1]}) for points {ShapeUtil.Format(points.Shape)}, got {ShapeUtil.Format(centroids.Shape)}", nameof(centroids));
        int n = points.Shape[0], d = points.Shape[1], k = centroids.Shape[0];
        if (k < 1) throw new ArgumentException($"kmeans_assign: needs at least one centroid, got centroids {ShapeUtil.Format(centroids.Shape)}", nameof(centroids));
        if (k > 1 << 24) throw new ArgumentException($"kmeans_assign: at most 2^24 centroids are supported, got centroids {ShapeUtil.Format(centroids.Shape)}", nameof(centroids));
        var assign = Empty([n], DType.Int64, points.Device);
        var dist = points.EmptyLike([n]);
        if (n > 0) points.Backend.KMeansAssign(points, n, d, centroids, k, assign, dist);
        return (assign, dist);
    }

    /// <summary>
    /// k-means with k-means++ seeding and Lloyd iterations on points (N, D). Seeding and sampling use
    /// Philox (<paramref name="seed"/>) on the host over distances computed on the points' device, so
    /// one seed gives the same centroids, bit for bit, on every backend. Stops when no assignment
    /// changes or after <paramref name="maxIterations"/> updates. K may exceed N (some centroids
    /// then repeat a point and stay empty). Empty clusters keep their centroid.
    /// </summary>
    public static KMeansResult KMeans(Tensor points, int k, int maxIterations = 50, ulong seed = 0)
    {
        CheckKMeansPoints(points, "kmeans");
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"kmeans: K = {k} must be at least 1 (points {ShapeUtil.Format(points.Shape)})");
        if (maxIterations < 0) throw new ArgumentOutOfRangeException(nameof(maxIterations), $"kmeans: maxIterations = {maxIterations} must be >= 0");
        int n = points.Shape[0], d = points.Shape[1];
        if (n == 0) throw new ArgumentException($"kmeans: needs at least one point, got {ShapeUtil.Format(points.Shape)}", nameof(points));
        using var _ = NoGrad();
        var x = points.Detach();
        var centroids = SeedPlusPlus(x, k, seed);
        var counts = Empty([k], DType.Int64, x.Device);
        var (assign, dist) = KMeansAssign(x, centroids);
        dist.Dispose();
        int it = 0;
        long[] prev = assign.ToArray<long>();
        while (it < maxIterations)
        {
            x.Backend.KMeansUpdate(x, n, d, assign, k, centroids, counts);
            it++;
            assign.Dispose();
            (assign, dist) = KMeansAssign(x, centroids);
            dist.Dispose();
            var now = assign.ToArray<long>();
            bool same = now.AsSpan().SequenceEqual(prev);
            prev = now;
            if (same) break;
        }
        counts.Dispose();
        var quantized = centroids.IndexSelect(0, assign);
        x.Dispose();
        return new KMeansResult(centroids, assign, quantized, it);
    }

    private static void CheckKMeansPoints(Tensor points, string op)
    {
        Checks.Floating(points, op);
        if (points.Rank != 2) throw new ArgumentException($"{op}: points must be (N, D), got shape {ShapeUtil.Format(points.Shape)}", nameof(points));
    }

    /// <summary>
    /// k-means++ (Arthur and Vassilvitskii): the first centroid is a uniform pick, each next one a pick
    /// with probability proportional to the squared distance to the nearest chosen centroid. Draw c
    /// uses Philox block c of <paramref name="seed"/>. Points at infinite (or overflowing) distance are
    /// picked first, lowest index first; NaN distances weigh nothing; when every weight is zero (all
    /// points already chosen, as when K &gt; N) the pick is uniform.
    /// </summary>
    private static Tensor SeedPlusPlus(Tensor x, int k, ulong seed)
    {
        int n = x.Shape[0];
        var chosen = new long[k];
        var dmin = new double[n];
        Array.Fill(dmin, double.NaN); // no distance yet
        for (int c = 0; c < k; c++)
        {
            double u = Philox.Uniform(Philox.Block((ulong)c, seed).Item1);
            if (c == 0) chosen[0] = Math.Min(n - 1, (long)(u * n));
            else
            {
                double total = 0;
                int firstInf = -1;
                for (int i = 0; i < n; i++)
                {
                    double w = dmin[i];
                    if (double.IsNaN(w)) continue;
                    if (double.IsPositiveInfinity(w)) { firstInf = i; break; }
                    total += w;
                }
                if (firstInf >= 0) chosen[c] = firstInf;
                else if (!(total > 0) || double.IsInfinity(total)) chosen[c] = Math.Min(n - 1, (long)(u * n));
                else
                {
                    double target = u * total, cum = 0;
                    int pick = -1, lastPositive = 0;
                    for (int i = 0; i < n; i++)
                    {
                        double w = dmin[i];
                        if (double.IsNaN(w) || w <= 0) continue;
                        lastPositive = i;
                        cum += w;
                        if (cum > target) { pick = i; break; }
                    }
                    chosen[c] = pick >= 0 ? pick : lastPositive;
                }
            }
            if (c == k - 1) break;
            using var one = FromArray(new[] { chosen[c] }, [1], x.Device);
            using var cent = x.IndexSelect(0, one);
            var (a, dist) = KMeansAssign(x, cent);
            a.Dispose();
            var dh = dist.ToArray<double>();
            dist.Dispose();
            for (int i = 0; i < n; i++)
            {
                double v = dh[i]; // a NaN distance is ignored; dmin stays NaN only while every distance was NaN
                if (!double.IsNaN(v) && (double.IsNaN(dmin[i]) || v < dmin[i])) dmin[i] = v;
            }
        }
        using var idx = FromArray(chosen, [k], x.Device);
        return x.IndexSelect(0, idx);
    }
}
