using System.Globalization;
using System.Text;
using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Tests.Particles;

/// <summary>
/// The weak error of Euler–Maruyama is O(η) (DESIGN.md §2). For the linear activation (and OU, α = 0) the
/// m → ∞ law of the scheme is Gaussian with moments given exactly by the discrete recursion
/// <see cref="GaussianMoments.EulerMaruyama"/>; for OU it is the AR(1) law with stationary variance
/// 2λη/(1 − (1 − λη)²) = 1/(1 − λη/2). So the bias is known exactly, and the particles must show it.
/// </summary>
public class EtaBiasTests
{
    private static readonly double[] Steps = [0.2, 0.1, 0.05, 0.025];

    [TestCase(0.0), TestCase(1.0)]
    public void BiasShrinksLinearlyInEta(double alpha)
    {
        // λ = 1 and t = 1: a bias ~ λη/2 well above the standard errors of m = 10^6 particles (~1.5e-3).
        var problem = new Problem(Activation.Linear, alpha, 1.0, DataSet.Default,
            InitialLaw.Gaussian([0.8, -0.5], new[,] { { 0.6, 0.2 }, { 0.2, 1.5 } }));
        const double t = 1;
        const int m = 1_000_000;
        var ode = new GaussianMomentOde(problem).At(t);
        var exact = Flatten(ode.Mean, ode.Covariance);

        // The observable: the moment with the largest exact bias at the smallest η (chosen from the exact law).
        var emSmall = Flatten(GaussianMoments.EulerMaruyama(problem, Steps[^1], (long)Math.Round(t / Steps[^1])));
        int q = Enumerable.Range(0, exact.Length).MaxBy(i => Math.Abs(emSmall[i] - exact[i]));

        var log = new StringBuilder();
        var logEta = new double[Steps.Length];
        var exactBias = new double[Steps.Length];
        var measured = new double[Steps.Length];
        var measuredSe = new double[Steps.Length];
        for (int s = 0; s < Steps.Length; s++)
        {
            double eta = Steps[s];
            var system = new ParticleSystem(problem, m, eta, seed: 3);
            system.AdvanceTo(t);
            var em = GaussianMoments.EulerMaruyama(problem, eta, system.Steps);
            var check = new MomentCheck(system);
            var (worst, table) = check.Compare(em.Mean, em.Covariance);
            // The particles follow the exact law of the scheme, bias included.
            Assert.That(worst, Is.LessThan(4), $"η = {eta}: particles vs the exact Euler–Maruyama law\n{table}");
            var sample = Flatten(check.Mean, check.Covariance);
            var se = Flatten(check.MeanError, check.CovarianceError);
            logEta[s] = Math.Log(eta);
            exactBias[s] = Flatten(em)[q] - exact[q];
            measured[s] = sample[q] - exact[q];
            measuredSe[s] = se[q];
            log.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"η = {eta}: exact bias {exactBias[s]:E3}, measured {measured[s]:E3} ± {measuredSe[s]:E2}"));
        }

        // Exact slope (a property of the scheme): 1 up to the O(η²) terms.
        double exactSlope = Slope(logEta, exactBias.Select(b => Math.Log(Math.Abs(b))).ToArray(), out _);
        Assert.That(exactSlope, Is.EqualTo(1).Within(0.1), log.ToString());

        // Measured slope, with its standard error propagated from the sample standard errors
        // (δ log b = δb / b); it must agree with the exact slope within 4 of them, and the test must have
        // the power to tell slope 1 from slope 0.5 or 2 (SE < 0.1).
        Assert.That(measured.Zip(measuredSe).All(p => Math.Abs(p.First) > 4 * p.Second), Is.True,
            $"every bias must be resolved above 4 SE\n{log}");
        double slope = Slope(logEta, measured.Select(b => Math.Log(Math.Abs(b))).ToArray(), out var weights);
        double slopeSe = Math.Sqrt(weights.Select((w, s) => w * w * Math.Pow(measuredSe[s] / measured[s], 2)).Sum());
        log.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"moment #{q}: exact slope {exactSlope:F3}, measured slope {slope:F3} ± {slopeSe:F3}"));
        TestContext.Out.WriteLine(log.ToString());
        Assert.That(slopeSe, Is.LessThan(0.1), log.ToString());
        Assert.That(slope, Is.EqualTo(exactSlope).Within(4 * slopeSe), log.ToString());
    }

    // OU stationary variance of the scheme: the AR(1) recursion v ← (1 − λη)² v + 2λη has the fixed point
    // 2λη / (1 − (1 − λη)²); after 40/(λη) steps the particles sit there (ρ^{2k} ≈ e^{−80}), within 4 SE.
    [TestCase(0.2), TestCase(0.5)]
    public void OrnsteinUhlenbeckStationaryVarianceIsTheAr1Value(double lambdaEta)
    {
        const double lambda = 1;
        var problem = new Problem(Activation.Linear, 0, lambda, DataSet.Default);
        double eta = lambdaEta / lambda;
        var system = new ParticleSystem(problem, 200_000, eta, seed: 4);
        system.Advance((long)(40 / lambdaEta));
        double v = 2 * lambda * eta / (1 - (1 - lambda * eta) * (1 - lambda * eta));
        var check = new MomentCheck(system);
        var (worst, table) = check.Compare([0, 0], new[,] { { v, 0 }, { 0, v } });
        Assert.That(worst, Is.LessThan(4), $"AR(1) variance {v}\n{table}");
    }

    private static double[] Flatten((double[] Mean, double[,] Covariance) law) => Flatten(law.Mean, law.Covariance);

    private static double[] Flatten(double[] mean, double[,] cov)
    {
        var list = new List<double>(mean);
        for (int k = 0; k < mean.Length; k++)
            for (int l = 0; l <= k; l++) list.Add(cov[k, l]);
        return [.. list];
    }

    /// <summary>Least-squares slope Σ w_s y_s with w_s = (x_s − x̄)/Σ(x − x̄)².</summary>
    internal static double Slope(double[] x, double[] y, out double[] weights)
    {
        double mx = x.Average(), sxx = x.Sum(v => (v - mx) * (v - mx));
        weights = x.Select(v => (v - mx) / sxx).ToArray();
        double slope = 0;
        for (int s = 0; s < x.Length; s++) slope += weights[s] * y[s];
        return slope;
    }
}
