using Dab.Random;

namespace Dab.NN;

/// <summary>
/// A one-layer, batch-first LSTM like PyTorch's <c>nn.LSTM(input_size, hidden_size, batch_first=True)</c>:
/// parameters weight_ih_l0 (4H, in), weight_hh_l0 (4H, H), bias_ih_l0 and bias_hh_l0 (4H), gate order
/// (i, f, g, o), all initialised U(-1/sqrt(H), 1/sqrt(H)), so a PyTorch state dict loads as is.
/// </summary>
public sealed class LSTM : Module
{
    public LSTM(int inputSize, int hiddenSize, bool bias = true, Generator? gen = null, DType dtype = DType.Float32)
    {
        if (inputSize <= 0 || hiddenSize <= 0)
            throw new ArgumentOutOfRangeException(inputSize <= 0 ? nameof(inputSize) : nameof(hiddenSize), $"LSTM({inputSize}, {hiddenSize}): sizes must be positive");
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        gen ??= Generator.Default;
        double k = 1.0 / Math.Sqrt(hiddenSize);
        WeightIh = RegisterParameter("weight_ih_l0", gen.Uniform([4 * hiddenSize, inputSize], dtype, null, -k, k));
        WeightHh = RegisterParameter("weight_hh_l0", gen.Uniform([4 * hiddenSize, hiddenSize], dtype, null, -k, k));
        if (bias)
        {
            BiasIh = RegisterParameter("bias_ih_l0", gen.Uniform([4 * hiddenSize], dtype, null, -k, k));
            BiasHh = RegisterParameter("bias_hh_l0", gen.Uniform([4 * hiddenSize], dtype, null, -k, k));
        }
    }

    public int InputSize { get; }
    public int HiddenSize { get; }
    public Tensor WeightIh { get; private set; }
    public Tensor WeightHh { get; private set; }
    public Tensor? BiasIh { get; private set; }
    public Tensor? BiasHh { get; private set; }

    /// <summary>The hidden states of every step, (batch, time, H), from a zero state.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null).Output;

    /// <summary>
    /// Runs over (batch, time, in) from <paramref name="state"/> (h, c), each (batch, H), or from zeros;
    /// returns every step's hidden state and the final (h, c), which can be passed back in to continue.
    /// </summary>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, (Tensor H, Tensor C)? state)
    {
        if (input.Rank != 3 || input.Shape[2] != InputSize)
            throw new ArgumentException($"LSTM({InputSize}, {HiddenSize}): input must be (batch, time, {InputSize}), got {ShapeUtil.Format(input.Shape)}");
        return Tensor.Lstm(input, WeightIh, WeightHh, BiasIh, BiasHh, state?.H, state?.C);
    }

    protected override void OnParameterReplaced(string name, Tensor value)
    {
        switch (name)
        {
            case "weight_ih_l0": WeightIh = value; break;
            case "weight_hh_l0": WeightHh = value; break;
            case "bias_ih_l0": BiasIh = value; break;
            default: BiasHh = value; break;
        }
    }
}
