using System.Numerics.Tensors;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Ntk;

namespace FokkerPlanckNtk.Spectral;

/// <summary>The diagnostics of a spectral state (the finite-volume solver's, plus what a truncated expansion needs).</summary>
/// <param name="FreeEnergy">Q = L + λ KL(p‖p0).</param>
/// <param name="KlP0">KL(p⁺‖p0) by the trapezoid rule on the diagnostic lattice, the integrand p log(p/p0) taken as 0 where the expansion is ≤ 0 (see <see cref="NegativeMass"/>).</param>
/// <param name="Chi2P0">χ²(p‖p0) = Σ_{k≠0} b_k² (Parseval, exact for the expansion).</param>
/// <param name="W2P0">W2(p, p0) linearized: ‖p − p0‖ in Ḣ⁻¹(p0) = (Σ_{k≠0} b_k²/|k|)^{1/2} (relative error O(W2)).</param>
/// <param name="W2Lower">Gelbrich's bound: the Bures–Wasserstein distance of the means and covariances (certified lower bound).</param>
/// <param name="W2Upper">Peyre's bound W2 ≤ 2‖p − p0‖_{Ḣ⁻¹(p0)} (certified upper bound for a non-negative p).</param>
/// <param name="Mass">b_0 = ∫ p (conserved exactly by the scheme).</param>
/// <param name="MinDensity">The minimum of p = p0 q on the diagnostic lattice.</param>
/// <param name="NegativeMass">∫ p⁻ on the diagnostic lattice: where the truncated expansion dips below zero.</param>
/// <param name="TailNorm">L²(p0) norm of the coefficients in the top eighth of the modes of any axis (a basis-too-small indicator).</param>
/// <param name="Time">The time t.</param>
/// <param name="Loss">L = (1/n) Σ r_i², exact for the expansion.</param>
/// <param name="Residuals">r_i = f(p, x_i) − y_i.</param>
public sealed record SpectralDiagnostics(double Time, double Loss, double FreeEnergy, double KlP0, double Chi2P0,
    double W2P0, double W2Lower, double W2Upper, double Mass, double MinDensity, double NegativeMass, double TailNorm, double[] Residuals)
{
    /// <summary>Above this tail norm the basis is too small for the solution.</summary>
    public const double TailWarning = 1e-8;
}

public sealed partial class SpectralModel
{
    private DiagnosticLattice? _lattice;

    /// <summary>
    /// The lattice the density-valued diagnostics use: per axis the points x = gΔ, |x| ≤ 12, with
    /// Δ = min(0.25, π/(2√(2K+1))) (a quarter of the shortest wavelength of h_{K−1}), and the tables h_k(x_g).
    /// The trapezoid rule on it converges exponentially for the smooth integrands here, and p0's mass beyond
    /// |x| = 12 on an axis is ~1e-33.
    /// </summary>
    private sealed class DiagnosticLattice
    {
        public const double Cutoff = 12;

        public DiagnosticLattice(SpectralModel model)
        {
            var basis = model.Basis;
            int d = basis.ThetaDimension;
            var modes = basis.Modes;
            Points = new double[d + 1][];
            Tables = new AxisTable[d + 1];
            Root = new double[d + 1][];
            Weight = 1;
            for (int j = 0; j <= d; j++)
            {
                double step = Math.Min(0.25, Math.PI / (2 * Math.Sqrt(2 * modes[j] + 1)));
                int half = (int)Math.Ceiling(Cutoff / step);
                Points[j] = Enumerable.Range(-half, 2 * half + 1).Select(g => g * step).ToArray();
                Tables[j] = new AxisTable(Points[j].Length, modes[j], HermiteFunctions.Table(Points[j], modes[j]));
                Root[j] = Points[j].Select(x => HermiteFunctions.InverseFourthRootTwoPi * Math.Exp(-0.25 * x * x)).ToArray();
                Weight *= step;
            }
            ThetaPoints = 1;
            for (int j = 0; j < d; j++) ThetaPoints *= Points[j].Length;
            ThetaRoot = new double[ThetaPoints];
            ThetaWeight = Weight / (Points[d][1] - Points[d][0]);
            var theta = new double[d];
            for (int g = 0; g < ThetaPoints; g++)
            {
                double root = 1;
                int rest = g;
                for (int j = d - 1; j >= 0; j--) { int gj = rest % Points[j].Length; rest /= Points[j].Length; root *= Root[j][gj]; }
                ThetaRoot[g] = root;
            }
            var problem = model.Problem;
            int n = problem.SampleCount;
            Sigma = new double[n][];
            SigmaPrime = new double[n][];
            var dots = new double[ThetaPoints];
            for (int i = 0; i < n; i++)
            {
                var x = problem.Data.X(i);
                for (int g = 0; g < ThetaPoints; g++)
                {
                    ThetaPoint(g, theta);
                    double s = 0;
                    for (int j = 0; j < d; j++) s += theta[j] * x[j];
                    dots[g] = s;
                }
                Sigma[i] = new double[ThetaPoints];
                SigmaPrime[i] = new double[ThetaPoints];
                problem.Activation.Value(dots, Sigma[i]);
                problem.Activation.D1(dots, SigmaPrime[i]);
            }
            Theta = new double[basis.UModes * ThetaPoints];
            Scratch = d == 2 ? new double[basis.UModes * modes[0] * Points[1].Length] : [];
            Values = new double[Points[d].Length * ThetaPoints];
        }

        public double[][] Points { get; }
        public AxisTable[] Tables { get; }
        /// <summary>φ^{1/2}(x_g) = h_0(x_g) per axis.</summary>
        public double[][] Root { get; }
        public double Weight { get; }
        public int ThetaPoints { get; }
        public double ThetaWeight { get; }
        public double[] ThetaRoot { get; }
        public double[][] Sigma { get; }
        public double[][] SigmaPrime { get; }
        /// <summary>θ-evaluations per u-mode: Σ_k b_{k,m} Π h_{k_j}(θ_g) = q_m(θ) φ_d^{1/2}(θ).</summary>
        public double[] Theta { get; }
        public double[] Scratch { get; }
        /// <summary>Σ_{k,m} b Π h = q φ^{1/2} at every lattice point (u-major).</summary>
        public double[] Values { get; }

        public void ThetaPoint(int g, Span<double> theta)
        {
            for (int j = theta.Length - 1; j >= 0; j--) { int gj = g % Points[j].Length; g /= Points[j].Length; theta[j] = Points[j][gj]; }
        }
    }

    private DiagnosticLattice Lattice => _lattice ??= new DiagnosticLattice(this);

    /// <summary>Evaluates q φ^{1/2} on the whole lattice (and the θ-evaluations per u-mode).</summary>
    private void EvaluateLattice(ReadOnlySpan<double> b)
    {
        var lat = Lattice;
        Basis.EvaluateTheta(b, lat.Tables.Take(_d).ToArray(), lat.Theta, lat.Scratch);
        var u = lat.Tables[_d];
        MatrixKernels.Multiply(u.Rows, lat.Theta, lat.Values, u.Points, _nu, lat.ThetaPoints, accumulate: false);
    }

    private bool[]? _topModes;

    /// <summary>Whether each basis function lies in the top eighth of the modes of some axis (the tail of <see cref="SpectralDiagnostics.TailNorm"/>).</summary>
    private bool[] TopModes => _topModes ??= Enumerable.Range(0, Count).Select(c =>
    {
        var (m, k) = Basis.Split(c);
        var modes = Basis.Modes;
        bool top = m >= modes[_d] - Math.Max(1, modes[_d] / 8);
        for (int j = 0; j < _d; j++) top |= k[j] >= modes[j] - Math.Max(1, modes[j] / 8);
        return top;
    }).ToArray();

    /// <summary>The share of the expansion's L²(p0) norm held by the top eighth of the modes of any axis (no allocation).</summary>
    public double TailFraction(ReadOnlySpan<double> b)
    {
        var top = TopModes;
        double tail = 0, total = 0;
        for (int c = 0; c < b.Length; c++)
        {
            double v = b[c] * b[c];
            total += v;
            if (top[c]) tail += v;
        }
        return Math.Sqrt(tail / total);
    }

    /// <summary>All diagnostics of the coefficients <paramref name="b"/> at time <paramref name="time"/>.</summary>
    public SpectralDiagnostics Diagnose(ReadOnlySpan<double> b, double time)
    {
        var r = new double[_n];
        Residuals(b, r);
        double loss = TensorPrimitives.SumOfSquares(r) / _n;
        double chi2 = 0, hMinus1 = 0, tail = 0;
        var degree = Basis.TotalDegree;
        var modes = Basis.Modes;
        var top = modes.Select(m => m - Math.Max(1, m / 8)).ToArray();
        for (int c = 1; c < Count; c++)
        {
            double v = b[c] * b[c];
            chi2 += v;
            hMinus1 += v / degree[c];
            var (m, k) = Basis.Split(c);
            bool inTop = m >= top[_d];
            for (int j = 0; j < _d; j++) inTop |= k[j] >= top[j];
            if (inTop) tail += v;
        }
        EvaluateLattice(b);
        var lat = Lattice;
        int gu = lat.Points[_d].Length, gt = lat.ThetaPoints;
        double kl = 0, negative = 0, min = double.PositiveInfinity;
        for (int g = 0; g < gu; g++)
        {
            double rootU = lat.Root[_d][g];
            var row = lat.Values.AsSpan(g * gt, gt);
            double rowKl = 0, rowNeg = 0;
            for (int t = 0; t < gt; t++)
            {
                double root = rootU * lat.ThetaRoot[t];
                double p = root * row[t];
                if (p < min) min = p;
                if (p <= 0) { rowNeg -= p; rowKl += root * root; continue; }
                rowKl += root * root * RelativeEntropyDensity(row[t] / root);
            }
            kl += rowKl;
            negative += rowNeg;
        }
        // KL(p⁺‖p0) = ∫ p0 ψ(q⁺) + ∫ (p⁺ − p0) with ψ(q) = q log q − q + 1 ≥ 0 (no cancellation near q = 1) and
        // ∫(p⁺ − p0) = ∫p⁻ (both p and p0 have mass 1; for q ≤ 0, p0ψ(0) = p0 cancels against −p0).
        double neg = negative * lat.Weight;
        kl = kl * lat.Weight + neg;
        var (lower, _) = GelbrichBound(b);
        double w2 = Math.Sqrt(hMinus1);
        return new SpectralDiagnostics(time, loss, loss + Problem.Lambda * kl, kl, chi2, w2, lower, 2 * w2, b[0], min, neg, Math.Sqrt(tail), r);
    }

    /// <summary>ψ(q) = q log q − q + 1, accurate near q = 1.</summary>
    private static double RelativeEntropyDensity(double q)
    {
        double e = q - 1;
        return Math.Abs(e) < 0.5 ? (1 + e) * double.LogP1(e) - e : q * Math.Log(q) - e;
    }

    /// <summary>Mean and covariance of p from the coefficients of degree ≤ 2, and their Bures distance to N(0, I).</summary>
    private (double W2, GaussianLaw? Moments) GelbrichBound(ReadOnlySpan<double> b)
    {
        int dim = _d + 1;
        var mean = new double[dim];
        var second = new double[dim, dim];
        var index = new int[dim];
        for (int a = 0; a < dim; a++)
        {
            Array.Clear(index);
            index[a] = 1;
            mean[a] = CoefficientAt(b, index);
            for (int c = a; c < dim; c++)
            {
                Array.Clear(index);
                index[a]++;
                index[c]++;
                // z_a z_c = ψ_1ψ_1 (a ≠ c); z_a² = √2 ψ_2 + 1.
                second[a, c] = second[c, a] = a == c ? 1 + Math.Sqrt(2) * CoefficientAt(b, index) : CoefficientAt(b, index);
            }
        }
        var cov = new double[dim, dim];
        for (int a = 0; a < dim; a++)
            for (int c = 0; c < dim; c++) cov[a, c] = second[a, c] - mean[a] * mean[c];
        try
        {
            var law = new GaussianLaw(mean, cov);
            return (GaussianDistances.W2(law, GaussianLaw.Standard(dim)), law);
        }
        catch (ArgumentException)
        {
            return (0, null); // the truncated moments are not a covariance: no bound
        }
    }

    /// <summary>b at the multi-index (k_θ..., m) in the law's axis order; 0 outside the basis.</summary>
    private double CoefficientAt(ReadOnlySpan<double> b, int[] index)
    {
        var modes = Basis.Modes;
        for (int j = 0; j < index.Length; j++)
            if (index[j] >= modes[j]) return 0;
        return b[Basis.Index(index[^1], index.AsSpan(0, _d))];
    }

    /// <summary>
    /// The NTK Gram matrix H(p) (3.6) of the expansion: E_p[g(θ)] = ∫ g q_0 φ_d and E_p[u² g(θ)] = ∫ g (q_0 + √2 q_2) φ_d
    /// (u² = √2 ψ_2(u) + 1), θ-integrals by the trapezoid rule on the diagnostic lattice.
    /// </summary>
    public GramMatrix Gram(ReadOnlySpan<double> b)
    {
        var lat = Lattice;
        int gt = lat.ThetaPoints, uModes = Math.Min(3, _nu);
        var zeroAndTwo = new double[uModes * _kTheta];
        b[..(uModes * _kTheta)].CopyTo(zeroAndTwo);
        Basis.EvaluateTheta(zeroAndTwo, uModes, lat.Tables.Take(_d).ToArray(), lat.Theta, lat.Scratch);
        var w0 = new double[gt];
        var w2 = new double[gt];
        for (int t = 0; t < gt; t++)
        {
            double root = lat.ThetaRoot[t] * lat.ThetaWeight;
            double q0 = lat.Theta[t], q2 = uModes > 2 ? lat.Theta[2 * gt + t] : 0;
            w0[t] = root * q0;
            w2[t] = root * (q0 + Math.Sqrt(2) * q2);
        }
        var h = new double[_n, _n];
        var tmp = new double[gt];
        for (int i = 0; i < _n; i++)
            for (int j = i; j < _n; j++)
            {
                TensorPrimitives.Multiply(lat.Sigma[i], lat.Sigma[j], tmp);
                double first = TensorPrimitives.Dot(tmp, w0);
                TensorPrimitives.Multiply(lat.SigmaPrime[i], lat.SigmaPrime[j], tmp);
                double second = TensorPrimitives.Dot(tmp, w2);
                h[i, j] = h[j, i] = first + Problem.Data.Dot(i, j) * second;
            }
        return new GramMatrix(h, $"Hermite expansion {Basis}, trapezoid rule in θ on the diagnostic lattice");
    }

    /// <summary>
    /// Exact cell averages of p = p0 q on a grid of the same dimension (axes θ_1..θ_d, u; u fastest):
    /// per axis (1/Δ)∫_cell φ ψ_k by <see cref="HermiteFunctions.CellIntegrals"/>. Their Σ p_c V is the mass of
    /// the expansion inside the box.
    /// </summary>
    public double[] CellAverages(ReadOnlySpan<double> b, UniformGrid grid)
    {
        if (grid.Dimension != _d + 1)
            throw new InputException("grid.cells", $"{grid.Dimension} axes", $"must have d + 1 = {_d + 1} axes");
        var modes = Basis.Modes;
        var tables = new AxisTable[_d + 1];
        for (int j = 0; j <= _d; j++)
        {
            int cells = grid.Cells[j];
            double dx = grid.Spacing(j), lo = -grid.HalfWidths[j];
            var rows = new double[cells * modes[j]];
            for (int c = 0; c < cells; c++)
            {
                var row = rows.AsSpan(c * modes[j], modes[j]);
                HermiteFunctions.CellIntegrals(lo + c * dx, lo + (c + 1) * dx, row);
                TensorPrimitives.Multiply(row, 1 / dx, row);
            }
            tables[j] = new AxisTable(cells, modes[j], rows);
        }
        int cellsTheta = grid.ColumnCount;
        var theta = new double[_nu * cellsTheta];
        var scratch = _d == 2 ? new double[_nu * modes[0] * grid.Cells[1]] : [];
        Basis.EvaluateTheta(b, tables.Take(_d).ToArray(), theta, scratch);
        var transposed = new double[cellsTheta * _nu];
        for (int m = 0; m < _nu; m++)
            for (int c = 0; c < cellsTheta; c++) transposed[c * _nu + m] = theta[m * cellsTheta + c];
        var result = new double[grid.Count];
        MatrixKernels.Multiply(transposed, tables[_d].Columns, result, cellsTheta, _nu, grid.ColumnLength, accumulate: false);
        return result;
    }
}
