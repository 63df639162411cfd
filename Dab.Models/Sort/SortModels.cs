using Dab.Models.Hard;
using Dab.NN;
using Dab.Random;

namespace Dab.Models.Sort;

/// <summary>The sorting networks; <see cref="Rnn"/> is <see cref="SortRnn"/>, the others <see cref="SortNet"/>.</summary>
public enum SortModelKind { Dense, EluDense, TanhDense, Rnn }

/// <summary>
/// The dense sorting networks of the paper (section IV-A, Fig. 5): an encoder to a latent of
/// <c>latent</c> units, then (Signum-Dense) a DAB with the 0.5-margin signum, and a linear head to
/// T x T logits viewed as (B, T classes, T positions).
/// </summary>
public sealed class SortNet : Module
{
    private readonly Sequential _encoder;
    private readonly Module _bottleneck;
    private readonly Linear _head;

    public SortNet(SortModelKind kind, int length, int latent = 256, int hidden = 128, double gamma = 10,
        BridgeMode mode = BridgeMode.SurrogateOnly, bool straightThrough = false, Generator? gen = null)
    {
        if (latent <= 0 || hidden <= 0) throw new ArgumentOutOfRangeException(nameof(latent), $"latent and hidden sizes must be positive, got {latent} and {hidden}");
        if (kind == SortModelKind.Rnn) throw new ArgumentException("SortNet is the dense family; the RNN sorter is SortRnn", nameof(kind));
        Kind = kind;
        Length = length;
        gen ??= new Generator(1);
        Func<Module> act = kind == SortModelKind.EluDense ? () => new ELU() : () => new Tanh();
        _encoder = RegisterModule("encoder", new Sequential(
            new Linear(length, hidden, gen: gen), act(),
            new Linear(hidden, hidden, gen: gen), act(),
            new Linear(hidden, latent, gen: gen), act()));
        _bottleneck = RegisterModule<Module>("dab", kind switch
        {
            SortModelKind.Dense when straightThrough => DabLayer.StraightThrough(new Signum(0.5)),
            SortModelKind.Dense => new DabLayer(new Signum(0.5), Surrogate(latent, hidden, gen), gamma, mode),
            SortModelKind.TanhDense => new Tanh(),
            _ => new Identity(),
        });
        _head = RegisterModule("head", new Linear(latent, length * length, gen: gen));
    }

    public SortModelKind Kind { get; }
    public int Length { get; }

    /// <summary>The paper's DAB network for the sort task: Linear(256,128) Tanh Linear(128,128) Tanh Linear(128,256).</summary>
    public static Sequential Surrogate(int latent, int hidden, Generator gen) => new(
        new Linear(latent, hidden, gen: gen), new Tanh(),
        new Linear(hidden, hidden, gen: gen), new Tanh(),
        new Linear(hidden, latent, gen: gen));

    /// <summary>Logits (B, T classes, T positions).</summary>
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 2 || x.Shape[1] != Length)
            throw new ArgumentException($"SortNet(T={Length}): input must be (batch, {Length}), got {ShapeUtil.Format(x.Shape)}");
        var z = _bottleneck.Forward(_encoder.Forward(x));
        return _head.Forward(z).Reshape(x.Shape[0], Length, Length);
    }

    public static string Name(SortModelKind kind, bool straightThrough = false) => kind switch
    {
        SortModelKind.Dense => straightThrough ? "signum-dense-ste" : "signum-dense",
        SortModelKind.EluDense => "elu-dense",
        SortModelKind.Rnn => SortRnn.Name(straightThrough),
        _ => "tanh-dense",
    };
}
