using System.Numerics.Tensors;
using FokkerPlanckNtk.Model;
using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Ntk;

/// <summary>
/// The NTK Gram matrix (3.6), H(p)_ij = E_p[σ(θ·x_i) σ(θ·x_j)] + (x_i·x_j) E_p[u² σ'(θ·x_i) σ'(θ·x_j)],
/// with its spectrum (MathNet's symmetric eigen-decomposition) and Λ = λ_min.
/// Built from a grid density, from particles, or by Gauss–Hermite quadrature for a Gaussian law.
/// </summary>
public sealed class GramMatrix
{
    private readonly double[,] _h;
    private readonly double[] _eigenvalues;
    private readonly double[,] _eigenvectors;

    /// <param name="values">A square matrix; it is checked for symmetry (<see cref="SymmetryError"/>) and symmetrized.</param>
    /// <param name="method">How it was computed (shown in reports).</param>
    /// <param name="errorEstimate">An estimate of max_ij |H_ij − exact| (quadrature), 0 when not known.</param>
    /// <param name="standardErrors">Per-entry CLT standard errors (particles), or null.</param>
    public GramMatrix(double[,] values, string method, double errorEstimate = 0, double[,]? standardErrors = null)
    {
        int n = values.GetLength(0);
        if (n == 0 || values.GetLength(1) != n) throw new ArgumentException("a Gram matrix must be square and non-empty");
        double scale = 0, asym = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (!double.IsFinite(values[i, j])) throw new ArgumentException($"H[{i},{j}] = {values[i, j]} is not finite");
                scale = Math.Max(scale, Math.Abs(values[i, j]));
                asym = Math.Max(asym, Math.Abs(values[i, j] - values[j, i]));
            }
        SymmetryError = scale > 0 ? asym / scale : 0;
        _h = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                _h[i, j] = 0.5 * (values[i, j] + values[j, i]);
        Method = method;
        ErrorEstimate = errorEstimate;
        StandardErrors = standardErrors;

        var evd = Matrix<double>.Build.DenseOfArray(_h).Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, n).OrderBy(k => evd.EigenValues[k].Real).ToArray();
        _eigenvalues = order.Select(k => evd.EigenValues[k].Real).ToArray();
        _eigenvectors = new double[n, n];
        for (int c = 0; c < n; c++)
            for (int r = 0; r < n; r++)
                _eigenvectors[r, c] = evd.EigenVectors[r, order[c]];
    }

    /// <summary>n.</summary>
    public int Size => _h.GetLength(0);

    /// <summary>H_ij.</summary>
    public double this[int i, int j] => _h[i, j];

    /// <summary>A copy of H.</summary>
    public double[,] ToArray() => (double[,])_h.Clone();

    /// <summary>How H was computed (quadrature order, or particles), for reports.</summary>
    public string Method { get; }

    /// <summary>max_ij |H_ij − H_ji| / max_ij |H_ij| of the matrix as computed (before symmetrization).</summary>
    public double SymmetryError { get; }

    /// <summary>For quadrature: max_ij |H_N − H_N'| between the last two orders tried; otherwise 0.</summary>
    public double ErrorEstimate { get; }

    /// <summary>For particles: the CLT standard error of each entry, sd(g_ij)/√m; otherwise null.</summary>
    public double[,]? StandardErrors { get; }

    /// <summary>Eigenvalues in ascending order.</summary>
    public IReadOnlyList<double> Eigenvalues => _eigenvalues;

    /// <summary>Orthonormal eigenvectors as columns, in the order of <see cref="Eigenvalues"/>.</summary>
    public double[,] Eigenvectors => (double[,])_eigenvectors.Clone();

    /// <summary>Λ = λ_min(H).</summary>
    public double LambdaMin => _eigenvalues[0];

    /// <summary>λ_max(H).</summary>
    public double LambdaMax => _eigenvalues[^1];

    /// <summary>
    /// The round-off level of the eigenvalues: the symmetric EVD is backward stable, so each computed
    /// eigenvalue is within about n·ε·‖H‖ of an exact one (ε = 2⁻⁵²); 8 n ε λ_max leaves a margin.
    /// </summary>
    public double EigenvalueRoundOff => 8 * Size * Math.Pow(2, -52) * Math.Max(Math.Abs(LambdaMax), Math.Abs(LambdaMin));

    /// <summary>True when λ_min ≥ −<see cref="EigenvalueRoundOff"/> (H is a Gram matrix, PSD in exact arithmetic).</summary>
    public bool IsPositiveSemidefinite => LambdaMin >= -EigenvalueRoundOff;

    /// <summary>v = H w.</summary>
    public double[] Multiply(ReadOnlySpan<double> w)
    {
        int n = Size;
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += _h[i, j] * w[j];
            v[i] = s;
        }
        return v;
    }

    // ---------------------------------------------------------------------------------------------
    // Quadrature for a Gaussian law

    /// <summary>
    /// H(p0) of the problem's reference law N(0, I) by Gauss–Hermite quadrature
    /// (<see cref="ByQuadrature(Problem, InitialLaw, double)"/>).
    /// </summary>
    public static GramMatrix AtReference(Problem problem, double tolerance = 1e-13) =>
        ByQuadrature(problem, InitialLaw.StandardGaussian(problem.Dimension + 1), tolerance);

    /// <summary>
    /// H(p) for a Gaussian law p of (θ, u) by Gauss–Hermite quadrature, exploiting that entry (i, j) depends on
    /// θ only through s = (θ·x_i, θ·x_j), a Gaussian vector of rank k ≤ 2: each entry is a k-dimensional
    /// Gauss–Hermite sum (in any d), with E[u² | s] = E[u | s]² + Var(u | s) in closed form. The orders of
    /// <see cref="QuadratureRule.ConvergenceOrders"/> are tried in turn until two successive matrices agree to
    /// <paramref name="tolerance"/> × max(1, max|H|); that difference is <see cref="ErrorEstimate"/> (an upper
    /// estimate for the returned, higher order). Round-off level for tanh, sigmoid, erf at order ≤ 256.
    /// </summary>
    public static GramMatrix ByQuadrature(Problem problem, InitialLaw law, double tolerance = 1e-13)
    {
        CheckLaw(problem, law);
        double[,]? previous = null;
        int previousOrder = 0;
        double diff = double.PositiveInfinity;
        foreach (int order in QuadratureRule.ConvergenceOrders)
        {
            var h = PairwiseValues(problem, law, order);
            if (previous is not null)
            {
                diff = MaxDifference(h, previous);
                if (diff <= tolerance * Math.Max(1, MaxAbs(h)))
                    return new GramMatrix(h, $"Gauss–Hermite quadrature on the pair projections (θ·x_i, θ·x_j), order {order} (change from order {previousOrder}: {diff:E2})", diff);
            }
            previous = h;
            previousOrder = order;
        }
        return new GramMatrix(previous!, $"Gauss–Hermite quadrature on the pair projections, order {previousOrder}, NOT converged to {tolerance:E1} (last change {diff:E2})", diff);
    }

    /// <summary>
    /// H(p) for a Gaussian law by the d-dimensional tensor Gauss–Hermite rule of a fixed order N per θ axis
    /// (an independent check of <see cref="ByQuadrature(Problem, InitialLaw, double)"/>; N^d nodes).
    /// </summary>
    public static GramMatrix ByTensorQuadrature(Problem problem, InitialLaw law, int order)
    {
        CheckLaw(problem, law);
        return new(TensorValues(problem, law, order), $"tensor Gauss–Hermite quadrature, order {order}^{problem.Dimension}");
    }

    /// <summary>Largest Gauss–Hermite order per axis used for a d-dimensional tensor rule (≤ ~10^6 nodes).</summary>
    internal static int MaxTensorOrder(int d) => d switch { 1 => GaussHermite.MaxOrder, 2 => 192, _ => 96 };

    private static void CheckLaw(Problem problem, InitialLaw law)
    {
        if (law.Dimension != problem.Dimension + 1)
            throw new InputException("problem.initial.mean", $"{law.Dimension} entries", $"must have d + 1 = {problem.Dimension + 1} entries");
    }

    private static double[,] TensorValues(Problem problem, InitialLaw law, int order)
    {
        var g = GaussianLawQuadrature.Create(law, order);
        var rule = g.Theta;
        int count = rule.Count;
        var sigma = ActivationTable.Sigma(problem, rule.Nodes, rule.Count);
        var sigmaPrime = ActivationTable.SigmaPrime(problem, rule.Nodes, rule.Count);
        // Per-node weights of the two terms: w_q and w_q E[u² | θ_q].
        var w = rule.Weights;
        var w2 = new double[count];
        for (int q = 0; q < count; q++) w2[q] = w[q] * (g.ConditionalMean[q] * g.ConditionalMean[q] + g.ConditionalVariance);
        return Assemble(problem.Data, sigma, sigmaPrime, w, w2);
    }

    private static double[,] PairwiseValues(Problem problem, InitialLaw law, int order)
    {
        int n = problem.SampleCount, d = problem.Dimension;
        var cov = Matrix<double>.Build.DenseOfArray(law.Covariance);
        var sTT = cov.SubMatrix(0, d, 0, d);
        var sTU = cov.SubMatrix(0, d, d, 1).Column(0);
        var muT = Vector<double>.Build.DenseOfArray(law.Mean[..d]);
        double muU = law.Mean[d], sUU = cov[d, d];
        var rule1 = GaussHermite.Normal(order);
        var rule2 = GaussHermite.Normal(order, 2);
        var act = problem.Activation;
        var h = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++)
            {
                var pm = Matrix<double>.Build.Dense(2, d, (row, k) => problem.Data.X(row == 0 ? i : j)[k]);
                var ms = pm * muT;
                var cs = pm * sTT.TransposeAndMultiply(pm);
                var cu = pm * sTU;
                // s = m_s + A ξ with ξ ~ N(0, I_k) over the directions of positive variance (EVD of the 2×2 covariance).
                var evd = cs.Evd(Symmetricity.Symmetric);
                double top = Math.Max(0, evd.EigenValues.Max(e => e.Real));
                var keep = Enumerable.Range(0, 2).Where(k => evd.EigenValues[k].Real > 1e-14 * top && top > 0).ToArray();
                int rank = keep.Length;
                var a = new double[2, rank];
                var gu = new double[rank]; // Cov(u, ξ)
                for (int c = 0; c < rank; c++)
                {
                    double e = evd.EigenValues[keep[c]].Real, sq = Math.Sqrt(e);
                    double proj = 0;
                    for (int row = 0; row < 2; row++)
                    {
                        a[row, c] = evd.EigenVectors[row, keep[c]] * sq;
                        proj += evd.EigenVectors[row, keep[c]] * cu[row];
                    }
                    gu[c] = proj / sq;
                }
                double condVar = Math.Max(0, sUU - gu.Sum(v => v * v));
                double dot = problem.Data.Dot(i, j), sum = 0;
                var rule = rank == 2 ? rule2 : rule1;
                int nodes = rank == 0 ? 1 : rule.Count;
                for (int q = 0; q < nodes; q++)
                {
                    double si = ms[0], sj = ms[1], mu = muU, wq = rank == 0 ? 1 : rule.Weights[q];
                    for (int c = 0; c < rank; c++)
                    {
                        double xi = rule.Node(q)[c];
                        si += a[0, c] * xi;
                        sj += a[1, c] * xi;
                        mu += gu[c] * xi;
                    }
                    sum += wq * (act.Value(si) * act.Value(sj) + dot * (mu * mu + condVar) * act.D1(si) * act.D1(sj));
                }
                h[i, j] = h[j, i] = sum;
            }
        return h;
    }

    /// <summary>H_ij = Σ_q [a_q σ_iq σ_jq + (x_i·x_j) b_q σ'_iq σ'_jq] (see <see cref="Assemble(DataSet, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, double, Span{double}, Span{double})"/>).</summary>
    private static double[,] Assemble(DataSet data, ReadOnlySpan<double> sigma, ReadOnlySpan<double> sigmaPrime,
        ReadOnlySpan<double> a, ReadOnlySpan<double> b, double scale = 1)
    {
        int n = data.Count;
        var flat = new double[n * n];
        Assemble(data, sigma, sigmaPrime, a, b, scale, flat, new double[a.Length]);
        var h = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) h[i, j] = flat[i * n + j];
        return h;
    }

    /// <summary>
    /// The Gram matrix from per-node weights: H_ij = scale·(Σ_q a_q σ_iq σ_jq + (x_i·x_j) Σ_q b_q σ'_iq σ'_jq), with
    /// σ, σ' tables of n rows over the nodes q (<see cref="ActivationTable"/>), into <paramref name="h"/> (n × n,
    /// row-major), without allocating (<paramref name="scratch"/> holds one row). The one assembly of H: quadrature
    /// (a = w_q, b = w_q E[u² | θ_q]), grid densities (a = m0, b = m2, scale V_θ) and the PDE's step bound use it.
    /// </summary>
    public static void Assemble(DataSet data, ReadOnlySpan<double> sigma, ReadOnlySpan<double> sigmaPrime, ReadOnlySpan<double> a,
        ReadOnlySpan<double> b, double scale, Span<double> h, Span<double> scratch)
    {
        int n = data.Count, count = a.Length;
        var tmp = scratch[..count];
        for (int i = 0; i < n; i++)
        {
            var si = sigma.Slice(i * count, count);
            var pi = sigmaPrime.Slice(i * count, count);
            for (int j = i; j < n; j++)
            {
                TensorPrimitives.Multiply(si, a, tmp);
                double h0 = TensorPrimitives.Dot(tmp, sigma.Slice(j * count, count));
                TensorPrimitives.Multiply(pi, b, tmp);
                double h2 = TensorPrimitives.Dot(tmp, sigmaPrime.Slice(j * count, count));
                double v = (h0 + data.Dot(i, j) * h2) * scale;
                h[i * n + j] = v;
                h[j * n + i] = v;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Grid densities

    /// <summary>
    /// H of a grid density (cell averages p_c, Σ p_c V = 1) by the midpoint rule, through the per-column
    /// moments m0(θ) = Σ_j p Δu and m2(θ) = Σ_j u_j² p Δu: H_ij = Σ_θ [σ_iσ_j m0 + (x_i·x_j) σ'_iσ'_j m2] V_θ.
    /// Cost O(N^{d+1} + n² N^d).
    /// </summary>
    public static GramMatrix FromGrid(Problem problem, UniformGrid grid, ReadOnlySpan<double> density)
    {
        CheckGrid(problem, grid);
        if (density.Length != grid.Count)
            throw new ArgumentException($"the density has {density.Length} values, the grid {grid.Count} cells");
        int columns = grid.ColumnCount, nu = grid.ColumnLength;
        var m0 = new double[columns];
        var m2 = new double[columns];
        var u = grid.Centers(grid.UAxis);
        double du = grid.Spacing(grid.UAxis);
        for (int c = 0; c < columns; c++)
        {
            var col = density.Slice(c * nu, nu);
            double s0 = 0, s2 = 0;
            for (int j = 0; j < nu; j++) { s0 += col[j]; s2 += u[j] * u[j] * col[j]; }
            m0[c] = s0 * du;
            m2[c] = s2 * du;
        }
        return FromThetaMoments(problem, grid, m0, m2);
    }

    /// <summary>H from the per-column moments m0 and m2 of a grid density (as the finite-volume model computes them).</summary>
    public static GramMatrix FromThetaMoments(Problem problem, UniformGrid grid, ReadOnlySpan<double> m0, ReadOnlySpan<double> m2)
    {
        CheckGrid(problem, grid);
        int columns = grid.ColumnCount, d = grid.ThetaDimension;
        if (m0.Length != columns || m2.Length != columns)
            throw new ArgumentException($"the moments need one value per θ cell ({columns})");
        var nodes = grid.ThetaCenters();
        var sigma = ActivationTable.Sigma(problem, nodes, columns);
        var sigmaPrime = ActivationTable.SigmaPrime(problem, nodes, columns);
        return new GramMatrix(Assemble(problem.Data, sigma, sigmaPrime, m0, m2, grid.ThetaVolume), $"grid {grid} (midpoint rule)");
    }

    private static void CheckGrid(Problem problem, UniformGrid grid)
    {
        if (grid.ThetaDimension != problem.Dimension)
            throw new InputException("grid.cells", $"{grid.Dimension} axes", $"must have d + 1 = {problem.Dimension + 1} axes for data of dimension d = {problem.Dimension}");
    }

    // ---------------------------------------------------------------------------------------------
    // Particles

    private const int ParticleBlock = 1 << 14;

    /// <summary>
    /// H of the empirical measure of m particles (θ: m × d row-major, u: m), with the CLT standard error
    /// sd(g_ij)/√m of each entry, g_ij = σ_iσ_j + (x_i·x_j) u² σ'_iσ'_j. Fixed blocks combined in a fixed
    /// order (Chan's pairwise mean/variance update), so the result does not depend on the thread count.
    /// </summary>
    public static GramMatrix FromParticles(Problem problem, ReadOnlySpan<double> theta, ReadOnlySpan<double> u)
    {
        int d = problem.Dimension, n = problem.SampleCount, m = u.Length;
        if (theta.Length != m * d) throw new ArgumentException($"θ has {theta.Length} values, expected m·d = {m * d}");
        if (m < 2) throw new InputException("particles.count", m, "needs at least 2 particles for a Gram matrix with standard errors");
        int pairs = n * (n + 1) / 2, blocks = (m + ParticleBlock - 1) / ParticleBlock;
        var thetaArr = theta.ToArray();
        var inputs = ActivationTable.Inputs(problem.Data);
        var uArr = u.ToArray();
        var means = new double[blocks * pairs];
        var m2s = new double[blocks * pairs];
        Parallel.For(0, blocks, Parallelism.Options, block =>
        {
            int start = block * ParticleBlock, len = Math.Min(ParticleBlock, m - start);
            var sig = new double[n * len];
            var sigP = new double[n * len];
            ActivationTable.Fill(problem.Activation, thetaArr.AsSpan(start * d, len * d), len, inputs, sig, sigP);
            var mean = means.AsSpan(block * pairs, pairs);
            var m2 = m2s.AsSpan(block * pairs, pairs);
            for (int p = 0; p < len; p++)
            {
                double u2 = uArr[start + p] * uArr[start + p];
                int k = 0;
                for (int i = 0; i < n; i++)
                    for (int j = i; j < n; j++, k++)
                    {
                        double g = sig[i * len + p] * sig[j * len + p] + problem.Data.Dot(i, j) * u2 * sigP[i * len + p] * sigP[j * len + p];
                        double delta = g - mean[k];
                        mean[k] += delta / (p + 1);
                        m2[k] += delta * (g - mean[k]);
                    }
            }
        });
        // Combine blocks in order.
        var tm = new double[pairs];
        var tv = new double[pairs];
        long total = 0;
        for (int block = 0; block < blocks; block++)
        {
            int len = Math.Min(ParticleBlock, m - block * ParticleBlock);
            long combined = total + len;
            for (int k = 0; k < pairs; k++)
            {
                double delta = means[block * pairs + k] - tm[k];
                tm[k] += delta * len / combined;
                tv[k] += m2s[block * pairs + k] + delta * delta * total * len / combined;
            }
            total = combined;
        }
        var h = new double[n, n];
        var se = new double[n, n];
        for (int i = 0, k = 0; i < n; i++)
            for (int j = i; j < n; j++, k++)
            {
                h[i, j] = h[j, i] = tm[k];
                se[i, j] = se[j, i] = Math.Sqrt(tv[k] / (m - 1) / m);
            }
        return new GramMatrix(h, $"{m} particles (empirical mean, CLT standard errors)", 0, se);
    }

    /// <summary>H of a particle system's current empirical measure (its θ axes are stored separately).</summary>
    public static GramMatrix FromParticles(Particles.ParticleSystem system)
    {
        int m = system.Count, d = system.Dimension - 1;
        var theta = new double[m * d];
        for (int k = 0; k < d; k++)
        {
            var axis = system.Theta(k);
            for (int j = 0; j < m; j++) theta[j * d + k] = axis[j];
        }
        return FromParticles(system.Problem, theta, system.U);
    }

    // ---------------------------------------------------------------------------------------------

    internal static double MaxDifference(double[,] a, double[,] b)
    {
        double m = 0;
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++)
                m = Math.Max(m, Math.Abs(a[i, j] - b[i, j]));
        return m;
    }

    private static double MaxAbs(double[,] a)
    {
        double m = 0;
        foreach (double v in a) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
