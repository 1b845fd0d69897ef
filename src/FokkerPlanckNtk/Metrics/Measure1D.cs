namespace FokkerPlanckNtk.Metrics;

/// <summary>How a grid measure enters a transport computation.</summary>
public enum GridMeasure
{
    /// <summary>One atom per cell at its centre with mass p_c·V (the measure the multi-dimensional solvers use).</summary>
    Atoms,

    /// <summary>The piecewise-constant density itself: mass p_c·V spread uniformly over the cell.</summary>
    PiecewiseConstant,
}

/// <summary>
/// A finite measure on R made of pieces sorted left to right: either atoms (mass at a point) or
/// non-overlapping cells carrying uniform density. Its quantile function is piecewise linear in the
/// mass level (constant on an atom's level range, linear across a cell), which makes 1D W2 exact.
/// </summary>
public sealed class Measure1D
{
    private Measure1D(double[] left, double[] right, double[] mass, string name)
    {
        Left = left;
        Right = right;
        Mass = mass;
        Name = name;
        TotalMass = MassBalance.Total(mass);
        if (!(TotalMass > 0))
            throw new InputException($"{name}.mass", "all zero", "the total mass must be positive");
    }

    /// <summary>Where the measure came from, for messages.</summary>
    public string Name { get; }

    /// <summary>Left ends of the pieces, sorted (equal to <see cref="Right"/> for atoms).</summary>
    public double[] Left { get; }

    /// <summary>Right ends of the cells.</summary>
    public double[] Right { get; }

    /// <summary>Mass of each cell.</summary>
    public double[] Mass { get; }

    /// <summary>Σ mass.</summary>
    public double TotalMass { get; }

    /// <summary>The number of cells.</summary>
    public int Count => Mass.Length;

    /// <summary>Weighted atoms Σ w_i δ_{x_i} (weights null: 1/n each), sorted here in O(n log n).</summary>
    public static Measure1D Atoms(ReadOnlySpan<double> positions, ReadOnlySpan<double> weights = default, string name = "measure")
    {
        int n = positions.Length;
        if (n == 0) throw new InputException($"{name}.positions", "empty", "a measure needs at least one atom");
        if (!weights.IsEmpty && weights.Length != n)
            throw new InputException($"{name}.weights", $"{weights.Length} values", $"must give one mass per atom ({n})");
        var x = positions.ToArray();
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(x[i])) throw new InputException($"{name}.positions[{i}]", x[i], "coordinates must be finite");
            w[i] = weights.IsEmpty ? 1.0 / n : weights[i];
            if (!(w[i] >= 0) || !double.IsFinite(w[i]))
                throw new InputException($"{name}.weights[{i}]", w[i], "masses must be finite and non-negative");
        }
        Array.Sort(x, w);
        return new Measure1D(x, x, w, name);
    }

    /// <summary>
    /// Cells [left_i, right_i] (right_i &gt; left_i, non-overlapping, any order, gaps allowed) carrying
    /// mass_i spread uniformly: a piecewise-constant density.
    /// </summary>
    public static Measure1D Cells(ReadOnlySpan<double> left, ReadOnlySpan<double> right, ReadOnlySpan<double> mass, string name = "density")
    {
        int n = left.Length;
        if (n == 0) throw new InputException($"{name}.cells", "empty", "a density needs at least one cell");
        if (right.Length != n || mass.Length != n)
            throw new InputException($"{name}.cells", $"{n}/{right.Length}/{mass.Length} values", "left, right and mass need one value per cell");
        var order = new int[n];
        var key = left.ToArray();
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
            if (!double.IsFinite(left[i]) || !double.IsFinite(right[i]) || !(right[i] > left[i]))
                throw new InputException($"{name}.cells[{i}]", $"[{InputException.Format(left[i])}, {InputException.Format(right[i])}]",
                    "cells need finite ends with right > left");
            if (!(mass[i] >= 0) || !double.IsFinite(mass[i]))
                throw new InputException($"{name}.mass[{i}]", mass[i], "masses must be finite and non-negative");
        }
        Array.Sort(key, order);
        var l = new double[n];
        var r = new double[n];
        var m = new double[n];
        for (int i = 0; i < n; i++)
        {
            l[i] = left[order[i]];
            r[i] = right[order[i]];
            m[i] = mass[order[i]];
            if (i > 0 && l[i] < r[i - 1])
                throw new InputException($"{name}.cells[{order[i]}]", $"[{InputException.Format(l[i])}, {InputException.Format(r[i])}]",
                    $"cells must not overlap (the cell ending at {InputException.Format(r[i - 1])} does)");
        }
        return new Measure1D(l, r, m, name);
    }

    /// <summary>A piecewise-constant density on consecutive cells [edges_i, edges_{i+1}] with the given masses.</summary>
    public static Measure1D FromEdges(ReadOnlySpan<double> edges, ReadOnlySpan<double> masses, string name = "density")
    {
        if (edges.Length != masses.Length + 1)
            throw new InputException($"{name}.edges", $"{edges.Length} values", $"must be one more than the cell count ({masses.Length})");
        return Cells(edges[..^1], edges[1..], masses, name);
    }

    /// <summary>The marginal of a grid density along one axis, as cells or as atoms at the cell centres.</summary>
    public static Measure1D GridMarginal(UniformGrid grid, ReadOnlySpan<double> density, int axis,
        GridMeasure representation = GridMeasure.Atoms, string name = "density")
    {
        GridDensity.Validate(grid, density, name);
        var masses = GridDensity.MarginalMasses(grid, density, axis);
        var centres = grid.Centers(axis);
        if (representation == GridMeasure.Atoms) return Atoms(centres, masses, name);
        double half = grid.Spacing(axis) / 2;
        var left = new double[centres.Length];
        var right = new double[centres.Length];
        for (int j = 0; j < centres.Length; j++) { left[j] = centres[j] - half; right[j] = centres[j] + half; }
        // Consecutive cells share their edge exactly (the grid's edges are −B + jΔ).
        for (int j = 1; j < centres.Length; j++) left[j] = right[j - 1];
        return Cells(left, right, masses, name);
    }
}
