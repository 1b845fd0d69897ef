using FokkerPlanckNtk.Grids;

namespace FokkerPlanckNtk.Metrics;

/// <summary>Checks and reductions for grid densities (cell averages p_c, Σ p_c·V = 1).</summary>
public static class GridDensity
{
    /// <summary>Throws unless the density has one finite non-negative value per cell.</summary>
    public static void Validate(UniformGrid grid, ReadOnlySpan<double> density, string name)
    {
        if (density.Length != grid.Count)
            throw new InputException(name, $"{density.Length} values", $"must have one value per grid cell ({grid.Count})");
        RequireNonNegative(density, name);
    }

    internal static void RequireNonNegative(ReadOnlySpan<double> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] >= 0) || !double.IsFinite(values[i]))
                throw new InputException($"{name}[{i}]", values[i], "densities must be finite and non-negative");
    }

    /// <summary>Mass per cell of one axis: m_j = Σ over the other axes of p_c·V (the marginal's cell masses).</summary>
    public static double[] MarginalMasses(UniformGrid grid, ReadOnlySpan<double> density, int axis)
    {
        if (axis < 0 || axis >= grid.Dimension)
            throw new InputException("axis", axis, $"must be between 0 and {grid.Dimension - 1}");
        var masses = new double[grid.Cells[axis]];
        int stride = grid.Stride(axis), n = grid.Cells[axis];
        for (int c = 0; c < grid.Count; c++) masses[c / stride % n] += density[c];
        for (int j = 0; j < n; j++) masses[j] *= grid.CellVolume;
        return masses;
    }

    /// <summary>
    /// The normalized cell-centre values of a Gaussian, Σ p_c V = 1 (the discrete Gibbs state p0_c for the standard
    /// law): log-densities first, shifted by their maximum before the exponential, so no value underflows to 0
    /// where it matters. The one discrete Gaussian of the library (the PDE's p0_h, the references of the particle
    /// measures).
    /// </summary>
    public static double[] CellCentreGaussian(UniformGrid grid, Numerics.GaussianLaw law)
    {
        var p = new double[grid.Count];
        var z = new double[grid.Dimension];
        var logs = new double[grid.Count];
        double max = double.NegativeInfinity;
        for (int c = 0; c < grid.Count; c++)
        {
            grid.Center(c, z);
            logs[c] = law.LogDensity(z);
            max = Math.Max(max, logs[c]);
        }
        double mass = 0;
        for (int c = 0; c < grid.Count; c++) { p[c] = Math.Exp(logs[c] - max); mass += p[c]; }
        double scale = 1 / (mass * grid.CellVolume);
        for (int c = 0; c < grid.Count; c++) p[c] *= scale;
        return p;
    }
}
