using System.Globalization;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Tests.Particles;

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

    // A point mass δ_z0 against the uniform density on [−B, B]²: all transport plans are optimal, so
    // W2² = |z0|² + Σ_k Var_k exactly, with Var = B²/3 for the piecewise-constant marginal (1D, exact) and
    // B²/3 − Δ²/12 for the cell-centre atoms (the exact simplex). Round-off only: 1e-10.
    [Test]
    public void PointMassAgainstUniformDensityHasClosedForms()
    {
        var grid = UniformGrid.Cube(2, 16, 2.0);
        var p = Uniform(grid);
        var system = PointMass(100, 0.3, -0.7);
        double b2 = 4.0 / 3, atomVar = b2 - grid.Spacing(0) * grid.Spacing(0) / 12;
        var atoms = ParticleMeasures.Atoms(system);
        var result = ParticleMeasures.W2(atoms, grid, p);
        double w2 = result.W2;
        Assert.That(result.Method, Is.EqualTo(Wasserstein.ExactSimplex));
        Assert.That(w2 * w2, Is.EqualTo(0.09 + 0.49 + 2 * atomVar).Within(1e-10));
        Assert.That(Math.Pow(ParticleMeasures.MarginalW2(atoms, grid, p, 0), 2), Is.EqualTo(0.09 + b2).Within(1e-10));
        Assert.That(Math.Pow(ParticleMeasures.MarginalW2(atoms, grid, p, 1), 2), Is.EqualTo(0.49 + b2).Within(1e-10));

        var row = ParticleMeasures.Compare(system, [0.1, 0.2, 0.3, 0.4], grid, p);
        Assert.That(row.W2, Is.EqualTo(w2));
        Assert.That(row.W2Theta * row.W2Theta, Is.EqualTo(0.09 + b2).Within(1e-10));
        Assert.That(row.MaxAbsDr, Is.EqualTo(system.Residuals.ToArray().Select((r, i) => Math.Abs(r - 0.1 * (i + 1))).Max()));
    }

    // Above the dense solver's size (4096² particle–cell pairs) W2 comes from the column-generation solver (exact,
    // certified by pricing every pair) or, beyond its budget, a certified bracket: either way the closed form
    // |z0|² + Σ Var_k must lie inside [Lower, Upper] (a point for the exact solve, to round-off).
    [Test]
    public void LargeProblemsGetACertifiedBracket()
    {
        var grid = UniformGrid.Cube(2, 64, 2.0);
        var p = Uniform(grid);
        var system = PointMass(5000, 0.3, -0.7); // 5000 × 4096 pairs > 4096²
        var result = ParticleMeasures.W2(ParticleMeasures.Atoms(system), grid, p);
        double exact = Math.Sqrt(0.58 + 2 * (4.0 / 3 - grid.Spacing(0) * grid.Spacing(0) / 12));
        Assert.That(exact, Is.InRange(result.Lower * (1 - 1e-12), result.Upper * (1 + 1e-12)), result.Message);
        var row = ParticleMeasures.Compare(system, [0, 0, 0, 0], grid, p);
        Assert.That(row.W2, Is.EqualTo(result.W2));
        Assert.That(row.W2Method, Does.StartWith(result.Method));
    }

    // Histogram equal to the density: KL = χ² = 0. Then one bin's particles moved to another bin: q = 2p on one
    // bin and 0 on one, so KL = (2pV)·log 2 = log 2 / 8 and χ² = 2pV = 1/8 exactly (16 bins of mass 1/16).
    [Test]
    public void BinnedDivergencesOfExactHistograms()
    {
        var grid = UniformGrid.Cube(2, 4, 2.0);
        var p = Uniform(grid);
        const int perCell = 5;
        var z = new List<double>();
        var center = new double[2];
        for (int c = 0; c < grid.Count; c++)
        {
            grid.Center(c, center);
            int copies = c == 0 ? 0 : c == 5 ? 2 * perCell : perCell;
            for (int j = 0; j < copies; j++) z.AddRange(center);
        }
        var moved = new ParticleSystem(Problem.Default, new ParticleSystem.State(z.Count / 2, 2, 0.01, 1, 0, [.. z]));
        var (kl, chi2) = ParticleMeasures.BinnedDivergences(moved, grid, p, 1);
        Assert.That(kl, Is.EqualTo(Math.Log(2) / 8).Within(1e-15));
        Assert.That(chi2, Is.EqualTo(1.0 / 8).Within(1e-15));

        z.Clear();
        for (int c = 0; c < grid.Count; c++) { grid.Center(c, center); for (int j = 0; j < perCell; j++) z.AddRange(center); }
        var even = new ParticleSystem(Problem.Default, new ParticleSystem.State(z.Count / 2, 2, 0.01, 1, 0, [.. z]));
        var (kl0, chi20) = ParticleMeasures.BinnedDivergences(even, grid, p, 1);
        Assert.That(kl0, Is.EqualTo(0).Within(1e-15));
        Assert.That(chi20, Is.EqualTo(0).Within(1e-15));
        // Coarsened by 2: four bins each holding a quarter of the particles and of the mass.
        var (klc, chi2c) = ParticleMeasures.BinnedDivergences(even, grid, p, 2);
        Assert.That(klc, Is.EqualTo(0).Within(1e-15));
        Assert.That(chi2c, Is.EqualTo(0).Within(1e-15));
    }

    [TestCase(128, 10_000, 8)]  // 16² = 256 ≤ 500 bins, 32² = 1024 > 500
    [TestCase(128, 100, 64)]    // 2² = 4 ≤ 5
    [TestCase(128, 10_000_000, 1)]
    [TestCase(96, 10_000, 6)]   // 16² = 256 ≤ 500, 24² = 576 > 500 (f = 4)
    public void BinFactorLeavesAboutTwentyParticlesPerBin(int cells, int m, int expected) =>
        Assert.That(ParticleMeasures.BinFactor(UniformGrid.Cube(2, cells, 7), m), Is.EqualTo(expected));

    [Test]
    public void CsvRowsAreRoundTripAndInvariant()
    {
        var row = new ParticleRow(0.1, 1.0 / 3, 0.25, 2e-17, 0.5, [-0.1, 1e300]);
        Assert.That(ParticleRow.Header(2), Is.EqualTo("t,loss,kl_p0,chi2_p0,w2_p0,r1,r2"));
        Assert.That(row.ToCsvLine(), Is.EqualTo("0.1,0.3333333333333333,0.25,2E-17,0.5,-0.1,1E+300"));
        var parsed = row.ToCsvLine().Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.That(parsed, Is.EqualTo(row.Values()));
        Assert.That(ComparisonRow.Header, Is.EqualTo("t,max_abs_dr,w2,w2_theta,w2_u"));
        Assert.That(new ComparisonRow(1, 2, 3, 4, 5.5).ToCsvLine(), Is.EqualTo("1,2,3,4,5.5"));
    }

    // Acceptance: the same seed gives identical particles.csv and comparison.csv rows with 1 thread and with 2.
    [Test]
    public void RowsAreByteIdenticalForOneAndTwoThreads()
    {
        var problem = Problem.Default;
        var grid = UniformGrid.Cube(2, 32, 7);
        var model = new FiniteVolumeModel(problem, grid);
        var pde = new PdeSolver(model);
        pde.AdvanceTo(0.2);
        var diagnostics = pde.Diagnose();
        string Run(int threads)
        {
            int saved = Parallelism.Threads;
            try
            {
                Parallelism.Threads = threads;
                var system = new ParticleSystem(problem, 1500, 0.01, seed: 9);
                var lines = new List<string> { ParticleRow.Header(problem.SampleCount) };
                lines.Add(ParticleMeasures.Row(system, grid, model.ReferenceDensity()).ToCsvLine());
                system.AdvanceTo(0.2);
                lines.Add(ParticleMeasures.Row(system, grid, model.ReferenceDensity()).ToCsvLine());
                lines.Add(ParticleMeasures.Compare(system, diagnostics.Residuals, grid, pde.Density).ToCsvLine());
                return string.Join("\n", lines);
            }
            finally { Parallelism.Threads = saved; }
        }
        string one = Run(1), two = Run(2);
        TestContext.Out.WriteLine(one);
        Assert.That(two, Is.EqualTo(one));
    }
}
