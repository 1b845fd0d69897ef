using FokkerPlanckNtk.Numerics;

namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// Total masses and when two of them are equal, in one place. A total is the compensated sum
/// (<see cref="CompensatedSum"/>) of non-negative weights, each within one rounding of its exact value (a
/// quotient 1/m, a product p_c·V, a number parsed from a file), so it lies within
/// <see cref="RelativeError"/>(n)·total of the exact total: u from the weights plus Neumaier's 2u + O(n u²).
/// Two totals agree when they differ by no more than the sum of their bounds.
/// </summary>
public static class MassBalance
{
    /// <summary>The unit round-off u = 2⁻⁵³ of binary64.</summary>
    public const double RoundOff = 1.0 / (1L << 53);

    /// <summary>Σ w_i, compensated.</summary>
    public static double Total(ReadOnlySpan<double> weights) => CompensatedSum.Of(weights);

    /// <summary>Relative error bound of a total of <paramref name="terms"/> weights: (3 + 4nu)·u (a few ulps for any n ≪ 1/u).</summary>
    public static double RelativeError(long terms) => (3 + 4 * terms * RoundOff) * RoundOff;

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
