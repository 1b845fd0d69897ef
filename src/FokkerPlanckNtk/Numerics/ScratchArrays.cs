using System.Runtime.CompilerServices;

namespace FokkerPlanckNtk.Numerics;

/// <summary>
/// Scratch arrays reused across calls (vertex lists of clipped cells): grown to at least the size asked for and at
/// least doubled, so that growth costs O(1) per element over a run and a warm loop allocates nothing.
/// </summary>
internal static class ScratchArrays
{
    /// <summary>Grows the three arrays of one length to hold at least <paramref name="n"/> elements (contents kept).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the check is on the clipping path; the growth is rare
    public static void Reserve<T1, T2, T3>(int n, ref T1[] a, ref T2[] b, ref T3[] c)
    {
        if (n > a.Length) Grow(n, ref a, ref b, ref c);
    }

    private static void Grow<T1, T2, T3>(int n, ref T1[] a, ref T2[] b, ref T3[] c)
    {
        int size = Math.Max(n, 2 * a.Length);
        Array.Resize(ref a, size);
        Array.Resize(ref b, size);
        Array.Resize(ref c, size);
    }
}
