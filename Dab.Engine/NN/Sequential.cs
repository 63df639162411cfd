namespace Dab.NN;

/// <summary>Applies its modules in order; children are named "0", "1", ... like PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = new();

    public Sequential(params Module[] layers)
    {
        foreach (var l in layers) Add(l);
    }

    public Sequential Add(Module layer)
    {
        RegisterModule(_layers.Count.ToString(), layer);
        _layers.Add(layer);
        return this;
    }

    public int Count => _layers.Count;
    public Module this[int i] => _layers[i];

    public override Tensor Forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < _layers.Count; i++)
        {
            // Linear then Tanh: one fused node (bias and tanh in one pass, tanh' folded into the backward).
            if (_layers[i] is Linear linear && i + 1 < _layers.Count && _layers[i + 1] is Tanh)
            {
                x = linear.ForwardTanh(x);
                i++;
                continue;
            }
            x = _layers[i].Forward(x);
        }
        return x;
    }
}
