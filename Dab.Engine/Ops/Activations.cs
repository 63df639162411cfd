using Dab.Backends;

namespace Dab;

public sealed partial class Tensor
{
    public Tensor Tanh() => UnaryOpT(UnaryOp.Tanh);
    public Tensor Sigmoid() => UnaryOpT(UnaryOp.Sigmoid);
    public Tensor Relu() => UnaryOpT(UnaryOp.Relu);
    public Tensor Elu(double alpha = 1.0) => UnaryOpT(UnaryOp.Elu, alpha);
    /// <summary>log(1 + e^x), computed without overflow.</summary>
    public Tensor Softplus() => UnaryOpT(UnaryOp.Softplus);
}
