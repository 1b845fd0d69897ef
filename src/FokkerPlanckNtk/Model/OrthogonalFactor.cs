using FokkerPlanckNtk.Metrics;
using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Model;

/// <summary>
/// The law of θ_⊥ = P_⊥θ, the component of θ orthogonal to the data span S (P_⊥ = I − BBᵀ). It never enters
/// σ(θ·x_i), so it is an Ornstein–Uhlenbeck process independent of (θ_S, u): from N(m_⊥, C_⊥) at t = 0,
/// <c>N(m_⊥ e^{−λt}, C_⊥ e^{−2λt} + (1 − e^{−2λt}) I)</c> on S^⊥ (docs/mathematics.md, the model; docs/any-input-dimension.md). With the eigenvalues ν_j of
/// C_⊥ (j = 1..d − k) every quantity is a closed form in t: the covariance's eigenvalues are
/// ν_j(t) = e^{−2λt}ν_j + 1 − e^{−2λt} on fixed eigenvectors.
/// </summary>
public sealed class OrthogonalFactor
{
    private readonly DataSpan _span;
    private readonly double[] _eigenvalues;     // ν_j of C_⊥(0), ascending; all 1 when standard
    private readonly double[] _meanCoefficients; // e_jᵀ m_⊥ in the eigenbasis; all 0 when standard
    private readonly double[]? _eigenvectors;   // (d − k) × d rows e_j ∈ S^⊥ (original coordinates); null when standard

    /// <summary>The factor of the law N(mean, covariance) over (θ_1..θ_d, u), which must factorize over S (checked by
    /// <see cref="ReducedProblem"/>). It counts as standard when ‖P_⊥m‖ and max|P_⊥CP_⊥ − P_⊥| are within
    /// <paramref name="tolerance"/>·max(1, max|C|): then every distance is exactly 0.</summary>
    internal OrthogonalFactor(DataSpan span, InitialLaw initial, double lambda, double tolerance)
    {
        _span = span;
        Lambda = lambda;
        int d = span.AmbientDimension, k = span.Dimension, p = d - k;
        _eigenvalues = Enumerable.Repeat(1.0, p).ToArray();
        _meanCoefficients = new double[p];
        if (p == 0 || initial.IsStandard) { IsStandard = true; return; }

        var mean = Vector<double>.Build.Dense(d, i => initial.Mean[i]);
        var cov = Matrix<double>.Build.Dense(d, d, (i, j) => initial.Covariance[i, j]);
        var perp = Complement(span); // d × p, orthonormal columns spanning S^⊥
        var meanPerp = perp.TransposeThisAndMultiply(mean);
        var covPerp = perp.TransposeThisAndMultiply(cov * perp);
        covPerp = (covPerp + covPerp.Transpose()) / 2;
        double scale = Math.Max(1, cov.Enumerate().Max(Math.Abs));
        double meanSize = meanPerp.AbsoluteMaximum();
        double covSize = (covPerp - Matrix<double>.Build.DenseIdentity(p)).Enumerate().Select(Math.Abs).Max();
        if (meanSize <= tolerance * scale && covSize <= tolerance * scale) { IsStandard = true; return; }

        var evd = covPerp.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, p).OrderBy(j => evd.EigenValues[j].Real).ToArray();
        var vectors = perp * evd.EigenVectors; // d × p, columns e_j
        _eigenvectors = new double[p * d];
        for (int a = 0; a < p; a++)
        {
            int j = order[a];
            _eigenvalues[a] = evd.EigenValues[j].Real;
            double c = 0;
            for (int i = 0; i < d; i++)
            {
                _eigenvectors[a * d + i] = vectors[i, j];
                c += vectors[i, j] * mean[i];
            }
            _meanCoefficients[a] = c;
        }
    }

    /// <summary>d − k.</summary>
    public int Dimension => _eigenvalues.Length;

    /// <summary>λ of the problem.</summary>
    public double Lambda { get; }

    /// <summary>True when θ_⊥ ~ N(0, I) at t = 0 and hence at every t (the case p_0 = p0).</summary>
    public bool IsStandard { get; }

    /// <summary>ν_j, the eigenvalues of the initial covariance C_⊥ on S^⊥, ascending.</summary>
    public IReadOnlyList<double> InitialEigenvalues => _eigenvalues;

    /// <summary>The law at time t of the PDE: mean factor e^{−λt}, covariance e^{−2λt}C_⊥ + (1 − e^{−2λt}) I.</summary>
    public OrthogonalLaw At(double t)
    {
        double decay = Math.Exp(-2 * Lambda * t);
        return new OrthogonalLaw(this, Math.Exp(-Lambda * t), decay, -double.ExpM1(-2 * Lambda * t), standard: IsStandard);
    }

    /// <summary>
    /// The exact law of the θ_⊥ coordinates of the particle scheme after <paramref name="steps"/> Euler–Maruyama
    /// steps of size η: θ_⊥ ← (1 − ηλ)θ_⊥ + √(2λη) ξ_⊥ (the drift has no component off S), hence mean factor
    /// ρ^K and covariance ρ^{2K}C_⊥ + 2(1 − ρ^{2K})/(2 − ηλ) I with ρ = 1 − ηλ. It differs from <see cref="At"/>
    /// at t = Kη by O(η) (the chain's stationary variance is 2/(2 − ηλ), not 1).
    /// </summary>
    public OrthogonalLaw EulerMaruyama(double eta, long steps)
    {
        double rho = 1 - eta * Lambda, rho2k = Math.Pow(rho * rho, steps);
        return new OrthogonalLaw(this, Math.Pow(rho, steps), rho2k, 2 * (1 - rho2k) / (2 - eta * Lambda), standard: false);
    }

    internal DataSpan Span => _span;
    internal ReadOnlySpan<double> MeanCoefficients => _meanCoefficients;
    internal ReadOnlySpan<double> Eigenvector(int j) =>
        _eigenvectors is null ? throw new InvalidOperationException("a standard factor stores no eigenvectors")
            : _eigenvectors.AsSpan(j * _span.AmbientDimension, _span.AmbientDimension);

    /// <summary>An orthonormal basis of S^⊥: the last d − k columns of the full Householder QR of B.</summary>
    private static Matrix<double> Complement(DataSpan span)
    {
        int d = span.AmbientDimension, k = span.Dimension;
        var b = Matrix<double>.Build.Dense(d, k, (i, a) => span.BasisVector(a)[i]);
        var q = b.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Full).Q;
        return q.SubMatrix(0, d, k, d - k);
    }
}

/// <summary>
/// N(μ m_⊥, a C_⊥ + b I) on S^⊥: the ⊥ factor at one time (<see cref="OrthogonalFactor.At"/>) or after some
/// particle steps (<see cref="OrthogonalFactor.EulerMaruyama"/>). Eigenvalues ν_j' = aν_j + b, mean coefficients μ·e_jᵀm_⊥.
/// </summary>
public sealed class OrthogonalLaw
{
    private readonly OrthogonalFactor _factor;
    private readonly double[] _eigenvalues;
    private readonly double[] _meanCoefficients;

    /// <param name="factor">The factor the law belongs to.</param>
    /// <param name="meanFactor">The factor multiplying the initial mean.</param>
    /// <param name="a">The eigenvalue scale a of the covariance (ν' = a ν + b).</param>
    /// <param name="b">The eigenvalue shift b of the covariance.</param>
    /// <param name="standard">The law is N(0, I) exactly (a standard factor under the continuous flow): ν' = 1, not a·1 + b.</param>
    internal OrthogonalLaw(OrthogonalFactor factor, double meanFactor, double a, double b, bool standard)
    {
        _factor = factor;
        _eigenvalues = factor.InitialEigenvalues.Select(v => standard ? 1 : a * v + b).ToArray();
        _meanCoefficients = factor.MeanCoefficients.ToArray().Select(c => meanFactor * c).ToArray();
        IsIsotropic = factor.IsStandard;
        IsStandard = standard;
    }

    /// <summary>d − k.</summary>
    public int Dimension => _eigenvalues.Length;

    /// <summary>The covariance is a multiple of the identity on S^⊥ and the mean is 0 (a standard initial factor).</summary>
    public bool IsIsotropic { get; }

    /// <summary>The law is exactly N(0, I) on S^⊥: every distance to it is 0.</summary>
    public bool IsStandard { get; }

    /// <summary>Eigenvalues of the covariance on S^⊥ (in the order of <see cref="OrthogonalFactor.InitialEigenvalues"/>).</summary>
    public IReadOnlyList<double> Eigenvalues => _eigenvalues;

    /// <summary>The mean in the eigenbasis.</summary>
    public IReadOnlyList<double> MeanCoefficients => _meanCoefficients;

    /// <summary>The mean as a vector of R^d (in S^⊥).</summary>
    public double[] Mean()
    {
        int d = _factor.Span.AmbientDimension;
        var m = new double[d];
        if (IsIsotropic) return m;
        for (int j = 0; j < Dimension; j++)
        {
            var e = _factor.Eigenvector(j);
            for (int i = 0; i < d; i++) m[i] += _meanCoefficients[j] * e[i];
        }
        return m;
    }

    /// <summary>The covariance as a d × d matrix (zero on S): Σ_j ν_j' e_j e_jᵀ, or ν'·(I − BBᵀ) when isotropic.</summary>
    public double[,] Covariance()
    {
        var span = _factor.Span;
        int d = span.AmbientDimension;
        var c = new double[d, d];
        if (Dimension == 0) return c;
        if (IsIsotropic)
        {
            double v = _eigenvalues[0];
            for (int i = 0; i < d; i++) c[i, i] = v;
            for (int a = 0; a < span.Dimension; a++)
            {
                var b = span.BasisVector(a);
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++) c[i, j] -= v * b[i] * b[j];
            }
            return c;
        }
        for (int q = 0; q < Dimension; q++)
        {
            var e = _factor.Eigenvector(q);
            double v = _eigenvalues[q];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) c[i, j] += v * e[i] * e[j];
        }
        return c;
    }

    /// <summary>tr C, tr C², tr C⁴ (for the sampling statistics of a covariance estimate).</summary>
    public (double Trace, double TraceSquare, double TraceFourth) Traces() =>
        (_eigenvalues.Sum(), _eigenvalues.Sum(v => v * v), _eigenvalues.Sum(v => v * v * v * v));

    /// <summary>
    /// KL, χ² and W2² against N(0, I) on S^⊥, in the eigenbasis (ν = 1 + ε, c the mean coefficients):
    /// KL = ½ Σ (ε − log(1 + ε)) + ½ Σ c²; log(1 + χ²) = −½ Σ log(1 − ε²) + Σ c²/(1 − ε) (χ² = ∞ once some ν ≥ 2);
    /// W2² = Σ c² + Σ (√ν − 1)² — the Gaussian closed forms of <see cref="GaussianDistances"/> for a diagonal
    /// covariance, written with log1p/expm1 so that a factor near N(0, I) keeps its relative accuracy.
    /// Exactly 0 for a standard factor.
    /// </summary>
    public FactorDistances DistancesToStandard()
    {
        if (IsStandard) return FactorDistances.Zero;
        double kl = 0, logChi = 0, w2 = 0;
        bool chiFinite = true;
        for (int j = 0; j < Dimension; j++)
        {
            double v = _eigenvalues[j], eps = v - 1, c2 = _meanCoefficients[j] * _meanCoefficients[j];
            kl += 0.5 * (eps - double.LogP1(eps) + c2);
            if (v < 2) logChi += -0.5 * double.LogP1(-eps * eps) + c2 / (1 - eps);
            else chiFinite = false;
            double root = eps / (Math.Sqrt(v) + 1); // √ν − 1 without cancellation
            w2 += c2 + root * root;
        }
        return new FactorDistances(kl, chiFinite ? double.ExpM1(logChi) : double.PositiveInfinity, w2);
    }
}
