using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.FiniteVolume;

/// <summary>The diagnostics of the full problem from a finite-volume solution of its reduction (<see cref="ReducedProblem"/>).</summary>
public static class ReducedDiagnostics
{
    /// <summary>
    /// The diagnostics of p_t = q_t ⊗ (⊥ factor at t) from those of q_t on the reduced grid: loss, residuals, mass and
    /// the grid indicators are q_t's; KL(p_t‖p0) adds the ⊥ factor's closed form, 1 + χ² multiplies, and the free
    /// energy Q = L + λ KL gains λ·KL_⊥. Unchanged when nothing was reduced.
    /// </summary>
    public static PdeDiagnostics Lift(this ReducedProblem reduction, PdeDiagnostics reduced)
    {
        if (reduction.IsIdentity) return reduced;
        var perp = reduction.Orthogonal.At(reduced.Time).DistancesToStandard();
        return reduced with
        {
            KlP0 = reduced.KlP0 + perp.Kl,
            Chi2P0 = FactorDistances.CombineChi2(reduced.Chi2P0, perp.Chi2),
            FreeEnergy = reduced.FreeEnergy + reduction.Full.Lambda * perp.Kl,
        };
    }

    /// <summary>
    /// The record of p_t from one of q_t (any solver's): the diagnostics lifted (<see cref="Lift(ReducedProblem, PdeDiagnostics)"/>),
    /// W2(p_t, p0) from W2(q_t, p0 on S ⊕ u) and the ⊥ factor's closed form (W2² adds; a bracket stays a bracket); the
    /// density stays q_t on the reduced grid. Unchanged when nothing was reduced.
    /// </summary>
    public static PdeRecord Lift(this ReducedProblem reduction, PdeRecord reduced) => reduction.IsIdentity ? reduced : reduced with
    {
        Diagnostics = reduction.Lift(reduced.Diagnostics),
        W2P0 = reduction.Orthogonal.At(reduced.Time).DistancesToStandard().Combine(reduced.W2P0),
    };
}
