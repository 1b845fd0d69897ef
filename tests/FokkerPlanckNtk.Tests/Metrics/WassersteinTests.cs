using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Numerics;

namespace FokkerPlanckNtk.Tests.Metrics;

public class WassersteinTests
{
    private static double[] GaussianDensity(UniformGrid grid, double m0, double m1, double s)
    {
        var p = grid.Sample(z => Math.Exp(-0.5 * ((z[0] - m0) * (z[0] - m0) + (z[1] - m1) * (z[1] - m1)) / (s * s)));
        double norm = p.Sum() * grid.CellVolume;
        return p.Select(v => v / norm).ToArray();
    }

    [Test]
    public void ExactPathsAgreeWithTheSolvers()
    {
        var grid = UniformGrid.Cube(2, 20, 4);
        var p = GaussianDensity(grid, 0, 0, 1);
        var q = GaussianDensity(grid, 0.5, -0.3, 0.8);
        var r = Wasserstein.Between(grid, p, q, new W2Options { Atomic = true });
        var s = NetworkSimplex.Solve(AtomicMeasure.FromGrid(grid, p), AtomicMeasure.FromGrid(grid, q));
        Assert.That(r.Method, Is.EqualTo(Wasserstein.ExactSimplex));
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal));
        Assert.That(r.W2, Is.EqualTo(s.W2));
        Assert.That(r.ErrorBound, Is.LessThan(1e-12));
        Assert.That(r.Solution, Is.Not.Null);

        var x = new AtomicMeasure([0.1, 0.5, 2.0], 1);
        var y = new AtomicMeasure([0.0, 1.0, 1.5], 1);
        var one = Wasserstein.Between(x, y);
        Assert.That(one.Method, Is.EqualTo(Wasserstein.Exact1D));
        Assert.That(one.W2Squared, Is.EqualTo((0.01 + 0.25 + 0.25) / 3).Within(1e-15));
    }

    // The coarsened method returns a certified bracket: the exact value must lie inside it (the bounds
    // are theorems: a feasible fine plan above, a dual-feasible pair or the triangle inequality below).
    [Test]
    public void CoarsenedBracketContainsTheExactValue()
    {
        var random = new Random(808);
        var grid = UniformGrid.Cube(2, 24, 4);
        var options = new W2Options { MaxExactPairs = 100 * 100, Atomic = true };
        var atomic = new W2Options { Atomic = true };
        for (int trial = 0; trial < 6; trial++)
        {
            var p = GaussianDensity(grid, random.NextDouble() - 0.5, 0, 0.7 + random.NextDouble());
            var q = GaussianDensity(grid, 0, random.NextDouble() - 0.5, 0.7 + random.NextDouble());
            var exact = Wasserstein.Between(grid, p, q, atomic).W2;
            var coarse = Wasserstein.Between(grid, p, q, options);
            Assert.That(coarse.Method, Does.StartWith("network simplex on coarsened measures (blocks of"));
            Assert.That(exact, Is.InRange(coarse.Lower - 1e-12, coarse.Upper + 1e-12), coarse.Message);

            var particles = new AtomicMeasure(NetworkSimplexTests.Points(random, 300, 2), 2);
            exact = Wasserstein.Between(grid, p, particles).W2;
            coarse = Wasserstein.Between(grid, p, particles, options);
            Assert.That(exact, Is.InRange(coarse.Lower - 1e-12, coarse.Upper + 1e-12), coarse.Message);

            var cloud = new AtomicMeasure(NetworkSimplexTests.Points(random, 250, 3), 3);
            var other = new AtomicMeasure(NetworkSimplexTests.Points(random, 200, 3), 3);
            exact = Wasserstein.Between(cloud, other).W2;
            coarse = Wasserstein.Between(cloud, other, options);
            Assert.That(coarse.Method, Does.Contain("lattice of"));
            Assert.That(exact, Is.InRange(coarse.Lower - 1e-12, coarse.Upper + 1e-12), coarse.Message);
        }
    }

    // Talagrand for p0 = N(0, I): W2 ≤ sqrt(2 KL), with equality for translates (W2 = |m| = sqrt(2 KL)).
    [Test]
    public void TalagrandCheck()
    {
        var p0 = GaussianLaw.Standard(2);
        var moved = new GaussianLaw([0.6, -0.8], new[,] { { 1.0, 0 }, { 0, 1.0 } });
        double w2 = GaussianDistances.W2(moved, p0), kl = GaussianDistances.KullbackLeibler(moved, p0);
        Assert.That(w2, Is.EqualTo(1).Within(1e-15));
        Assert.That(Math.Sqrt(2 * kl), Is.EqualTo(1).Within(1e-15));
        var other = new GaussianLaw([0.3, 0.1], new[,] { { 0.5, 0.2 }, { 0.2, 1.7 } });
        var check = Wasserstein.Talagrand(GaussianDistances.W2(other, p0), GaussianDistances.KullbackLeibler(other, p0));
        Assert.That(check.Holds);
        Assert.That(check.W2, Is.LessThan(check.Bound));
        Assert.That(Wasserstein.Talagrand(1.5, 1.0).Holds, Is.False);
    }

    [Test]
    public void BadInputIsNamed()
    {
        var g2 = UniformGrid.Cube(2, 4, 1);
        var g3 = UniformGrid.Cube(3, 4, 1);
        var p2 = Enumerable.Repeat(1.0 / 4, 16).ToArray();
        var p3 = Enumerable.Repeat(1.0 / 8, 64).ToArray();
        Assert.That(() => Wasserstein.Between(g2, p2, g3, p3), Throws.TypeOf<InputException>().With.Message.StartsWith("q.dimension = 3"));
        Assert.That(() => Wasserstein.Between(g2, p2, p2[..15]), Throws.TypeOf<InputException>().With.Message.StartsWith("q = 15 values"));
        var particles = new AtomicMeasure([0, 0, 0], 3);
        Assert.That(() => Wasserstein.Between(g2, p2, particles), Throws.TypeOf<InputException>().With.Message.StartsWith("measure.dimension = 3"));
    }
}
