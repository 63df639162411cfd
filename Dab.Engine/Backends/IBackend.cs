namespace Dab.Backends;

public enum UnaryOp { Neg, Exp, Log, Sqrt, Abs, Tanh, Sigmoid, Relu, Elu, Softplus, Sign, Square, Reciprocal }

public enum BinaryOp { Add, Sub, Mul, Div, Pow, Max, Min, Ge, Gt, Le, Lt, Eq }

public enum ScalarOp { Add, Mul, Pow, RSub, RDiv, Max, Min, Ge, Gt, Le, Lt, Eq }

public enum ReduceOp { Sum, Mean, Max, Min, ArgMax, ArgMin, LogSumExp }

/// <summary>
/// Rows of a matrix that lives inside a larger tensor: row b starts at element
/// <c>Offset + b * Stride</c> of <see cref="Tensor"/>. Lets the LSTM gate kernels read and write one
/// time step of a (batch, time, features) buffer in place.
/// </summary>
public readonly record struct Rows(Tensor Tensor, int Offset, int Stride);

/// <summary>
/// The kernels a device must provide. Every kernel writes into a preallocated, contiguous output;
/// shapes and dtypes are validated by the ops before they get here. Dim-wise kernels see their
/// tensor as (outer, n, inner) with the reduced/normalised dimension in the middle.
/// </summary>
public interface IBackend
{
    DeviceKind Kind { get; }
    string Name { get; }

    Storage Allocate(DType dtype, int length, Device device, bool clear);
    void CopyFromHost<T>(Tensor dst, ReadOnlySpan<T> src) where T : unmanaged;
    void CopyToHost<T>(Tensor src, Span<T> dst) where T : unmanaged;
    void Copy(Tensor src, Tensor dst);
    void Cast(Tensor src, Tensor dst);
    void Fill(Tensor dst, double value);

    /// <summary>y = op(x); <paramref name="alpha"/> is ELU's alpha.</summary>
    void Unary(UnaryOp op, Tensor x, Tensor y, double alpha);
    /// <summary>dx = g * op'(x) using whichever of x (input) and y (output) the op needs.</summary>
    void UnaryBackward(UnaryOp op, Tensor g, Tensor x, Tensor y, Tensor dx, double alpha);
    /// <summary>y = a op b with numpy broadcasting; y may alias a when shapes are equal.</summary>
    void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y);
    /// <summary>y = x op s (s op x for RSub, RDiv); x and y have the same shape.</summary>
    void Scalar(ScalarOp op, Tensor x, double s, Tensor y);
    /// <summary>
    /// y = x, its elements read as shape <paramref name="xShape"/>, broadcast to y's shape (computed as x + 0,
    /// like <see cref="Binary"/> with a zero).
    /// </summary>
    void BroadcastTo(Tensor x, int[] xShape, Tensor y)
    {
        using var view = x.ShareAs(xShape);
        using var zero = Tensor.Scalar(0, x.DType, x.Device);
        Binary(BinaryOp.Add, view, zero, y);
    }
    /// <summary>y += bias over the rows of y (rows x cols), in place: the tail of a Linear. By default the broadcasting add.</summary>
    void AddBias(Tensor y, Tensor bias, int rows, int cols) => Binary(BinaryOp.Add, y, bias, y);

    /// <summary>y = tanh(y + bias) in place (bias may be null): the tail of a fused Linear+Tanh. By default the add, then tanh.</summary>
    void BiasTanh(Tensor y, Tensor? bias, int rows, int cols)
    {
        if (bias != null) AddBias(y, bias, rows, cols);
        Unary(UnaryOp.Tanh, y, y, 0);
    }

    /// <summary>
    /// y = (x &gt; margin) - (x &lt; -margin) (<see cref="Tensor.MarginSign"/>). By default two comparisons and a
    /// subtraction; a backend may do it in one pass.
    /// </summary>
    void MarginSign(Tensor x, double margin, Tensor y)
    {
        using var above = Tensor.Empty(x.Shape, x.DType, x.Device);
        using var below = Tensor.Empty(x.Shape, x.DType, x.Device);
        Scalar(ScalarOp.Gt, x, margin, above);
        Scalar(ScalarOp.Lt, x, -margin, below);
        Binary(BinaryOp.Sub, above, below, y);
    }

    /// <summary>
    /// loss (0-d) = scale * sum((a - b)^2) (<see cref="Tensor.SquaredDistanceLoss"/>). By default a
    /// subtraction, a square, a sum and a scaling; a backend may do it in one pass.
    /// </summary>
    void SquaredDistance(Tensor a, Tensor b, double scale, Tensor loss)
    {
        using var d = Tensor.Empty(a.Shape, a.DType, a.Device);
        Binary(BinaryOp.Sub, a, b, d);
        Unary(UnaryOp.Square, d, d, 0);
        using var sum = Tensor.Empty([], a.DType, a.Device);
        Reduce(ReduceOp.Sum, d, 1, a.Numel, 1, sum);
        Scalar(ScalarOp.Mul, sum, scale, loss);
    }

    /// <summary>
    /// The gradients of <see cref="SquaredDistance"/> for the loss's gradient g (0-d): da = 2 scale g (a - b)
    /// and db = -da, each written only where given.
    /// </summary>
    void SquaredDistanceBackward(Tensor g, Tensor a, Tensor b, double scale, Tensor? da, Tensor? db)
    {
        using var d = Tensor.Empty(a.Shape, a.DType, a.Device);
        Binary(BinaryOp.Sub, a, b, d);
        Binary(BinaryOp.Mul, d, g, d); // g broadcast from 0-d
        if (da != null) Scalar(ScalarOp.Mul, d, 2 * scale, da);
        if (db != null) Scalar(ScalarOp.Mul, d, -2 * scale, db);
    }

    void Clamp(Tensor x, double lo, double hi, Tensor y);
    /// <summary>dx = g where lo &lt;= x &lt;= hi else 0.</summary>
    void ClampBackward(Tensor g, Tensor x, double lo, double hi, Tensor dx);
    /// <summary>y += alpha * x (same shape).</summary>
    void Axpy(double alpha, Tensor x, Tensor y);

    void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y);

    /// <summary>
    /// C[b] = op(A[b]) op(B[b]) (+ C[b] when accumulate). A is (m,k) or (k,m) when transA, B is (k,n) or (n,k) when transB.
    /// A batch stride of 0 broadcasts that operand over the batch.
    /// </summary>
    void MatMul(Tensor a, bool transA, long strideA, Tensor b, bool transB, long strideB, Tensor c,
        int batch, int m, int n, int k, bool accumulate);

    void Softmax(Tensor x, int outer, int n, int inner, Tensor y, bool log);
    void SoftmaxBackward(Tensor g, Tensor y, int outer, int n, int inner, Tensor dx, bool log);
    /// <summary>Per-position loss -log softmax(x)[target] over the class dim n; stores log-softmax into <paramref name="logProbs"/>.</summary>
    void CrossEntropy(Tensor logits, Tensor target, int outer, int n, int inner, Tensor loss, Tensor logProbs);
    /// <summary>dx = g[pos] * (softmax - onehot(target)).</summary>
    void CrossEntropyBackward(Tensor g, Tensor logProbs, Tensor target, int outer, int n, int inner, Tensor dx);

    void Permute(Tensor x, int[] perm, Tensor y);
    /// <summary>Copies blocks: for o in outer: dst[o*dstRow + dstOff .. +len] = src[o*srcRow + srcOff .. +len].</summary>
    void CopyBlocks(Tensor src, int srcRow, int srcOff, Tensor dst, int dstRow, int dstOff, int outer, int len);
    /// <summary>y[o,j,i] = x[o, index[o,j,i], i] (torch.gather along the middle dim); index is int64.</summary>
    void Gather(Tensor x, int outer, int n, int inner, Tensor index, int m, Tensor y);
    void ScatterAdd(Tensor g, int outer, int n, int inner, Tensor index, int m, Tensor dx);
    /// <summary>y[o,j,i] = x[o, index[j], i]; index is int64 of length m.</summary>
    void IndexSelect(Tensor x, int outer, int n, int inner, Tensor index, Tensor y);
    void IndexAdd(Tensor g, int outer, int n, int inner, Tensor index, Tensor dx);

    /// <summary>Fused Adam(W) update of one parameter.</summary>
    void AdamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2,
        double eps, double weightDecay, long step, bool decoupled);

    /// <summary>
    /// One LSTM step's fused gate math for <paramref name="batch"/> rows of <paramref name="hidden"/> units, PyTorch
    /// gate order (i, f, g, o). The pre-activations of row b are <c>xg[b] + hg[b]</c> (4*hidden wide; xg carries
    /// both biases, hg is the contiguous (batch, 4*hidden) product h W_hh^T). Writes the activated gates to
    /// <paramref name="gates"/>; c' = f*c + i*g over <paramref name="c"/> (contiguous (batch, hidden), holding c on
    /// entry) and into <paramref name="cOut"/>; h' = o*tanh(c') into <paramref name="h"/> (contiguous) and <paramref name="hOut"/>.
    /// </summary>
    void LstmGates(Rows xg, Tensor hg, Tensor c, Rows gates, Rows cOut, Tensor h, Rows hOut, int batch, int hidden);

    /// <summary>
    /// Backward of one <see cref="LstmGates"/> step. The gradient at h' is <c>dhOut[b] + dh[b]</c> (dh, contiguous
    /// (batch, hidden), is the recurrent part), the gradient at c' is <paramref name="dc"/> (contiguous, overwritten
    /// with the gradient at c). Writes the gradient of the pre-activations to <paramref name="dGates"/> (contiguous
    /// (batch, 4*hidden)) and to <paramref name="dGatesOut"/>. <paramref name="cPrev"/> and <paramref name="c"/> are
    /// the step's c and c'; tanh(c') is recomputed rather than saved.
    /// </summary>
    void LstmGatesBackward(Rows gates, Rows cPrev, Rows c, Rows dhOut, Tensor dh, Tensor dc, Tensor dGates, Rows dGatesOut,
        int batch, int hidden);

    /// <summary>Fills with Philox 4x32-10 numbers: kind 0 uniform [0,1), 1 standard normal, 2 standard Gumbel.</summary>
    void Random(Tensor dst, int kind, ulong seed, ulong offset);

    // ---- non-differentiable operators (docs/operators.md) -----------------------------------

    /// <summary>
    /// Sorts each of <paramref name="rows"/> contiguous rows of length n: values (x's dtype) and
    /// int64 indices, both (rows, n). Order: -inf &lt; ... &lt; +inf &lt; NaN ascending (reversed when
    /// descending), -0 equals +0, equal values keep the lower index first (stable).
    /// </summary>
    void SortRows(Tensor x, int rows, int n, bool descending, Tensor values, Tensor indices);
    /// <summary>The first k of each row in <see cref="SortRows"/> order (descending when largest): values and int64 indices, (rows, k).</summary>
    void TopKRows(Tensor x, int rows, int n, int k, bool largest, Tensor values, Tensor indices);
    /// <summary>
    /// For each of n points (n, d) the nearest of k centroids (k, d) by squared Euclidean distance,
    /// computed as fma(-2, x.c, |c|^2) with every dot product an fma chain over d in order, so all
    /// backends agree bit for bit; lowest index on ties; NaN distances never win (a point with only
    /// NaN distances gets centroid 0 and distance NaN). Writes int64 assignments (n) and the squared
    /// distance to the chosen centroid, |x|^2 + fma(-2, x.c, |c|^2) clamped at 0 (+inf where an infinite coordinate makes it inf - inf) (n, x's dtype).
    /// </summary>
    void KMeansAssign(Tensor points, int n, int d, Tensor centroids, int k, Tensor assignments, Tensor distances);
    /// <summary>
    /// Lloyd's update: centroid j becomes the mean of the points assigned to it, summed in point order
    /// in float64; a centroid with no points keeps its value. Writes int64 member counts (k).
    /// </summary>
    void KMeansUpdate(Tensor points, int n, int d, Tensor assignments, int k, Tensor centroids, Tensor counts);
}
