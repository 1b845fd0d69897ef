namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>
/// A piecewise-constant density on a uniform grid of a box (2 or 3 axes, row-major with the last axis
/// fastest, as <see cref="UniformGrid"/>): cell edges lo_k + j·h_k, one value per cell.
/// </summary>
internal sealed class DensityBox
{
    public DensityBox(UniformGrid grid, ReadOnlySpan<double> density)
    {
        Grid = grid;
        Dimension = grid.Dimension;
        Cells = grid.Cells.ToArray();
        Lo = grid.HalfWidths.Select(b => -b).ToArray();
        Hi = grid.HalfWidths.ToArray();
        Spacing = Enumerable.Range(0, Dimension).Select(grid.Spacing).ToArray();
        Strides = Enumerable.Range(0, Dimension).Select(grid.Stride).ToArray();
        Density = density.ToArray();
        CellVolume = grid.CellVolume;
        double total = 0;
        foreach (double p in Density) total += p;
        TotalMass = total * CellVolume;
    }

    public UniformGrid Grid { get; }
    public int Dimension { get; }
    public int[] Cells { get; }
    public double[] Lo { get; }
    public double[] Hi { get; }
    public double[] Spacing { get; }
    public int[] Strides { get; }
    public double[] Density { get; }
    public double CellVolume { get; }
    public double TotalMass { get; }

    /// <summary>Grid line j of an axis (j = 0..N_k), computed as in <see cref="UniformGrid"/>'s cell edges.</summary>
    public double Edge(int axis, int j) => j == Cells[axis] ? Hi[axis] : Lo[axis] + j * Spacing[axis];

    /// <summary>Index along an axis of the cell holding coordinate x (clamped to the grid).</summary>
    public int CellOf(int axis, double x)
    {
        int j = (int)Math.Floor((x - Lo[axis]) / Spacing[axis]);
        return Math.Clamp(j, 0, Cells[axis] - 1);
    }

    /// <summary>Largest |x − y|² over the box for a point y (a bound for the mass-repair cost).</summary>
    public double FarthestDistance2(ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int k = 0; k < Dimension; k++)
        {
            double t = Math.Max(Math.Abs(y[k] - Lo[k]), Math.Abs(y[k] - Hi[k]));
            s += t * t;
        }
        return s;
    }
}
