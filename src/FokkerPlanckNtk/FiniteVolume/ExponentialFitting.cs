namespace FokkerPlanckNtk.FiniteVolume;

/// <summary>
/// The Scharfetter–Gummel face flux F = s·[B(w) p_a − B(−w) p_b] with the Bernoulli function
/// B(w) = w/(eʷ − 1), evaluated from w and E = eʷ without overflow or cancellation:
/// B(w) from a Taylor series for |w| &lt; 0.1 (where w/(E−1) would lose digits), else w/(E − 1);
/// B(−w) = B(w) + w on the series branch and B(w)·E otherwise (both exact identities).
/// </summary>
internal static class ExponentialFitting
{
    /// <summary>|w| below which the series is used; its first omitted term is &lt; 3e-18 there.</summary>
    internal const double SeriesThreshold = 0.1;

    /// <summary>E is clamped here so that B(w)·E never becomes 0·∞ (the limit is B(−w) → w).</summary>
    private const double MaxExp = 1e300;

    /// <summary>B(w) for one argument (tests and cold paths).</summary>
    public static double B(double w)
    {
        if (Math.Abs(w) < SeriesThreshold) return Series(w);
        double e = Math.Min(Math.Exp(w), MaxExp);
        return w / (e - 1);
    }

    /// <summary>B(w) and B(−w) for one face from w and E = eʷ.</summary>
    public static void Scalar(double w, double e, out double bPlus, out double bMinus)
    {
        if (Math.Abs(w) < SeriesThreshold) { bPlus = Series(w); bMinus = bPlus + w; return; }
        e = Math.Min(e, MaxExp);
        bPlus = w / (e - 1);
        bMinus = bPlus * e;
    }

    /// <summary>
    /// B'(w) and B'(−w) from w and bPlus = B(w), bMinus = B(−w): B'(w) = B(w)(1 − B(−w))/w and
    /// B'(−w) = −B(−w)(1 − B(w))/w (from B(−w) = eʷB(w)), by series for |w| &lt; 0.1. Both are ≤ 0.
    /// </summary>
    public static void Derivatives(double w, double bPlus, double bMinus, out double dPlus, out double dMinus)
    {
        if (Math.Abs(w) < SeriesThreshold)
        {
            double w2 = w * w;
            double odd = w * (1.0 / 6 + w2 * (-1.0 / 180 + w2 * (1.0 / 5040 - w2 * (1.0 / 151200))));
            dPlus = -0.5 + odd;
            dMinus = -0.5 - odd;
            return;
        }
        dPlus = bPlus * (1 - bMinus) / w;
        dMinus = -bMinus * (1 - bPlus) / w;
    }

    private static double Series(double w)
    {
        double w2 = w * w;
        return 1 - 0.5 * w + w2 * (1.0 / 12 + w2 * (-1.0 / 720 + w2 * (1.0 / 30240 - w2 * (1.0 / 1209600))));
    }
}
