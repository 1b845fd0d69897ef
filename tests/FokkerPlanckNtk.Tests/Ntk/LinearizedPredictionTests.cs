using System.Globalization;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Ntk;

namespace FokkerPlanckNtk.Tests.Ntk;

public class LinearizedPredictionTests
{
    // p0: E[u | θ] = 0, so f(p0, ·) = 0 and r(0) = −y exactly.
    [Test]
    public void StartsAtMinusYForTheReferenceLaw()
    {
        var ntk = LinearizedPrediction.ForProblem(Problem.Default);
        Assert.That(ntk.Residuals(0), Is.EqualTo(Problem.Default.Data.Y.ToArray().Select(v => -v).ToArray()).Within(1e-15));
        Assert.That(ntk.Loss(0), Is.EqualTo(Problem.Default.Data.Y.ToArray().Sum(v => v * v) / 4).Within(1e-15));
    }

    // Independent method: classical RK4 on dr/dt = −(2α²/n) H r. With the stiffest rate k = (2α²/n) λ_max ≈ 3.8
    // and dt = 5e-4, the RK4 global error is ~ T (k dt)⁴ k / 120 ≈ 1e-13.
    [Test]
    public void EigenDecompositionMatchesRungeKutta()
    {
        var p = Problem.Default;
        var ntk = LinearizedPrediction.ForProblem(p);
        var h = ntk.Kernel;
        int n = h.Size;
        double scale = 2 * p.Alpha * p.Alpha / n, dt = 5e-4;
        var r = ntk.Residuals(0);
        double[] F(double[] v) => h.Multiply(v).Select(x => -scale * x).ToArray();
        for (int k = 1; k <= 6000; k++)
        {
            var k1 = F(r);
            var k2 = F(r.Select((v, i) => v + 0.5 * dt * k1[i]).ToArray());
            var k3 = F(r.Select((v, i) => v + 0.5 * dt * k2[i]).ToArray());
            var k4 = F(r.Select((v, i) => v + dt * k3[i]).ToArray());
            r = r.Select((v, i) => v + dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])).ToArray();
            if (k % 2000 == 0)
            {
                double t = k * dt;
                Assert.That(ntk.Residuals(t), Is.EqualTo(r).Within(1e-12), $"t = {t}");
                Assert.That(ntk.Loss(t), Is.EqualTo(r.Sum(v => v * v) / n).Within(1e-14));
            }
        }
    }

    // A general Gaussian initial law with linear σ: f(p, x) = α E[u θ]·x = α (Σ_θu + μ_θ μ_u)·x in closed form;
    // the θ-quadrature with conditional u-means is exact for this degree-2 integrand (round-off tolerance).
    [Test]
    public void InitialResidualsOfAGaussianLawMatchClosedForm()
    {
        var data = new DataSet([[0.6, 0.8], [1.0, 0.0], [-0.3, 0.5]], [0.5, -0.2, 0.1]);
        double[] mean = [0.3, -0.2, 0.5];
        double[,] cov = { { 1.2, 0.3, 0.4 }, { 0.3, 0.8, -0.2 }, { 0.4, -0.2, 1.5 } };
        var p = new Problem(Activation.Linear, 1.7, 0.1, data, InitialLaw.Gaussian(mean, cov));
        var r0 = LinearizedPrediction.InitialResidualsByQuadrature(p);
        for (int i = 0; i < 3; i++)
        {
            var x = data.X(i);
            double f = 0;
            for (int k = 0; k < 2; k++) f += (cov[k, 2] + mean[k] * mean[2]) * x[k];
            Assert.That(r0[i], Is.EqualTo(1.7 * f - data.Yi(i)).Within(1e-14));
        }
    }
}
