namespace FokkerPlanckNtk.Numerics;

/// <summary>Norms of differences, used wherever results are compared (one definition).</summary>
public static class Norms
{
    /// <summary>max_i |a_i − b_i| (0 for empty vectors; NaN when a difference is NaN).</summary>
    public static double MaxAbsDifference(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vectors of lengths {a.Length} and {b.Length}", nameof(b));
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
