namespace FokkerPlanckNtk.Grids;

/// <summary>
/// A uniform cell-centred grid on the box Π_k [−B_k, B_k] over z = (θ_1..θ_d, u), D = d + 1 axes.
/// Storage is row-major with u last, so that one θ cell owns a contiguous "column" of N_u values:
/// Ψ is linear in u along a column (docs/mathematics.md, the model: separability), which the scheme exploits.
/// </summary>
public sealed class UniformGrid
{
    private readonly int[] _cells;
    private readonly double[] _halfWidths;
    private readonly double[] _spacing;
    private readonly int[] _strides;
    private readonly double[][] _centers;

    /// <summary>N_k cells on [−B_k, B_k] per axis k = 0..D−1 (θ axes first, u last).</summary>
    /// <param name="cells">N_k ≥ 2 per axis, D = 2, 3 or 4 axes.</param>
    /// <param name="halfWidths">B_k &gt; 0 per axis.</param>
    /// <exception cref="InputException">A count or half width out of range, or a grid too large for memory.</exception>
    public UniformGrid(IReadOnlyList<int> cells, IReadOnlyList<double> halfWidths)
    {
        if (cells.Count < 2 || cells.Count > 4)
            throw new InputException("grid.cells", $"{cells.Count} axes", "the grid needs d + 1 axes with d = 1, 2 or 3");
        if (halfWidths.Count != cells.Count)
            throw new InputException("grid.halfWidth", $"{halfWidths.Count} values", $"must give one value or one per axis ({cells.Count})");
        int dim = cells.Count;
        _cells = new int[dim];
        _halfWidths = new double[dim];
        _spacing = new double[dim];
        _strides = new int[dim];
        _centers = new double[dim][];
        long count = 1;
        for (int k = 0; k < dim; k++)
        {
            _cells[k] = InputException.RequireAtLeast($"grid.cells[{k}]", cells[k], 2);
            _halfWidths[k] = InputException.RequirePositive($"grid.halfWidth[{k}]", halfWidths[k]);
            _spacing[k] = 2 * _halfWidths[k] / _cells[k];
            _centers[k] = new double[_cells[k]];
            for (int i = 0; i < _cells[k]; i++) _centers[k][i] = -_halfWidths[k] + (i + 0.5) * _spacing[k];
            count *= _cells[k];
        }
        if (count > int.MaxValue / 8)
            throw new InputException("grid.cells", string.Join("x", _cells), "the grid is too large for memory");
        int stride = 1;
        for (int k = dim - 1; k >= 0; k--) { _strides[k] = stride; stride *= _cells[k]; }
        Count = (int)count;
        CellVolume = _spacing.Aggregate(1.0, (a, b) => a * b);
        ColumnLength = _cells[dim - 1];
        ColumnCount = Count / ColumnLength;
        ThetaVolume = CellVolume / _spacing[dim - 1];
    }

    /// <summary>A grid with the same cell count and half width on every axis.</summary>
    public static UniformGrid Cube(int dimension, int cells, double halfWidth) =>
        new(Enumerable.Repeat(cells, dimension).ToArray(), Enumerable.Repeat(halfWidth, dimension).ToArray());

    /// <summary>D = d + 1.</summary>
    public int Dimension => _cells.Length;

    /// <summary>d, the number of θ axes.</summary>
    public int ThetaDimension => _cells.Length - 1;

    /// <summary>Index of the u axis (the last).</summary>
    public int UAxis => _cells.Length - 1;

    /// <summary>N_k, the cells per axis.</summary>
    public IReadOnlyList<int> Cells => _cells;
    /// <summary>B_k: axis k spans [−B_k, B_k].</summary>
    public IReadOnlyList<double> HalfWidths => _halfWidths;

    /// <summary>Δ_k.</summary>
    public double Spacing(int axis) => _spacing[axis];

    /// <summary>Flat-index stride of an axis (1 for u).</summary>
    public int Stride(int axis) => _strides[axis];

    /// <summary>Cell centres of one axis.</summary>
    public ReadOnlySpan<double> Centers(int axis) => _centers[axis];

    /// <summary>Total number of cells Π N_k.</summary>
    public int Count { get; }

    /// <summary>N_u: cells per u-column.</summary>
    public int ColumnLength { get; }

    /// <summary>Number of θ cells Π_{k&lt;d} N_k (= number of u-columns).</summary>
    public int ColumnCount { get; }

    /// <summary>V = Π Δ_k.</summary>
    public double CellVolume { get; }

    /// <summary>
    /// sqrt(Σ_k Δ_k²/12): the W2 between a density that is uniform in each cell and its atoms at the cell centres
    /// (mass moves within its cell), so W2s of cell-centre atoms carry up to this much discretization.
    /// </summary>
    public double AtomicW2 => Math.Sqrt(Enumerable.Range(0, Dimension).Sum(k => Math.Pow(2 * _halfWidths[k] / _cells[k], 2) / 12));

    /// <summary>V_θ = Π_{k&lt;d} Δ_k.</summary>
    public double ThetaVolume { get; }

    /// <summary>Cell centre of the θ cell <paramref name="column"/>, written to <paramref name="theta"/> (length d).</summary>
    public void ThetaCenter(int column, Span<double> theta)
    {
        for (int k = ThetaDimension - 1; k >= 0; k--)
        {
            int nk = _cells[k];
            theta[k] = _centers[k][column % nk];
            column /= nk;
        }
    }

    /// <summary>The θ centres of every column, ColumnCount × d row-major (the nodes of the θ sums).</summary>
    public double[] ThetaCenters()
    {
        int d = ThetaDimension;
        var nodes = new double[ColumnCount * d];
        for (int c = 0; c < ColumnCount; c++) ThetaCenter(c, nodes.AsSpan(c * d, d));
        return nodes;
    }

    /// <summary>Centre of cell <paramref name="index"/> (length D).</summary>
    public void Center(int index, Span<double> z)
    {
        for (int k = Dimension - 1; k >= 0; k--)
        {
            int nk = _cells[k];
            z[k] = _centers[k][index % nk];
            index /= nk;
        }
    }

    /// <summary>Index of the cell along <paramref name="axis"/> that holds cell <paramref name="index"/>.</summary>
    public int AxisIndex(int index, int axis) => index / _strides[axis] % _cells[axis];

    /// <summary>True when the cell touches the boundary of the box along any axis.</summary>
    public bool IsOuterCell(int index)
    {
        for (int k = 0; k < Dimension; k++)
        {
            int i = AxisIndex(index, k);
            if (i == 0 || i == _cells[k] - 1) return true;
        }
        return false;
    }

    /// <summary>Values of f at cell centres.</summary>
    public double[] Sample(Func<double[], double> f)
    {
        var values = new double[Count];
        var z = new double[Dimension];
        for (int c = 0; c < Count; c++) { Center(c, z); values[c] = f(z); }
        return values;
    }

    /// <summary>For example <c>128x128 cells on [±7, ±7]</c>.</summary>
    public override string ToString() =>
        $"{string.Join("x", _cells)} cells on [{string.Join(", ", _halfWidths.Select(b => $"±{b:G4}"))}]";
}
