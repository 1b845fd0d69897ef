using FokkerPlanckNtk.Numerics;

namespace FokkerPlanckNtk.Tests.Ntk;

/// <summary>The quadrature rules behind H(p0) and the stationary solver (Numerics/Quadrature*.cs).</summary>
public class QuadratureTests
{
    // Closed forms: He_2 = x² − 1 (nodes ±1, weights 1/2); He_3 = x³ − 3x (0: 2/3, ±√3: 1/6);
    // He_4 = x⁴ − 6x² + 3 (x² = 3 ∓ √6, weights 1/(4(3 ∓ √6)) from w = 1/(N ψ_{N−1}²)). Round-off tolerance.
    [Test]
    public void GaussHermiteLowOrdersMatchClosedForms()
    {
        var r2 = GaussHermite.Normal(2);
        Assert.That(r2.Nodes.ToArray(), Is.EqualTo(new[] { -1.0, 1.0 }).Within(1e-15));
        Assert.That(r2.Weights.ToArray(), Is.EqualTo(new[] { 0.5, 0.5 }).Within(1e-15));
        var r3 = GaussHermite.Normal(3);
        Assert.That(r3.Nodes.ToArray(), Is.EqualTo(new[] { -Math.Sqrt(3), 0, Math.Sqrt(3) }).Within(1e-15));
        Assert.That(r3.Weights.ToArray(), Is.EqualTo(new[] { 1 / 6.0, 2 / 3.0, 1 / 6.0 }).Within(1e-15));
        var r4 = GaussHermite.Normal(4);
        double a = Math.Sqrt(3 + Math.Sqrt(6)), b = Math.Sqrt(3 - Math.Sqrt(6));
        Assert.That(r4.Nodes.ToArray(), Is.EqualTo(new[] { -a, -b, b, a }).Within(1e-15));
        double wa = 1 / (4 * (3 + Math.Sqrt(6))), wb = 1 / (4 * (3 - Math.Sqrt(6)));
        Assert.That(r4.Weights.ToArray(), Is.EqualTo(new[] { wa, wb, wb, wa }).Within(1e-15));
    }

    // An order-N rule is exact for degree ≤ 2N − 1: E[x^{2k}] = (2k − 1)!!. Tolerance: relative round-off of a
    // sum of N positive terms (measured ≤ 4e-15 up to N = 256).
    [TestCase(5), TestCase(20), TestCase(64), TestCase(128), TestCase(256)]
    public void GaussHermiteIntegratesPolynomialsExactly(int order)
    {
        var rule = GaussHermite.Normal(order);
        double doubleFactorial = 1;
        for (int k = 0; 2 * k <= Math.Min(2 * order - 1, 20); k++)
        {
            if (k > 0) doubleFactorial *= 2 * k - 1;
            double m = 0, odd = 0;
            for (int q = 0; q < order; q++)
            {
                m += rule.Weights[q] * Math.Pow(rule.Nodes[q], 2 * k);
                odd += rule.Weights[q] * Math.Pow(rule.Nodes[q], 2 * k + 1);
            }
            if (2 * k + 1 <= 2 * order - 1) Assert.That(odd, Is.EqualTo(0).Within(1e-13 * doubleFactorial * (2 * k + 1)), $"k = {k}");
            Assert.That(m, Is.EqualTo(doubleFactorial).Within(1e-13 * doubleFactorial), $"E[x^{2 * k}]");
        }
    }

    // E[cos(a x)] = e^{−a²/2}: cos is entire, so Gauss–Hermite converges super-geometrically (round-off at N = 40);
    // the trapezoid rule's error e^{−2π τ/h} vanishes for every τ, round-off at h = 0.5.
    [Test]
    public void EntireIntegrandReachesRoundOff()
    {
        foreach (double a in new[] { 0.5, 1.0, 2.0 })
        {
            double exact = Math.Exp(-a * a / 2);
            Assert.That(GaussHermite.Normal(40).Integrate(x => Math.Cos(a * x[0])), Is.EqualTo(exact).Within(2e-16 * 40));
            Assert.That(GaussianTrapezoid.Normal(0.5, 10).Integrate(x => Math.Cos(a * x[0])), Is.EqualTo(exact).Within(1e-15));
        }
    }

    // tanh has poles at ±iπ/2: Gauss–Hermite converges like e^{−τ√(2N)} and the trapezoid rule like e^{−2πτ/h}.
    // Independent methods must agree to round-off at the finest levels; the coarser levels show the rates
    // measured when the rule was chosen (GH order 128: 9e-12 off, trapezoid h = 0.25: ~3e-13 off).
    [Test]
    public void GaussHermiteAndTrapezoidAgreeOnTanhAndShowTheirRates()
    {
        static double G(double[] x) { double t = Math.Tanh(x[0]); return t * t + (1 - t * t) * (1 - t * t); }
        double gh = GaussHermite.Normal(256).Integrate(G);
        double tr = GaussianTrapezoid.Normal(0.2, 10).Integrate(G);
        Assert.That(tr, Is.EqualTo(gh).Within(1e-15));
        double gh128 = Math.Abs(GaussHermite.Normal(128).Integrate(G) - gh);
        double tr25 = Math.Abs(GaussianTrapezoid.Normal(0.25, 10).Integrate(G) - gh);
        Assert.That(gh128, Is.GreaterThan(1e-12).And.LessThan(1e-9));
        Assert.That(tr25, Is.LessThan(1e-12));
    }

    // Gauss–Legendre (MathNet): ∫_{-2}^{3} x^k dx exactly for k ≤ 2N − 1; round-off tolerance.
    [Test]
    public void GaussLegendreIsExactForPolynomials()
    {
        var rule = GaussLegendre.Interval(8, -2, 3);
        for (int k = 0; k <= 15; k++)
        {
            double exact = (Math.Pow(3, k + 1) - Math.Pow(-2, k + 1)) / (k + 1);
            Assert.That(rule.Integrate(x => Math.Pow(x[0], k)), Is.EqualTo(exact).Within(1e-13 * Math.Pow(3, k + 1)));
        }
        var box = GaussLegendre.Box(3, [1.0, 2.0, 0.5]);
        Assert.That(box.Count, Is.EqualTo(27));
        Assert.That(box.Integrate(z => z[0] * z[0] * z[2] * z[2]), Is.EqualTo(2 / 3.0 * 4 * (2 * 0.125 / 3)).Within(1e-15));
    }

    // Tensor and affine rules: the tensor GH rule for N(0, I_2) pushed by z ↦ μ + L z is a rule for N(μ, LLᵀ),
    // exact for its mean and covariance (degree ≤ 2), and for E[x² y²] = 1 before the map.
    [Test]
    public void TensorAndAffineRulesReproduceGaussianMoments()
    {
        var rule = GaussHermite.Normal(4, 2);
        Assert.That(rule.Count, Is.EqualTo(16));
        Assert.That(rule.Integrate(z => z[0] * z[0] * z[1] * z[1]), Is.EqualTo(1).Within(1e-15));
        double[] mu = [0.3, -1.2];
        double[,] l = { { 1.5, 0 }, { -0.4, 0.7 } };
        var moved = rule.Affine(mu, l);
        Assert.That(moved.Integrate(z => z[0]), Is.EqualTo(mu[0]).Within(1e-15));
        Assert.That(moved.Integrate(z => z[1]), Is.EqualTo(mu[1]).Within(1e-15));
        Assert.That(moved.Integrate(z => (z[0] - mu[0]) * (z[1] - mu[1])), Is.EqualTo(1.5 * -0.4).Within(1e-15));
        Assert.That(moved.Integrate(z => (z[1] - mu[1]) * (z[1] - mu[1])), Is.EqualTo(0.16 + 0.49).Within(1e-15));
    }
}
