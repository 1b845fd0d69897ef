using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Ntk;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace FokkerPlanckNtk.Tests.Ntk;

public class GramMatrixTests
{
    private static readonly DataSet Data2 = new([[0.6, 0.8], [1.0, 0.0], [-0.3, 0.5], [0.2, -0.9], [0.0, 0.4]], [0.5, -0.2, 0.1, 0.7, -0.4]);
    private static readonly DataSet Data3 = new([[1.0, 0, 0], [0, 0.6, 0.8], [0.3, 0.4, 0.5], [-0.5, 0.5, 0.2]], [0.2, 0.6, -0.3, 0.4]);

    private static void AssertGramProperties(GramMatrix h)
    {
        // H = E[g gᵀ] is a Gram matrix: PSD in exact arithmetic, symmetric by construction.
        Assert.That(h.SymmetryError, Is.EqualTo(0), h.Method);
        Assert.That(h.IsPositiveSemidefinite, Is.True, $"{h.Method}: λ_min = {h.LambdaMin}");
        // Eigenpairs: H v = λ v to the backward error of the symmetric EVD (≈ n ε ‖H‖).
        var v = h.Eigenvectors;
        for (int k = 0; k < h.Size; k++)
        {
            var col = Enumerable.Range(0, h.Size).Select(i => v[i, k]).ToArray();
            var hv = h.Multiply(col);
            for (int i = 0; i < h.Size; i++)
                Assert.That(hv[i], Is.EqualTo(h.Eigenvalues[k] * col[i]).Within(h.EigenvalueRoundOff * 4));
        }
    }

    // Linear σ: H_ij = x_iᵀ E[θθᵀ] x_j + (x_i·x_j) E[u²]; for p0 that is 2 x_i·x_j (rank ≤ d, so Λ = 0 when n > d).
    // The integrand is a polynomial of degree 2: Gauss–Hermite is exact, round-off tolerance.
    [Test]
    public void LinearActivationMatchesClosedForm()
    {
        var p = new Problem(Activation.Linear, 1, 0.1, Data2);
        var h = GramMatrix.AtReference(p);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
                Assert.That(h[i, j], Is.EqualTo(2 * Data2.Dot(i, j)).Within(1e-15));
        Assert.That(h.LambdaMin, Is.EqualTo(0).Within(h.EigenvalueRoundOff));
        AssertGramProperties(h);

        // A general Gaussian law: E[θθᵀ] = Σ_θθ + μ_θ μ_θᵀ, E[u²] = Σ_uu + μ_u².
        double[] mean = [0.3, -0.2, 0.5];
        double[,] cov = { { 1.2, 0.3, 0.4 }, { 0.3, 0.8, -0.2 }, { 0.4, -0.2, 1.5 } };
        var law = InitialLaw.Gaussian(mean, cov);
        var hg = GramMatrix.ByQuadrature(p, law);
        double eu2 = cov[2, 2] + mean[2] * mean[2];
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
            {
                var xi = Data2.X(i); var xj = Data2.X(j);
                double q = 0;
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++) q += xi[a] * (cov[a, b] + mean[a] * mean[b]) * xj[b];
                Assert.That(hg[i, j], Is.EqualTo(q + Data2.Dot(i, j) * eu2).Within(1e-14));
            }
        AssertGramProperties(hg);
    }

    // erf has closed forms under p0 (Williams 1997): E[erf(a·θ) erf(b·θ)] = (2/π) asin(2a·b/√((1+2|a|²)(1+2|b|²))),
    // E[σ'(a·θ)σ'(b·θ)] = (4/π) det(I + 2(aaᵀ + bbᵀ))^{−1/2} = (4/π)/√((1+2|a|²)(1+2|b|²) − 4(a·b)²).
    // erf is entire, so the quadrature reaches round-off; tolerance 1e-14.
    [TestCase(2), TestCase(3)]
    public void ErfMatchesClosedForm(int d)
    {
        var data = d == 2 ? Data2 : Data3;
        var p = new Problem(Activation.Erf, 1, 0.1, data);
        var h = GramMatrix.AtReference(p);
        for (int i = 0; i < data.Count; i++)
            for (int j = 0; j < data.Count; j++)
            {
                double aa = data.Dot(i, i), bb = data.Dot(j, j), ab = data.Dot(i, j);
                double k1 = 2 / Math.PI * Math.Asin(2 * ab / Math.Sqrt((1 + 2 * aa) * (1 + 2 * bb)));
                double k2 = 4 / Math.PI / Math.Sqrt((1 + 2 * aa) * (1 + 2 * bb) - 4 * ab * ab);
                Assert.That(h[i, j], Is.EqualTo(k1 + ab * k2).Within(1e-14), $"H[{i},{j}]");
            }
        Assert.That(h.ErrorEstimate, Is.LessThan(1e-13));
        AssertGramProperties(h);
    }

    // Independent method: the d-dimensional tensor Gauss–Hermite rule. Its error for tanh decays like
    // e^{−τ√(2N)}, so at order N it is bounded by its own change from the previous order (measured: 96 → 128
    // in d = 2 changes by ~1e-9); the pairwise rule converged to ~1e-15.
    [Test]
    public void PairwiseQuadratureAgreesWithTensorQuadrature()
    {
        var p = new Problem(Activation.Tanh, 1, 0.1, Data2);
        var h = GramMatrix.AtReference(p);
        Assert.That(h.ErrorEstimate, Is.LessThan(1e-13));
        var t96 = GramMatrix.ByTensorQuadrature(p, p.Initial, 96);
        var t128 = GramMatrix.ByTensorQuadrature(p, p.Initial, 128);
        double change = MaxDiff(t96, t128);
        Assert.That(MaxDiff(h, t128), Is.LessThanOrEqualTo(change));
        Assert.That(change, Is.LessThan(1e-7));
        AssertGramProperties(h);

        // A general Gaussian law (conditional u-moments): the same check, with sigmoid.
        var law = InitialLaw.Gaussian([0.3, -0.2, 0.5], new double[,] { { 1.2, 0.3, 0.4 }, { 0.3, 0.8, -0.2 }, { 0.4, -0.2, 1.5 } });
        var ps = p.With(activation: Activation.Sigmoid);
        var hs = GramMatrix.ByQuadrature(ps, law);
        var s96 = GramMatrix.ByTensorQuadrature(ps, law, 96);
        var s128 = GramMatrix.ByTensorQuadrature(ps, law, 128);
        Assert.That(MaxDiff(hs, s128), Is.LessThanOrEqualTo(Math.Max(MaxDiff(s96, s128), 1e-14)));
        AssertGramProperties(hs);
    }

    // H(p0) from a grid density by the midpoint rule. With exact cell averages of p0 the midpoint rule makes an
    // O(Δ²) error (measured order 2.00); with the discrete Gibbs state (cell-centre values, as the PDE starts)
    // the sums are trapezoid sums of a function analytic in a strip and decaying at the box edge, so the error
    // falls faster than any power (measured 6.6e-3, 9.6e-7, 5.5e-11 for N = 16, 32, 64) down to the floor set by
    // the box: the discrete u² moment misses the tail 2∫_B^∞ u²φ(u) du = 2(Bφ(B) + Φc(B)) ≈ 1.3e-10 at B = 7.
    // Reference: the quadrature H(p0) (error ~1e-15).
    [Test]
    public void GridGramConvergesAtTheMeasuredOrders()
    {
        var p = Problem.Default;
        var exact = GramMatrix.AtReference(p);
        var cellAverage = new List<double>();
        var cellCentre = new List<double>();
        foreach (int cells in new[] { 16, 32, 64 })
        {
            var grid = UniformGrid.Cube(2, cells, 7);
            cellAverage.Add(MaxDiff(GramMatrix.FromGrid(p, grid, CellAverages(grid)), exact));
            var gibbs = grid.Sample(z => Math.Exp(-0.5 * (z[0] * z[0] + z[1] * z[1])));
            double mass = gibbs.Sum() * grid.CellVolume;
            var hc = GramMatrix.FromGrid(p, grid, gibbs.Select(v => v / mass).ToArray());
            AssertGramProperties(hc);
            cellCentre.Add(MaxDiff(hc, exact));
        }
        double order1 = Math.Log2(cellAverage[0] / cellAverage[1]), order2 = Math.Log2(cellAverage[1] / cellAverage[2]);
        TestContext.Out.WriteLine($"cell averages: errors {string.Join(", ", cellAverage.Select(e => e.ToString("E2")))}, orders {order1:F3}, {order2:F3}");
        TestContext.Out.WriteLine($"cell centres:  errors {string.Join(", ", cellCentre.Select(e => e.ToString("E2")))}");
        Assert.That(order2, Is.EqualTo(2).Within(0.05));
        Assert.That(cellCentre[1], Is.LessThan(cellCentre[0] / 1e3)); // far beyond 2nd order (factor 4)
        double tail = 2 * (7 * Normal.PDF(0, 1, 7) + (1 - Normal.CDF(0, 1, 7)));
        Assert.That(cellCentre[2], Is.LessThan(tail));
    }

    // H(p0) from 10^6 particles sampled from p0 (explicit seeds; MathNet's normals and the particle system's own
    // initial sample): every entry within 4.5 CLT standard errors of the
    // quadrature value (Bonferroni over the 10 distinct entries: P(any |z| > 4.5) < 7e-5); the standard errors
    // themselves are ~1e-3, so the test also checks that they are of the CLT size sd/√m.
    [Test]
    public void ParticleGramAgreesWithinStandardErrors()
    {
        var p = Problem.Default;
        const int m = 1_000_000;
        var rng = new MersenneTwister(20240611);
        var theta = new double[m];
        var u = new double[m];
        Normal.Samples(rng, theta, 0, 1);
        Normal.Samples(rng, u, 0, 1);
        var exact = GramMatrix.AtReference(p);
        var hp = GramMatrix.FromParticles(p, theta, u);
        var se = hp.StandardErrors!;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                Assert.That(se[i, j], Is.GreaterThan(1e-5).And.LessThan(1e-2));
                Assert.That(Math.Abs(hp[i, j] - exact[i, j]), Is.LessThanOrEqualTo(4.5 * se[i, j]), $"H[{i},{j}]");
            }
        AssertGramProperties(hp);

        // The particle system's own initial sample (its counter-based normal generator): the same statement.
        var system = new FokkerPlanckNtk.Particles.ParticleSystem(p, m, 1e-3, seed: 7);
        var hs = GramMatrix.FromParticles(system);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                Assert.That(Math.Abs(hs[i, j] - exact[i, j]), Is.LessThanOrEqualTo(4.5 * hs.StandardErrors![i, j]), $"particle system H[{i},{j}]");

        // Same bits for any thread count (fixed blocks, fixed combination order).
        int saved = Parallelism.Threads;
        try
        {
            Parallelism.Threads = 1;
            var h1 = GramMatrix.FromParticles(p, theta, u);
            Parallelism.Threads = 3;
            var h3 = GramMatrix.FromParticles(p, theta, u);
            Assert.That(h3.ToArray(), Is.EqualTo(h1.ToArray()));
            Assert.That(h3.ToArray(), Is.EqualTo(hp.ToArray()));
        }
        finally { Parallelism.Threads = saved; }
    }

    // An arbitrary nonnegative grid density gives a PSD H (it is a Gram matrix for any nonnegative weights).
    [Test]
    public void ArbitraryNonnegativeDensityGivesPsdGram()
    {
        var p = new Problem(Activation.Tanh, 1, 0.1, Data2);
        var grid = UniformGrid.Cube(3, 12, 4);
        var density = grid.Sample(z => 1 + Math.Sin(3 * z[0]) * Math.Cos(2 * z[1] + z[2]));
        double mass = density.Sum() * grid.CellVolume;
        AssertGramProperties(GramMatrix.FromGrid(p, grid, density.Select(v => v / mass).ToArray()));
    }

    private static double[] CellAverages(UniformGrid grid)
    {
        var masses = new double[grid.Dimension][];
        for (int k = 0; k < grid.Dimension; k++)
        {
            var c = grid.Centers(k);
            double h = grid.Spacing(k);
            masses[k] = c.ToArray().Select(x => Normal.CDF(0, 1, x + h / 2) - Normal.CDF(0, 1, x - h / 2)).ToArray();
        }
        var p = new double[grid.Count];
        for (int i = 0; i < grid.Count; i++)
        {
            double v = 1 / grid.CellVolume;
            for (int k = 0; k < grid.Dimension; k++) v *= masses[k][grid.AxisIndex(i, k)];
            p[i] = v;
        }
        return p;
    }

    private static double MaxDiff(GramMatrix a, GramMatrix b)
    {
        double m = 0;
        for (int i = 0; i < a.Size; i++)
            for (int j = 0; j < a.Size; j++) m = Math.Max(m, Math.Abs(a[i, j] - b[i, j]));
        return m;
    }
}
