namespace Dab.Backends;

/// <summary>
/// The one definition of the sort order every backend uses (kernels/sort.cuh mirrors it): a value
/// maps to an unsigned key whose integer order is the sort order, and equal keys break by the lower
/// index. Ascending: -inf &lt; finite &lt; +inf &lt; NaN (every NaN equal), -0 equal to +0. Descending
/// is the bitwise complement, so NaN comes first and ties still keep the lower index first
/// (PyTorch's and NumPy's convention for NaN).
/// </summary>
public static class SortKeys
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static uint Key(float v, bool descending)
    {
        // Branch-free sign flip (random signs would mispredict); NaN and zero are rare and predictable.
        uint b = BitConverter.SingleToUInt32Bits(v);
        if (v == 0) b = 0;
        uint k = b ^ ((uint)((int)b >> 31) | 0x8000_0000u);
        if (float.IsNaN(v)) k = uint.MaxValue;
        return descending ? ~k : k;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static ulong Key(double v, bool descending)
    {
        ulong b = BitConverter.DoubleToUInt64Bits(v);
        if (v == 0) b = 0;
        ulong k = b ^ ((ulong)((long)b >> 63) | 0x8000_0000_0000_0000ul);
        if (double.IsNaN(v)) k = ulong.MaxValue;
        return descending ? ~k : k;
    }
}
