using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Numerics;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// What a run records of the particles at an output time (step round(t/η), within η/2 of t): the loss and
/// residuals of the finite-width network, KL and χ² of the histogram against the discrete p0 on the
/// <see cref="ParticleMeasures.HistogramGrid"/> (biased estimates), the positions (m × D, row-major) and W2
/// between the particles and the discrete p0 on the run's grid (atoms at the cell centres).
/// </summary>
public sealed record ParticleRecord(double Time, long Steps, double Loss, double BinnedKlP0, double BinnedChi2P0, double[] Residuals,
    double[] Positions, W2Value W2P0)
{
    /// <summary>
    /// Measures the system's current state; <paramref name="grid"/> is the run's grid (the box of the histogram); W2
    /// with <paramref name="options"/> (default: between probability measures), a slow one announced through <paramref name="log"/>.
    /// </summary>
    public static ParticleRecord Measure(ParticleSystem system, UniformGrid grid, W2Options? options = null, Action<string>? log = null)
    {
        var positions = system.Positions();
        var histogramGrid = ParticleMeasures.HistogramGrid(grid, system.Count);
        var histogram = ParticleMeasures.Histogram(histogramGrid, positions);
        var histogramReference = ParticleMeasures.DiscreteStandardGaussian(histogramGrid);
        double v = histogramGrid.CellVolume;
        // The same discrete p0 as the PDE's (so pde_p0 and particles_p0 measure against one reference measure).
        var reference = ParticleMeasures.DiscreteStandardGaussian(grid);
        var atoms = ParticleMeasures.Atoms(positions, system.Dimension);
        var w2 = W2ResultExtensions.Logged("W2(particles, p0)", system.Time, grid.Count, atoms.Count, options ?? W2Options.ProbabilityMeasures, log,
            o => Wasserstein.Between(grid, reference, atoms, o));
        return new ParticleRecord(system.Time, system.Steps, system.Loss, Divergences.KullbackLeibler(histogram, histogramReference, v),
            Divergences.ChiSquared(histogram, histogramReference, v), system.Residuals.ToArray(), positions, w2.ToValue());
    }
}

/// <summary>
/// The particles against the PDE at the same output time: max_i |r_i^m − r_i|, W2 between the PDE density
/// (atoms at the cell centres) and the particles (exact, or a certified bracket), and the W2 of the
/// marginals by exact 1D transport against the piecewise-constant marginal densities of the PDE: <c>W2U</c> of
/// the u-marginals, <c>W2Theta</c> of the θ-marginals (d = 1), for d ≥ 2 the root-sum-square of the per-axis θ
/// marginals' W2 (a lower bound of the θ-marginals' W2).
/// </summary>
public sealed record ComparisonRecord(double Time, double MaxResidualDifference, W2Value W2, double W2Theta, double W2U)
{
    /// <summary>
    /// Compares two records of the same time on the PDE's grid; W2 with <paramref name="options"/> (default: between
    /// probability measures), a slow one announced through <paramref name="log"/>.
    /// </summary>
    public static ComparisonRecord Between(PdeRecord pde, ParticleRecord particles, UniformGrid grid, W2Options? options = null,
        Action<string>? log = null)
    {
        var atoms = ParticleMeasures.Atoms(particles.Positions, grid.Dimension);
        double maxDr = Norms.MaxAbsDifference(pde.Diagnostics.Residuals, particles.Residuals);
        double w2Theta = 0;
        // Both are probability measures by construction (the density's mass drifts by round-off only): normalized.
        for (int k = 0; k < grid.ThetaDimension; k++) w2Theta += MarginalW2Squared(grid, pde.Density, atoms, k);
        double w2U = MarginalW2Squared(grid, pde.Density, atoms, grid.UAxis);
        var w2 = W2ResultExtensions.Logged("W2(PDE, particles)", pde.Time, grid.Count, atoms.Count, options ?? W2Options.ProbabilityMeasures, log,
            o => Wasserstein.Between(grid, pde.Density, atoms, o));
        return new ComparisonRecord(pde.Time, maxDr, w2.ToValue(), Math.Sqrt(w2Theta), Math.Sqrt(w2U));
    }

    /// <summary>
    /// Exact W2² between the particles' marginal on one axis and the PDE density's marginal taken as the
    /// piecewise-constant density it is (a cell-centre atom would add a grid offset of up to Δ/√12 that no
    /// number of particles removes).
    /// </summary>
    public static double MarginalW2Squared(UniformGrid grid, ReadOnlySpan<double> density, AtomicMeasure particles, int axis) =>
        Transport1D.MarginalW2Squared(grid, density, particles, axis, GridMeasure.PiecewiseConstant, normalize: true);
}
