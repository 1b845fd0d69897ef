using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// The particles measured as a law (docs/mathematics.md, measuring distributions): the histogram on a grid, binned KL/χ² against the discrete
/// p0, and the equal-weight atoms for transport. These are the definitions <see cref="ParticleRecord"/> and
/// <see cref="ComparisonRecord"/> use, so they are what the run files contain.
/// </summary>
public static class ParticleMeasures
{
    /// <summary>Target of the histogram grid: about this many particles per cell on average.</summary>
    public const int ParticlesPerBin = 10;

    /// <summary>The particles as equal-weight atoms (θ_1..θ_d, u), positions m × D row-major.</summary>
    public static AtomicMeasure Atoms(double[] positions, int dimension) => new(positions, dimension, name: "particles");

    /// <summary>A particle system's current positions as equal-weight atoms.</summary>
    public static AtomicMeasure Atoms(ParticleSystem system) => Atoms(system.Positions(), system.Dimension);

    /// <summary>
    /// The histogram grid of the binned KL/χ²: the run's box with K cells per axis, K = ⌊(m/10)^{1/D}⌋ clamped
    /// to [2, N_k], so that a cell holds about ten particles on average (the estimates are biased, and labelled so).
    /// </summary>
    public static UniformGrid HistogramGrid(UniformGrid grid, int count)
    {
        int k = (int)Math.Floor(Math.Pow(count / (double)ParticlesPerBin, 1.0 / grid.Dimension));
        return new UniformGrid(grid.Cells.Select(n => Math.Clamp(k, 2, n)).ToArray(), grid.HalfWidths.ToArray());
    }

    /// <summary>
    /// Particle density per cell, count/(m·V), of positions m × D (row-major). A particle outside the box is counted
    /// in the nearest boundary cell, so the histogram is a probability density (mass 1) like the law it estimates;
    /// in a box that holds the solution (the PDE's outer-layer check) no particle is outside.
    /// </summary>
    public static double[] Histogram(UniformGrid grid, ReadOnlySpan<double> positions)
    {
        var h = new double[grid.Count];
        int dim = grid.Dimension, count = positions.Length / dim;
        double weight = 1.0 / (count * grid.CellVolume);
        for (int j = 0; j < count; j++)
        {
            int index = 0;
            for (int k = 0; k < dim; k++)
            {
                int i = (int)Math.Floor((positions[j * dim + k] + grid.HalfWidths[k]) / grid.Spacing(k));
                index += Math.Clamp(i, 0, grid.Cells[k] - 1) * grid.Stride(k);
            }
            h[index] += weight;
        }
        return h;
    }

    /// <summary>The discrete p0 on a grid: the normalized cell-centre standard Gaussian (<see cref="GridDensity.CellCentreGaussian"/>).</summary>
    public static double[] DiscreteStandardGaussian(UniformGrid grid) =>
        GridDensity.CellCentreGaussian(grid, Model.InitialLaw.StandardGaussian(grid.Dimension).ToGaussian());
}
