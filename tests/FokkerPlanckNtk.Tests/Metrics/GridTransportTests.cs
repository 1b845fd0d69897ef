using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Metrics.SemiDiscrete;
using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Tests.Support;

namespace FokkerPlanckNtk.Tests.Metrics;

/// <summary>
/// W2 of piecewise-constant grid densities (the facade's 2D grid–grid method). References: the exact 1D
/// piecewise-constant W2 for product measures (W2² is the sum of the marginal W2², the cost separating), Bures'
/// closed form for rotated Gaussians (the piecewise-constant densities differ from the Gaussians by O(h²)),
/// and translations by whole cells (W2² = |a|² exactly).
/// </summary>
public class GridTransportTests
{
    // Cell averages of N(mean, cov) by 6-point Gauss–Legendre per axis, normalized to mass 1 on the grid.
    internal static double[] CellAverages(UniformGrid grid, double[] mean, double[,] cov) => GaussianCells.Averages(grid, mean, cov, order: 6);

    // The perturbations of N(0, I) of the acceptance list (GaussianCells.Perturbed in 2D).
    internal static (double[] Mean, double[,] Cov) Perturbed(string kind, double d) => GaussianCells.Perturbed(2, kind, d);

    private static double ExactProductW2(UniformGrid grid, double[] p, double[] q) => GaussianCells.ExactProductW2(grid, p, q);

    private static readonly double[,] Identity = GaussianCells.Identity(2);

    // Acceptance: relative error ≤ 1% at 64² for δ ≥ 0.01 (measured: ≤ 0.7%, validation/transport), and the
    // error estimate covers the true error (measured true/estimate ≤ 0.7 on these cases).
    [TestCase("shift", 0.01)]
    [TestCase("scale", 0.01)]
    [TestCase("shift", 0.1)]
    [TestCase("scale", 0.1)]
    [TestCase("scale", 1.0)]
    public void ProductGaussiansMatchTheExactOneDimensionalW2(string kind, double d)
    {
        var grid = UniformGrid.Cube(2, 64, 7);
        var (mean, cov) = Perturbed(kind, d);
        var p = CellAverages(grid, mean, cov);
        var q = CellAverages(grid, [0, 0], Identity);
        double exact = ExactProductW2(grid, p, q);
        var r = Wasserstein.Between(grid, p, q);
        Assert.That(r.Method, Is.EqualTo(GridTransport.Method));
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        Assert.That(Math.Abs(r.W2 - exact), Is.LessThanOrEqualTo(0.01 * exact), r.Message);
        Assert.That(Math.Abs(r.W2 - exact), Is.LessThanOrEqualTo(r.ErrorBound), r.Message);
        Assert.That(exact, Is.InRange(r.CertifiedLower, r.CertifiedUpper));
        TestContext.Out.WriteLine($"{kind} δ = {d}: W2 {r.W2:G6} ± {r.ErrorBound:G2}, exact {exact:G6}, relative error {(r.W2 - exact) / exact:E2}, {r.Seconds:F1} s");
    }

    // Acceptance for non-product measures: within 1% of Bures' closed form at 64² (measured 0.34%, 0.22%);
    // the certified lower end is at least Gelbrich's bound of the exact moments and at most the value.
    [TestCase(0.01)]
    [TestCase(0.1)]
    public void RotatedGaussiansAreWithinOnePercentOfBures(double d)
    {
        var grid = UniformGrid.Cube(2, 64, 7);
        var (mean, cov) = Perturbed("rotate", d);
        var p = CellAverages(grid, mean, cov);
        var q = CellAverages(grid, [0, 0], Identity);
        double bures = GaussianDistances.W2(new GaussianLaw(mean, cov), GaussianLaw.Standard(2));
        var r = Wasserstein.Between(grid, p, q);
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        Assert.That(Math.Abs(r.W2 - bures), Is.LessThanOrEqualTo(0.01 * bures), r.Message);
        double gelbrich = Math.Sqrt(MeasureMoments.BuresSquared(MeasureMoments.Of(grid, p), MeasureMoments.Of(grid, q)));
        Assert.That(r.CertifiedLower, Is.GreaterThanOrEqualTo(gelbrich * (1 - 1e-12)));
        Assert.That(r.W2, Is.InRange(r.CertifiedLower, r.CertifiedUpper));
        TestContext.Out.WriteLine($"rotate δ = {d}: W2 {r.W2:G6} ± {r.ErrorBound:G2}, Bures {bures:G6}, relative {(r.W2 - bures) / bures:E2}; {r.Message}");
    }

    // Acceptance: convergence order ≥ 1.5 in h at fixed δ against the exact piecewise-constant W2 (measured ≈ 2).
    [TestCase("shift")]
    [TestCase("scale")]
    public void ConvergesAtSecondOrder(string kind) => CheckOrder(kind, [32, 64]);

    [TestCase("shift"), Category("Slow")]
    [TestCase("scale"), Category("Slow")]
    public void ConvergesAtSecondOrderOn128(string kind) => CheckOrder(kind, [64, 128]);

    private static void CheckOrder(string kind, int[] cells) =>
        Assert.That(GaussianCells.ConvergenceOrder(2, kind, 0.01, cells, quadratureOrder: 6), Is.GreaterThanOrEqualTo(1.5));

    // A density shifted by whole cells: W2² = |a|² (W2 ≥ |mean difference|, the shift is a coupling). Both
    // semi-discrete problems are then solved by the shifted Voronoi diagram, so the symmetrized value is exact up
    // to the Newton tolerance (mass error 1e-10 relative; measured relative error of W2² below 1e-8).
    [Test]
    public void TranslationByWholeCellsIsExact()
    {
        var grid = UniformGrid.Cube(2, 32, 4);
        int sx = 3, sy = -2;
        var p = new double[grid.Count];
        var z = new double[2];
        for (int c = 0; c < grid.Count; c++)
        {
            grid.Center(c, z);
            double r2 = (z[0] + 0.4) * (z[0] + 0.4) / 1.5 + (z[1] - 0.3) * (z[1] - 0.3);
            p[c] = r2 < 4 ? Math.Pow(4 - r2, 2) * (1 + 0.3 * Math.Sin(3 * z[0])) : 0;
        }
        double norm = p.Sum() * grid.CellVolume;
        for (int c = 0; c < p.Length; c++) p[c] /= norm;
        var q = new double[grid.Count];
        for (int c = 0; c < grid.Count; c++)
            if (p[c] > 0) q[(c / 32 + sx) * 32 + c % 32 + sy] = p[c];
        double h = grid.Spacing(0);
        double exact = (sx * sx + sy * sy) * h * h;
        var r = GridTransport.Between(grid, p, q);
        Assert.That(r.W2Squared, Is.EqualTo(exact).Within(1e-8 * exact), r.Message);
        Assert.That(Math.Sqrt(exact), Is.InRange(r.CertifiedLower * (1 - 1e-12), r.CertifiedUpper));
    }

    // The work cap (output.w2Seconds in the idle cost model, GridTransport.WorkCap): a cap too small for the solves stops
    // them where their next cell evaluation would pass it, the same way on any machine and load, and the result is only the
    // certified bracket of the stopped solves, labelled (method, status, message): the exact W2 (the 1D product formula) lies
    // in it. Cap 0 (output.w2Seconds = 0): the starts only; 10⁴ units (10 evaluations of the 32² level): the coarse levels
    // finish, the finest stops. Through the facade, the budget maps to the cap.
    [Test]
    public void AWorkCapGivesTheCertifiedBracketOfTheStoppedSolves()
    {
        var grid = UniformGrid.Cube(2, 32, 7);
        var (mean, cov) = Perturbed("shift", 0.1);
        var p = CellAverages(grid, mean, cov);
        var q = CellAverages(grid, [0, 0], Identity);
        double exact = ExactProductW2(grid, p, q);
        var full = GridTransport.Between(grid, p, q, normalize: true);
        Assert.That(full.Method, Is.EqualTo(GridTransport.Method));
        foreach (double cap in new[] { 0.0, 1e4 })
        {
            var r = GridTransport.Between(grid, p, q, maxWork: cap);
            TestContext.Out.WriteLine($"cap {cap}: W2 {r.W2:G6} ± {r.ErrorBound:G2}, bracket [{r.Lower:G6}, {r.Upper:G6}], exact {exact:G6}; {r.Message}");
            Assert.That(r.Method, Is.EqualTo(GridTransport.CappedMethod));
            Assert.That(r.Status, Is.EqualTo(TransportStatus.IterationLimit), r.Message);
            Assert.That(r.Message, Does.StartWith("stopped by the work cap"));
            Assert.That(exact, Is.InRange(r.Lower, r.Upper), r.Message);
            // The bracket is the certified one (value = its midpoint).
            Assert.That(r.Lower, Is.EqualTo(r.CertifiedLower).Within(1e-15));
            Assert.That(r.Upper, Is.EqualTo(r.CertifiedUpper).Within(1e-15));
            var again = GridTransport.Between(grid, p, q, maxWork: cap);
            Assert.That((again.W2, again.ErrorBound, again.Message), Is.EqualTo((r.W2, r.ErrorBound, r.Message)), "deterministic");
        }
        var budget0 = Wasserstein.Between(grid, p, q, W2Options.ProbabilityMeasures with { ExactSecondsBudget = 0 });
        Assert.That(budget0.Method, Is.EqualTo(GridTransport.CappedMethod));
        Assert.That(budget0.W2, Is.EqualTo(GridTransport.Between(grid, p, q, true, default, 0).W2));
        Assert.That(Wasserstein.Between(grid, p, q, W2Options.ProbabilityMeasures).W2, Is.EqualTo(full.W2), "the default budget holds this case");
    }

    // The budget in seconds maps to the work cap by the idle cost model (GridTransport.SecondsPerCellEvaluation): linear, 0 for
    // 0, none for ∞; bad caps are refused by name.
    [Test]
    public void TheBudgetMapsToTheWorkCap()
    {
        Assert.That(GridTransport.WorkCap(2, 10), Is.EqualTo(10 / GridTransport.SecondsPerCellEvaluation(2)));
        Assert.That(GridTransport.WorkCap(3, 10), Is.EqualTo(10 / GridTransport.SecondsPerCellEvaluation(3)));
        Assert.That(GridTransport.WorkCap(2, 0), Is.Zero);
        Assert.That(GridTransport.WorkCap(2, double.PositiveInfinity), Is.EqualTo(double.PositiveInfinity));
        var grid = UniformGrid.Cube(2, 8, 3);
        var p = CellAverages(grid, [0, 0], Identity);
        Assert.That(() => GridTransport.Between(grid, p, p, maxWork: double.NaN), Throws.TypeOf<InputException>().With.Message.Contains("maxWork"));
    }

    [Test]
    public void IdenticalDensitiesAreAtDistanceZero()
    {
        var grid = UniformGrid.Cube(2, 24, 5);
        var (mean, cov) = Perturbed("rotate", 0.2);
        var p = CellAverages(grid, mean, cov);
        var r = GridTransport.Between(grid, p, p);
        Assert.That(r.W2, Is.LessThan(1e-6), r.Message);
        Assert.That(r.CertifiedLower, Is.EqualTo(0).Within(1e-7));
    }

    [Test]
    public void AtomicMethodStaysAvailable()
    {
        var grid = UniformGrid.Cube(2, 16, 4);
        var p = CellAverages(grid, [0.2, 0], Identity);
        var q = CellAverages(grid, [0, 0], Identity);
        var r = Wasserstein.Between(grid, p, q, new W2Options { Atomic = true });
        Assert.That(r.Method, Is.EqualTo(Wasserstein.ExactSimplex));
        Assert.That(Wasserstein.Between(grid, p, q).Method, Is.EqualTo(GridTransport.Method));
    }

    [Test]
    public void BadInputIsNamed()
    {
        var grid = UniformGrid.Cube(2, 16, 4);
        var p = CellAverages(grid, [0.2, 0], Identity);
        var q = p.Select(v => 1.5 * v).ToArray();
        Assert.That(() => GridTransport.Between(grid, p, q), Throws.TypeOf<InputException>().With.Message.StartsWith("q.totalMass"));
        Assert.That(GridTransport.Between(grid, p, q, normalize: true).W2, Is.LessThan(1e-6));
        var negative = (double[])p.Clone();
        negative[5] = -1;
        Assert.That(() => GridTransport.Between(grid, negative, p), Throws.TypeOf<InputException>().With.Message.StartsWith("p"));
        var hypercube = UniformGrid.Cube(4, 3, 2);
        Assert.That(() => GridTransport.Between(hypercube, new double[81], new double[81]), Throws.TypeOf<InputException>().With.Message.StartsWith("density.dimension = 4"));
    }
}
