using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Tests.Particles;

/// <summary>
/// The Euler–Maruyama form of the Gaussian moment dynamics of the linear activation (DESIGN.md §3.2; OU
/// when α = 0): the exact m → ∞ law of the particle scheme with step η. With A = (2α/n) Σ r_i x_i and
/// M = [[λI, A], [Aᵀ, λ]]: μ ← (I − ηM)μ, Σ ← (I − ηM)Σ(I − ηM)ᵀ + 2λη I (the ODE it discretizes,
/// μ' = −Mμ, Σ' = −MΣ − ΣMᵀ + 2λI, is <see cref="ExactSolutions.GaussianMomentOde"/>).
/// </summary>
internal static class GaussianMoments
{
    /// <summary>M(μ, Σ) for the linear activation.</summary>
    public static double[,] Drift(Problem p, double[] mu, double[,] sigma)
    {
        int d = p.Dimension, n = p.SampleCount, dim = d + 1;
        var a = new double[d];
        for (int i = 0; i < n; i++)
        {
            double f = 0;
            var x = p.Data.X(i);
            for (int k = 0; k < d; k++) f += (sigma[k, d] + mu[k] * mu[d]) * x[k];
            double r = p.Alpha * f - p.Data.Yi(i);
            for (int k = 0; k < d; k++) a[k] += 2 * p.Alpha / n * r * x[k];
        }
        var m = new double[dim, dim];
        for (int k = 0; k < dim; k++) m[k, k] = p.Lambda;
        for (int k = 0; k < d; k++) { m[k, d] = a[k]; m[d, k] = a[k]; }
        return m;
    }

    /// <summary>Residuals r_i = α E[uθ]·x_i − y_i of the Gaussian with these moments.</summary>
    public static double[] Residuals(Problem p, double[] mu, double[,] sigma)
    {
        int d = p.Dimension;
        var r = new double[p.SampleCount];
        for (int i = 0; i < r.Length; i++)
        {
            double f = 0;
            var x = p.Data.X(i);
            for (int k = 0; k < d; k++) f += (sigma[k, d] + mu[k] * mu[d]) * x[k];
            r[i] = p.Alpha * f - p.Data.Yi(i);
        }
        return r;
    }

    /// <summary>The exact law of the Euler–Maruyama scheme in the mean-field limit after <paramref name="steps"/> steps.</summary>
    public static (double[] Mean, double[,] Covariance) EulerMaruyama(Problem p, double eta, long steps)
    {
        int dim = p.Dimension + 1;
        var mu = (double[])p.Initial.Mean.Clone();
        var sigma = (double[,])p.Initial.Covariance.Clone();
        for (long s = 0; s < steps; s++)
        {
            var m = Drift(p, mu, sigma);
            var b = new double[dim, dim];
            for (int k = 0; k < dim; k++)
            for (int l = 0; l < dim; l++)
                b[k, l] = (k == l ? 1 : 0) - eta * m[k, l];
            var newMu = new double[dim];
            for (int k = 0; k < dim; k++)
            for (int l = 0; l < dim; l++)
                newMu[k] += b[k, l] * mu[l];
            var bs = new double[dim, dim];
            for (int k = 0; k < dim; k++)
            for (int l = 0; l < dim; l++)
            for (int q = 0; q < dim; q++)
                bs[k, l] += b[k, q] * sigma[q, l];
            var newSigma = new double[dim, dim];
            for (int k = 0; k < dim; k++)
            for (int l = 0; l < dim; l++)
            {
                for (int q = 0; q < dim; q++) newSigma[k, l] += bs[k, q] * b[l, q];
                if (k == l) newSigma[k, l] += 2 * p.Lambda * eta;
            }
            mu = newMu;
            sigma = newSigma;
        }
        return (mu, sigma);
    }
}
