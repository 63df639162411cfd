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
    public static uint Key(float v, bool descending)
    {
        uint k;
        if (float.IsNaN(v)) k = uint.MaxValue;
        else
        {
            uint b = v == 0 ? 0u : BitConverter.SingleToUInt32Bits(v);
            k = (b & 0x8000_0000u) != 0 ? ~b : b | 0x8000_0000u;
        }
        return descending ? ~k : k;
    }

    public static ulong Key(double v, bool descending)
    {
        ulong k;
        if (double.IsNaN(v)) k = ulong.MaxValue;
        else
        {
            ulong b = v == 0 ? 0ul : BitConverter.DoubleToUInt64Bits(v);
            k = (b & 0x8000_0000_0000_0000ul) != 0 ? ~b : b | 0x8000_0000_0000_0000ul;
        }
        return descending ? ~k : k;
    }
}
