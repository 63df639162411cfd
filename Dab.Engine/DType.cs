namespace Dab;

/// <summary>Element type of a tensor.</summary>
public enum DType { Float32, Float64, Int32, Int64 }

public static class DTypeExtensions
{
    public static int ElementSize(this DType t) => t switch
    {
        DType.Float32 or DType.Int32 => 4,
        _ => 8,
    };

    public static bool IsFloating(this DType t) => t is DType.Float32 or DType.Float64;

    public static string Name(this DType t) => t switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        _ => "int64",
    };

    internal static DType Of<T>() =>
        typeof(T) == typeof(float) ? DType.Float32 :
        typeof(T) == typeof(double) ? DType.Float64 :
        typeof(T) == typeof(int) ? DType.Int32 :
        typeof(T) == typeof(long) ? DType.Int64 :
        throw new ArgumentException($"unsupported element type {typeof(T).Name}");
}
