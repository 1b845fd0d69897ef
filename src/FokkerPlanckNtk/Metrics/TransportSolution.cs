namespace FokkerPlanckNtk.Metrics;

/// <summary>Outcome of an exact transport solve.</summary>
public enum TransportStatus
{
    /// <summary>Optimal: no arc has a negative reduced cost beyond round-off (see the violation and gap).</summary>
    Optimal,

    /// <summary>Stopped at the iteration cap: the plan is feasible but not proven optimal.</summary>
    IterationLimit,

    /// <summary>The masses could not be matched (mass left on the artificial arcs beyond round-off).</summary>
    Infeasible,
}

/// <summary>Mass sent from source atom <see cref="Source"/> to target atom <see cref="Target"/>.</summary>
public readonly record struct PlanEntry(int Source, int Target, double Mass);

/// <summary>
/// The result of <see cref="NetworkSimplex.Solve"/>: the plan, its cost Σ π_ij |x_i − y_j|² (= W2² when
/// optimal), and a certificate from the dual potentials φ (sources) and ψ (targets): with
/// <see cref="MaxViolation"/> = max_ij (φ_i + ψ_j − c_ij)⁺ and <see cref="DualObjective"/> =
/// Σ a_i φ_i + Σ b_j ψ_j, the optimum lies in [DualObjective − MaxViolation·M, Cost] (M the total mass),
/// so <see cref="DualityGap"/> = Cost − DualObjective bounds the error of Cost when the violation is 0.
/// </summary>
/// <param name="Status">Optimal (certified), or why not.</param>
/// <param name="Message">Why the status is what it is, in words (e.g. the iteration cap that was reached).</param>
/// <param name="Cost">Σ π_ij |x_i − y_j|², the squared Euclidean cost of the returned plan.</param>
/// <param name="Plan">The plan's non-zero entries (at most n + m − 1: a basic solution).</param>
/// <param name="SourcePotentials">φ_i, with φ_i + ψ_j ≤ c_ij up to <see cref="MaxViolation"/> and equality on the plan's support.</param>
/// <param name="TargetPotentials">ψ_j, the target potentials (see <see cref="SourcePotentials"/>).</param>
/// <param name="DualObjective">Σ a_i φ_i + Σ b_j ψ_j.</param>
/// <param name="MaxViolation">max over all pairs of (φ_i + ψ_j − c_ij)⁺, from a full pass over the pairs after the solve.</param>
/// <param name="Iterations">Simplex pivots performed.</param>
/// <param name="IterationLimit">The pivot cap the solve ran under.</param>
/// <param name="Seconds">Wall time of the solve.</param>
public sealed record TransportSolution(TransportStatus Status, string Message, double Cost, IReadOnlyList<PlanEntry> Plan,
    IReadOnlyList<double> SourcePotentials, IReadOnlyList<double> TargetPotentials, double DualObjective, double MaxViolation,
    long Iterations, long IterationLimit, double Seconds)
{
    /// <summary>Cost − DualObjective (0 up to round-off at the optimum).</summary>
    public double DualityGap => Cost - DualObjective;

    /// <summary>sqrt(Cost).</summary>
    public double W2 => Math.Sqrt(Math.Max(Cost, 0));
}
