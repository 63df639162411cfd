using Dab.Optim;

namespace Dab.Kernels.Gpu;

/// <summary>
/// Adam inside a captured graph. The update kernels are recorded once and read their per-step scalars
/// (learning rate over the bias correction, ...) from a small device table that <see cref="PrepareStep"/>
/// rewrites before each replay, so the schedule and the bias corrections still change every step.
/// </summary>
public sealed class GraphedAdam : IDisposable
{
    private readonly Adam _adam;
    private readonly GpuBackend _backend;
    private readonly Tensor _scalars;
    private readonly double[] _host;

    public GraphedAdam(Adam adam, GpuBackend backend)
    {
        _adam = adam;
        _backend = backend;
        foreach (var p in adam.Parameters)
            if (p.Device != backend.Runtime.Device)
                throw new ArgumentException($"graphed adam: a parameter is on {p.Device}, the graph runs on {backend.Runtime.Device}", nameof(adam));
        for (int i = 0; i < adam.Parameters.Length; i++) adam.Moments(i); // allocated now, not from the graph's pool
        _host = new double[3 * adam.Parameters.Length];
        _scalars = Tensor.Zeros([adam.Parameters.Length, 3], DType.Float64, backend.Runtime.Device).DetachFromScopes();
    }

    /// <summary>Launches (or, while capturing, records) the update of every parameter from its gradient.</summary>
    public void RecordUpdate()
    {
        for (int i = 0; i < _adam.Parameters.Length; i++)
        {
            var p = _adam.Parameters[i];
            var g = p.Grad ?? throw new InvalidOperationException($"graphed adam: parameter {i} {ShapeUtil.Format(p.Shape)} has no gradient to record an update from");
            var (m, v) = _adam.Moments(i);
            double l2 = _adam.StepScalars(1).L2; // constant over steps, so a kernel argument rather than a table entry
            _backend.AdamUpdateDeviceScalars(p, g, m, v, _adam.Beta1, _adam.Beta2, _adam.Eps, l2, _scalars, i);
        }
    }

    /// <summary>Counts the coming step and uploads its scalars (at the optimizer's current learning rate); call before each replay.</summary>
    public void PrepareStep()
    {
        var steps = _adam.CountStep();
        for (int i = 0; i < steps.Length; i++)
        {
            var sc = _adam.StepScalars(steps[i]);
            (_host[3 * i], _host[3 * i + 1], _host[3 * i + 2]) = (sc.StepSize, sc.InvSqrtBc2, sc.Shrink);
        }
        _backend.CopyFromHost<double>(_scalars, _host);
    }

    public void Dispose() => _scalars.Dispose();
}
