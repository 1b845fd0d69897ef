using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Tests.Metrics;

/// <summary>
/// The exact W2's wall-time budget under load: the idle-machine estimate over the CPU share a thread gets. Tested on the
/// formula and the decision with the share given (no timing), and on the probe's range.
/// </summary>
public class ExactBudgetTests
{
    private const double Budget = 10; // W2Options.ExactSecondsBudget's default

    // 128² cells against 10⁴ particles (the default run's PDE-vs-particles W2): 1.5 s on idle cores (measured 1.8 s at a full
    // core's share, validation/transport/exact-budget.md), within the budget; at a 1/8 share it takes 12 s, over it.
    [Test]
    public void TheEstimateIsTheIdleOneOverTheShare()
    {
        int n = 128 * 128, m = 10_000;
        double idle = Wasserstein.EstimatedExactSeconds(n, m);
        Assert.That(Wasserstein.EstimatedExactSecondsAtShare(n, m, 1), Is.EqualTo(idle));
        Assert.That(Wasserstein.EstimatedExactSecondsAtShare(n, m, 0.125), Is.EqualTo(8 * idle));

        int probes = 0;
        Assert.That(Wasserstein.ExceedsExactBudget(n, m, Budget, out double estimate, () => { probes++; return 1; }), Is.False);
        Assert.That(estimate, Is.EqualTo(idle));
        Assert.That(Wasserstein.ExceedsExactBudget(n, m, Budget, out estimate, () => { probes++; return 0.125; }), Is.True);
        Assert.That(estimate, Is.EqualTo(8 * idle));
        Assert.That(probes, Is.EqualTo(2), "near the budget the share is measured");
    }

    // Far from the budget no probe runs: above it the idle estimate already refuses; at ≤ 1/100 of it even the smallest share
    // (CpuShare.Minimum = 1/100) keeps the solve within budget, so small problems take the same method under any load.
    [Test]
    public void FarFromTheBudgetTheIdleEstimateDecidesAlone()
    {
        Func<double> probe = () => throw new AssertionException("no probe expected");
        Assert.That(Wasserstein.ExceedsExactBudget(128 * 128, 100_000, Budget, out double estimate, probe), Is.True);
        Assert.That(estimate, Is.EqualTo(Wasserstein.EstimatedExactSeconds(128 * 128, 100_000)));
        Assert.That(Wasserstein.ExceedsExactBudget(24 * 24, 500, Budget, out estimate, probe), Is.False);
        Assert.That(estimate / CpuShare.Minimum, Is.LessThanOrEqualTo(Budget), "within budget even at the smallest share");
        Assert.That(Wasserstein.ExceedsExactBudget(128 * 128, 100_000, double.PositiveInfinity, out _, probe), Is.False, "no budget: exact");
    }

    // CPU over wall time, clamped to [1/100, 1]: a thread cannot use more than one core, and the probe ends after 0.5 s.
    [Test]
    public void TheShareIsAFractionOfOneCore()
    {
        Assert.That(CpuShare.Clamp(0.02, 0.16), Is.EqualTo(0.125));
        Assert.That(CpuShare.Clamp(0.021, 0.02), Is.EqualTo(1), "clock granularity cannot give more than a core");
        Assert.That(CpuShare.Clamp(0, 0.5), Is.EqualTo(CpuShare.Minimum));
        Assert.That(CpuShare.Clamp(0, 0), Is.EqualTo(1));
        Assert.That(CpuShare.Measure(), Is.InRange(CpuShare.Minimum, 1));
    }
}
