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

    /// <summary>Σ_c p_c·V, compensated (<see cref="MassBalance"/>).</summary>
    public static double Mass(UniformGrid grid, ReadOnlySpan<double> density) => MassBalance.Total(density) * grid.CellVolume;

    /// <summary>Mass per cell of one axis: m_j = Σ over the other axes of p_c·V (the marginal's cell masses, compensated sums).</summary>
    public static double[] MarginalMasses(UniformGrid grid, ReadOnlySpan<double> density, int axis)
    {
        if (axis < 0 || axis >= grid.Dimension)
            throw new InputException("axis", axis, $"must be between 0 and {grid.Dimension - 1}");
        int stride = grid.Stride(axis), n = grid.Cells[axis];
        var sums = new Numerics.CompensatedSum[n];
        for (int c = 0; c < grid.Count; c++) sums[c / stride % n].Add(density[c]);
        var masses = new double[n];
        for (int j = 0; j < n; j++) masses[j] = sums[j].Value * grid.CellVolume;
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
        for (int c = 0; c < grid.Count; c++) p[c] = Math.Exp(logs[c] - max);
        double scale = 1 / Mass(grid, p);
        for (int c = 0; c < grid.Count; c++) p[c] *= scale;
        return p;
    }
}
