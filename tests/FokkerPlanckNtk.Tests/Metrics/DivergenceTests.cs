using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Numerics;

namespace FokkerPlanckNtk.Tests.Metrics;

public class DivergenceTests
{
    // Hand computation on two cells: KL = V Σ p log(p/q), χ² = V Σ (p−q)²/q; exact up to round-off.
    [Test]
    public void SmallCaseMatchesHandComputation()
    {
        double[] p = [0.5, 1.5], q = [1, 1];
        Assert.That(Divergences.KullbackLeibler(p, q, 0.5), Is.EqualTo(0.5 * (0.5 * Math.Log(0.5) + 1.5 * Math.Log(1.5))).Within(1e-16));
        Assert.That(Divergences.ChiSquared(p, q, 0.5), Is.EqualTo(0.25).Within(1e-16));
        Assert.That(Divergences.KullbackLeibler(q, q, 0.5), Is.Zero);
        Assert.That(Divergences.ChiSquared(q, q, 0.5), Is.Zero);
    }

    // 0 log 0 = 0 and 0/0 = 0 for empty cells; +∞ (not NaN) where q = 0 < p.
    [Test]
    public void ZeroConventions()
    {
        double[] p = [0, 2, 0], q = [1, 1, 0];
        Assert.That(Divergences.KullbackLeibler(p, q, 0.5), Is.EqualTo(Math.Log(2)).Within(1e-16));
        Assert.That(Divergences.ChiSquared(p, q, 0.5), Is.EqualTo(0.5 * (1 + 1)).Within(1e-16));
        double[] r = [0.5, 0.5, 1];
        Assert.That(Divergences.KullbackLeibler(r, q, 1), Is.EqualTo(double.PositiveInfinity));
        Assert.That(Divergences.ChiSquared(r, q, 1), Is.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void BadInputIsNamed()
    {
        double[] q = [1, 1];
        Assert.That(() => Divergences.KullbackLeibler([1, -1], q, 1),
            Throws.TypeOf<InputException>().With.Message.StartsWith("p[1] = -1"));
        Assert.That(() => Divergences.ChiSquared([1, 1], [double.NaN, 1], 1),
            Throws.TypeOf<InputException>().With.Message.StartsWith("q[0] = NaN"));
        Assert.That(() => Divergences.ChiSquared([1, 1], [1], 1),
            Throws.TypeOf<InputException>().With.Message.StartsWith("q = 1 values"));
        Assert.That(() => Divergences.KullbackLeibler(q, q, 0), Throws.TypeOf<InputException>().With.Message.StartsWith("cellVolume"));
    }

    private static readonly GaussianLaw P = new([0.3, -0.2], new[,] { { 1.2, 0.4 }, { 0.4, 0.8 } });
    private static readonly GaussianLaw Q = new([0.0, 0.1], new[,] { { 1.0, -0.2 }, { -0.2, 1.1 } });

    // The grid sums are midpoint quadratures of Gaussian-type integrands over a box (±20) that truncates
    // below round-off. For such integrands the midpoint rule converges exponentially in 1/h² (Poisson
    // summation); measured errors: h = 1 → 2.6e-7 (KL), 1.7e-7 (χ²); h = 0.5 → 3e-16, 8e-16.
    [Test]
    public void GridSumsConvergeToGaussianClosedForms()
    {
        double klExact = GaussianDistances.KullbackLeibler(P, Q), chiExact = GaussianDistances.ChiSquared(P, Q);
        var (kl1, chi1) = GridSums(40);
        var (kl2, chi2) = GridSums(80);
        Assert.That(kl1, Is.EqualTo(klExact).Within(1e-6));
        Assert.That(chi1, Is.EqualTo(chiExact).Within(1e-6));
        Assert.That(kl2, Is.EqualTo(klExact).Within(1e-14));
        Assert.That(chi2, Is.EqualTo(chiExact).Within(1e-14));
    }

    private static (double Kl, double Chi2) GridSums(int n)
    {
        double h = 40.0 / n;
        var p = new double[n * n];
        var q = new double[n * n];
        var z = new double[2];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                z[0] = -20 + (i + 0.5) * h;
                z[1] = -20 + (j + 0.5) * h;
                p[i * n + j] = P.Density(z);
                q[i * n + j] = Q.Density(z);
            }
        return (Divergences.KullbackLeibler(p, q, h * h), Divergences.ChiSquared(p, q, h * h));
    }

    // 1D closed forms: χ²(N(μ1,σ1²)‖N(μ2,σ2²)) = σ2²/(σ1 sqrt(2σ2²−σ1²)) exp(δ²/(2σ2²−σ1²)) − 1, finite
    // iff 2σ2² > σ1²; KL = log(σ2/σ1) + (σ1² + δ²)/(2σ2²) − ½.
    [Test]
    public void OneDimensionalClosedForms()
    {
        double m1 = 0.4, s1 = 1.3, m2 = -0.5, s2 = 1.1;
        var p = new GaussianLaw([m1], new[,] { { s1 * s1 } });
        var q = new GaussianLaw([m2], new[,] { { s2 * s2 } });
        double d = m1 - m2, a = 2 * s2 * s2 - s1 * s1;
        Assert.That(GaussianDistances.KullbackLeibler(p, q),
            Is.EqualTo(Math.Log(s2 / s1) + (s1 * s1 + d * d) / (2 * s2 * s2) - 0.5).Within(1e-15));
        Assert.That(GaussianDistances.ChiSquared(p, q),
            Is.EqualTo(s2 * s2 / (s1 * Math.Sqrt(a)) * Math.Exp(d * d / a) - 1).Within(1e-14));
        Assert.That(GaussianDistances.W2(p, q), Is.EqualTo(Math.Sqrt(d * d + (s1 - s2) * (s1 - s2))).Within(1e-15));
        var wide = new GaussianLaw([0], new[,] { { 3.0 } });
        Assert.That(GaussianDistances.ChiSquared(wide, q), Is.EqualTo(double.PositiveInfinity));
    }

    // Bures formula checks: commuting covariances give Σ_k (sqrt a_k − sqrt b_k)² + |δ|²; W2 is invariant
    // under a common rotation; W2(N, N) = 0 (round-off of the eigen-solver, ~1e-15 on the trace).
    [Test]
    public void BuresW2ClosedForms()
    {
        var a = new GaussianLaw([1, 0, 0], new[,] { { 2.0, 0, 0 }, { 0, 0.5, 0 }, { 0, 0, 1.5 } });
        var b = new GaussianLaw([0, 2, 0], new[,] { { 0.3, 0, 0 }, { 0, 1.7, 0 }, { 0, 0, 1.5 } });
        double expected = 1 + 4 + Math.Pow(Math.Sqrt(2) - Math.Sqrt(0.3), 2) + Math.Pow(Math.Sqrt(0.5) - Math.Sqrt(1.7), 2);
        Assert.That(GaussianDistances.W2Squared(a, b), Is.EqualTo(expected).Within(1e-13));
        Assert.That(GaussianDistances.W2Squared(P, P), Is.EqualTo(0).Within(1e-14));
        double c = Math.Cos(0.7), s = Math.Sin(0.7);
        var rot = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(new[,] { { c, -s }, { s, c } });
        GaussianLaw Rotate(GaussianLaw g)
        {
            var cov = rot * MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(g.Covariance) * rot.Transpose();
            var mean = rot * MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(g.Mean);
            return new GaussianLaw(mean.ToArray(), cov.Add(cov.Transpose()).Divide(2).ToArray());
        }
        Assert.That(GaussianDistances.W2Squared(Rotate(P), Rotate(Q)), Is.EqualTo(GaussianDistances.W2Squared(P, Q)).Within(1e-13));
    }
}
