using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Metrics.SemiDiscrete;

namespace FokkerPlanckNtk.Tests.Metrics;

/// <summary>
/// The budget of the semi-discrete W2 of a 2D grid density against particles: an idle estimate against
/// <see cref="W2Options.ExactSecondsBudget"/>, a cap on cell evaluations derived from it, and the fallback to the certified
/// bracket from the cell-centre atoms, which must hold the semi-discrete value (triangle inequality: the atoms are exactly
/// s = √(Σ_k h_k²/12) from the piecewise-constant density). Deterministic: the decision and the cap are functions of the sizes
/// and the budget alone (no CPU-share probe, no clock), so no test needs timing.
/// </summary>
public class SemiDiscreteBudgetTests
{
    private const double Budget = 10; // W2Options.ExactSecondsBudget's default

    private static readonly UniformGrid Grid = UniformGrid.Cube(2, 24, 7);

    private static double[] StandardGaussianCells(UniformGrid grid) => CoarseningTests.StandardGaussianCells(grid);

    private static AtomicMeasure GaussianParticles(int m, int seed) => CoarseningTests.GaussianParticles(m, seed);

    // `fpntk simulate --grid:cells=8 --particles:count=100000` (CoarseningTests): the W2 that ran > 10 minutes semi-discrete
    // (91 cell evaluations of ~3 s) is refused by the idle estimate, on 8² and 16² cells.
    [TestCase(8)]
    [TestCase(16)]
    public void TenToTheFiveParticlesOnACoarseGridAreRefused(int cells)
    {
        Assert.That(Wasserstein.ExceedsSemiDiscreteBudget(cells * cells, 100_000, Budget, out double estimate, out int cap), Is.True);
        Assert.That(estimate, Is.EqualTo(Wasserstein.EstimatedSemiDiscreteSeconds(cells * cells, 100_000)));
        Assert.That(cap, Is.Zero);
    }

    // The default run's W2 (128² cells, 10⁴ particles) was in the band where a CPU-share probe decided (under a share below
    // ~0.15 it fell back to the ±0.045 cell-centre bracket: different files on a loaded machine). Now the idle estimate decides
    // alone: solved, with a cap that keeps it within the budget at the idle speed (cap × seconds per evaluation ≤ budget) and
    // room for the typical count of evaluations; the same answer for every call (nothing measured). No budget: no cap; budget 0:
    // the bracket.
    [Test]
    public void TheIdleEstimateDecidesAndTheCapFollows()
    {
        int n = 128 * 128, m = 10_000;
        double idle = Wasserstein.EstimatedSemiDiscreteSeconds(n, m);
        Assert.That(idle, Is.InRange(Wasserstein.ProbeFraction * Budget, Budget), "the former probe band: below the budget, above 1/100 of it");
        Assert.That(Wasserstein.ExceedsSemiDiscreteBudget(n, m, Budget, out double estimate, out int cap), Is.False);
        Assert.That(estimate, Is.EqualTo(idle));
        Assert.That(cap, Is.GreaterThanOrEqualTo(Wasserstein.EstimatedSemiDiscreteEvaluations(n, m)));
        Assert.That(cap * Wasserstein.EstimatedSemiDiscreteEvaluationSeconds(n, m), Is.LessThanOrEqualTo(Budget * (1 + 1e-12)));
        Assert.That(cap, Is.EqualTo((int)Math.Floor(Budget / Wasserstein.EstimatedSemiDiscreteEvaluationSeconds(n, m))));
        for (int k = 0; k < 3; k++)
        {
            Assert.That(Wasserstein.ExceedsSemiDiscreteBudget(n, m, Budget, out double again, out int capAgain), Is.False);
            Assert.That((again, capAgain), Is.EqualTo((estimate, cap)));
        }
        Assert.That(Wasserstein.ExceedsSemiDiscreteBudget(16 * 16, 200, Budget, out _, out cap), Is.False);
        Assert.That(Wasserstein.ExceedsSemiDiscreteBudget(n, 1_000_000, double.PositiveInfinity, out _, out cap), Is.False, "no budget");
        Assert.That(cap, Is.EqualTo(int.MaxValue));
        Assert.That(Wasserstein.ExceedsSemiDiscreteBudget(Grid.Count, 500, 0, out _, out _), Is.True, "budget 0: the bracket");
    }

    // Over budget (a tiny budget: refused by the idle estimate) the facade returns the cell-centre bracket,
    // labelled, certified: it holds the semi-discrete value, and its half-width is at least the cell offset s.
    [Test]
    public void OverBudgetTheCellCentreBracketHoldsTheSemiDiscreteValue()
    {
        var p = StandardGaussianCells(Grid);
        var particles = GaussianParticles(2000, seed: 3);
        var exact = Wasserstein.Between(Grid, p, particles, W2Options.ProbabilityMeasures);
        Assert.That(exact.Method, Is.EqualTo(Wasserstein.SemiDiscreteMethod), exact.Message);
        Assert.That(exact.IsExact(), Is.True, exact.Message);

        var bracket = Wasserstein.Between(Grid, p, particles, W2Options.ProbabilityMeasures with { ExactSecondsBudget = 1e-9 });
        Assert.That(bracket.Method, Does.StartWith(Wasserstein.CellCentreMethod));
        Assert.That(bracket.Message, Does.Contain("a semi-discrete solve would take"));
        Assert.That(bracket.Status, Is.EqualTo(TransportStatus.Optimal));
        double h = Grid.Spacing(0), s = Math.Sqrt(2 * h * h / 12);
        Assert.That(bracket.ErrorBound, Is.GreaterThanOrEqualTo(s * (1 - 1e-12)));
        Assert.That(exact.W2, Is.InRange(bracket.Lower, bracket.Upper), bracket.Message);
    }

    // The estimate follows the evaluation counts measured with the multigrid Newton (validation/transport/grid-particles.md):
    // not far below them (≥ 75 %: the cap, at least the estimate, must not stop solves that would finish) nor far above
    // (≤ 140 %: the guard would refuse solves that fit the budget). The default run's solve (128², 10⁴) is estimated no slower
    // than the exact atomic solve it replaced (Wasserstein.EstimatedExactSeconds), so the default run keeps its method.
    [TestCase(128, 10_000, 9)]
    [TestCase(8, 10_000, 20)]
    [TestCase(128, 100_000, 10)]
    [TestCase(16, 100_000, 14)]
    [TestCase(8, 100_000, 29)]
    [TestCase(128, 1_000_000, 12)]
    public void TheEvaluationCountFollowsTheMeasurements(int cells, int m, int measured)
    {
        Assert.That(Wasserstein.EstimatedSemiDiscreteEvaluations(cells * cells, m), Is.InRange(0.75 * measured, 1.4 * measured));
        if (cells == 128 && m == 10_000)
            Assert.That(Wasserstein.EstimatedSemiDiscreteSeconds(cells * cells, m), Is.LessThanOrEqualTo(Wasserstein.EstimatedExactSeconds(cells * cells, m)));
    }

    // The solver's own wall-clock option (SemiDiscreteOptions.MaxSeconds; the facade does not set it: its results would depend
    // on the machine's speed): a limit of 0 s stops at the first check after the starts,
    // with a message that says the stop depends on the machine's speed; the bracket stays certified.
    [Test]
    public void TheWallClockLimitStopsTheSolveWithACertifiedBracket()
    {
        var p = StandardGaussianCells(Grid);
        var particles = GaussianParticles(2000, seed: 3).Normalized();
        var exact = SemiDiscreteTransport.Solve(Grid, p, particles, SemiDiscreteOptions.Default with { AllowAtomsOutsideBox = true });
        var stopped = SemiDiscreteTransport.Solve(Grid, p, particles, SemiDiscreteOptions.Default with { MaxSeconds = 0, AllowAtomsOutsideBox = true });
        Assert.That(stopped.Status, Is.EqualTo(TransportStatus.IterationLimit));
        Assert.That(stopped.NewtonSteps, Is.Zero);
        Assert.That(stopped.Message, Does.Contain("wall-clock limit").And.Contain("machine's speed"));
        Assert.That(exact.W2, Is.InRange(stopped.Lower, stopped.Upper));
    }

    // A solve that needs more evaluations than its cap stops there (IterationLimit, its bracket still certified: the dual
    // value is a lower bound at any weights, the repaired plan an upper bound), and the facade intersects that bracket with
    // the cell-centre one: the result holds the converged value and is no wider than either.
    [Test]
    public void AtTheEvaluationCapTheIntersectionOfBothBracketsHoldsTheValue()
    {
        var p = StandardGaussianCells(Grid);
        var particles = GaussianParticles(2000, seed: 3);
        var options = W2Options.ProbabilityMeasures;
        var exact = Wasserstein.Between(Grid, p, particles, options);

        var stopped = SemiDiscreteTransport.Solve(Grid, p, particles.Normalized(), SemiDiscreteOptions.Default with { MaxEvaluations = 3, AllowAtomsOutsideBox = true });
        Assert.That(stopped.Status, Is.EqualTo(TransportStatus.IterationLimit), stopped.Message);
        Assert.That(stopped.Message, Does.Contain("cap of 3 cell evaluations"));
        Assert.That(stopped.Evaluations, Is.LessThanOrEqualTo(3));
        Assert.That(exact.W2, Is.InRange(stopped.Lower, stopped.Upper), stopped.Message);

        var capped = Wasserstein.Between(Grid, p, particles, options, maxEvaluations: 3);
        var again = Wasserstein.Between(Grid, p, particles, options, maxEvaluations: 3);
        Assert.That((again.W2, again.ErrorBound, again.Method), Is.EqualTo((capped.W2, capped.ErrorBound, capped.Method)), "nothing measured: the same result");
        var cellCentre = Wasserstein.CellCentreBracket(Grid, p, particles, options);
        Assert.That(capped.Method, Does.StartWith(Wasserstein.CellCentreMethod));
        Assert.That(capped.Message, Does.Contain("semi-discrete transport stopped"));
        Assert.That(exact.W2, Is.InRange(capped.Lower, capped.Upper), capped.Message);
        Assert.That(capped.Lower, Is.GreaterThanOrEqualTo(Math.Max(cellCentre.Lower, stopped.Lower) * (1 - 1e-12)));
        Assert.That(capped.Upper, Is.LessThanOrEqualTo(Math.Min(cellCentre.Upper, stopped.Upper) * (1 + 1e-12)));
    }
}
