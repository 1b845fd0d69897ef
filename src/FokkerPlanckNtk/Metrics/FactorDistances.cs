namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// KL(p‖q), χ²(p‖q) and W2²(p, q) of one factor of a product measure. For p = p_1 ⊗ p_2 against q = q_1 ⊗ q_2
/// (on orthogonal subspaces), KL and W2² add and 1 + χ² multiplies: ∫ p²/q = ∫ p_1²/q_1 · ∫ p_2²/q_2, and the
/// product of optimal couplings is optimal for the squared distance, which splits over the subspaces.
/// </summary>
public readonly record struct FactorDistances(double Kl, double Chi2, double W2Squared)
{
    /// <summary>Two equal factors.</summary>
    public static FactorDistances Zero => new(0, 0, 0);

    /// <summary>W2 = √W2².</summary>
    public double W2 => Math.Sqrt(W2Squared);

    /// <summary>The distances of the product of this factor with <paramref name="other"/>
    /// (χ² as χ_1 + χ_2 + χ_1χ_2 = (1 + χ_1)(1 + χ_2) − 1, +∞ if either is).</summary>
    public FactorDistances Times(FactorDistances other) =>
        new(Kl + other.Kl, CombineChi2(Chi2, other.Chi2), W2Squared + other.W2Squared);

    /// <summary>(1 + a)(1 + b) − 1, written so that small values keep their digits; +∞ (never NaN) if either is.</summary>
    public static double CombineChi2(double a, double b) =>
        double.IsPositiveInfinity(a) || double.IsPositiveInfinity(b) ? double.PositiveInfinity : a + b + a * b;

    /// <summary>√(w² + W2²): a W2 value (or either end of a bracket) of the other factor combined with this one.</summary>
    public double CombineW2(double otherW2) => Math.Sqrt(otherW2 * otherW2 + W2Squared);

    /// <summary>
    /// A W2 of the other factor (a value with its bracket) combined with this one: both ends of the bracket and the value
    /// through <see cref="CombineW2"/> (monotone, so the bracket stays a bracket); the error bound is the wider side.
    /// </summary>
    public W2Value Combine(W2Value other)
    {
        if (W2Squared == 0) return other;
        double value = CombineW2(other.Value), lower = CombineW2(other.Lower), upper = CombineW2(other.Upper);
        return new W2Value(value, Math.Max(upper - value, value - lower), other.Method + " ⊕ closed-form θ_⊥ factor");
    }
}
