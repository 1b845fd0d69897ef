using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Stationary;

namespace FokkerPlanckNtk.Tests.Stationary;

public class TiltedUTests
{
    // The truncated-Gaussian moments of φ(u) e^{−uc} on [−B, B] against brute force: composite Gauss–Legendre
    // (200 panels of order 20 on [−B, B], exact to round-off for this entire integrand, including the steep
    // e^{−(u+c)²/2} wall layer of width 1/|c| when |c| ≫ B). Tolerances: relative round-off ~1e-13 (log Z
    // compared absolutely since it is ~c²/2), variance 1e-12 relative (the tail series avoids the cancellation
    // of E[v²] − E[v]², which would lose log10(a²) digits).
    [TestCase(0.0), TestCase(0.7), TestCase(-2.5), TestCase(6.5), TestCase(-7.5), TestCase(12.0), TestCase(30.0), TestCase(-30.0)]
    public void TruncatedMomentsMatchBruteForce(double c)
    {
        const double b = 7;
        var tilted = new TiltedU.Truncated(b);
        tilted.Evaluate(c, out double logZ, out double mean, out double variance);
        // Shift by the maximum of −u²/2 − uc on [−B, B] so the brute-force sums neither overflow nor underflow.
        double uMax = Math.Clamp(-c, -b, b), shift = -0.5 * uMax * uMax - uMax * c;
        double z = 0, m1 = 0;
        const int panels = 200;
        for (int k = 0; k < panels; k++)
        {
            var rule = GaussLegendre.Interval(20, -b + 2 * b * k / panels, -b + 2 * b * (k + 1) / panels);
            for (int q = 0; q < rule.Count; q++)
            {
                double u = rule.Nodes[q], w = rule.Weights[q] * Math.Exp(-0.5 * u * u - u * c - shift) / Math.Sqrt(2 * Math.PI);
                z += w;
                m1 += w * u;
            }
        }
        double bfMean = m1 / z, m2 = 0;
        for (int k = 0; k < panels; k++)
        {
            var rule = GaussLegendre.Interval(20, -b + 2 * b * k / panels, -b + 2 * b * (k + 1) / panels);
            for (int q = 0; q < rule.Count; q++)
            {
                double u = rule.Nodes[q], w = rule.Weights[q] * Math.Exp(-0.5 * u * u - u * c - shift) / Math.Sqrt(2 * Math.PI);
                m2 += w * (u - bfMean) * (u - bfMean);
            }
        }
        Assert.That(logZ, Is.EqualTo(Math.Log(z) + shift).Within(1e-13 * Math.Max(1, Math.Abs(shift))));
        Assert.That(mean, Is.EqualTo(bfMean).Within(1e-13 * Math.Max(1, Math.Abs(bfMean))));
        Assert.That(variance, Is.EqualTo(m2 / z).Within(1e-12 * (m2 / z)));
    }

    // The whole line is the B → ∞ limit: at B = 40 the truncation is below e^{−(40−|c|)²/2} ≈ 0.
    [Test]
    public void WideTruncationIsTheWholeLine()
    {
        foreach (double c in new[] { -3.0, 0.0, 1.5 })
        {
            new TiltedU.Truncated(40).Evaluate(c, out double lz, out double m, out double v);
            new TiltedU.Line().Evaluate(c, out double lz2, out double m2, out double v2);
            Assert.That(lz, Is.EqualTo(lz2).Within(1e-15));
            Assert.That(m, Is.EqualTo(m2).Within(1e-15));
            Assert.That(v, Is.EqualTo(v2).Within(1e-14));
        }
    }

    // The Mills ratio R(a) = Φc(a)/φ(a): continuous across the switch from MathNet's erfc to the asymptotic
    // series at a = 10 (to MathNet's relative accuracy of erfc there, measured 1.1e-14), R(0) = √(π/2), and inside Gordon's
    // bounds a/(1+a²) < R(a) < 1/a. The series tail variance matches 1 − λ(λ − a) (λ = 1/R) where the latter
    // has not yet lost its digits (a = 10: the cancellation costs 2 digits, hence 1e-12).
    [Test]
    public void MillsRatioAndTailVarianceAreConsistent()
    {
        Assert.That(TiltedU.Truncated.MillsRatio(0), Is.EqualTo(Math.Sqrt(Math.PI / 2)).Within(1e-15));
        double t = TiltedU.Truncated.SeriesThreshold;
        double below = TiltedU.Truncated.MillsRatio(t - 1e-13), above = TiltedU.Truncated.MillsRatio(t);
        Assert.That(above, Is.EqualTo(below).Within(3e-14 * below));
        foreach (double x in new[] { 0.5, 3.0, 9.9, 20.0, 50.0 })
        {
            double r = TiltedU.Truncated.MillsRatio(x);
            Assert.That(r, Is.GreaterThan(x / (1 + x * x)).And.LessThan(1 / x));
        }
        double lam = 1 / (Math.Sqrt(Math.PI / 2) * TiltedU.Truncated.ScaledErfc(t / Math.Sqrt(2)));
        Assert.That(TiltedU.Truncated.OneSidedTailVariance(t), Is.EqualTo(1 - lam * (lam - t)).Within(1e-12));
    }
}
