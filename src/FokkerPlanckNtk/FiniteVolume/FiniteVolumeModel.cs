using System.Numerics.Tensors;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.FiniteVolume;

/// <summary>
/// The semi-discrete Scharfetter–Gummel scheme for ∂ₜp = ∇·(p∇Ψ_p) + λΔp on a <see cref="UniformGrid"/>
/// with zero-flux boundaries (docs/scheme.md), evaluated with the separable structure (docs/mathematics.md, the model):
/// f_i = α Σ_θ σ(θ·x_i) M1(θ) V_θ and c(θ) = (2α/n) Σ_i r_i σ(θ·x_i) cost O(n·N^d), the fluxes O(N^{d+1}).
/// </summary>
public sealed class FiniteVolumeModel
{
    private readonly double[] _sigma;       // n × ColumnCount: σ(θ_c·x_i)
    private readonly double[] _sigmaPrime;  // n × ColumnCount: σ'(θ_c·x_i)
    private readonly double[] _u;           // u centres
    private readonly double[] _uSquared;
    private readonly double[] _uFaceShift;  // Δu·(u_j + u_{j+1})/2, the c-independent part of w on u faces
    private readonly double[] _uFaceExp;    // exp of it
    private readonly double[][] _thetaFaceShift; // per θ axis: (θ_{i+1}² − θ_i²)/2
    private readonly double[][] _thetaFaceExp;   // exp of it
    private readonly int[] _columnStride;   // per θ axis: stride in column index
    private readonly int[][] _columnAxisIndex; // per θ axis: index along the axis of each column
    private readonly double[] _thetaSquared; // |θ_c|² per column
    private readonly List<string> _warnings = [];

    /// <summary>The discretization of <paramref name="problem"/> on <paramref name="grid"/> (one θ axis per input dimension, u last).</summary>
    /// <param name="maxOutsideMass">Largest mass of the initial law outside the box that is accepted (<c>grid.maxOutsideMass</c>);
    /// null: the grid's own discretization error (<see cref="DiscretizationError"/>).</param>
    /// <exception cref="InputException">The grid's dimension does not match the problem's.</exception>
    /// <param name="problem">The problem (activation, data, α, λ, initial law).</param>
    /// <param name="grid">The grid (d θ axes and u last).</param>
    public FiniteVolumeModel(Problem problem, UniformGrid grid, double? maxOutsideMass = null)
    {
        MaxOutsideMass = maxOutsideMass;
        if (grid.ThetaDimension != problem.Dimension)
            throw new InputException("grid.cells", $"{grid.Dimension} axes",
                $"the grid needs d + 1 = {problem.Dimension + 1} axes for data of dimension d = {problem.Dimension}");
        Problem = problem;
        Grid = grid;
        int n = problem.SampleCount, cols = grid.ColumnCount, d = grid.ThetaDimension, nu = grid.ColumnLength;
        var nodes = grid.ThetaCenters();
        _sigma = new double[n * cols];
        _sigmaPrime = new double[n * cols];
        ActivationTable.Fill(problem.Activation, nodes, cols, ActivationTable.Inputs(problem.Data), _sigma, _sigmaPrime);
        _thetaSquared = new double[cols];
        for (int c = 0; c < cols; c++)
        {
            double s = 0;
            for (int k = 0; k < d; k++) s += nodes[c * d + k] * nodes[c * d + k];
            _thetaSquared[c] = s;
        }
        _u = grid.Centers(grid.UAxis).ToArray();
        _uSquared = _u.Select(v => v * v).ToArray();
        double du = grid.Spacing(grid.UAxis);
        _uFaceShift = new double[nu];
        for (int j = 0; j + 1 < nu; j++) _uFaceShift[j] = du * 0.5 * (_u[j] + _u[j + 1]);
        _uFaceExp = _uFaceShift.Select(Math.Exp).ToArray();
        _thetaFaceShift = new double[d][];
        _thetaFaceExp = new double[d][];
        _columnStride = new int[d];
        _columnAxisIndex = new int[d][];
        for (int k = 0; k < d; k++)
        {
            var centers = grid.Centers(k);
            _thetaFaceShift[k] = new double[centers.Length];
            for (int i = 0; i + 1 < centers.Length; i++)
                _thetaFaceShift[k][i] = 0.5 * (centers[i + 1] * centers[i + 1] - centers[i] * centers[i]);
            _thetaFaceExp[k] = _thetaFaceShift[k].Select(Math.Exp).ToArray();
            _columnStride[k] = grid.Stride(k) / nu;
            _columnAxisIndex[k] = new int[cols];
            for (int c = 0; c < cols; c++) _columnAxisIndex[k][c] = c / _columnStride[k] % grid.Cells[k];
        }
        ReferenceDensityValues = GibbsGaussian(InitialLawOf(Model.InitialLaw.StandardGaussian(grid.Dimension)));
    }

    /// <summary>The problem discretized.</summary>
    public Problem Problem { get; }
    /// <summary>The grid.</summary>
    public UniformGrid Grid { get; }

    /// <summary>Warnings found while setting up (e.g. Assumption 4.1 violations), for the log.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>σ(θ_c·x_i), row i of length ColumnCount.</summary>
    public ReadOnlySpan<double> SigmaTable => _sigma;

    /// <summary>σ'(θ_c·x_i), row i of length ColumnCount.</summary>
    public ReadOnlySpan<double> SigmaPrimeTable => _sigmaPrime;

    internal ReadOnlySpan<double> Sigma(int i) => _sigma.AsSpan(i * Grid.ColumnCount, Grid.ColumnCount);

    internal ReadOnlySpan<double> UCenters => _u;
    internal ReadOnlySpan<double> USquared => _uSquared;
    internal ReadOnlySpan<double> UFaceShift => _uFaceShift;
    internal ReadOnlySpan<double> UFaceExp => _uFaceExp;
    internal ReadOnlySpan<double> ThetaFaceShift(int axis) => _thetaFaceShift[axis];
    internal ReadOnlySpan<double> ThetaFaceExp(int axis) => _thetaFaceExp[axis];
    internal int ColumnStride(int axis) => _columnStride[axis];
    internal int ColumnAxisIndex(int axis, int column) => _columnAxisIndex[axis][column];

    internal double[] ReferenceDensityValues { get; }

    /// <summary>The discrete p0_c: the normalized cell-centre standard Gaussian (the discrete Gibbs state for α = 0).</summary>
    public double[] ReferenceDensity() => (double[])ReferenceDensityValues.Clone();

    /// <summary>
    /// The initial density: p0_c for the standard law (so that KL(p_0‖p0_h) = 0 exactly), else the normalized
    /// cell-centre values of the configured Gaussian. Throws when the box cannot hold the law (more than 1e-8
    /// of its mass outside) or the grid does not resolve it (a cell wider than a marginal standard deviation).
    /// </summary>
    public double[] InitialDensity() =>
        Problem.Initial.IsStandard ? ReferenceDensity() : GibbsGaussian(InitialLawOf(Problem.Initial));

    /// <summary>Mass of the initial law outside the box below which nothing is said.</summary>
    public const double SilentOutsideMass = 1e-8;

    /// <summary>The configured limit of the mass outside the box (null: <see cref="DiscretizationError"/>).</summary>
    public double? MaxOutsideMass { get; }

    /// <summary>
    /// The grid's discretization error for a Gaussian law, in L1: Σ_k (Δ_k/σ_k)²/24, the leading term of the
    /// midpoint (cell-centre) rule of a second-order scheme (the cell average of a density differs from its centre
    /// value by Δ²p''/24). A truncation below it is invisible at the grid's accuracy.
    /// </summary>
    public static double DiscretizationError(UniformGrid grid, Model.InitialLaw law) =>
        Enumerable.Range(0, grid.Dimension).Sum(k => grid.Spacing(k) * grid.Spacing(k) / law.Covariance[k, k]) / 24;

    /// <summary>
    /// An upper bound on the mass of the Gaussian <paramref name="law"/> outside the box of <paramref name="grid"/>: the sum
    /// over the axes of the exact marginal masses beyond ±B_k (union bound).
    /// </summary>
    public static double OutsideMass(UniformGrid grid, Model.InitialLaw law)
    {
        double outside = 0;
        for (int k = 0; k < grid.Dimension; k++)
        {
            double sd = Math.Sqrt(law.Covariance[k, k]), b = grid.HalfWidths[k], mu = law.Mean[k];
            outside += 0.5 * (MathNet.Numerics.SpecialFunctions.Erfc((b - mu) / (sd * Math.Sqrt(2)))
                            + MathNet.Numerics.SpecialFunctions.Erfc((b + mu) / (sd * Math.Sqrt(2))));
        }
        return outside;
    }

    private Model.InitialLaw InitialLawOf(Model.InitialLaw law)
    {
        double outside = OutsideMass(Grid, law);
        for (int k = 0; k < Grid.Dimension; k++)
        {
            double sd = Math.Sqrt(law.Covariance[k, k]);
            if (Grid.Spacing(k) > sd)
                throw new InputException($"grid.cells[{k}]", Grid.Cells[k],
                    $"cells of width {Grid.Spacing(k):G4} do not resolve the initial law (standard deviation {sd:G4} on axis {k}); use more cells");
        }
        double error = DiscretizationError(Grid, law);
        string? warning = BoxHoldsInitialLaw(Grid, law, MaxOutsideMass, error, "the grid's discretization error", "the initial density is renormalized on the box");
        if (warning is not null && !_warnings.Contains(warning)) _warnings.Add(warning);
        return law;
    }

    /// <summary>
    /// The rule of every solver whose densities are written on a grid (the same key, the same message): with at most
    /// <see cref="SilentOutsideMass"/> of the initial law outside the box nothing is said; above the limit
    /// (<c>grid.maxOutsideMass</c> = <paramref name="maxOutsideMass"/>, or the solver's default <paramref name="defaultLimit"/>,
    /// named by <paramref name="defaultLimitName"/>, e.g. "the grid's discretization error") an <see cref="InputException"/> on <c>grid.halfWidth</c>; in between
    /// the returned warning, which says what happens to the lost mass (<paramref name="consequence"/>).
    /// </summary>
    public static string? BoxHoldsInitialLaw(UniformGrid grid, Model.InitialLaw law, double? maxOutsideMass, double defaultLimit,
        string defaultLimitName, string consequence)
    {
        double outside = OutsideMass(grid, law);
        if (outside <= SilentOutsideMass) return null;
        double limit = maxOutsideMass ?? defaultLimit;
        string lost = FormattableString.Invariant($"the box holds the initial law only up to a mass of {outside:G3} outside");
        if (outside > limit)
            throw new InputException("grid.halfWidth", string.Join(",", grid.HalfWidths), FormattableString.Invariant(
                $"{lost}, more than {(maxOutsideMass is null ? $"{defaultLimitName} {limit:G3}" : $"grid.maxOutsideMass = {limit:G3}")}; enlarge the box (or raise grid.maxOutsideMass)"));
        return FormattableString.Invariant(
            $"grid.halfWidth = {string.Join(",", grid.HalfWidths)}: {lost} (below the limit {limit:G3}{(maxOutsideMass is null ? $", {defaultLimitName}" : "")}); {consequence}");
    }

    private double[] GibbsGaussian(Model.InitialLaw law) => Metrics.GridDensity.CellCentreGaussian(Grid, law.ToGaussian());

    /// <summary>Per column: m0 = Σ_j p Δu, m1 = Σ_j u_j p Δu, m2 = Σ_j u_j² p Δu (any span may be empty).</summary>
    public void ThetaMoments(ReadOnlySpan<double> p, Span<double> m0, Span<double> m1, Span<double> m2)
    {
        int nu = Grid.ColumnLength;
        double du = Grid.Spacing(Grid.UAxis);
        for (int c = 0; c < Grid.ColumnCount; c++)
        {
            ColumnKernels.Moments(p.Slice(c * nu, nu), _u, _uSquared, out double s0, out double s1, out double s2);
            if (!m0.IsEmpty) m0[c] = s0 * du;
            if (!m1.IsEmpty) m1[c] = s1 * du;
            if (!m2.IsEmpty) m2[c] = s2 * du;
        }
    }

    /// <summary>Residuals r_i = f(p, x_i) − y_i from the first u-moment per column.</summary>
    internal void ResidualsFromMoment(ReadOnlySpan<double> m1, Span<double> r)
    {
        double scale = Problem.Alpha * Grid.ThetaVolume;
        for (int i = 0; i < Problem.SampleCount; i++)
            r[i] = scale * TensorPrimitives.Dot(Sigma(i), m1) - Problem.Data.Yi(i);
    }

    /// <summary>Residuals r_i = f(p, x_i) − y_i (midpoint quadrature, separable evaluation).</summary>
    public void Residuals(ReadOnlySpan<double> p, Span<double> r)
    {
        var m1 = new double[Grid.ColumnCount];
        ThetaMoments(p, default, m1, default);
        ResidualsFromMoment(m1, r);
    }

    /// <summary>
    /// f(p, x) = α V_θ Σ_θ σ(θ_c·x) M1(θ_c) at arbitrary inputs (the scheme's midpoint rule, as in
    /// <see cref="Residuals"/>, which uses the tabulated σ of the data inputs).
    /// </summary>
    public double[] NetworkOutputs(ReadOnlySpan<double> p, IReadOnlyList<double[]> inputs)
    {
        var m1 = new double[Grid.ColumnCount];
        ThetaMoments(p, default, m1, default);
        int cols = Grid.ColumnCount;
        var sigma = new double[inputs.Count * cols];
        ActivationTable.Fill(Problem.Activation, Grid.ThetaCenters(), cols, inputs, sigma, default);
        var f = new double[inputs.Count];
        for (int q = 0; q < inputs.Count; q++)
            f[q] = Problem.Alpha * Grid.ThetaVolume * TensorPrimitives.Dot(sigma.AsSpan(q * cols, cols), m1);
        return f;
    }

    /// <summary>c(θ) = (2α/n) Σ_i r_i σ(θ·x_i) per column.</summary>
    internal void CouplingFromResiduals(ReadOnlySpan<double> r, Span<double> c)
    {
        c.Clear();
        double scale = 2 * Problem.Alpha / Problem.SampleCount;
        for (int i = 0; i < Problem.SampleCount; i++)
            TensorPrimitives.MultiplyAdd(Sigma(i), scale * r[i], c, c);
    }

    /// <summary>Ψ_p at every cell centre: u·c(θ) + (λ/2)(|θ|² + u²).</summary>
    public void Potential(ReadOnlySpan<double> p, Span<double> psi)
    {
        var r = new double[Problem.SampleCount];
        Residuals(p, r);
        var c = new double[Grid.ColumnCount];
        CouplingFromResiduals(r, c);
        int nu = Grid.ColumnLength;
        double half = 0.5 * Problem.Lambda;
        for (int col = 0; col < Grid.ColumnCount; col++)
            for (int j = 0; j < nu; j++)
                psi[col * nu + j] = _u[j] * c[col] + half * (_thetaSquared[col] + _u[j] * _u[j]);
    }

    /// <summary>The loss L = (1/n) Σ r_i².</summary>
    public static double Loss(ReadOnlySpan<double> r) => TensorPrimitives.SumOfSquares(r) / r.Length;
}
