using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// The particles measured against grid densities (DESIGN.md §5): residual differences, W2 (exact where
/// the transport problem is small enough, else certified bounds), exact 1D marginal W2, and binned KL/χ².
/// </summary>
public static class ParticleMeasures
{
    /// <summary>Target of the binning rule: about this many particles per bin of the box.</summary>
    public const int ParticlesPerBin = 20;

    /// <summary>The particles as equal-weight atoms (θ_1..θ_d, u).</summary>
    public static AtomicMeasure Atoms(ParticleSystem system) => new(system.Positions(), system.Dimension, name: "particles");

    /// <summary>max_i |r_i^m − r_i|.</summary>
    public static double MaxResidualDifference(ReadOnlySpan<double> particleResiduals, ReadOnlySpan<double> residuals)
    {
        if (particleResiduals.Length != residuals.Length)
            throw new ArgumentException("residual vectors of different lengths", nameof(residuals));
        double max = 0;
        for (int i = 0; i < residuals.Length; i++) max = Math.Max(max, Math.Abs(particleResiduals[i] - residuals[i]));
        return max;
    }

    /// <summary>
    /// W2 between the particles and a grid density (cells as atoms at their centres with mass p_c·V, within
    /// sqrt(Σ_k Δ_k²/12) of the piecewise-constant density), by the metrics code's <see cref="Wasserstein"/>:
    /// exact where it can solve the problem exactly, else a certified bracket (the value is its midpoint,
    /// <see cref="W2Result.ErrorBound"/> its half-width; the method says which). Both measures are normalized
    /// to mass 1 (probability measures up to round-off).
    /// </summary>
    public static W2Result W2(AtomicMeasure particles, UniformGrid grid, ReadOnlySpan<double> density) =>
        Wasserstein.Between(grid, density, particles, new W2Options { Normalize = true });

    /// <summary>
    /// Exact W2 between the particles' marginal on one axis and the grid density's marginal, the latter as the
    /// piecewise-constant density it is (exact integration of the quantile functions).
    /// </summary>
    public static double MarginalW2(AtomicMeasure particles, UniformGrid grid, ReadOnlySpan<double> density, int axis) =>
        Math.Sqrt(Math.Max(0, Transport1D.MarginalW2Squared(grid, density, particles, axis, GridMeasure.PiecewiseConstant, normalize: true)));

    /// <summary>
    /// The binning of <see cref="Row"/>: the smallest coarsening factor f (dividing every cell count) that leaves
    /// at most m/<see cref="ParticlesPerBin"/> bins, so that bins are not mostly empty; the largest common
    /// divisor when none does.
    /// </summary>
    public static int BinFactor(UniformGrid grid, int particleCount)
    {
        double target = Math.Max(1.0, (double)particleCount / ParticlesPerBin);
        int best = 1;
        for (int f = 1; f <= grid.Cells.Min(); f++)
        {
            if (grid.Cells.Any(c => c % f != 0)) continue;
            best = f;
            double bins = grid.Cells.Aggregate(1.0, (a, c) => a * (c / f));
            if (bins <= target) break;
        }
        return best;
    }

    /// <summary>
    /// Binned KL(q‖p) and χ²(q‖p) of the particles' histogram q against a grid density p, both on the grid
    /// coarsened by <paramref name="factor"/> per axis (p averaged over each bin; q = count/(m·V_bin), particles
    /// outside the box counted in the nearest bin). These are plug-in estimates and biased: for a smooth
    /// law the KL estimate exceeds the truth by about (occupied bins − 1)/(2m) on average, and both depend on
    /// the binning; use them to compare runs with the same m and bins, not as exact values.
    /// </summary>
    public static (double Kl, double Chi2) BinnedDivergences(ParticleSystem system, UniformGrid grid, ReadOnlySpan<double> density,
        int factor)
    {
        GridDensity.Validate(grid, density, "density");
        if (factor < 1 || grid.Cells.Any(c => c % factor != 0))
            throw new ArgumentException("the factor must divide every cell count", nameof(factor));
        int dim = grid.Dimension;
        var bins = grid.Cells.Select(c => c / factor).ToArray();
        var strides = new int[dim];
        int count = 1;
        for (int k = dim - 1; k >= 0; k--) { strides[k] = count; count *= bins[k]; }
        double binVolume = grid.CellVolume * Math.Pow(factor, dim);

        var p = new double[count];
        for (int c = 0; c < grid.Count; c++)
        {
            int b = 0;
            for (int k = 0; k < dim; k++) b += grid.AxisIndex(c, k) / factor * strides[k];
            p[b] += density[c];
        }
        double cellsPerBin = Math.Pow(factor, dim);
        for (int b = 0; b < count; b++) p[b] /= cellsPerBin;

        var q = new double[count];
        var width = new double[dim];
        for (int k = 0; k < dim; k++) width[k] = grid.Spacing(k) * factor;
        int m = system.Count;
        for (int j = 0; j < m; j++)
        {
            int b = 0;
            for (int k = 0; k < dim; k++)
            {
                double z = system.Coordinate(k)[j];
                int i = (int)Math.Floor((z + grid.HalfWidths[k]) / width[k]);
                b += Math.Clamp(i, 0, bins[k] - 1) * strides[k];
            }
            q[b] += 1;
        }
        double scale = 1.0 / (m * binVolume);
        for (int b = 0; b < count; b++) q[b] *= scale;
        return (Divergences.KullbackLeibler(q, p, binVolume), Divergences.ChiSquared(q, p, binVolume));
    }

    /// <summary>The row of <c>particles.csv</c>: loss, residuals, binned KL/χ² and W2 against the discrete p0
    /// (<paramref name="reference"/>, e.g. <c>FiniteVolumeModel.ReferenceDensity()</c>) on <paramref name="grid"/>.</summary>
    public static ParticleRow Row(ParticleSystem system, UniformGrid grid, ReadOnlySpan<double> reference)
    {
        var (kl, chi2) = BinnedDivergences(system, grid, reference, BinFactor(grid, system.Count));
        var w2 = W2(Atoms(system), grid, reference);
        return new ParticleRow(system.Time, system.Loss, kl, chi2, w2.W2, system.Residuals.ToArray(), Describe(w2));
    }

    /// <summary>The row of <c>comparison.csv</c>: the particles against a PDE density and its residuals at the same time.</summary>
    public static ComparisonRow Compare(ParticleSystem system, ReadOnlySpan<double> residuals, UniformGrid grid, ReadOnlySpan<double> density)
    {
        var atoms = Atoms(system);
        var w2 = W2(atoms, grid, density);
        int d = grid.ThetaDimension;
        double theta2 = 0;
        for (int k = 0; k < d; k++) theta2 += Math.Pow(MarginalW2(atoms, grid, density, k), 2);
        return new ComparisonRow(system.Time, MaxResidualDifference(system.Residuals, residuals), w2.W2, Math.Sqrt(theta2),
            MarginalW2(atoms, grid, density, grid.UAxis), Describe(w2));
    }

    /// <summary>The method of a W2 value in words, with its bracket when it is not exact.</summary>
    private static string Describe(W2Result w2) =>
        w2.ErrorBound > 1e-9 * Math.Max(1, w2.W2)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{w2.Method}: W2 ∈ [{w2.Lower:G6}, {w2.Upper:G6}]")
            : w2.Method;
}
