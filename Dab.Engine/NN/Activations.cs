namespace Dab.NN;

public sealed class Tanh : Module { public override Tensor Forward(Tensor x) => x.Tanh(); }
public sealed class Sigmoid : Module { public override Tensor Forward(Tensor x) => x.Sigmoid(); }
public sealed class ReLU : Module { public override Tensor Forward(Tensor x) => x.Relu(); }
public sealed class Softplus : Module { public override Tensor Forward(Tensor x) => x.Softplus(); }
public sealed class ELU(double alpha = 1.0) : Module { public override Tensor Forward(Tensor x) => x.Elu(alpha); }
public sealed class Identity : Module { public override Tensor Forward(Tensor x) => x; }

/// <summary>Wraps any tensor function as a module (for quick experiments and surrogates).</summary>
public sealed class Lambda(Func<Tensor, Tensor> fn) : Module { public override Tensor Forward(Tensor x) => fn(x); }
