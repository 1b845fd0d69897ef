namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// Total masses and when two of them are equal, in one place. A total is the compensated sum
/// (<see cref="CompensatedSum"/>, error 2u + O(n u²)) of n non-negative weights. Weights that were
/// normalized in floating point (divided by a sum of the n terms, by us, numpy or a spreadsheet) have a
/// total that differs from 1 by up to (n − 1)u (the worst case of a recursive sum, Higham (4.4); pairwise
/// or compensated sums do better), each weight adds one rounding: <see cref="RelativeError"/>(n) = (n + 2)u.
/// Two totals agree when they differ by no more than the sum of their bounds; a larger difference cannot be
/// round-off and is refused (or removed by --normalize).
/// </summary>
public static class MassBalance
{
    /// <summary>The unit round-off u = 2⁻⁵³ of binary64.</summary>
    public const double RoundOff = 1.0 / (1L << 53);

    /// <summary>Σ w_i, compensated.</summary>
    public static double Total(ReadOnlySpan<double> weights) => CompensatedSum.Of(weights);

    /// <summary>Relative round-off bound of a total of <paramref name="terms"/> weights: (n + 2)u (2.2e-16·(n + 2)).</summary>
    public static double RelativeError(long terms) => (terms + 2) * RoundOff;

    /// <summary>True when the totals of <paramref name="termsA"/> and <paramref name="termsB"/> weights are equal up to their rounding.</summary>
    public static bool Agree(double massA, long termsA, double massB, long termsB) =>
        Math.Abs(massA - massB) <= RelativeError(termsA) * massA + RelativeError(termsB) * massB;

    /// <summary>Throws an <see cref="InputException"/> naming <paramref name="nameB"/> unless the totals agree.</summary>
    public static void RequireEqual(string nameA, double massA, long termsA, string nameB, double massB, long termsB)
    {
        if (!Agree(massA, termsA, massB, termsB))
            throw new InputException($"{nameB}.totalMass", massB,
                $"must equal the total mass of {nameA} ({InputException.Format(massA)}) up to round-off "
                + $"(relative {(RelativeError(termsA) + RelativeError(termsB)):G2}); use --normalize to rescale both to 1");
    }
}
