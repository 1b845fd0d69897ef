namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// A finite measure Σ_i w_i δ_{x_i} on R^k: positions stored row-major (m × k), masses w_i ≥ 0.
/// Validated on construction (finite positions, finite non-negative masses, at least one atom,
/// positive total); errors name the measure by <see cref="Name"/>.
/// </summary>
public sealed class AtomicMeasure
{
    private readonly double[] _positions;
    private readonly double[] _weights;

    /// <param name="positions">m × k coordinates, row-major.</param>
    /// <param name="dimension">k.</param>
    /// <param name="weights">m masses; null means 1/m each.</param>
    /// <param name="name">How error messages name this measure (an argument name or a file).</param>
    public AtomicMeasure(double[] positions, int dimension, double[]? weights = null, string name = "measure")
    {
        Name = name;
        InputException.RequireAtLeast($"{name}.dimension", dimension, 1);
        if (positions.Length == 0)
            throw new InputException($"{name}.positions", "empty", "a measure needs at least one atom");
        if (positions.Length % dimension != 0)
            throw new InputException($"{name}.positions", $"{positions.Length} values",
                $"must hold whole points of dimension {dimension}");
        int m = positions.Length / dimension;
        for (int i = 0; i < positions.Length; i++)
            if (!double.IsFinite(positions[i]))
                throw new InputException($"{name}.positions[{i / dimension}][{i % dimension}]", positions[i], "coordinates must be finite");
        if (weights is null)
        {
            weights = new double[m];
            Array.Fill(weights, 1.0 / m);
        }
        else if (weights.Length != m)
            throw new InputException($"{name}.weights", $"{weights.Length} values", $"must give one mass per atom ({m})");
        for (int i = 0; i < m; i++)
            if (!(weights[i] >= 0) || !double.IsFinite(weights[i]))
                throw new InputException($"{name}.weights[{i}]", weights[i], "masses must be finite and non-negative");
        double total = MassBalance.Total(weights);
        if (!(total > 0))
            throw new InputException($"{name}.weights", "all zero", "the total mass must be positive");
        _positions = positions;
        _weights = weights;
        Dimension = dimension;
        TotalMass = total;
    }

    /// <summary>Where the measure came from, for messages.</summary>
    public string Name { get; }

    /// <summary>m, the number of atoms (zero masses included).</summary>
    public int Count => _weights.Length;

    /// <summary>k.</summary>
    public int Dimension { get; }

    /// <summary>
    /// The number n of rounded terms behind <see cref="TotalMass"/>, whose round-off allowance is
    /// <see cref="MassBalance.RelativeError"/>(n): <see cref="Count"/>, unless the masses were aggregated from more
    /// weights (a coarsened measure keeps the allowance of the measure it was summed from).
    /// </summary>
    internal long RoundedTerms
    {
        get => _roundedTerms ?? Count;
        init => _roundedTerms = value;
    }
    private readonly long? _roundedTerms;

    /// <summary>Σ w_i (compensated: within <see cref="MassBalance.RelativeError"/> of the exact sum).</summary>
    public double TotalMass { get; }

    /// <summary>All coordinates, m × k row-major.</summary>
    public ReadOnlySpan<double> Positions => _positions;

    /// <summary>w_i, one per atom.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>x_i (Dimension coordinates).</summary>
    public ReadOnlySpan<double> Position(int i) => _positions.AsSpan(i * Dimension, Dimension);

    /// <summary>The same atoms with masses divided by the total (total 1); itself when the total is 1 up to round-off.</summary>
    public AtomicMeasure Normalized()
    {
        if (MassBalance.Agree(TotalMass, RoundedTerms, 1, 1)) return this;
        var w = new double[Count];
        for (int i = 0; i < Count; i++) w[i] = _weights[i] / TotalMass;
        return new AtomicMeasure(_positions, Dimension, w, Name) { RoundedTerms = RoundedTerms };
    }

    /// <summary>The mean Σ w_i x_i / Σ w_i.</summary>
    public double[] Mean()
    {
        var mean = new double[Dimension];
        for (int i = 0; i < Count; i++)
            for (int k = 0; k < Dimension; k++) mean[k] += _weights[i] * _positions[i * Dimension + k];
        for (int k = 0; k < Dimension; k++) mean[k] /= TotalMass;
        return mean;
    }

    /// <summary>One coordinate of every atom (a 1D projection).</summary>
    public double[] Coordinate(int axis)
    {
        var x = new double[Count];
        for (int i = 0; i < Count; i++) x[i] = _positions[i * Dimension + axis];
        return x;
    }

    /// <summary>
    /// The grid measure as atoms: one atom per cell at its centre with mass p_c·V (cells of zero mass
    /// are dropped). This atomic measure is what the W2 solvers treat exactly; its W2 distance to the
    /// piecewise-constant density is at most sqrt(Σ_k Δ_k²/12) (move each cell's mass within the cell).
    /// </summary>
    public static AtomicMeasure FromGrid(UniformGrid grid, ReadOnlySpan<double> density, string name = "density")
    {
        GridDensity.Validate(grid, density, name);
        int nonzero = 0;
        foreach (double p in density) if (p > 0) nonzero++;
        if (nonzero == 0)
            throw new InputException(name, "all zero", "the density must have positive mass");
        int k = grid.Dimension;
        var positions = new double[nonzero * k];
        var weights = new double[nonzero];
        int j = 0;
        for (int c = 0; c < grid.Count; c++)
        {
            if (!(density[c] > 0)) continue;
            grid.Center(c, positions.AsSpan(j * k, k));
            weights[j++] = density[c] * grid.CellVolume;
        }
        return new AtomicMeasure(positions, k, weights, name);
    }

    /// <summary>
    /// Checks that two measures can be compared: same dimension, and the same total mass up to round-off
    /// (<see cref="MassBalance.Agree"/>) unless <paramref name="normalize"/> (then both are rescaled to total 1).
    /// </summary>
    public static (AtomicMeasure A, AtomicMeasure B) Pair(AtomicMeasure a, AtomicMeasure b, bool normalize)
    {
        if (a.Dimension != b.Dimension)
            throw new InputException($"{b.Name}.dimension", b.Dimension, $"must equal the dimension of {a.Name} ({a.Dimension})");
        if (normalize) return (a.Normalized(), b.Normalized());
        MassBalance.RequireEqual(a.Name, a.TotalMass, a.RoundedTerms, b.Name, b.TotalMass, b.RoundedTerms);
        return (a, b);
    }
}
