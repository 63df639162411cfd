using NUnit.Framework;
using AG = Dab.Autograd.Autograd;

namespace Dab.Tests.Engine;

/// <summary>
/// Float64 gradient checks by central differences. A non-scalar output y is reduced to the scalar
/// sum(w * y) with a fixed random weight tensor w, so every element of the Jacobian is exercised.
/// The analytic gradients from <see cref="Tensor.Backward"/> are compared with (f(x+h) - f(x-h)) / 2h,
/// and <see cref="AG.Grad"/> must give the same gradients as Backward without touching .Grad.
/// </summary>
internal static class GradCheck
{
    public const double H = 1e-6;
    public const double DefaultTol = 1e-6;

    /// <summary>
    /// Checks the gradients of f with respect to every input that requires grad. Inputs must be
    /// float64; inputs that do not require grad (e.g. fixed targets) are left alone.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(f, inputs, DefaultTol, DefaultTol);

    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double atol, double rtol, int weightSeed = 4242)
    {
        var wrt = inputs.Where(x => x.RequiresGrad).ToArray();
        Assert.That(wrt, Is.Not.Empty, "grad check needs at least one input that requires grad");
        foreach (var x in wrt)
        {
            Assert.That(x.DType, Is.EqualTo(DType.Float64), "grad checks run in float64");
            Assert.That(x.IsLeaf, Is.True, "grad check inputs must be leaves");
            x.Grad = null;
        }

        // Analytic gradients by Backward.
        var y = f(inputs);
        Assert.That(y.DType, Is.EqualTo(DType.Float64), "output dtype");
        Assert.That(y.RequiresGrad, Is.True, "the output must be recorded on the tape");
        double[]? w = y.Numel == 1 ? null : TestData.Uniform(y.Numel, weightSeed, 0.5, 1.5);
        var outShape = (int[])y.Shape.Clone();
        Scalarize(y, w).Backward();
        var analytic = wrt.Select(x => x.Grad?.ToArray<double>() ?? new double[x.Numel]).ToArray();
        for (int i = 0; i < wrt.Length; i++)
            if (wrt[i].Grad != null)
            {
                Assert.That(wrt[i].Grad!.Shape, Is.EqualTo(wrt[i].Shape), $"shape of the gradient of input {i}");
                Assert.That(wrt[i].Grad!.DType, Is.EqualTo(DType.Float64), $"dtype of the gradient of input {i}");
            }

        // Autograd.Grad on a fresh graph: the same numbers, and .Grad left as it was.
        var y2 = f(inputs);
        var functional = AG.Grad([Scalarize(y2, w)], wrt);
        for (int i = 0; i < wrt.Length; i++)
        {
            Assert.That(functional[i].Shape, Is.EqualTo(wrt[i].Shape), $"Autograd.Grad shape for input {i}");
            TestData.AssertClose(functional[i].ToArray<double>(), analytic[i], 1e-12, 1e-12, $"Autograd.Grad vs Backward, input {i}");
            var after = wrt[i].Grad?.ToArray<double>() ?? new double[wrt[i].Numel];
            Assert.That(after, Is.EqualTo(analytic[i]), $"Autograd.Grad changed .Grad of input {i}");
        }

        var numeric = Numeric(f, inputs, wrt, w, outShape);
        for (int i = 0; i < wrt.Length; i++)
            TestData.AssertClose(analytic[i], numeric[i], atol, rtol, $"analytic vs numeric gradient of input {i} (shape {ShapeUtil.Format(wrt[i].Shape)})");
        foreach (var x in wrt) x.Grad = null;
    }

    /// <summary>Central differences of sum(w * f) with respect to each tensor of <paramref name="wrt"/>, perturbing the raw storage.</summary>
    public static double[][] Numeric(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor[] wrt, double[]? w, int[] outShape)
    {
        var result = new double[wrt.Length][];
        for (int i = 0; i < wrt.Length; i++)
        {
            var x = wrt[i];
            var numeric = new double[x.Numel];
            for (int j = 0; j < x.Numel; j++)
            {
                double orig = x.Span<double>()[j];
                x.Span<double>()[j] = orig + H;
                double fp = Eval(f, inputs, w, outShape);
                x.Span<double>()[j] = orig - H;
                double fm = Eval(f, inputs, w, outShape);
                x.Span<double>()[j] = orig;
                numeric[j] = (fp - fm) / (2 * H);
            }
            result[i] = numeric;
        }
        return result;
    }

    private static Tensor Scalarize(Tensor y, double[]? w)
    {
        if (w == null) return y;
        var wt = Tensor.FromArray(w, y.Shape);
        return y.Mul(wt).Sum();
    }

    /// <summary>sum(w * f(x)) without recording, computed on the host so the check does not lean on Mul/Sum.</summary>
    private static double Eval(Func<Tensor[], Tensor> f, Tensor[] inputs, double[]? w, int[] outShape)
    {
        using var scope = Tensor.Scope();
        using var noGrad = AG.NoGrad();
        var y = f(inputs);
        Assert.That(y.Shape, Is.EqualTo(outShape), "output shape changed between evaluations");
        var v = y.ToArray<double>();
        if (w == null) return v[0];
        double s = 0;
        for (int i = 0; i < v.Length; i++) s += w[i] * v[i];
        return s;
    }
}
