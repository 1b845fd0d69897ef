using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Metrics.SemiDiscrete;

namespace FokkerPlanckNtk.Tests.Metrics;

/// <summary>
/// The semi-discrete Newton of a grid density against many particles (the mass-floor damping) with its multigrid-preconditioned
/// conjugate gradients: the same certified bracket as with the diagonal preconditioner (two certified brackets of one W2 must
/// intersect: a theorem, not a tolerance), independent of the thread count (bit for bit), and at the sizes of issue 11 through
/// the product path (Slow). Speeds: validation/transport/grid-particles.md (a benchmark, not a timed test).
/// </summary>
public class SemiDiscreteSpeedTests
{
    private static (DensityOnGrid Density, AtomicMeasure Particles) GaussianCase(int cells, int m, int seed)
    {
        var grid = UniformGrid.Cube(2, cells, 7);
        return (new DensityOnGrid(grid, CoarseningTests.StandardGaussianCells(grid)), CoarseningTests.GaussianParticles(m, seed));
    }

    private sealed record DensityOnGrid(UniformGrid Grid, double[] Values);

    private static SemiDiscreteResult Solve(DensityOnGrid p, AtomicMeasure particles, bool multigrid) =>
        SemiDiscreteTransport.Solve(p.Grid, p.Values, particles, SemiDiscreteOptions.Default with { Multigrid = multigrid });

    // 64² cells against 5000 particles (2–3 particles per cell, the multigrid's three levels): both solves meet the mass
    // tolerance, their certified brackets intersect (each holds the exact W2²), and the values agree to the brackets' widths
    // (the dual's error is quadratic in the weights' error: both ≤ 1e-10 relative mass error). The multigrid needs a few CG
    // iterations per step where the diagonal needs hundreds (measured 52 against 1133 at 10⁴ on 128²).
    [Test]
    public void MultigridAndDiagonalPreconditionersReachTheSameCertifiedBracket()
    {
        var (p, particles) = GaussianCase(64, 5000, seed: 11);
        var multigrid = Solve(p, particles, multigrid: true);
        var diagonal = Solve(p, particles, multigrid: false);
        Assert.That(multigrid.Status, Is.EqualTo(TransportStatus.Optimal), multigrid.Message);
        Assert.That(diagonal.Status, Is.EqualTo(TransportStatus.Optimal), diagonal.Message);
        double round = 1e-12 * diagonal.UpperSquared;
        Assert.That(Math.Max(multigrid.LowerSquared, diagonal.LowerSquared), Is.LessThanOrEqualTo(Math.Min(multigrid.UpperSquared, diagonal.UpperSquared) + round),
            $"brackets [{multigrid.LowerSquared:G12}, {multigrid.UpperSquared:G12}] and [{diagonal.LowerSquared:G12}, {diagonal.UpperSquared:G12}]");
        double width = Math.Max(multigrid.UpperSquared - multigrid.LowerSquared, diagonal.UpperSquared - diagonal.LowerSquared);
        Assert.That(multigrid.W2Squared, Is.EqualTo(diagonal.W2Squared).Within(width + round));
        Assert.That(multigrid.CgIterations, Is.LessThan(diagonal.CgIterations / 4), $"{multigrid.Message} / {diagonal.Message}");
    }

    // Every cell is built on its own in fixed blocks, the multigrid's rows and group sums and the CG's block sums run in a fixed
    // order: one thread and two give the same weights, bracket and counts, bit for bit.
    [Test]
    public void TheResultDoesNotDependOnTheThreadCount()
    {
        var (p, particles) = GaussianCase(64, 5000, seed: 12);
        var one = Parallelism.Run(1, () => Solve(p, particles, multigrid: true));
        var two = Parallelism.Run(2, () => Solve(p, particles, multigrid: true));
        Assert.That(one.Status, Is.EqualTo(TransportStatus.Optimal), one.Message);
        Assert.That(two.LowerSquared, Is.EqualTo(one.LowerSquared));
        Assert.That(two.UpperSquared, Is.EqualTo(one.UpperSquared));
        Assert.That(two.NewtonSteps, Is.EqualTo(one.NewtonSteps));
        Assert.That(two.Evaluations, Is.EqualTo(one.Evaluations));
        Assert.That(two.CgIterations, Is.EqualTo(one.CgIterations));
        Assert.That(two.Potentials, Is.EqualTo(one.Potentials));
    }

    // Issue 11's sizes through the product path (no budget: the method itself): 128² cells of N(0, I) against 10⁵ and 10⁶ of its
    // samples. The result is the semi-discrete solve at its mass tolerance (Optimal, certified bracket), inside the independent
    // certified bracket of the cell-centre atoms ± the cell offset, and above Gelbrich's bound (the Bures distance of the
    // moments, a certified lower bound of any W2). Measured: 10⁵ in 8 s (10 evaluations), 10⁶ in 2–4.5 min (12) under load.
    [TestCase(100_000)]
    [TestCase(1_000_000)]
    [Category("Slow")]
    public void IssueSizesAreSolvedToTheMassTolerance(int m)
    {
        var (p, particles) = GaussianCase(128, m, seed: 13);
        var r = Wasserstein.Between(p.Grid, p.Values, particles, W2Options.ProbabilityMeasures with { ExactSecondsBudget = double.PositiveInfinity });
        Assert.That(r.Method, Is.EqualTo(Wasserstein.SemiDiscreteMethod), r.Message);
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        Assert.That(r.Upper - r.Lower, Is.LessThanOrEqualTo(1e-4 * r.W2), r.Message);
        var bracket = Wasserstein.CellCentreBracket(p.Grid, p.Values, particles, W2Options.ProbabilityMeasures);
        Assert.That(r.W2, Is.InRange(bracket.Lower, bracket.Upper), bracket.Message);
        double gelbrich = Math.Sqrt(MeasureMoments.BuresSquared(MeasureMoments.Of(p.Grid, p.Values), MeasureMoments.Of(particles)));
        Assert.That(r.Upper, Is.GreaterThanOrEqualTo(gelbrich * (1 - 1e-9)));
    }
}
