using System.Numerics.Tensors;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Spectral;

/// <summary>
/// The Hermite–Galerkin semi-discretization of (3.4) for d = 1, 2. With p = p0 q, q = Σ b_{k,m} ψ_k(θ) ψ_m(u),
/// ∂_z(p0 g) = −p0 A g for the raising operator A = z − ∂ (A ψ_k = √(k+1) ψ_{k+1}), and
/// λ∇·(p z + ∇p) = λ p0 (Δ − z·∇) q, the PDE becomes
/// <code>
///   ∂_t q = −λ(|k| + m) q  −  A_u(c(θ) q)  −  Σ_j A_θj(∂_j c(θ) · u q),
///   c(θ) = (2α/n) Σ_i r_i σ(θ·x_i),   r_i = α E_p0[u σ(θ·x_i) q] − y_i = α Σ_k s_{i,k} b_{k,1} − y_i,
/// </code>
/// projected onto the truncated basis. The Ornstein–Uhlenbeck part is diagonal (exact); multiplication by u
/// (u ψ_m = √(m+1) ψ_{m+1} + √m ψ_{m−1}) and the raisings are exact index shifts; the products with c and ∂_j c,
/// functions of θ only, are done on the Gauss–Hermite nodes of <see cref="SpectralBasis"/> (forward transform,
/// pointwise product, projection). The residual functionals s_{i,k} = E[σ(θ·x_i) ψ_k(θ)] are exact to round-off:
/// σ(θ·x) is a ridge function, so s_{i,k} = γ_{|k|}(|x_i|) √(|k|!/k!) e_i^k with e_i = x_i/|x_i| and γ the
/// one-dimensional coefficients of s ↦ σ(|x_i| s) (<see cref="HermiteFunctions.RidgeCoefficients"/>).
/// Mass b_{0,0} is conserved exactly: no term produces the constant mode.
/// The right side is linear in r, F(b) = D b + Σ_i r_i(b) U_i(b), and r is affine in b, so the Jacobian of the
/// residual feedback, Σ_i U_i v_iᵀ with v_iᵀ b = α s_i·b_{·,1}, has rank n: the stiff mode of rate (2α²/n)λ(H).
/// </summary>
public sealed partial class SpectralModel
{
    private readonly double[] _s;            // n × K_θ residual functionals s_{i,k}
    private readonly double[][] _negSigma;   // per i: −(2α/n) σ(θ_q·x_i) at the nodes
    private readonly double[][][] _negDSigma; // per θ axis j, per i: −(2α/n) x_ij σ'(θ_q·x_i)
    private readonly double[][][] _negDSigmaByI; // the same per i, per θ axis
    private readonly double[] _decay;         // λ(|k| + m) per coefficient
    private readonly double[] _sqrt;          // √m, m = 0..N_u
    private readonly int _n, _d, _nu, _kTheta, _qTheta;
    // Scratch (allocated once): nodal values per u-mode, per-mode buffers of the projections.
    private readonly double[] _nodal;         // N_u × Q_θ scaled nodal values of q
    private readonly double[] _forwardScratch; // N_u × K_1 × Q_2 (d = 2)
    private readonly double[] _forwardInput;   // copy of the coefficients for the per-mode delegates (d = 2)
    private readonly double[][] _cat, _h1, _ab;
    private readonly double[] _negC;
    private readonly double[][] _negDc;
    private readonly List<string> _warnings = [];

    /// <summary>The Hermite–Galerkin discretization of <paramref name="problem"/> with <paramref name="basis"/>.</summary>
    public SpectralModel(Problem problem, SpectralBasis basis)
    {
        if (basis.ThetaDimension != problem.Dimension)
            throw new InputException("solver.basis", $"{basis.ThetaDimension + 1} axes",
                $"the basis needs d + 1 = {problem.Dimension + 1} axes for data of dimension d = {problem.Dimension}");
        Problem = problem;
        Basis = basis;
        _n = problem.SampleCount;
        _d = basis.ThetaDimension;
        _nu = basis.UModes;
        _kTheta = basis.ThetaCount;
        _qTheta = basis.NodeCount;
        _warnings.AddRange(problem.Data.AssumptionWarnings());

        _s = new double[_n * _kTheta];
        for (int i = 0; i < _n; i++) ResidualFunctional(problem, basis, i, _s.AsSpan(i * _kTheta, _kTheta));

        double scale = -2 * problem.Alpha / _n;
        _negSigma = new double[_n][];
        _negDSigma = new double[_d][][];
        for (int j = 0; j < _d; j++) _negDSigma[j] = new double[_n][];
        var dots = new double[_qTheta];
        var tmp = new double[_qTheta];
        Span<double> node = stackalloc double[_d];
        for (int i = 0; i < _n; i++)
        {
            var x = problem.Data.X(i);
            for (int q = 0; q < _qTheta; q++) { NodeCoordinates(q, node); dots[q] = Dot(node, x); }
            _negSigma[i] = new double[_qTheta];
            problem.Activation.Value(dots, _negSigma[i]);
            TensorPrimitives.Multiply(_negSigma[i], scale, _negSigma[i]);
            problem.Activation.D1(dots, tmp);
            for (int j = 0; j < _d; j++)
            {
                _negDSigma[j][i] = new double[_qTheta];
                TensorPrimitives.Multiply(tmp, scale * x[j], _negDSigma[j][i]);
            }
        }
        _negDSigmaByI = Enumerable.Range(0, _n).Select(i => Enumerable.Range(0, _d).Select(j => _negDSigma[j][i]).ToArray()).ToArray();
        _decay = basis.TotalDegree.Select(t => problem.Lambda * t).ToArray();
        _sqrt = Enumerable.Range(0, _nu + 1).Select(m => Math.Sqrt(m)).ToArray();

        _nodal = new double[_nu * _qTheta];
        _forwardScratch = _d == 2 ? new double[_nu * basis.ThetaModes[0] * basis.ThetaNodes[1]] : [];
        _forwardInput = _d == 2 ? new double[Count] : [];
        _cat = new double[_nu][];
        _h1 = new double[_nu][];
        _ab = new double[_nu][];
        for (int m = 0; m < _nu; m++)
        {
            _cat[m] = new double[2 * _qTheta];
            _h1[m] = _d == 2 ? new double[_qTheta] : [];
            _ab[m] = _d == 2 ? new double[2 * basis.ThetaNodes[0] * basis.ThetaModes[1]] : [];
        }
        _rhsMode = RhsMode;
        _jacobianMode = JacobianMode;
        _forwardMode = ForwardMode;
        _negC = new double[_qTheta];
        _negDc = new double[_d][];
        for (int j = 0; j < _d; j++) _negDc[j] = new double[_qTheta];
    }

    /// <summary>The problem.</summary>
    public Problem Problem { get; }
    /// <summary>The modes per axis.</summary>
    public SpectralBasis Basis { get; }

    /// <summary>Warnings found while setting up (Assumption 4.1 violations), for the log.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Adds a warning about this model's run (once).</summary>
    internal void Warn(string warning)
    {
        if (!_warnings.Contains(warning)) _warnings.Add(warning);
    }

    /// <summary>Number of coefficients.</summary>
    public int Count => Basis.Count;

    /// <summary>s_{i,k} = E[σ(θ·x_i) ψ_k(θ)] (row i of length K_θ): r_i = α s_i·b_{·,1} − y_i.</summary>
    internal ReadOnlySpan<double> ResidualRow(int i) => _s.AsSpan(i * _kTheta, _kTheta);

    /// <summary>λ(|k| + m): minus the diagonal of the Ornstein–Uhlenbeck part.</summary>
    internal ReadOnlySpan<double> Decay => _decay;

    /// <summary>θ of product node q (row-major over the per-axis nodes).</summary>
    private void NodeCoordinates(int q, Span<double> theta)
    {
        var nodes = Basis.Nodes;
        for (int j = _d - 1; j >= 0; j--)
        {
            int qj = Basis.ThetaNodes[j];
            theta[j] = nodes[j][q % qj];
            q /= qj;
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++) s += a[k] * b[k];
        return s;
    }

    /// <summary>s_{i,k} by the ridge formula s_{i,k} = γ_{|k|}(ρ) √(|k|!/k!) e^k, ρ = |x_i|, e = x_i/ρ.</summary>
    private static void ResidualFunctional(Problem problem, SpectralBasis basis, int i, Span<double> row)
    {
        var x = problem.Data.X(i);
        double rho = Math.Sqrt(Dot(x, x));
        int maxDegree = basis.ThetaModes.Sum() - basis.ThetaDimension + 1;
        var gamma = HermiteFunctions.RidgeCoefficients(problem.Activation, rho, maxDegree);
        var k = new int[basis.ThetaDimension];
        for (int idx = 0; idx < basis.ThetaCount; idx++)
        {
            var (_, kk) = basis.Split(idx);
            int total = kk.Sum();
            double g = gamma[total];
            if (g == 0 || rho == 0) { row[idx] = total == 0 ? g : 0; continue; }
            // log of √(|k|!/k!) |e|^k, sign of e^k.
            double log = 0.5 * MathNet.Numerics.SpecialFunctions.GammaLn(total + 1);
            double sign = 1;
            bool zero = false;
            for (int j = 0; j < kk.Length; j++)
            {
                log -= 0.5 * MathNet.Numerics.SpecialFunctions.GammaLn(kk[j] + 1);
                double e = x[j] / rho;
                if (kk[j] == 0) continue;
                if (e == 0) { zero = true; break; }
                log += kk[j] * Math.Log(Math.Abs(e));
                if (e < 0 && kk[j] % 2 == 1) sign = -sign;
            }
            row[idx] = zero ? 0 : sign * g * Math.Exp(log);
        }
    }

    /// <summary>f(p, x) = α E_p0[u σ(θ·x) q] = α s(x)·b_{·,1} at arbitrary inputs (the same ridge functionals as the residuals).</summary>
    public double[] NetworkOutputs(ReadOnlySpan<double> b, IReadOnlyList<double[]> inputs)
    {
        var f = new double[inputs.Count];
        var row = new double[_kTheta];
        for (int q = 0; q < inputs.Count; q++)
        {
            if (inputs[q].Length != _d) throw new InputException("inputs", $"{inputs[q].Length} coordinates", $"each input needs d = {_d} coordinates");
            var single = new Problem(Problem.Activation, Problem.Alpha, Problem.Lambda, new DataSet([inputs[q]], [0.0]));
            ResidualFunctional(single, Basis, 0, row);
            f[q] = Problem.Alpha * TensorPrimitives.Dot(row, b.Slice(_kTheta, _kTheta));
        }
        return f;
    }

    /// <summary>r_i = α s_i·b_{·,1} − y_i.</summary>
    public void Residuals(ReadOnlySpan<double> b, Span<double> r)
    {
        for (int i = 0; i < _n; i++) r[i] = ResidualFunctionalValue(i, b) - Problem.Data.Yi(i);
    }

    /// <summary>v_iᵀ x = α s_i·x_{·,1}, the linear part of r_i.</summary>
    internal double ResidualFunctionalValue(int i, ReadOnlySpan<double> x) =>
        Problem.Alpha * TensorPrimitives.Dot(ResidualRow(i), x.Slice(_kTheta, _kTheta));

    /// <summary>F(b), the right side of the semi-discrete system.</summary>
    public void Rhs(ReadOnlySpan<double> b, Span<double> f)
    {
        var result = new double[Count];
        Rhs(b, result);
        result.CopyTo(f);
    }

    /// <summary>F(b) into an array (no allocation).</summary>
    internal void Rhs(ReadOnlySpan<double> b, double[] f)
    {
        Span<double> r = stackalloc double[_n];
        Residuals(b, r);
        Forward(b);
        _negC.AsSpan().Clear();
        for (int i = 0; i < _n; i++) TensorPrimitives.MultiplyAdd(_negSigma[i], r[i], _negC, _negC);
        for (int j = 0; j < _d; j++)
        {
            _negDc[j].AsSpan().Clear();
            for (int i = 0; i < _n; i++) TensorPrimitives.MultiplyAdd(_negDSigma[j][i], r[i], _negDc[j], _negDc[j]);
        }
        MinusDecay(b, f);
        _target = f;
        ForModes(_rhsMode);
        _target = null;
    }

    /// <summary>
    /// The columns U_i = ∂F/∂r_i (i = 1..n) of the rank-n feedback Jacobian at b, the residuals r(b), and
    /// F(b) = D b + Σ_i r_i U_i (exact: F is linear in r).
    /// </summary>
    internal void Jacobian(ReadOnlySpan<double> b, double[][] u, double[] f, Span<double> r)
    {
        Residuals(b, r);
        Forward(b);
        _columns = u;
        ForModes(_jacobianMode);
        _columns = null;
        MinusDecay(b, f);
        for (int i = 0; i < _n; i++) TensorPrimitives.MultiplyAdd(u[i], r[i], f, f);
    }

    private void MinusDecay(ReadOnlySpan<double> b, Span<double> f)
    {
        TensorPrimitives.Multiply(b, _decay, f);
        TensorPrimitives.Negate(f, f);
    }

    // The per-mode bodies are cached delegates over these fields, so a step allocates nothing on one thread.
    private double[]? _target;
    private double[][]? _columns;
    private readonly Action<int> _rhsMode, _jacobianMode, _forwardMode;

    private void RhsMode(int m) => Project(m, _negC, _negDc, _target.AsSpan(m * _kTheta, _kTheta), accumulate: true);

    private void JacobianMode(int m)
    {
        for (int i = 0; i < _n; i++) Project(m, _negSigma[i], _negDSigmaByI[i], _columns![i].AsSpan(m * _kTheta, _kTheta), accumulate: false);
    }

    private void ForwardMode(int m)
    {
        var t1 = Basis.Forward[0];
        var t2 = Basis.Forward[1];
        int k1 = t1.Modes, block = k1 * t2.Points;
        var scratch = _forwardScratch.AsSpan(m * block, block);
        MatrixKernels.Multiply(_forwardInput.AsSpan(m * _kTheta, _kTheta), t2.Columns, scratch, k1, t2.Modes, t2.Points, accumulate: false);
        MatrixKernels.Multiply(t1.Rows, scratch, _nodal.AsSpan(m * _qTheta, _qTheta), t1.Points, k1, t2.Points, accumulate: false);
    }

    private void ForModes(Action<int> body)
    {
        if (Parallelism.Threads == 1 || _nu * _qTheta < 4096)
            for (int m = 0; m < _nu; m++) body(m);
        else
            Parallel.For(0, _nu, Parallelism.Options, body);
    }

    /// <summary>Scaled nodal values of every u-mode of q: _nodal[m] = V^{⊗d} b_m.</summary>
    private void Forward(ReadOnlySpan<double> b)
    {
        var basis = Basis;
        if (_d == 1)
        {
            var t = basis.Forward[0];
            MatrixKernels.Multiply(b, t.Columns, _nodal, _nu, t.Modes, t.Points, accumulate: false);
            return;
        }
        b.CopyTo(_forwardInput);
        ForModes(_forwardMode);
    }

    /// <summary>
    /// Mode m of −A_u(c q) − Σ_j A_θj(∂_j c · u q) for the coupling given at the nodes as −c and −∂_j c (from the
    /// nodal values in place): the u-raising needs q_{m−1}, the multiplication by u q_{m−1} and q_{m+1}.
    /// </summary>
    private void Project(int m, double[] negC, double[][] negDc, Span<double> output, bool accumulate)
    {
        var basis = Basis;
        int q = _qTheta;
        var cat = _cat[m];
        ReadOnlySpan<double> below = m > 0 ? _nodal.AsSpan((m - 1) * q, q) : default;
        ReadOnlySpan<double> above = m + 1 < _nu ? _nodal.AsSpan((m + 1) * q, q) : default;
        double sm = _sqrt[m], sp = _sqrt[m + 1];
        if (_d == 1)
        {
            // cat = [√m (−c) q_{m−1} | (−∂c)(√m q_{m−1} + √(m+1) q_{m+1})], projected with [V; Vr].
            var g = cat.AsSpan(0, q);
            var h = cat.AsSpan(q, q);
            UTimes(below, above, sm, sp, h);
            TensorPrimitives.Multiply(h, negDc[0], h);
            if (m > 0) { TensorPrimitives.Multiply(below, negC, g); TensorPrimitives.Multiply(g, sm, g); }
            else g.Clear();
            MatrixKernels.MultiplyRow(cat, basis.StackedRows[0], output, 2 * q, _kTheta, accumulate);
            return;
        }
        int q1 = basis.ThetaNodes[0], q2 = basis.ThetaNodes[1], k1 = basis.ThetaModes[0], k2 = basis.ThetaModes[1];
        var h1 = _h1[m];
        var ab = _ab[m];
        // u q at the nodes into h1, then per row q1: cat row = [√m (−c) q_{m−1} | (−∂_2 c) u q], h1 row = (−∂_1 c) u q.
        UTimes(below, above, sm, sp, h1);
        for (int r = 0; r < q1; r++)
        {
            var uq = h1.AsSpan(r * q2, q2);
            var g = cat.AsSpan(r * 2 * q2, q2);
            var h2 = cat.AsSpan(r * 2 * q2 + q2, q2);
            TensorPrimitives.Multiply(uq, negDc[1].AsSpan(r * q2, q2), h2);
            if (m > 0)
            {
                TensorPrimitives.Multiply(below.Slice(r * q2, q2), negC.AsSpan(r * q2, q2), g);
                TensorPrimitives.Multiply(g, sm, g);
            }
            else g.Clear();
            TensorPrimitives.Multiply(uq, negDc[0].AsSpan(r * q2, q2), uq);
        }
        // Axis 2: ab[0..q1) = cat·[V2; V2r], ab[q1..2q1) = h1·V2; axis 1: out = [V1ᵀ | V1rᵀ]·ab.
        MatrixKernels.Multiply(cat, basis.StackedRows[1], ab.AsSpan(0, q1 * k2), q1, 2 * q2, k2, accumulate: false);
        MatrixKernels.Multiply(h1, basis.Forward[1].Rows, ab.AsSpan(q1 * k2, q1 * k2), q1, q2, k2, accumulate: false);
        MatrixKernels.Multiply(basis.StackedColumns[0], ab, output, k1, 2 * q1, k2, accumulate);
    }

    /// <summary>(u q)_m = √m q_{m−1} + √(m+1) q_{m+1} (missing neighbours are zero).</summary>
    private static void UTimes(ReadOnlySpan<double> below, ReadOnlySpan<double> above, double sm, double sp, Span<double> result)
    {
        if (below.IsEmpty && above.IsEmpty) { result.Clear(); return; }
        if (below.IsEmpty) { TensorPrimitives.Multiply(above, sp, result); return; }
        if (above.IsEmpty) { TensorPrimitives.Multiply(below, sm, result); return; }
        TensorPrimitives.Multiply(below, sm, result);
        TensorPrimitives.MultiplyAdd(above, sp, result, result);
    }

    // ---------------------------------------------------------------------------------------------
    // The initial law

    /// <summary>Above this L²(p0) truncation error of the initial law's expansion the basis is too small.</summary>
    public const double InitialTruncationTolerance = 1e-8;

    /// <summary>
    /// The coefficients of the problem's initial law: e_0 for p0; for a Gaussian N(μ, Σ) the exact recursion of
    /// <see cref="GaussianCoefficients"/>, truncated. Throws (key solver.basis, or problem.initial.covariance when
    /// p/p0 ∉ L²(p0)) when the truncation error ‖q − P_N q‖_{L²(p0)} exceeds <see cref="InitialTruncationTolerance"/>;
    /// the error is estimated as the L²(p0) norm of the coefficients of the basis doubled on every axis that lie
    /// outside the basis, plus the part of the closed form 1 + χ²(p‖p0) that the doubled basis misses.
    /// </summary>
    public double[] InitialCoefficients() => InitialCoefficients(out _);

    /// <summary>The coefficients of the initial law, with the L²(p0) norm of what the basis truncates (refused when too large).</summary>
    public double[] InitialCoefficients(out double truncationError) => InitialCoefficients(out truncationError, enforce: true);

    /// <summary>As above; with <paramref name="enforce"/> false a truncation above the tolerance is returned, not refused (convergence studies).</summary>
    internal double[] InitialCoefficients(out double truncationError, bool enforce)
    {
        var b = new double[Count];
        truncationError = 0;
        if (Problem.Initial.IsStandard) { b[0] = 1; return b; }
        var law = Problem.Initial.ToGaussian();
        if (!double.IsFinite(GaussianCoefficients.SquaredNorm(law)))
        {
            var eig = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(law.Covariance).Evd().EigenValues.Select(e => e.Real).Max();
            throw new InputException("problem.initial.covariance", string.Create(CultureInfo.InvariantCulture, $"largest eigenvalue {eig:G6}"),
                "the spectral solver expands p/p0 in L²(p0), which needs every eigenvalue of the initial covariance below 2 (then ∫p²/p0 is finite); use solver.kind = finiteVolume for this law");
        }
        b = GaussianExpansion(law, out truncationError);
        if (enforce && truncationError > InitialTruncationTolerance)
            throw new InputException("solver.basis", Basis.ToString(), string.Create(CultureInfo.InvariantCulture,
                $"a basis too small for the initial law: its Hermite expansion is truncated with an L²(p0) error of {truncationError:G3} (more than {InitialTruncationTolerance:G1}); use more modes (e.g. {string.Join("x", Basis.Modes.Select(m => 2 * m))})"));
        return b;
    }

    /// <summary>
    /// The coefficients of p/p0 for a Gaussian p (axes θ_1..θ_d, u; every covariance eigenvalue below 2) inside the basis,
    /// and the L²(p0) norm of those outside it (the coefficients of the basis doubled per axis that lie outside, plus
    /// what the closed-form 1 + χ²(p‖p0) says is beyond, where that is above round-off).
    /// </summary>
    public double[] GaussianExpansion(Numerics.GaussianLaw law, out double truncationError)
    {
        var b = new double[Count];
        double total = GaussianCoefficients.SquaredNorm(law);
        var modes = Basis.Modes; // θ_1..θ_d, u: the law's axis order
        var doubled = modes.Select(m => 2 * m).ToArray();
        var ext = GaussianCoefficients.Compute(law, doubled);
        int dim = modes.Length;
        var k = new int[dim];
        double inside = 0, outside = 0;
        for (int idx = 0; idx < ext.Length; idx++)
        {
            int rest = idx;
            for (int j = dim - 1; j >= 0; j--) { k[j] = rest % doubled[j]; rest /= doubled[j]; }
            double v = ext[idx];
            bool within = true;
            for (int j = 0; j < dim; j++) within &= k[j] < modes[j];
            if (within)
            {
                b[Basis.Index(k[dim - 1], k.AsSpan(0, dim - 1))] = v;
                inside += v * v;
            }
            else outside += v * v;
        }
        double missed = total - (inside + outside);
        double noise = 64 * Math.Pow(2, -52) * total; // round-off of the closed form minus the sums
        truncationError = Math.Sqrt(outside + (missed > noise ? missed : 0));
        return b;
    }
}
