namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// KL and χ² between two densities given as values on the same cells (cell averages on a grid, or any
/// common partition) with cell volume V: KL(p‖q) = Σ p log(p/q) V, χ²(p‖q) = Σ (p−q)²/q V.
/// Conventions: 0·log 0 = 0 and 0/0 = 0 (empty cells contribute nothing); +∞, never NaN, where
/// q = 0 &lt; p. The sums are plain midpoint quadratures of the continuous divergences; against p0 the
/// reference is the discrete Gibbs state p0_c, so KL(p0_c‖p0_c) = 0 exactly.
/// </summary>
public static class Divergences
{
    /// <summary>KL(p‖q) = Σ_c p_c log(p_c/q_c) V.</summary>
    public static double KullbackLeibler(ReadOnlySpan<double> p, ReadOnlySpan<double> q, double cellVolume)
    {
        Check(p, q, cellVolume);
        double sum = 0;
        for (int c = 0; c < p.Length; c++)
        {
            double pc = p[c];
            if (pc == 0) continue;
            if (q[c] == 0) return double.PositiveInfinity;
            sum += pc * Math.Log(pc / q[c]);
        }
        return sum * cellVolume;
    }

    /// <summary>χ²(p‖q) = Σ_c (p_c − q_c)²/q_c V.</summary>
    public static double ChiSquared(ReadOnlySpan<double> p, ReadOnlySpan<double> q, double cellVolume)
    {
        Check(p, q, cellVolume);
        double sum = 0;
        for (int c = 0; c < p.Length; c++)
        {
            double d = p[c] - q[c];
            if (q[c] == 0)
            {
                if (p[c] == 0) continue;
                return double.PositiveInfinity;
            }
            sum += d * d / q[c];
        }
        return sum * cellVolume;
    }

    private static void Check(ReadOnlySpan<double> p, ReadOnlySpan<double> q, double cellVolume)
    {
        InputException.RequirePositive("cellVolume", cellVolume);
        if (p.Length != q.Length)
            throw new InputException("q", $"{q.Length} values", $"must have as many cells as p ({p.Length})");
        GridDensity.RequireNonNegative(p, "p");
        GridDensity.RequireNonNegative(q, "q");
    }
}
