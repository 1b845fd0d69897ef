using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Tests.Particles;

/// <summary>
/// The Gaussian moment dynamics of the linear activation (DESIGN.md §3.2; OU when α = 0), in the
/// continuous form (RK4 on the ODE) and in the Euler–Maruyama form (the exact m → ∞ law of the particle
/// scheme with step η): with A = (2α/n) Σ r_i x_i and M = [[λI, A], [Aᵀ, λ]],
/// ODE: μ' = −Mμ, Σ' = −MΣ − ΣMᵀ + 2λI;  EM: μ ← (I − ηM)μ, Σ ← (I − ηM)Σ(I − ηM)ᵀ + 2λη I.
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

    /// <summary>Classical RK4 with <paramref name="steps"/> steps (global error O(h⁴): 1e-4 gives ~1e-16).</summary>
    public static (double[] Mean, double[,] Covariance) Ode(Problem p, double t, int steps = 10000)
    {
        int dim = p.Dimension + 1, size = dim + dim * dim;
        var y = Pack(p.Initial.Mean, p.Initial.Covariance);
        double h = t / steps;
        var k1 = new double[size]; var k2 = new double[size]; var k3 = new double[size]; var k4 = new double[size];
        var tmp = new double[size];
        for (int s = 0; s < steps; s++)
        {
            Rhs(p, y, k1);
            for (int q = 0; q < size; q++) tmp[q] = y[q] + h / 2 * k1[q];
            Rhs(p, tmp, k2);
            for (int q = 0; q < size; q++) tmp[q] = y[q] + h / 2 * k2[q];
            Rhs(p, tmp, k3);
            for (int q = 0; q < size; q++) tmp[q] = y[q] + h * k3[q];
            Rhs(p, tmp, k4);
            for (int q = 0; q < size; q++) y[q] += h / 6 * (k1[q] + 2 * k2[q] + 2 * k3[q] + k4[q]);
        }
        return Unpack(y, dim);
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

    private static void Rhs(Problem p, double[] y, double[] dy)
    {
        int dim = p.Dimension + 1;
        var (mu, sigma) = Unpack(y, dim);
        var m = Drift(p, mu, sigma);
        for (int k = 0; k < dim; k++)
        {
            double s = 0;
            for (int l = 0; l < dim; l++) s -= m[k, l] * mu[l];
            dy[k] = s;
        }
        for (int k = 0; k < dim; k++)
        for (int l = 0; l < dim; l++)
        {
            double s = k == l ? 2 * p.Lambda : 0;
            for (int q = 0; q < dim; q++) s -= m[k, q] * sigma[q, l] + sigma[k, q] * m[l, q];
            dy[dim + k * dim + l] = s;
        }
    }

    private static double[] Pack(double[] mu, double[,] sigma)
    {
        int dim = mu.Length;
        var y = new double[dim + dim * dim];
        mu.CopyTo(y, 0);
        for (int k = 0; k < dim; k++)
        for (int l = 0; l < dim; l++)
            y[dim + k * dim + l] = sigma[k, l];
        return y;
    }

    private static (double[], double[,]) Unpack(double[] y, int dim)
    {
        var mu = y[..dim];
        var sigma = new double[dim, dim];
        for (int k = 0; k < dim; k++)
        for (int l = 0; l < dim; l++)
            sigma[k, l] = y[dim + k * dim + l];
        return (mu, sigma);
    }
}
