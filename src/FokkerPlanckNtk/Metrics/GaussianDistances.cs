using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// Closed forms between Gaussians N1 = N(μ1, Σ1) and N2 = N(μ2, Σ2) in R^k, δ = μ1 − μ2:
/// KL(N1‖N2) = ½[tr(Σ2⁻¹Σ1) + δᵀΣ2⁻¹δ − k + log det Σ2 − log det Σ1];
/// χ²(N1‖N2) = det Σ2 / sqrt(det Σ1 · det(2Σ2 − Σ1)) · exp(δᵀ(2Σ2 − Σ1)⁻¹δ) − 1, finite iff 2Σ2 − Σ1 ≻ 0;
/// W2² = |δ|² + tr(Σ1 + Σ2 − 2(Σ2^½ Σ1 Σ2^½)^½) (Bures).
/// </summary>
public static class GaussianDistances
{
    /// <summary>KL(p‖q) in closed form.</summary>
    public static double KullbackLeibler(GaussianLaw p, GaussianLaw q)
    {
        var (s1, s2, delta) = Unpack(p, q);
        var chol2 = s2.Cholesky();
        double trace = chol2.Solve(s1).Trace();
        double quad = delta.DotProduct(chol2.Solve(delta));
        return 0.5 * (trace + quad - p.Dimension + q.LogDeterminant - p.LogDeterminant);
    }

    /// <summary>χ²(p‖q); +∞ when 2Σ_q − Σ_p is not positive definite (the integral ∫p²/q diverges).</summary>
    public static double ChiSquared(GaussianLaw p, GaussianLaw q)
    {
        var (s1, s2, delta) = Unpack(p, q);
        var a = 2 * s2 - s1;
        var evd = a.Evd(Symmetricity.Symmetric);
        double logDetA = 0;
        foreach (var lambda in evd.EigenValues)
        {
            if (!(lambda.Real > 0)) return double.PositiveInfinity;
            logDetA += Math.Log(lambda.Real);
        }
        double quad = delta.DotProduct(a.Cholesky().Solve(delta));
        double log = q.LogDeterminant - 0.5 * (p.LogDeterminant + logDetA) + quad;
        return double.IsFinite(log) ? Math.Exp(log) - 1 : double.PositiveInfinity;
    }

    /// <summary>W2²(p, q) (Bures formula).</summary>
    public static double W2Squared(GaussianLaw p, GaussianLaw q)
    {
        var (s1, s2, delta) = Unpack(p, q);
        var root2 = SymmetricSqrt(s2);
        var m = root2 * s1 * root2;
        double crossTrace = 0;
        foreach (var lambda in m.Add(m.Transpose()).Divide(2).Evd(Symmetricity.Symmetric).EigenValues)
            crossTrace += Math.Sqrt(Math.Max(lambda.Real, 0));
        return Math.Max(0, delta.DotProduct(delta) + s1.Trace() + s2.Trace() - 2 * crossTrace);
    }

    /// <summary>W2(p, q).</summary>
    public static double W2(GaussianLaw p, GaussianLaw q) => Math.Sqrt(W2Squared(p, q));

    /// <summary>S^½ of a symmetric positive semidefinite S via its eigendecomposition (negative round-off clamped to 0).</summary>
    public static Matrix<double> SymmetricSqrt(Matrix<double> s)
    {
        var evd = s.Add(s.Transpose()).Divide(2).Evd(Symmetricity.Symmetric);
        var v = evd.EigenVectors;
        var d = Matrix<double>.Build.DiagonalOfDiagonalArray(evd.EigenValues.Select(l => Math.Sqrt(Math.Max(l.Real, 0))).ToArray());
        return v * d * v.Transpose();
    }

    private static (Matrix<double> S1, Matrix<double> S2, Vector<double> Delta) Unpack(GaussianLaw p, GaussianLaw q)
    {
        if (p.Dimension != q.Dimension)
            throw new InputException("q.dimension", q.Dimension, $"must equal the dimension of p ({p.Dimension})");
        var s1 = Matrix<double>.Build.DenseOfArray(p.Covariance);
        var s2 = Matrix<double>.Build.DenseOfArray(q.Covariance);
        var delta = Vector<double>.Build.Dense(p.Dimension, i => p.Mean[i] - q.Mean[i]);
        return (s1, s2, delta);
    }
}
