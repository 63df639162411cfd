using Dab.Models.Hard;
using Dab.NN;
using Dab.Random;

namespace Dab.Models.Sort;

/// <summary>
/// The paper's Signum-RNN sorter (section IV-B, Fig. 4; appendix: "LSTM (gradclip 5) + Dense(256)"):
/// an LSTM reads the sequence one value at a time (input size 1), then runs <c>ponder</c> more steps
/// on zero input (pondering), and from its last hidden state a Dense(latent) + Tanh feeds the DAB
/// (signum with margin 0.5, the same surrogate as <see cref="SortNet.Surrogate"/>), whose output a
/// linear head maps to T x T logits viewed as (B, T classes, T positions). The prediction is made
/// after the last element. The trainer clips the global gradient norm at 5 for this model.
/// </summary>
public sealed class SortRnn : Module
{
    /// <summary>The gradient clipping norm of the paper's appendix for the RNN.</summary>
    public const double GradClipNorm = 5;

    private readonly LSTM _lstm;
    private readonly Linear _dense;
    private readonly Module _bottleneck;
    private readonly Linear _head;

    public SortRnn(int length, int hidden = 256, int ponder = 0, int? latent = null, int surrogateHidden = 128, double gamma = 10,
        BridgeMode mode = BridgeMode.SurrogateOnly, bool straightThrough = false, Generator? gen = null)
    {
        int lat = latent ?? hidden;
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), $"sequence length must be positive, got {length}");
        if (hidden <= 0 || lat <= 0 || surrogateHidden <= 0)
            throw new ArgumentOutOfRangeException(nameof(hidden), $"hidden, latent and surrogate sizes must be positive, got {hidden}, {lat} and {surrogateHidden}");
        if (ponder < 0) throw new ArgumentOutOfRangeException(nameof(ponder), $"ponder steps must be >= 0, got {ponder}");
        Length = length;
        Hidden = hidden;
        Ponder = ponder;
        StraightThrough = straightThrough;
        gen ??= new Generator(1);
        _lstm = RegisterModule("lstm", new LSTM(1, hidden, gen: gen));
        _dense = RegisterModule("dense", new Linear(hidden, lat, gen: gen));
        _bottleneck = RegisterModule<Module>("dab", straightThrough
            ? DabLayer.StraightThrough(new Signum(0.5))
            : new DabLayer(new Signum(0.5), SortNet.Surrogate(lat, surrogateHidden, gen), gamma, mode));
        _head = RegisterModule("head", new Linear(lat, length * length, gen: gen));
    }

    public int Length { get; }
    public int Hidden { get; }
    public int Ponder { get; }
    public bool StraightThrough { get; }
    public LSTM Lstm => _lstm;

    /// <summary>Logits (B, T classes, T positions) for x (B, T).</summary>
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 2 || x.Shape[1] != Length)
            throw new ArgumentException($"SortRnn(T={Length}): input must be (batch, {Length}), got {ShapeUtil.Format(x.Shape)}");
        int batch = x.Shape[0];
        var seq = x.Unsqueeze(2); // (B, T, 1): one value per step
        if (Ponder > 0)
            seq = Tensor.Concat([seq, Tensor.Zeros([batch, Ponder, 1], x.DType, x.Device)], 1);
        var (_, h, _) = _lstm.Forward(seq, null);
        var z = _bottleneck.Forward(_dense.Forward(h).Tanh());
        return _head.Forward(z).Reshape(batch, Length, Length);
    }

    public static string Name(bool straightThrough = false) => straightThrough ? "signum-rnn-ste" : "signum-rnn";
}
