using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Metrics.SemiDiscrete;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Spectral;

namespace FokkerPlanckNtk.Tests.Metrics;

/// <summary>
/// The damped Newton of the semi-discrete dual on the densities the product path meets (p_t of the PDE against p0, whose
/// cell masses span 20 orders of magnitude), and its stop rule: a solve reported Optimal meets its stated mass tolerance.
/// Inputs are reproduced deterministically from the PDE (the FV solver at α = 1024, the spectral one at α = 1).
/// </summary>
public class GridTransportNewtonTests
{
    // p_t of `fpntk solve --problem:alpha=1024` (FV, auto stepper) at t = 0.1 and the discrete p0, on cells × cells of ±7.
    private static (UniformGrid Grid, double[] P, double[] P0) ProductPathState(int cells, double alpha = 1024, double t = 0.1)
    {
        var model = new FiniteVolumeModel(Problem.Default.With(alpha: alpha), UniformGrid.Cube(2, cells, 7));
        var solver = new PdeSolver(model, new PdeSolverOptions(Stepper: StepperKind.Auto));
        solver.AdvanceTo(t);
        return (model.Grid, solver.Density, model.ReferenceDensity());
    }

    // GridTransport's stop rule; the step cap at the library's default (200): a cold start on these densities crawls in
    // the tail cells at the end (measured: 60 steps leave 1.1e-6 on 32²).
    private static SemiDiscreteOptions GridOptions => SemiDiscreteOptions.Default;

    private static SemiDiscreteResult Solve(UniformGrid grid, double[] p, double[] q) =>
        SemiDiscreteTransport.Solve(grid, p, AtomicMeasure.FromGrid(grid, q, "p0"), GridOptions);

    // Defect: before the constant mode of the components anchored to frozen cells was removed, such a solve (p_t against
    // the cell-centre atoms of p0 from a cold start; measured on the 32² level of the 64² state) stopped at the 60-step cap
    // with mass error 1.1e-4: the Newton directions were one shift of −312 ± 0.07 over the bulk, which the per-atom caps
    // (0.19) turned into an offset, and the masses did not move for 20 steps. Now it meets the stated tolerance within the cap.
    [Test]
    public void TheProductPathDensityAtAlpha1024Converges()
    {
        var (grid, p, p0) = ProductPathState(32);
        var r = Solve(grid, p, p0);
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        Assert.That(r.MassError, Is.LessThanOrEqualTo(GridOptions.FrozenMassTolerance), r.Message);
        Assert.That(r.LowerSquared, Is.LessThanOrEqualTo(r.UpperSquared));
        TestContext.Out.WriteLine(r.Message);
    }

    // Defect: the Newton was sensitive to round-off-level changes of its input (the NTK-regime study saw a state stop at
    // its cap that the same grid solved when reached by another time path): the shift above is the net mass error of a
    // component over facet weights of nearly empty cells, both at round-off. Now a relative change of 1e-13 of the input
    // leaves the status and the value: both stop with mass error ≤ 1e-6 after Φ stagnated (three steps raising it by
    // < ValueTolerance = 1e-6 relative), so each is within a few ValueTolerance of the optimum: 1e-5 relative.
    [Test]
    public void ARoundOffChangeOfTheInputLeavesTheSolve()
    {
        var (grid, p, p0) = ProductPathState(32);
        var perturbed = new double[p.Length];
        for (int c = 0; c < p.Length; c++) perturbed[c] = p[c] * (1 + 1e-13 * Math.Sin(7.3 * c));
        double mass = perturbed.Sum() / p.Sum();
        for (int c = 0; c < p.Length; c++) perturbed[c] /= mass;
        var a = Solve(grid, p, p0);
        var b = Solve(grid, perturbed, p0);
        Assert.That(a.Status, Is.EqualTo(TransportStatus.Optimal), a.Message);
        Assert.That(b.Status, Is.EqualTo(TransportStatus.Optimal), b.Message);
        Assert.That(Math.Abs(a.W2Squared - b.W2Squared), Is.LessThanOrEqualTo(1e-5 * a.W2Squared), $"{a.Message}; {b.Message}");
    }

    // The stop rule: Optimal exactly when the stated tolerance holds (the defect: Optimal at a mass error up to
    // FrozenMassTolerance = 1e-2, e.g. 3.5e-3 on the 64² product-path density, a stalled Newton read as converged). A solve
    // cut off before it gets there is IterationLimit, with no value-gap estimate, and its bracket still holds the value.
    [Test]
    public void OptimalMeansTheStatedToleranceHolds()
    {
        var (grid, p, p0) = ProductPathState(32);
        Assert.That(SemiDiscreteOptions.Default.FrozenMassTolerance, Is.LessThanOrEqualTo(1e-6));
        var full = Solve(grid, p, p0);
        Assert.That(full.Status, Is.EqualTo(TransportStatus.Optimal), full.Message);
        double allowed = Math.Max(GridOptions.MassTolerance, GridOptions.FrozenMassTolerance);
        Assert.That(full.MassError, Is.LessThanOrEqualTo(allowed), full.Message);
        Assert.That(full.Message, Does.Contain("≤"));
        Assert.That(full.ValueGapEstimate, Is.GreaterThanOrEqualTo(0).And.LessThan(1e-4 * full.W2Squared), full.Message);

        var cut = SemiDiscreteTransport.Solve(grid, p, AtomicMeasure.FromGrid(grid, p0, "p0"), GridOptions with { MaxNewtonSteps = 2 });
        TestContext.Out.WriteLine($"{full.Message}; cut: {cut.Message}");
        Assert.That(cut.MassError, Is.GreaterThan(allowed), "the cut-off solve must stop above the tolerance for this test");
        Assert.That(cut.Status, Is.EqualTo(TransportStatus.IterationLimit), cut.Message);
        Assert.That(cut.ValueGapEstimate, Is.NaN);
        // The dual value is a certified lower bound at any weights: below the converged one, which the cut bracket holds.
        Assert.That(full.W2Squared, Is.InRange(cut.LowerSquared, cut.UpperSquared));
    }

    // The product path end to end on a grid the hierarchy coarsens (32 → 16 → 8): Optimal, the value inside the certified
    // bracket, and the error estimate (|W2_h − W2_2h| plus the value gaps) below the value (a number, not a bracket).
    [Test]
    public void TheProductPathW2IsOptimalWithItsBracket()
    {
        var (grid, p, p0) = ProductPathState(32);
        var r = Wasserstein.Between(grid, p, p0, W2Options.ProbabilityMeasures);
        Assert.That(r.Method, Is.EqualTo(GridTransport.Method));
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        Assert.That(r.W2, Is.InRange(r.CertifiedLower, r.CertifiedUpper), r.Message);
        Assert.That(r.ErrorBound, Is.LessThan(r.W2), r.Message);
        TestContext.Out.WriteLine(r.Message);
    }

    // Defect (NTK-regime study, reproduced by the spectral helper): α = 1, t = 2.5, 128² of ±6, the spectral p_t's exact cell
    // averages against p0's: IterationLimit, "stopped after 60 Newton steps (mass error 0.0473)", error estimate 0.93 for
    // W2 ≈ 0.2264. Now Optimal with an error estimate of the grid's order (64² and 128² of ±7 gave 0.22707 ± 1.2e-3,
    // 0.22737 ± 5.4e-4: 1% covers both).
    [Test, Category("Slow")]
    public void TheNtkStudyStateAtAlpha1Converges()
    {
        var model = new SpectralModel(Problem.Default.With(alpha: 1), new SpectralBasis([256, 24]));
        var solver = new SpectralSolver(model, new SpectralSolverOptions(1e-10));
        solver.AdvanceTo(2.5);
        var grid = UniformGrid.Cube(2, 128, 6);
        var p = model.CellAverages(solver.Coefficients, grid);
        var unit = new double[model.Count];
        unit[0] = 1;
        var p0 = model.CellAverages(unit, grid);
        for (int c = 0; c < p.Length; c++) p[c] = Math.Max(0, p[c]);
        var r = Wasserstein.Between(grid, p, p0, W2Options.ProbabilityMeasures);
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        Assert.That(r.ErrorBound, Is.LessThanOrEqualTo(0.01 * r.W2), r.Message);
        Assert.That(r.W2, Is.InRange(0.2264 - 0.01, 0.2274 + 0.01), r.Message);
        TestContext.Out.WriteLine(r.Message);
    }
}
