using FokkerPlanckNtk.Model;
using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Ntk;

/// <summary>
/// Expectations under a Gaussian law of z = (θ, u) with d-dimensional Gauss–Hermite quadrature in θ only:
/// u given θ is Gaussian with mean m(θ) = μ_u + b·(θ − μ_θ), b = Σ_θθ⁻¹ Σ_θu, and variance
/// s² = Σ_uu − Σ_uθ b, so E[u g(θ)] and E[u² g(θ)] reduce to θ-integrals of m(θ) g and (m² + s²) g.
/// </summary>
internal sealed class GaussianLawQuadrature(QuadratureRule theta, double[] conditionalMean, double conditionalVariance)
{
    /// <summary>Nodes θ_q and weights (summing to 1) for the θ-marginal.</summary>
    public QuadratureRule Theta { get; } = theta;

    /// <summary>E[u | θ_q].</summary>
    public double[] ConditionalMean { get; } = conditionalMean;

    /// <summary>Var(u | θ) (the same for every θ).</summary>
    public double ConditionalVariance { get; } = conditionalVariance;

    public static GaussianLawQuadrature Create(InitialLaw law, int order)
    {
        int d = law.Dimension - 1;
        var standard = GaussHermite.Normal(order, d);
        if (law.IsStandard)
            return new GaussianLawQuadrature(standard, new double[standard.Count], 1);
        var cov = Matrix<double>.Build.DenseOfArray(law.Covariance);
        var sTT = cov.SubMatrix(0, d, 0, d);
        var sTU = cov.SubMatrix(0, d, d, 1).Column(0);
        var chol = sTT.Cholesky();
        var b = chol.Solve(sTU);
        double s2 = Math.Max(0, cov[d, d] - sTU.DotProduct(b));
        var theta = standard.Affine(law.Mean.AsSpan(0, d), chol.Factor.ToArray());
        var mean = new double[theta.Count];
        for (int q = 0; q < theta.Count; q++)
        {
            var node = theta.Node(q);
            double m = law.Mean[d];
            for (int k = 0; k < d; k++) m += b[k] * (node[k] - law.Mean[k]);
            mean[q] = m;
        }
        return new GaussianLawQuadrature(theta, mean, s2);
    }
}
