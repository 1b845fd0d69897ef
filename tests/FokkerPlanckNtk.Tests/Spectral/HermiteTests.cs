using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Spectral;

namespace FokkerPlanckNtk.Tests.Spectral;

public class HermiteTests
{
    // The scaled Gauss table has orthonormal columns for k + l ≤ 2N − 1: a theorem of Gauss quadrature, so the
    // tolerance is round-off (grows like √N ε with the order); N = 600 is beyond the old weight-underflow cap.
    [TestCase(8), TestCase(96), TestCase(600)]
    public void GaussTableColumnsAreOrthonormal(int order)
    {
        var (_, v) = HermiteFunctions.GaussRule(order);
        double worst = 0;
        for (int k = 0; k < order; k++)
            for (int l = k; l < order; l++)
            {
                double s = 0;
                for (int q = 0; q < order; q++) s += v[q * order + k] * v[q * order + l];
                worst = Math.Max(worst, Math.Abs(s - (k == l ? 1 : 0)));
            }
        Assert.That(worst, Is.LessThan(1e-12));
    }

    // Against the project's independent Gauss–Hermite rule (weights from the Christoffel formula, nodes polished
    // separately): nodes agree to round-off.
    [Test]
    public void GaussNodesMatchTheQuadratureRule()
    {
        var rule = GaussHermite.Normal(64);
        var (x, _) = HermiteFunctions.GaussRule(64);
        for (int q = 0; q < 64; q++) Assert.That(x[q], Is.EqualTo(rule.Nodes[q]).Within(1e-12 * (1 + Math.Abs(x[q]))));
    }

    // ∫ φ ψ_k over cells that tile [−40, 40] sums to E[ψ_k] = δ_k0 (exact telescoping plus Φ's tails ~1e-350).
    [Test]
    public void CellIntegralsTile()
    {
        var sum = new double[40];
        var cell = new double[40];
        for (double a = -40; a < 40; a += 0.37)
        {
            HermiteFunctions.CellIntegrals(a, Math.Min(40, a + 0.37), cell);
            for (int k = 0; k < 40; k++) sum[k] += cell[k];
        }
        Assert.That(sum[0], Is.EqualTo(1).Within(1e-14));
        for (int k = 1; k < 40; k++) Assert.That(sum[k], Is.EqualTo(0).Within(1e-14));
    }

    // One cell against a 40-point Gauss–Legendre rule of φψ_k on it (a polynomial times a Gaussian: the rule is
    // accurate to round-off on a cell of width 0.5).
    [Test]
    public void CellIntegralsMatchQuadrature()
    {
        var exact = new double[12];
        HermiteFunctions.CellIntegrals(0.7, 1.2, exact);
        var rule = GaussLegendre.Interval(40, 0.7, 1.2);
        var h = new double[12];
        for (int k = 0; k < 12; k++)
        {
            double s = 0;
            for (int q = 0; q < rule.Count; q++)
            {
                double x = rule.Node(q)[0];
                HermiteFunctions.Values(x, h);
                s += rule.Weights[q] * h[k] * HermiteFunctions.InverseFourthRootTwoPi * Math.Exp(-0.25 * x * x);
            }
            Assert.That(exact[k], Is.EqualTo(s).Within(1e-15), $"k = {k}");
        }
    }

    // Linear σ: E[ρs ψ_m(s)] = ρ δ_m1 exactly; the trapezoid rule reproduces it to round-off.
    [Test]
    public void RidgeCoefficientsOfTheLinearActivation()
    {
        var g = HermiteFunctions.RidgeCoefficients(Activation.Linear, 0.7, 50);
        Assert.That(g[1], Is.EqualTo(0.7).Within(1e-15));
        for (int m = 0; m < 50; m++)
            if (m != 1) Assert.That(g[m], Is.EqualTo(0).Within(1e-15), $"m = {m}");
    }

    // tanh against Gauss–Hermite quadrature of order 256 (an independent rule; for m ≤ 10 the integrand's Hermite
    // tail beyond degree 500 is ~e^{−π/2·√1000/0.8} ≈ 1e-27, so both are exact to round-off).
    [Test]
    public void RidgeCoefficientsOfTanhMatchGaussHermite()
    {
        var g = HermiteFunctions.RidgeCoefficients(Activation.Tanh, 0.8, 11);
        var rule = GaussHermite.Normal(256);
        for (int m = 0; m <= 10; m++)
        {
            double s = 0;
            for (int q = 0; q < rule.Count; q++)
            {
                double x = rule.Nodes[q], prev = 0, cur = 1;
                for (int k = 0; k < m; k++) { double next = (x * cur - Math.Sqrt(k) * prev) / Math.Sqrt(k + 1); prev = cur; cur = next; }
                s += rule.Weights[q] * Math.Tanh(0.8 * x) * cur;
            }
            Assert.That(g[m], Is.EqualTo(s).Within(1e-14), $"m = {m}");
        }
    }

    private static GaussianLaw TestLaw() =>
        new([0.3, -0.2, 0.1], new double[,] { { 1.2, 0.3, 0.1 }, { 0.3, 0.8, -0.2 }, { 0.1, -0.2, 1.1 } });

    // Parseval: Σ b_k² = 1 + χ²(p‖p0) (closed form) once the box holds the expansion (decay ≈ 0.45 per degree,
    // 60 per axis leaves < 1e-20); low-degree coefficients are the moments.
    [Test]
    public void GaussianCoefficientsAreTheMoments()
    {
        var law = TestLaw();
        var b = GaussianCoefficients.Compute(law, [60, 60, 60]);
        double sum = b.Sum(v => v * v);
        Assert.That(sum, Is.EqualTo(GaussianCoefficients.SquaredNorm(law)).Within(1e-12));
        int Idx(int i, int j, int k) => (i * 60 + j) * 60 + k;
        Assert.That(b[Idx(1, 0, 0)], Is.EqualTo(0.3).Within(1e-15));
        Assert.That(b[Idx(0, 1, 0)], Is.EqualTo(-0.2).Within(1e-15));
        Assert.That(b[Idx(1, 1, 0)], Is.EqualTo(0.3 + 0.3 * -0.2).Within(1e-15));        // E[z1 z2] = Σ12 + μ1μ2
        Assert.That(b[Idx(0, 0, 2)] * Math.Sqrt(2), Is.EqualTo(1.1 - 1 + 0.01).Within(1e-15)); // E[z3² − 1]
    }

    // KL, χ² and the W2 bounds of a Gaussian expansion against the closed forms (GaussianDistances): KL by the
    // lattice trapezoid rule (exponentially accurate, round-off tolerance), χ² by Parseval (truncation 1e-16),
    // Gelbrich's bound is the exact W2 for a Gaussian; Peyre's bracket contains it.
    [Test]
    public void DiagnosticsOfAGaussianMatchClosedForms()
    {
        var law = InitialLaw.Gaussian([0.3, -0.2], new double[,] { { 1.2, 0.3 }, { 0.3, 0.8 } });
        var problem = new Problem(Activation.Tanh, 2, 0.1, DataSet.Default, law);
        var model = new SpectralModel(problem, new SpectralBasis([64, 64]));
        var b = model.InitialCoefficients();
        var d = model.Diagnose(b, 0);
        var g = law.ToGaussian();
        var p0 = GaussianLaw.Standard(2);
        Assert.That(d.KlP0, Is.EqualTo(GaussianDistances.KullbackLeibler(g, p0)).Within(1e-13));
        Assert.That(d.Chi2P0, Is.EqualTo(GaussianDistances.ChiSquared(g, p0)).Within(1e-13));
        double w2 = GaussianDistances.W2(g, p0);
        Assert.That(d.W2Lower, Is.EqualTo(w2).Within(1e-13));
        Assert.That(d.W2Upper, Is.GreaterThan(w2));
        Assert.That(d.W2P0, Is.EqualTo(w2).Within(0.5 * w2)); // linearized: relative error O(W2) ≈ 0.4 here
        Assert.That(d.Mass, Is.EqualTo(1));
        // The truncated expansion (a polynomial times p0) dips below zero only far out: ~1e-27 measured.
        Assert.That(d.NegativeMass, Is.LessThan(1e-20));
    }

    // p0's coefficients are e_0: its cell averages are the exact cell integrals of the Gaussian, its Gram matrix
    // the quadrature H(p0) (trapezoid vs Gauss–Hermite pair projections, both exponentially accurate).
    [Test]
    public void ReferenceStateCellAveragesAndGram()
    {
        var problem = Problem.Default;
        var model = new SpectralModel(problem, new SpectralBasis([32, 16]));
        var b = model.InitialCoefficients();
        var grid = Grids.UniformGrid.Cube(2, 20, 5);
        var p = model.CellAverages(b, grid);
        var z = new double[2];
        for (int c = 0; c < grid.Count; c += 37)
        {
            grid.Center(c, z);
            double h0 = grid.Spacing(0) / 2, h1 = grid.Spacing(1) / 2;
            double exact = HermiteFunctions.NormalProbability(z[0] - h0, z[0] + h0) * HermiteFunctions.NormalProbability(z[1] - h1, z[1] + h1) / grid.CellVolume;
            Assert.That(p[c], Is.EqualTo(exact).Within(1e-15));
        }
        var h = model.Gram(b);
        var reference = FokkerPlanckNtk.Ntk.GramMatrix.AtReference(problem);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) Assert.That(h[i, j], Is.EqualTo(reference[i, j]).Within(1e-13));
    }
}
