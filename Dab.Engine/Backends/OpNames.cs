namespace Dab.Backends;

/// <summary>
/// The names ops give their nodes and error messages, built once: formatting an enum name on every call
/// (<c>op.ToString().ToLowerInvariant()</c>, <c>op + "Scalar"</c>) allocates a string per op.
/// </summary>
internal static class OpNames
{
    private static readonly string[] UnaryNodes = Enum.GetNames<UnaryOp>();
    private static readonly string[] UnaryLower = Lower(UnaryNodes);
    private static readonly string[] ScalarNodes = Enum.GetNames<ScalarOp>().Select(n => n + "Scalar").ToArray();
    private static readonly string[] ScalarLower = Lower(Enum.GetNames<ScalarOp>());
    private static readonly string[] ReduceLower = Lower(Enum.GetNames<ReduceOp>());

    /// <summary>"Tanh": the node name of a unary op.</summary>
    public static string Node(UnaryOp op) => UnaryNodes[(int)op];
    /// <summary>"tanh": a unary op in error messages.</summary>
    public static string Lower(UnaryOp op) => UnaryLower[(int)op];
    /// <summary>"MulScalar": the node name of a tensor-scalar op.</summary>
    public static string Node(ScalarOp op) => ScalarNodes[(int)op];
    /// <summary>"mul": a tensor-scalar op in error messages.</summary>
    public static string Lower(ScalarOp op) => ScalarLower[(int)op];
    /// <summary>"argmax": a reduction in error messages.</summary>
    public static string Lower(ReduceOp op) => ReduceLower[(int)op];

    private static string[] Lower(string[] names) => names.Select(n => n.ToLowerInvariant()).ToArray();
}
