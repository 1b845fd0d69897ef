using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Tests.Particles;

/// <summary>
/// The particle measures on the path the product runs: <see cref="ParticleRecord.Measure"/> (particles.csv) and
/// <see cref="ComparisonRecord.Between"/> (comparison.csv), which the run's series call.
/// </summary>
public class ParticleMeasuresTests
{
    /// <summary>m particles all at z0 (through the state constructor).</summary>
    private static ParticleSystem PointMass(int m, double theta, double u)
    {
        var z = new double[2 * m];
        for (int j = 0; j < m; j++) { z[2 * j] = theta; z[2 * j + 1] = u; }
        return new ParticleSystem(Problem.Default, new ParticleSystem.State(m, 2, 0.01, 1, 0, z));
    }

    private static double[] Uniform(UniformGrid grid) => Enumerable.Repeat(1 / (grid.Count * grid.CellVolume), grid.Count).ToArray();

    /// <summary>A PDE record of a given density and residuals at t = 0 (only the fields the comparison reads matter).</summary>
    private static PdeRecord PdeRecordOf(double[] density, double[] residuals) =>
        new(new PdeDiagnostics(0, 0, 0, 0, 0, 1, 0, 0, residuals), 0, density, new W2Value(0, 0, ""));

    // A point mass δ_z0 against the uniform density on [−B, B]²: every plan is optimal, so W2² = |z0|² + Σ_k Var_k
    // exactly, with Var = B²/3 per axis for the piecewise-constant density (the joint W2 the product runs, semi-discrete,
    // and each 1D marginal) and Var = B²/3 − Δ²/12 for the cells as atoms at their centres (the atomic method, on request).
    // Round-off only: 1e-10 (the semi-discrete bracket's half-width is asserted below that).
    [Test]
    public void PointMassAgainstUniformDensityHasClosedForms()
    {
        var grid = UniformGrid.Cube(2, 16, 2.0);
        var system = PointMass(100, 0.3, -0.7);
        var particles = ParticleRecord.Measure(system, grid);
        var pde = PdeRecordOf(Uniform(grid), [0.1, 0.2, 0.3, 0.4]);
        var comparison = ComparisonRecord.Between(pde, particles, grid);
        Assert.That(comparison.W2.Method, Is.EqualTo(Wasserstein.SemiDiscreteMethod));
        Assert.That(comparison.W2.ErrorBound, Is.LessThan(1e-10));
        Assert.That(comparison.W2.Value * comparison.W2.Value, Is.EqualTo(0.09 + 0.49 + 2 * 4.0 / 3).Within(1e-10));
        var atomic = Wasserstein.Between(grid, Uniform(grid), ParticleMeasures.Atoms(particles.Positions, 2), W2Options.ProbabilityMeasures with { Atomic = true });
        double atomVar = 4.0 / 3 - grid.Spacing(0) * grid.Spacing(0) / 12;
        Assert.That(atomic.Method, Is.EqualTo(Wasserstein.ExactSimplex));
        Assert.That(atomic.W2Squared, Is.EqualTo(0.09 + 0.49 + 2 * atomVar).Within(1e-10));
        Assert.That(comparison.W2Theta * comparison.W2Theta, Is.EqualTo(0.09 + 4.0 / 3).Within(1e-10));
        Assert.That(comparison.W2U * comparison.W2U, Is.EqualTo(0.49 + 4.0 / 3).Within(1e-10));
        Assert.That(comparison.MaxResidualDifference, Is.EqualTo(system.Residuals.ToArray().Select((r, i) => Math.Abs(r - 0.1 * (i + 1))).Max()));
    }

    // 5000 particles against a 64² density: the product's semi-discrete W2 of the piecewise-constant density (closed
    // form |z0|² + 2B²/3) and, on request, the atomic method above the dense solver's size (5000 × 4096 pairs > 4096²:
    // column generation, exact and certified by pricing every pair, or beyond its budget a certified bracket), closed
    // form |z0|² + 2(B²/3 − Δ²/12). Each closed form must lie in its method's [W2 − error, W2 + error] (to round-off).
    [Test]
    public void LargeProblemsGetACertifiedBracket()
    {
        var grid = UniformGrid.Cube(2, 64, 2.0);
        var particles = ParticleRecord.Measure(PointMass(5000, 0.3, -0.7), grid);
        var pde = PdeRecordOf(Uniform(grid), [0, 0, 0, 0]);
        foreach (var (options, variance) in new[]
        {
            (W2Options.ProbabilityMeasures, 4.0 / 3),
            (W2Options.ProbabilityMeasures with { Atomic = true }, 4.0 / 3 - grid.Spacing(0) * grid.Spacing(0) / 12),
        })
        {
            var w2 = ComparisonRecord.Between(pde, particles, grid, options).W2;
            double exact = Math.Sqrt(0.58 + 2 * variance);
            Assert.That(exact, Is.InRange((w2.Value - w2.ErrorBound) * (1 - 1e-12), (w2.Value + w2.ErrorBound) * (1 + 1e-12)), w2.Method);
        }
    }

    // All m particles in one histogram cell b, whose reference mass is q = p_b V: the histogram is 1/V on b and 0
    // elsewhere, so KL(h‖p) = −log q and χ²(h‖p) = (1 − q)²/q + (1 − q) = 1/q − 1 exactly. q from the normalized
    // cell-centre Gaussian of the histogram grid, computed here independently. Round-off: 1e-12 relative.
    [Test]
    public void BinnedDivergencesOfAPointMassHaveClosedForms()
    {
        var grid = UniformGrid.Cube(2, 64, 7);
        var system = PointMass(1000, 0.3, -0.7);
        var bins = ParticleMeasures.HistogramGrid(grid, system.Count);
        Assert.That(bins.Cells, Is.EqualTo(new[] { 10, 10 }), "⌊(1000/10)^(1/2)⌋ cells per axis");
        double Weight(double t, double u) => Math.Exp(-0.5 * (t * t + u * u));
        double total = 0, mine = 0;
        var center = new double[2];
        for (int c = 0; c < bins.Count; c++)
        {
            bins.Center(c, center);
            total += Weight(center[0], center[1]);
            if (Math.Abs(center[0] - 0.3) <= bins.Spacing(0) / 2 && Math.Abs(center[1] + 0.7) <= bins.Spacing(1) / 2) mine = Weight(center[0], center[1]);
        }
        double q = mine / total;
        var record = ParticleRecord.Measure(system, grid);
        Assert.That(record.BinnedKlP0, Is.EqualTo(-Math.Log(q)).Within(1e-12 * Math.Abs(Math.Log(q))));
        Assert.That(record.BinnedChi2P0, Is.EqualTo(1 / q - 1).Within(1e-12 / q));
    }

    // count/(m·V) per cell: particles at the centres of known cells give exact values; a particle outside the box is
    // counted in the nearest boundary cell, so the histogram keeps mass 1.
    [Test]
    public void HistogramCountsParticlesPerCell()
    {
        var grid = new UniformGrid([4, 2], [2.0, 1.0]); // cells 1 × 1
        double[] positions = [-1.5, -0.5, -1.5, -0.5, 0.5, 0.5, 3.0, 0.0];
        var h = ParticleMeasures.Histogram(grid, positions);
        Assert.That(h[grid.Stride(0) * 0 + 0], Is.EqualTo(0.5));
        Assert.That(h[grid.Stride(0) * 2 + 1], Is.EqualTo(0.25));
        Assert.That(h[grid.Stride(0) * 3 + 1], Is.EqualTo(0.25), "θ = 3 lies beyond the last θ cell [1, 2]");
        Assert.That(h.Sum() * grid.CellVolume, Is.EqualTo(1));
    }

    [TestCase(128, 10_000, 31)]   // ⌊√1000⌋
    [TestCase(128, 100, 3)]       // ⌊√10⌋
    [TestCase(128, 10_000_000, 128)] // ⌊√10⁶⌋ = 1000, clamped to the grid
    [TestCase(16, 10, 2)]         // at least 2
    public void HistogramGridHoldsAboutTenParticlesPerCell(int cells, int m, int expected) =>
        Assert.That(ParticleMeasures.HistogramGrid(UniformGrid.Cube(2, cells, 7), m).Cells, Is.EqualTo(new[] { expected, expected }));

    // Acceptance: the same seed gives identical particles.csv and comparison.csv rows with 1 thread and with 2.
    [Test]
    public void RowsAreByteIdenticalForOneAndTwoThreads()
    {
        var problem = Problem.Default;
        var grid = UniformGrid.Cube(2, 32, 7);
        var pde = new PdeSolver(new FiniteVolumeModel(problem, grid));
        pde.AdvanceTo(0.2);
        var pdeRecord = PdeRecord.Measure(pde);
        string Run(int threads)
        {
            int saved = Parallelism.Threads;
            try
            {
                Parallelism.Threads = threads;
                var system = new ParticleSystem(problem, 1500, 0.01, seed: 9);
                var first = ParticleRecord.Measure(system, grid);
                system.AdvanceTo(0.2);
                var second = ParticleRecord.Measure(system, grid);
                return RunTables.Particles([0, 0.2], [first, second]) + RunTables.Comparison([0.2], [ComparisonRecord.Between(pdeRecord, second, grid)]).ToString();
            }
            finally { Parallelism.Threads = saved; }
        }
        string one = Run(1), two = Run(2);
        TestContext.Out.WriteLine(one);
        Assert.That(two, Is.EqualTo(one));
    }
}
