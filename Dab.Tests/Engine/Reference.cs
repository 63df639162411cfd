namespace Dab.Tests.Engine;

/// <summary>Plain-loop references for the CPU kernels, computed in double.</summary>
internal static class Reference
{
    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int r = Math.Max(a.Length, b.Length);
        var o = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            o[i] = da == 1 ? db : da;
        }
        return o;
    }

    /// <summary>Flat index into a tensor of <paramref name="shape"/> for the output multi-index <paramref name="idx"/> (broadcast dims read index 0).</summary>
    public static int BroadcastIndex(int[] shape, int[] idx)
    {
        int off = idx.Length - shape.Length, flat = 0;
        for (int i = 0; i < shape.Length; i++) flat = flat * shape[i] + (shape[i] == 1 ? 0 : idx[i + off]);
        return flat;
    }

    public static int[] Unravel(int flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int i = shape.Length - 1; i >= 0; i--) { idx[i] = flat % shape[i]; flat /= shape[i]; }
        return idx;
    }

    public static double[] Binary(double[] a, int[] sa, double[] b, int[] sb, Func<double, double, double> op, out int[] shape)
    {
        shape = BroadcastShape(sa, sb);
        int n = TestData.Numel(shape);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            var idx = Unravel(i, shape);
            y[i] = op(a[BroadcastIndex(sa, idx)], b[BroadcastIndex(sb, idx)]);
        }
        return y;
    }

    /// <summary>Applies <paramref name="reduce"/> to every line along <paramref name="dim"/>; the result has that dim removed.</summary>
    public static double[] AlongDim(double[] x, int[] shape, int dim, Func<double[], double> reduce)
    {
        int outer = 1, inner = 1, n = shape[dim];
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        var y = new double[outer * inner];
        var line = new double[n];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                for (int j = 0; j < n; j++) line[j] = x[(o * n + j) * inner + i];
                y[o * inner + i] = reduce(line);
            }
        return y;
    }

    /// <summary>Maps every line along <paramref name="dim"/> to a line of the same length.</summary>
    public static double[] MapDim(double[] x, int[] shape, int dim, Func<double[], double[]> map)
    {
        int outer = 1, inner = 1, n = shape[dim];
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        var y = new double[x.Length];
        var line = new double[n];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                for (int j = 0; j < n; j++) line[j] = x[(o * n + j) * inner + i];
                var r = map(line);
                for (int j = 0; j < n; j++) y[(o * n + j) * inner + i] = r[j];
            }
        return y;
    }

    public static double[] Softmax(double[] line)
    {
        double m = line.Max();
        var e = line.Select(v => Math.Exp(v - m)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    public static double LogSumExp(double[] line)
    {
        double m = line.Max();
        return m + Math.Log(line.Sum(v => Math.Exp(v - m)));
    }

    /// <summary>C = op(A) op(B) in double, A (m,k) or (k,m) when transposed, B (k,n) or (n,k).</summary>
    public static double[] Gemm(double[] a, bool ta, double[] b, bool tb, int m, int n, int k, out double[] absSum)
    {
        var c = new double[m * n];
        absSum = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0, t = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = ta ? a[p * m + i] : a[i * k + p];
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                    t += Math.Abs(av * bv);
                }
                c[i * n + j] = s;
                absSum[i * n + j] = t;
            }
        return c;
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
    public static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
}
