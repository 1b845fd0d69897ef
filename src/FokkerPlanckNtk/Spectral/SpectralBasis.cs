namespace FokkerPlanckNtk.Spectral;

/// <summary>
/// A per-axis table of basis values at points: <see cref="Rows"/>[g, k] (points × modes) and its transpose
/// <see cref="Columns"/>[k, g] (modes × points), so that it can be applied along a middle axis (Rows·X) or
/// the last axis (X·Columns) of a tensor by the same matrix kernel.
/// </summary>
internal sealed class AxisTable(int points, int modes, double[] rows)
{
    public int Points { get; } = points;
    public int Modes { get; } = modes;
    public double[] Rows { get; } = rows;
    public double[] Columns { get; } = Transpose(rows, points, modes);

    private static double[] Transpose(double[] rows, int points, int modes)
    {
        var columns = new double[rows.Length];
        for (int g = 0; g < points; g++)
            for (int k = 0; k < modes; k++) columns[k * points + g] = rows[g * modes + k];
        return columns;
    }

    /// <summary>The first <paramref name="modes"/> columns of a points × allModes table.</summary>
    public static AxisTable FirstModes(double[] full, int points, int allModes, int modes)
    {
        var rows = new double[points * modes];
        for (int g = 0; g < points; g++) Array.Copy(full, g * allModes, rows, g * modes, modes);
        return new AxisTable(points, modes, rows);
    }
}

/// <summary>
/// The tensor Hermite basis of the spectral solver over z = (θ_1..θ_d, u): p = p0 · Σ b_{k,m} ψ_{k}(θ) ψ_m(u)
/// with ψ the orthonormal probabilists' Hermite polynomials, K_j modes on θ axis j and N_u on u
/// (<see cref="ThetaModes"/>, <see cref="UModes"/>). Coefficients are stored u-mode-major: index
/// m·K_θ + (k_1·K_2 + k_2) with K_θ = Π K_j, so each u-mode is one contiguous θ-block and the θ-transforms act
/// blockwise. Products with functions of θ are done on a Gauss–Hermite rule of Q_j = ⌈3K_j/2⌉ nodes per θ axis
/// (exact for polynomial products of total degree ≤ 2Q_j − 1, so the aliasing of a product c(θ)·q is set by
/// the Hermite tail of c beyond degree ≈ K_j); the u direction is never transformed (multiplication by u and
/// the raising operator are exact index shifts).
/// </summary>
public sealed class SpectralBasis
{
    /// <summary>Largest modes per axis (tables and nodes are built stably for any order; this bounds memory).</summary>
    public const int MaxModes = 1024;

    /// <param name="modes">Modes per axis, θ_1..θ_d then u; each ≥ 2.</param>
    public SpectralBasis(IReadOnlyList<int> modes)
    {
        if (modes.Count < 2 || modes.Count > 3)
            throw new InputException("solver.basis", $"{modes.Count} axes", "the spectral solver supports d = 1 and d = 2 (2 or 3 axes θ_1..θ_d, u)");
        for (int j = 0; j < modes.Count; j++)
            if (modes[j] < 2 || modes[j] > MaxModes)
                throw new InputException(modes.Distinct().Count() == 1 ? "solver.basis" : $"solver.basis[{j}]", modes[j],
                    $"must be an integer in 2..{MaxModes} (Hermite modes per axis)");
        ThetaDimension = modes.Count - 1;
        ThetaModes = modes.Take(ThetaDimension).ToArray();
        UModes = modes[^1];
        long count = (long)UModes * ThetaModes.Aggregate(1L, (a, b) => a * b);
        if (count > 20_000_000)
            throw new InputException("solver.basis", string.Join("x", modes), "the basis is too large for memory (more than 2·10⁷ coefficients)");
        ThetaCount = ThetaModes.Aggregate(1, (a, b) => a * b);
        Count = UModes * ThetaCount;
        ThetaNodes = ThetaModes.Select(k => Math.Max(k + 1, (3 * k + 1) / 2)).ToArray();
        NodeCount = ThetaNodes.Aggregate(1, (a, b) => a * b);
        Nodes = new double[ThetaDimension][];
        Forward = new AxisTable[ThetaDimension];
        StackedRows = new double[ThetaDimension][];
        StackedColumns = new double[ThetaDimension][];
        for (int j = 0; j < ThetaDimension; j++)
        {
            int k = ThetaModes[j], q = ThetaNodes[j];
            var (x, scaled) = HermiteFunctions.GaussRule(q);
            Nodes[j] = x;
            Forward[j] = AxisTable.FirstModes(scaled, q, q, k);
            // The projection P is b_k = Σ_q V[q,k] ĝ_q; the raised projection (A P g)_k = √k (P g)_{k−1}
            // is the table Vr[q,k] = √k V[q,k−1]. Stacked [V; Vr] (2Q × K) and [Vᵀ | Vrᵀ] (K × 2Q) let one
            // matrix product project a plain and a raised term at once.
            var stackedRows = new double[2 * q * k];
            var stackedColumns = new double[2 * q * k];
            for (int g = 0; g < q; g++)
                for (int m = 0; m < k; m++)
                {
                    double v = scaled[g * q + m], vr = m > 0 ? Math.Sqrt(m) * scaled[g * q + m - 1] : 0;
                    stackedRows[g * k + m] = v;
                    stackedRows[(q + g) * k + m] = vr;
                    stackedColumns[m * 2 * q + g] = v;
                    stackedColumns[m * 2 * q + q + g] = vr;
                }
            StackedRows[j] = stackedRows;
            StackedColumns[j] = stackedColumns;
        }
        var degree = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            var (m, k) = Split(i);
            degree[i] = m + k.Sum();
        }
        TotalDegree = degree;
    }

    /// <summary>d.</summary>
    public int ThetaDimension { get; }

    /// <summary>K_j, modes per θ axis.</summary>
    public IReadOnlyList<int> ThetaModes { get; }

    /// <summary>N_u, modes along u.</summary>
    public int UModes { get; }

    /// <summary>K_θ = Π K_j.</summary>
    public int ThetaCount { get; }

    /// <summary>Number of coefficients N_u · K_θ.</summary>
    public int Count { get; }

    /// <summary>Q_j, Gauss–Hermite nodes per θ axis for products.</summary>
    public IReadOnlyList<int> ThetaNodes { get; }

    /// <summary>Q_θ = Π Q_j.</summary>
    public int NodeCount { get; }

    /// <summary>|k| + m of every coefficient (the OU eigenvalue is −λ times it).</summary>
    public IReadOnlyList<int> TotalDegree { get; }

    internal double[][] Nodes { get; }

    /// <summary>V_j[q, k] = √w_q ψ_k(x_q): coefficients → scaled nodal values.</summary>
    internal AxisTable[] Forward { get; }

    /// <summary>[V_j; Vr_j] (2Q_j × K_j): the projection (first Q_j rows) and the raised projection (last Q_j rows).</summary>
    internal double[][] StackedRows { get; }

    /// <summary>[V_jᵀ | Vr_jᵀ] (K_j × 2Q_j).</summary>
    internal double[][] StackedColumns { get; }

    /// <summary>Modes per axis in configuration order (θ_1..θ_d, u).</summary>
    public int[] Modes => [.. ThetaModes, UModes];

    /// <summary>Flat index of (u-mode m, θ multi-index k).</summary>
    public int Index(int m, ReadOnlySpan<int> k)
    {
        int idx = 0;
        for (int j = 0; j < ThetaDimension; j++) idx = idx * ThetaModes[j] + k[j];
        return m * ThetaCount + idx;
    }

    /// <summary>(m, k) of a flat index.</summary>
    public (int M, int[] K) Split(int index)
    {
        int m = index / ThetaCount, rest = index % ThetaCount;
        var k = new int[ThetaDimension];
        for (int j = ThetaDimension - 1; j >= 0; j--) { k[j] = rest % ThetaModes[j]; rest /= ThetaModes[j]; }
        return (m, k);
    }

    /// <summary>The modes per axis, e.g. <c>64x24</c>.</summary>
    public override string ToString() => string.Join("x", Modes.Select(m => m.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// Values of the θ-expansions of every u-mode at per-axis point sets: out[m][g_1..g_d] = Σ_k b[m][k] Π_j T_j[g_j, k_j]
    /// (tables[j] with Modes = K_j). <paramref name="scratch"/> needs N_u·K_1·G_2 values for d = 2 (unused for d = 1).
    /// </summary>
    internal void EvaluateTheta(ReadOnlySpan<double> b, IReadOnlyList<AxisTable> tables, Span<double> output, Span<double> scratch) =>
        EvaluateTheta(b, UModes, tables, output, scratch);

    /// <summary>As above for the first <paramref name="uModes"/> u-modes in <paramref name="b"/>.</summary>
    internal void EvaluateTheta(ReadOnlySpan<double> b, int uModes, IReadOnlyList<AxisTable> tables, Span<double> output, Span<double> scratch)
    {
        if (ThetaDimension == 1)
        {
            var t = tables[0];
            MatrixKernels.Multiply(b, t.Columns, output, uModes, t.Modes, t.Points, accumulate: false);
            return;
        }
        var t1 = tables[0];
        var t2 = tables[1];
        int k1 = ThetaModes[0], block = k1 * t2.Points, outBlock = t1.Points * t2.Points;
        MatrixKernels.Multiply(b, t2.Columns, scratch, uModes * k1, t2.Modes, t2.Points, accumulate: false);
        for (int m = 0; m < uModes; m++)
            MatrixKernels.Multiply(t1.Rows, scratch.Slice(m * block, block), output.Slice(m * outBlock, outBlock), t1.Points, k1, t2.Points, accumulate: false);
    }
}
