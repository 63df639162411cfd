using Dab.Random;

namespace Dab.Models.Validation;

/// <summary>A parity check that found a difference between a device and the CPU reference.</summary>
public sealed class ParityFailure(string message) : Exception(message);

/// <summary>
/// What a parity case needs: seeded inputs, a way to run the same function on the CPU and on the
/// device, and comparisons that fail with the position and both values. Shared by the NUnit suite
/// (every backend) and by <c>dab check</c> on a GPU machine.
/// </summary>
public sealed class ParityContext(Device device, ulong seed = 1234)
{
    public Device Device { get; } = device;
    public Generator Gen { get; } = new(seed);
    /// <summary>Largest relative difference seen so far (for reports).</summary>
    public double MaxError { get; private set; }
    public int Comparisons { get; private set; }

    public Tensor Rand(params int[] shape) => Gen.Normal(shape);
    public Tensor Rand64(params int[] shape) => Gen.Normal(shape, DType.Float64);
    public Tensor OnDevice(Tensor cpu) { using (Autograd.Autograd.NoGrad()) return cpu.To(Device); }

    /// <summary>Runs f on CPU inputs and on their device copies; compares outputs and every input gradient.</summary>
    public void Check(Func<Tensor[], Tensor> f, Tensor[] cpuInputs, double rtol = 1e-5, double atol = 1e-5, string what = "")
    {
        foreach (var t in cpuInputs) if (t.DType.IsFloating()) t.RequiresGrad = true;
        var dev = cpuInputs.Select(t =>
        {
            var d = OnDevice(t.Detach());
            if (t.DType.IsFloating()) d.RequiresGrad = true;
            return d;
        }).ToArray();
        var yc = f(cpuInputs);
        var yd = f(dev);
        if (yd.Device != Device) throw new ParityFailure($"{what}: the result is on {yd.Device}, not {Device}");
        Close(yc, yd, rtol, atol, what + " forward");
        if (!yc.RequiresGrad || yc.Numel == 0) return;
        using var up = Gen.Normal(yc.Shape, yc.DType);
        using var upd = OnDevice(up);
        yc.Backward(up);
        yd.Backward(upd);
        for (int i = 0; i < cpuInputs.Length; i++)
            if (cpuInputs[i].Grad != null)
            {
                if (dev[i].Grad == null) throw new ParityFailure($"{what}: input {i} has a gradient on the CPU but none on {Device}");
                Close(cpuInputs[i].Grad!, dev[i].Grad!, rtol * 10, atol * 10, $"{what} grad of input {i}");
            }
    }

    public void Close(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string what = "")
    {
        if (!ShapeUtil.SameShape(expected.Shape, actual.Shape))
            throw new ParityFailure($"{what}: shape {ShapeUtil.Format(actual.Shape)}, expected {ShapeUtil.Format(expected.Shape)}");
        if (expected.DType != actual.DType) throw new ParityFailure($"{what}: dtype {actual.DType.Name()}, expected {expected.DType.Name()}");
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        Comparisons++;
        for (int i = 0; i < e.Length; i++)
        {
            bool ok = double.IsNaN(e[i]) ? double.IsNaN(a[i])
                : double.IsInfinity(e[i]) ? a[i] == e[i]
                : Math.Abs(a[i] - e[i]) <= atol + rtol * Math.Abs(e[i]);
            if (!ok) throw new ParityFailure($"{what}: element {i} is {a[i]:R} on {Device}, {e[i]:R} on the CPU");
            if (double.IsFinite(e[i])) MaxError = Math.Max(MaxError, Math.Abs(a[i] - e[i]) / (atol + Math.Abs(e[i])));
        }
    }

    public void Equal(Tensor expected, Tensor actual, string what = "")
    {
        var e = expected.ToArray<long>();
        var a = actual.ToArray<long>();
        Comparisons++;
        if (e.Length != a.Length) throw new ParityFailure($"{what}: {a.Length} elements, expected {e.Length}");
        for (int i = 0; i < e.Length; i++)
            if (e[i] != a[i]) throw new ParityFailure($"{what}: element {i} is {a[i]} on {Device}, {e[i]} on the CPU");
    }

    public void That(bool condition, string what)
    {
        if (!condition) throw new ParityFailure(what);
    }
}
