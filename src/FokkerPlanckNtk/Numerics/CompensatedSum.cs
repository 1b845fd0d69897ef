namespace FokkerPlanckNtk.Numerics;

/// <summary>
/// Neumaier's compensated summation (Kahan–Babuška): the running sum carries the rounding error of every
/// addition in a second term, so that |Ŝ − S| ≤ 2u|S| + O(n u²) Σ|x_i| (Higham, Accuracy and Stability of
/// Numerical Algorithms, §4.3) instead of the naive (n − 1)u Σ|x_i|.
/// </summary>
public struct CompensatedSum
{
    private double _sum, _compensation;

    /// <summary>Adds <paramref name="x"/>.</summary>
    public void Add(double x)
    {
        double t = _sum + x;
        _compensation += Math.Abs(_sum) >= Math.Abs(x) ? (_sum - t) + x : (x - t) + _sum;
        _sum = t;
    }

    /// <summary>The compensated sum so far.</summary>
    public readonly double Value => _sum + _compensation;

    /// <summary>The compensated sum of <paramref name="values"/>, in order.</summary>
    public static double Of(ReadOnlySpan<double> values)
    {
        var s = new CompensatedSum();
        foreach (double x in values) s.Add(x);
        return s.Value;
    }
}
