using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.ExactSolutions;

/// <summary>
/// The exact Gaussian solutions (docs/mathematics.md, Exact solutions). When Ψ is quadratic (α = 0, or the linear
/// activation) a Gaussian stays Gaussian: μ' = −Mμ, Σ' = −MΣ − ΣMᵀ + 2λI with M = [[λI_d, A],[Aᵀ, λ]],
/// A = (2α/n) Σ r_i x_i and r_i = α E[uθ]·x_i − y_i, E[uθ] = Σ_{θu} + μ_θ μ_u.
/// The ODE is integrated by Dormand–Prince 5(4) at rtol 1e-13; α = 0 also has the closed form
/// (<see cref="OrnsteinUhlenbeck"/>) that tests compare it with.
/// </summary>
public sealed class GaussianMomentOde
{
    private readonly Problem _problem;
    private readonly int _dim;

    /// <summary>The moment equations of <paramref name="problem"/> (linear activation, Gaussian initial law).</summary>
    public GaussianMomentOde(Problem problem)
    {
        if (problem.Alpha != 0 && problem.Activation != Activation.Linear)
            throw new InputException("problem.activation", problem.Activation.Name,
                "the Gaussian moment ODE is exact only for α = 0 or the linear activation");
        _problem = problem;
        _dim = problem.Dimension + 1;
    }

    /// <summary>The Gaussian N(μ(t), Σ(t)) started from the problem's initial law.</summary>
    /// <param name="t">The time.</param>
    /// <param name="rtol">Relative tolerance per step of the Dormand–Prince integration (its accuracy tests vary it).</param>
    public GaussianLaw At(double t, double rtol = 1e-13)
    {
        var y0 = Pack(_problem.Initial.Mean, _problem.Initial.Covariance);
        var y = DormandPrince.Integrate(Rhs, y0, 0, t, rtol);
        var (mu, sigma) = Unpack(y);
        return new GaussianLaw(mu, sigma);
    }

    /// <summary>Residuals r_i = α E[uθ]·x_i − y_i of a Gaussian.</summary>
    public double[] Residuals(GaussianLaw g)
    {
        var r = new double[_problem.SampleCount];
        Residuals(g.Mean, g.Covariance, r);
        return r;
    }

    private void Residuals(double[] mu, double[,] sigma, double[] r)
    {
        int d = _problem.Dimension;
        for (int i = 0; i < r.Length; i++)
        {
            var x = _problem.Data.X(i);
            double s = 0;
            for (int k = 0; k < d; k++) s += (sigma[k, d] + mu[k] * mu[d]) * x[k];
            r[i] = _problem.Alpha * s - _problem.Data.Yi(i);
        }
    }

    private void Rhs(double t, double[] y, double[] dy)
    {
        var (mu, sigma) = Unpack(y);
        int d = _problem.Dimension, n = _problem.SampleCount, D = _dim;
        double lambda = _problem.Lambda;
        var r = new double[n];
        Residuals(mu, sigma, r);
        var a = new double[d];
        for (int i = 0; i < n; i++)
        {
            var x = _problem.Data.X(i);
            for (int k = 0; k < d; k++) a[k] += 2 * _problem.Alpha / n * r[i] * x[k];
        }
        var m = new double[D, D];
        for (int k = 0; k < D; k++) m[k, k] = lambda;
        for (int k = 0; k < d; k++) { m[k, d] = a[k]; m[d, k] = a[k]; }
        var dmu = new double[D];
        var dsigma = new double[D, D];
        for (int i = 0; i < D; i++)
        {
            double s = 0;
            for (int j = 0; j < D; j++) s += m[i, j] * mu[j];
            dmu[i] = -s;
        }
        for (int i = 0; i < D; i++)
            for (int j = 0; j < D; j++)
            {
                double s = 0;
                for (int k = 0; k < D; k++) s += m[i, k] * sigma[k, j] + sigma[i, k] * m[j, k];
                dsigma[i, j] = -s + (i == j ? 2 * lambda : 0);
            }
        var packed = Pack(dmu, dsigma);
        Array.Copy(packed, dy, packed.Length);
    }

    private double[] Pack(double[] mu, double[,] sigma)
    {
        var y = new double[_dim + _dim * _dim];
        Array.Copy(mu, y, _dim);
        for (int i = 0; i < _dim; i++)
            for (int j = 0; j < _dim; j++) y[_dim + i * _dim + j] = sigma[i, j];
        return y;
    }

    private (double[] Mu, double[,] Sigma) Unpack(double[] y)
    {
        var mu = y[.._dim];
        var sigma = new double[_dim, _dim];
        for (int i = 0; i < _dim; i++)
            for (int j = 0; j < _dim; j++) sigma[i, j] = 0.5 * (y[_dim + i * _dim + j] + y[_dim + j * _dim + i]);
        return (mu, sigma);
    }

    /// <summary>Closed form for α = 0: μ(t) = μ0 e^{−λt}, Σ(t) = Σ0 e^{−2λt} + (1 − e^{−2λt}) I.</summary>
    public static GaussianLaw OrnsteinUhlenbeck(InitialLaw initial, double lambda, double t)
    {
        int dim = initial.Dimension;
        double e1 = Math.Exp(-lambda * t), e2 = Math.Exp(-2 * lambda * t);
        var mu = initial.Mean.Select(m => m * e1).ToArray();
        var sigma = new double[dim, dim];
        for (int i = 0; i < dim; i++)
            for (int j = 0; j < dim; j++)
                sigma[i, j] = initial.Covariance[i, j] * e2 + (i == j ? 1 - e2 : 0);
        return new GaussianLaw(mu, sigma);
    }
}
