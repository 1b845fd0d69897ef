using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Numerics;

namespace FokkerPlanckNtk.Tests.Trust;

/// <summary>
/// Issue 9, defect 1: total masses are compensated sums and two totals are compared with a tolerance derived
/// from the arithmetic (<see cref="MassBalance"/>); the masses the tool makes itself never disagree.
/// </summary>
public class MassBalanceTests
{
    // Σ of m copies of fl(1/m): every term carries the same relative rounding δ, |δ| ≤ u, so the exact sum
    // of the terms is 1 + δ; a compensated sum returns it within 2u (Neumaier), so |total − 1| ≤ 3u.
    [TestCase(100_000)]
    [TestCase(1_000_000)]
    [TestCase(3)]
    public void UniformWeightsTotalOne(int m)
    {
        var atoms = new AtomicMeasure(new double[m], 1);
        Assert.That(Math.Abs(atoms.TotalMass - 1), Is.LessThanOrEqualTo(3 * MassBalance.RoundOff));
        Assert.That(MassBalance.Agree(atoms.TotalMass, m, 1.0, 1), Is.True);
    }

    // Neumaier's sum of values with huge cancellation is exact where the naive sum loses everything.
    [Test]
    public void CompensatedSumIsExactWhereTheNaiveSumFails()
    {
        double[] values = [1e16, 1, -1e16, 1];
        Assert.That(values.Sum(), Is.Not.EqualTo(2.0), "the naive sum loses the ones");
        Assert.That(MassBalance.Total(values), Is.EqualTo(2.0));
        // 10⁶ terms of 0.1: the exact sum of the rounded terms is 10⁵·(1 + 5.55e-17·...) ; the compensated sum is
        // within 2u of it, the naive sum is off by ~1e-6 relative at this size.
        var tenths = Enumerable.Repeat(0.1, 1_000_000).ToArray();
        double exact = (double)(new decimal(0.1) * 1_000_000m);
        Assert.That(Math.Abs(MassBalance.Total(tenths) - exact), Is.LessThanOrEqualTo(2 * MassBalance.RoundOff * exact));
    }

    // The tolerance is the sum of both totals' error bounds: it accepts totals that differ by round-off and
    // refuses a difference of 1e-13 between totals of 10 terms (far above (n + 2)u = 12u per total).
    [Test]
    public void ToleranceComesFromTheArithmetic()
    {
        double u = MassBalance.RoundOff;
        Assert.That(MassBalance.RelativeError(1), Is.EqualTo(3 * u));
        // A normalization by a naive sum of n terms is within (n − 1)u: such weights are always accepted.
        var random = new Random(3);
        var w = Enumerable.Range(0, 1000).Select(_ => random.NextDouble()).ToArray();
        double naive = 0;
        foreach (double v in w) naive += v;
        for (int i = 0; i < w.Length; i++) w[i] /= naive;
        Assert.That(MassBalance.Agree(MassBalance.Total(w), w.Length, 1, 1), Is.True);
        Assert.That(MassBalance.Agree(1, 10, 1 + 4 * u, 10), Is.True);
        Assert.That(MassBalance.Agree(1, 10, 1 + 1e-13, 10), Is.False);
        var error = Assert.Throws<InputException>(() => MassBalance.RequireEqual("a", 1, 10, "b", 1 + 1e-13, 10));
        Assert.That(error!.Message, Does.Contain("b.totalMass").And.Contain("--normalize"));
    }

    // What the tool itself makes: a grid density after many steps (mass 1 up to its drift) against 10⁵
    // particles: compared as probability measures (never refused), while the same masses from explicit
    // weights are refused. (W2 itself at this size runs in the Slow scale suite.)
    [Test]
    public void RunMeasuresNeverDisagree()
    {
        var grid = UniformGrid.Cube(2, 16, 7);
        var p = new double[grid.Count];
        var z = new double[2];
        for (int c = 0; c < grid.Count; c++) { grid.Center(c, z); p[c] = Math.Exp(-0.5 * (z[0] * z[0] + z[1] * z[1])); }
        double scale = (1 + 1e-9) / (p.Sum() * grid.CellVolume); // a drift far above the round-off of 10⁵ terms (2e-11)
        for (int c = 0; c < grid.Count; c++) p[c] *= scale;
        int m = 100_000;
        var positions = new double[2 * m];
        var random = new Random(1);
        for (int i = 0; i < positions.Length; i++) positions[i] = 2 * random.NextDouble() - 1;
        var atoms = new AtomicMeasure(positions, 2, name: "particles");
        var density = AtomicMeasure.FromGrid(grid, p);
        Assert.Throws<InputException>(() => AtomicMeasure.Pair(density, atoms, normalize: false));
        var (a, b) = AtomicMeasure.Pair(density, atoms, W2Options.ProbabilityMeasures.Normalize);
        Assert.That(Math.Abs(a.TotalMass - 1), Is.LessThanOrEqualTo(MassBalance.RelativeError(a.Count)));
        Assert.That(Math.Abs(b.TotalMass - 1), Is.LessThanOrEqualTo(MassBalance.RelativeError(b.Count)));
        Assert.That(Transport1D.MarginalW2Squared(grid, p, atoms, 0, normalize: true), Is.GreaterThan(0));
    }
}
