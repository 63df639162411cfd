using Dab.Kernels.Interop;

namespace Dab.Kernels.Gpu;

// Sort, top-k and k-means launches (kernels/sort.cuh, topk.cuh, kmeans.cuh; docs/operators.md).
public sealed partial class GpuBackend
{
    private int _sortSharedLimit = 4096;

    /// <summary>
    /// Longest row (a power of two, 2 to 4096) sorted in one block's shared memory; longer rows are
    /// sorted in chunks of this length and merged by multi-block passes. Tests lower it to cover the
    /// merge path on the emulated device with small rows.
    /// </summary>
    public int SortSharedLimit
    {
        get => _sortSharedLimit;
        set => _sortSharedLimit = value >= 2 && value <= 4096 && (value & (value - 1)) == 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), $"SortSharedLimit must be a power of two in [2, 4096], got {value}");
    }

    /// <summary>Largest k that top-k finds by selection; larger k sorts the row.</summary>
    public const int TopKSelectMax = 32;

    private static int NextPow2(int n)
    {
        int p = 1;
        while (p < n) p <<= 1;
        return p;
    }

    /// <summary>A temporary device buffer (freed by the caller; the caching allocator reuses it in stream order).</summary>
    private GpuStorage Scratch(DType dtype, long length, string what)
    {
        if (length > int.MaxValue) throw new ArgumentException($"{what}: {length} elements of scratch are more than 2^31");
        return new GpuStorage(Allocator, dtype, (int)Math.Max(1, length), Runtime.Device, what);
    }

    public void SortRows(Tensor x, int rows, int n, bool descending, Tensor values, Tensor indices)
    {
        if (rows == 0 || n == 0) return;
        SortInto(x, rows, n, descending, P(values), P(indices), Describe(descending ? "sort descending" : "sort", x));
    }

    private void SortInto(Tensor x, int rows, int n, bool descending, ulong values, ulong indices, string what)
    {
        bool f32 = F32(x);
        string sfx = Suffix(x);
        int keySize = f32 ? 4 : 8;
        if (n <= _sortSharedLimit)
        {
            int p = NextPow2(n);
            int perBlock = Math.Max(1, 1024 / p); // short rows share a block
            perBlock = (int)Math.Min(perBlock, rows);
            LaunchChunks(x, rows, n, p, 1, perBlock, descending, values, indices, 0, 0, true, sfx, keySize, what);
            return;
        }
        int l = _sortSharedLimit, chunks = (n + l - 1) / l;
        long total = (long)rows * n;
        var keysA = Scratch(f32 ? DType.Int32 : DType.Int64, total, what + " (keys)");
        var keysB = Scratch(f32 ? DType.Int32 : DType.Int64, total, what + " (keys)");
        var idxA = Scratch(DType.Int32, total, what + " (indices)");
        var idxB = Scratch(DType.Int32, total, what + " (indices)");
        try
        {
            LaunchChunks(x, rows, n, l, chunks, 1, descending, 0, 0, keysA.Pointer, idxA.Pointer, false, sfx, keySize, what);
            for (int w = l; w < n; w *= 2)
            {
                bool final = 2L * w >= n;
                var a = KernelArgs.Begin().Ptr(P(x)).Add(rows).Add(n).Add(w).Ptr(keysA.Pointer).Ptr(idxA.Pointer)
                    .Ptr(keysB.Pointer).Ptr(idxB.Pointer).Ptr(values).Ptr(indices).Add(final ? 1 : 0);
                Launch(a, "sort_merge_" + sfx, GridFor(total), new(Threads), what + $" (merge of runs of {w})");
                (keysA, keysB) = (keysB, keysA);
                (idxA, idxB) = (idxB, idxA);
            }
        }
        finally
        {
            keysA.Release(); keysB.Release(); idxA.Release(); idxB.Release();
        }
    }

    private void LaunchChunks(Tensor x, int rows, int n, int p, int chunks, int perBlock, bool descending, ulong values, ulong indices,
        ulong keys, ulong idx, bool final, string sfx, int keySize, string what)
    {
        long segments = (long)rows * chunks;
        long blocks = (segments + perBlock - 1) / perBlock;
        if (blocks > int.MaxValue) throw new ArgumentException($"{what}: {blocks} blocks are too many for one launch");
        int total = p * perBlock;
        int threads = Math.Clamp(total / 2, 32, 512);
        var a = KernelArgs.Begin().Ptr(P(x)).Add(rows).Add(n).Add(p).Add(chunks).Add(perBlock).Add(descending ? 1 : 0)
            .Ptr(values).Ptr(indices).Ptr(keys).Ptr(idx).Add(final ? 1 : 0);
        Launch(a, "sort_chunks_" + sfx, new Dim3((uint)blocks), new((uint)threads), what, shared: total * (keySize + 4));
    }

    public void TopKRows(Tensor x, int rows, int n, int k, bool largest, Tensor values, Tensor indices)
    {
        if (rows == 0 || k == 0) return;
        string what = Describe($"top-{k}{(largest ? "" : " smallest")}", x);
        // Selection runs one block per row: a few very long rows would leave the device idle, so
        // they take the multi-block sort instead.
        if (k <= TopKSelectMax && !(rows < 64 && n > 65536))
        {
            int threads = Math.Clamp(NextPow2((n + 7) / 8), 32, 256);
            var a = KernelArgs.Begin().Ptr(P(x)).Add(n).Add(k).Add(largest ? 1 : 0).Ptr(P(values)).Ptr(P(indices));
            Launch(a, "topk_select_" + Suffix(x), new Dim3((uint)rows), new((uint)threads), what);
            return;
        }
        // Larger k: sort the rows, keep the first k of each.
        using var v = Tensor.Empty([rows, n], x.DType, x.Device);
        using var i = Tensor.Empty([rows, n], DType.Int64, x.Device);
        SortInto(x, rows, n, largest, P(v), P(i), what);
        CopyBlocks(v, n, 0, values, k, 0, rows, k);
        CopyBlocks(i, n, 0, indices, k, 0, rows, k);
    }

    public void KMeansAssign(Tensor points, int n, int d, Tensor centroids, int k, Tensor assignments, Tensor distances)
    {
        if (n == 0) return;
        string sfx = Suffix(points), what = Describe("kmeans assign", points, centroids);
        var cc = Scratch(points.DType, k, what + " (centroid norms)");
        var xx = Scratch(points.DType, n, what + " (point norms)");
        try
        {
            var a = KernelArgs.Begin().Ptr(P(centroids)).Add(k).Add(d).Ptr(cc.Pointer);
            Launch(a, "kmeans_norms_" + sfx, GridFor(k), new(Threads), what + " (norms)");
            a = KernelArgs.Begin().Ptr(P(points)).Add(n).Add(d).Ptr(xx.Pointer);
            Launch(a, "kmeans_norms_" + sfx, GridFor(n), new(Threads), what + " (norms)");
            a = KernelArgs.Begin().Ptr(P(points)).Add(n).Add(d).Ptr(P(centroids)).Add(k).Ptr(cc.Pointer).Ptr(xx.Pointer)
                .Ptr(P(assignments)).Ptr(P(distances));
            Launch(a, "kmeans_assign_" + sfx, new Dim3((uint)((n + 63) / 64)), new(256), what);
        }
        finally
        {
            cc.Release(); xx.Release();
        }
    }

    /// <summary>Use the O(N K) scan instead of grouping by a sort (for tests of the grouped update).</summary>
    public bool KMeansUpdateByScan { get; set; }

    public void KMeansUpdate(Tensor points, int n, int d, Tensor assignments, int k, Tensor centroids, Tensor counts)
    {
        if (k == 0) return;
        const int threads = 128;
        string what = Describe("kmeans update", points);
        var grid = new Dim3((uint)k, (uint)Math.Max(1, (d + threads - 1) / threads));
        if (KMeansUpdateByScan || n == 0)
        {
            var a = KernelArgs.Begin().Ptr(P(points)).Add(n).Add(d).Ptr(P(assignments)).Add(k).Ptr(P(centroids)).Ptr(P(counts));
            Launch(a, "kmeans_update_" + Suffix(points), grid, new(threads), what);
            return;
        }
        // Group the points by centroid: a stable sort of the assignments (exact as float32 for k <= 2^24).
        using var keys = Tensor.Empty([n], DType.Float32, points.Device);
        Cast(assignments, keys);
        using var sorted = Tensor.Empty([n], DType.Float32, points.Device);
        using var order = Tensor.Empty([n], DType.Int64, points.Device);
        SortInto(keys, 1, n, false, P(sorted), P(order), what + " (grouping)");
        var b = KernelArgs.Begin().Ptr(P(points)).Add(n).Add(d).Ptr(P(sorted)).Ptr(P(order)).Add(k).Ptr(P(centroids)).Ptr(P(counts));
        Launch(b, "kmeans_update_sorted_" + Suffix(points), grid, new(threads), what);
    }
}
