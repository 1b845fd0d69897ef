using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// What a run records of the particles at an output time (step round(t/η), within η/2 of t): the loss and
/// residuals of the finite-width network, KL and χ² of the histogram against the discrete p0 on the
/// <see cref="ParticleMeasures.HistogramGrid"/> (biased estimates), the positions (m × D, row-major) and W2
/// between the particles and the discrete p0 on the run's grid (in 2D and 3D the piecewise-constant density, exact semi-discrete
/// transport; otherwise its cell-centre atoms).
/// </summary>
/// <remarks>
/// For a problem reduced to the span S of its inputs (<see cref="ReducedProblem"/>) the particles run in the full
/// R^{d+1} and are measured through their projections (Bᵀθ_j, u_j) onto S ⊕ u, samples of q_t: <see cref="Positions"/>
/// holds the projections (m × (k + 1), on the reduced grid), the binned divergences and W2 are those of the projections
/// combined with the closed form of the particles' exact θ_⊥ law (the Euler–Maruyama chain's, <see cref="OrthogonalFactor.EulerMaruyama"/>;
/// KL and W2² add, 1 + χ² multiplies), and <see cref="Orthogonal"/> checks the particles' θ_⊥ against that law.
/// </remarks>
public sealed record ParticleRecord(double Time, long Steps, double Loss, double BinnedKlP0, double BinnedChi2P0, double[] Residuals,
    double[] Positions, W2Value W2P0)
{
    /// <summary>The θ_⊥ moments against their closed form (reduced problems only; null otherwise).</summary>
    public OrthogonalMoments? Orthogonal { get; init; }

    /// <summary>
    /// Measures the system's current state; <paramref name="grid"/> is the run's grid (the box of the histogram); W2
    /// with <paramref name="options"/> (default: between probability measures), a slow one announced through <paramref name="log"/>.
    /// With a <paramref name="reduction"/> that reduces, the measures of the projections onto S ⊕ u on the reduced grid,
    /// combined with the θ_⊥ factor's closed form, and the θ_⊥ moments (see the remarks).
    /// </summary>
    public static ParticleRecord Measure(ParticleSystem system, UniformGrid grid, W2Options? options = null, Action<string>? log = null,
        ReducedProblem? reduction = null)
    {
        bool reduced = reduction is { IsIdentity: false };
        var positions = reduced ? SpanProjection.Positions(system, reduction!) : system.Positions();
        int dimension = reduced ? reduction!.GridDimension : system.Dimension;
        var histogramGrid = ParticleMeasures.HistogramGrid(grid, system.Count);
        var histogram = ParticleMeasures.Histogram(histogramGrid, positions);
        var histogramReference = ParticleMeasures.DiscreteStandardGaussian(histogramGrid);
        double v = histogramGrid.CellVolume;
        // The same discrete p0 as the PDE's (so pde_p0 and particles_p0 measure against one reference measure).
        var reference = ParticleMeasures.DiscreteStandardGaussian(grid);
        var atoms = ParticleMeasures.Atoms(positions, dimension);
        var w2 = W2ResultExtensions.Logged("W2(particles, p0)", system.Time, grid.Count, atoms.Count, options ?? W2Options.ProbabilityMeasures, log,
            o => Wasserstein.Between(grid, reference, atoms, o)).ToValue();
        double kl = Divergences.KullbackLeibler(histogram, histogramReference, v), chi2 = Divergences.ChiSquared(histogram, histogramReference, v);
        OrthogonalMoments? orthogonal = null;
        if (reduced)
        {
            var perp = reduction!.ParticleOrthogonalDistances(system.StepSize, system.Steps);
            (kl, chi2, w2) = (kl + perp.Kl, FactorDistances.CombineChi2(chi2, perp.Chi2), perp.Combine(w2));
            orthogonal = OrthogonalMoments.Measure(system, reduction, reduction.Orthogonal.EulerMaruyama(system.StepSize, system.Steps));
        }
        return new ParticleRecord(system.Time, system.Steps, system.Loss, kl, chi2, system.Residuals.ToArray(), positions, w2) { Orthogonal = orthogonal };
    }
}

/// <summary>
/// The particles against the PDE at the same output time: max_i |r_i^m − r_i|, W2 between the PDE density
/// (in 2D and 3D the piecewise-constant density by semi-discrete transport, otherwise atoms at the cell centres) and the
/// particles (exact, or a certified bracket), and the W2 of the
/// marginals by exact 1D transport against the piecewise-constant marginal densities of the PDE: <c>W2U</c> of
/// the u-marginals, <c>W2Theta</c> of the θ-marginals (d = 1), for d ≥ 2 the root-sum-square of the per-axis θ
/// marginals' W2 (a lower bound of the θ-marginals' W2).
/// </summary>
public sealed record ComparisonRecord(double Time, double MaxResidualDifference, W2Value W2, double W2Theta, double W2U)
{
    /// <summary>
    /// The sampling floor of <see cref="W2"/>: the mean, over seeded repetitions, of the W2 between m independent samples
    /// of the PDE density and the density itself (what W2(PDE, particles) shows for particles that follow the PDE exactly);
    /// NaN when not measured. <c>w2_floor</c> in comparison.csv.
    /// </summary>
    public double W2Floor { get; init; } = double.NaN;

    /// <summary>The standard deviation of the repetitions behind <see cref="W2Floor"/> (NaN when not measured); <c>w2_floor_sd</c>.</summary>
    public double W2FloorSd { get; init; } = double.NaN;

    /// <summary>True when <see cref="W2Floor"/> was measured.</summary>
    public bool HasFloor => double.IsFinite(W2Floor);

    /// <summary>
    /// Compares two records of the same time on the PDE's grid; W2 with <paramref name="options"/> (default: between
    /// probability measures), a slow one announced through <paramref name="log"/>. With <paramref name="floorRepetitions"/> &gt; 0
    /// also the sampling floor of W2 (<see cref="SamplingFloor"/>, m = the particles' count, the same W2 method, keys from
    /// <paramref name="floorSeed"/> and the particles' step).
    /// </summary>
    public static ComparisonRecord Between(PdeRecord pde, ParticleRecord particles, UniformGrid grid, W2Options? options = null,
        Action<string>? log = null, int floorRepetitions = 0, long floorSeed = 0)
    {
        var atoms = ParticleMeasures.Atoms(particles.Positions, grid.Dimension);
        double maxDr = Norms.MaxAbsDifference(pde.Diagnostics.Residuals, particles.Residuals);
        double w2Theta = 0;
        // Both are probability measures by construction (the density's mass drifts by round-off only): normalized.
        for (int k = 0; k < grid.ThetaDimension; k++) w2Theta += MarginalW2Squared(grid, pde.Density, atoms, k);
        double w2U = MarginalW2Squared(grid, pde.Density, atoms, grid.UAxis);
        options ??= W2Options.ProbabilityMeasures;
        var w2 = W2ResultExtensions.Logged("W2(PDE, particles)", pde.Time, grid.Count, atoms.Count, options, log,
            o => Wasserstein.Between(grid, pde.Density, atoms, o));
        var record = new ComparisonRecord(pde.Time, maxDr, w2.ToValue(), Math.Sqrt(w2Theta), Math.Sqrt(w2U));
        if (floorRepetitions <= 0) return record;
        var floor = SamplingFloor.Measure(grid, pde.Density, atoms.Count, floorRepetitions, floorSeed, particles.Steps, options);
        return record with { W2Floor = floor.Mean, W2FloorSd = floor.Sd };
    }

    /// <summary>
    /// Exact W2² between the particles' marginal on one axis and the PDE density's marginal taken as the
    /// piecewise-constant density it is (a cell-centre atom would add a grid offset of up to Δ/√12 that no
    /// number of particles removes).
    /// </summary>
    public static double MarginalW2Squared(UniformGrid grid, ReadOnlySpan<double> density, AtomicMeasure particles, int axis) =>
        Transport1D.MarginalW2Squared(grid, density, particles, axis, GridMeasure.PiecewiseConstant, normalize: true);
}
