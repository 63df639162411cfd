using Dab.Random;

namespace Dab.NN;

/// <summary>y = x W^T + b, initialised like PyTorch: W, b ~ U(-1/sqrt(in), 1/sqrt(in)).</summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? gen = null, DType dtype = DType.Float32)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(inFeatures <= 0 ? nameof(inFeatures) : nameof(outFeatures), $"Linear({inFeatures}, {outFeatures}): sizes must be positive");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        gen ??= Generator.Default;
        double bound = 1.0 / Math.Sqrt(inFeatures);
        Weight = RegisterParameter("weight", gen.Uniform([outFeatures, inFeatures], dtype, null, -bound, bound));
        if (bias) Bias = RegisterParameter("bias", gen.Uniform([outFeatures], dtype, null, -bound, bound));
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; private set; }
    public Tensor? Bias { get; private set; }

    public override Tensor Forward(Tensor input)
    {
        if (input.Rank == 0 || input.Shape[^1] != InFeatures)
            throw new ArgumentException($"Linear({InFeatures}, {OutFeatures}): input {ShapeUtil.Format(input.Shape)} must end in {InFeatures}");
        return input.Linear(Weight, Bias);
    }

    /// <summary>tanh(Forward(input)) as one fused node (what Sequential runs for a Linear followed by a Tanh).</summary>
    public Tensor ForwardTanh(Tensor input)
    {
        if (input.Rank == 0 || input.Shape[^1] != InFeatures)
            throw new ArgumentException($"Linear({InFeatures}, {OutFeatures}): input {ShapeUtil.Format(input.Shape)} must end in {InFeatures}");
        return input.LinearTanh(Weight, Bias);
    }

    protected override void OnParameterReplaced(string name, Tensor value)
    {
        if (name == "weight") Weight = value;
        else Bias = value;
    }
}
