using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Metrics.SemiDiscrete;

namespace FokkerPlanckNtk.Tests.Metrics;

/// <summary>
/// Semi-discrete transport between a piecewise-constant 2D density and weighted atoms (particles), on the path the
/// facade <see cref="Wasserstein.Between(UniformGrid, ReadOnlySpan{double}, AtomicMeasure, W2Options?)"/> takes.
/// References: a dense LP (the network simplex) on a subdivision of every cell into r×r sub-cells, whose W2 is within
/// W2(ρ_r, ρ) ≤ h_r/√6 of the exact one (each sub-cell's uniform mass moved to its centre; h_r the sub-cell side) and
/// converges at a measured order; translations by whole cells (Brenier: the map x ↦ centre(x) + a is the gradient of a
/// convex function, so W2² = |a|² + Σ_k h_k²/12 exactly).
/// </summary>
public class SemiDiscreteTransportTests
{
    private static readonly UniformGrid Tiny = UniformGrid.Cube(2, 3, 1);

    internal static double[] RandomDensity(UniformGrid grid, int seed)
    {
        var rng = new Random(seed);
        var p = Enumerable.Range(0, grid.Count).Select(_ => 0.2 + rng.NextDouble()).ToArray();
        double mass = p.Sum() * grid.CellVolume;
        return p.Select(v => v / mass).ToArray();
    }

    // Atoms uniform in [−halfWidth, halfWidth]^dimension with random masses.
    internal static AtomicMeasure RandomAtoms(int count, double halfWidth, int seed, string name = "particles", int dimension = 2)
    {
        var rng = new Random(seed);
        var x = Enumerable.Range(0, dimension * count).Select(_ => halfWidth * (2 * rng.NextDouble() - 1)).ToArray();
        var w = Enumerable.Range(0, count).Select(_ => 0.5 + rng.NextDouble()).ToArray();
        double total = w.Sum();
        return new AtomicMeasure(x, dimension, w.Select(v => v / total).ToArray(), name);
    }

    // The density as r^D atoms per cell at the sub-cell centres (mass ρ_c·V/r^D each), any dimension D.
    internal static AtomicMeasure Subdivided(UniformGrid grid, double[] p, int r)
    {
        int dim = grid.Dimension, perCell = (int)Math.Pow(r, dim);
        var x = new List<double>();
        var w = new List<double>();
        var c = new double[dim];
        for (int cell = 0; cell < grid.Count; cell++)
        {
            grid.Center(cell, c);
            for (int s = 0; s < perCell; s++)
            {
                // Sub-cell s: digit k of s in base r is its index along axis k.
                for (int k = 0, rest = s; k < dim; k++, rest /= r)
                    x.Add(c[k] - 0.5 * grid.Spacing(k) + (rest % r + 0.5) * grid.Spacing(k) / r);
                w.Add(p[cell] * grid.CellVolume / perCell);
            }
        }
        return new AtomicMeasure(x.ToArray(), dim, w.ToArray(), "subdivided");
    }

    [Test]
    public void TinyCaseAgreesWithADenseLpOnRefinedCells()
    {
        var p = RandomDensity(Tiny, 1);
        var atoms = RandomAtoms(5, 0.9, 2);
        var r = Wasserstein.Between(Tiny, p, atoms);
        Assert.That(r.Method, Is.EqualTo(Wasserstein.SemiDiscreteMethod));
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal));
        // The bracket is certified: at mass tolerance 1e-10 it is at round-off width.
        Assert.That(r.ErrorBound, Is.LessThan(1e-6 * r.W2));
        var errors = new List<double>();
        foreach (int sub in new[] { 4, 8, 16 })
        {
            double lp = NetworkSimplex.Solve(Subdivided(Tiny, p, sub), atoms).W2;
            double hr = Tiny.Spacing(0) / sub;
            // Certified: |W2(ρ_r, ν) − W2(ρ, ν)| ≤ W2(ρ_r, ρ) ≤ h_r/√6 (triangle inequality).
            Assert.That(Math.Abs(lp - r.W2), Is.LessThanOrEqualTo(hr / Math.Sqrt(6)), $"r = {sub}");
            errors.Add(Math.Abs(lp - r.W2));
        }
        // Measured order of the LP's error: ≈ 2 (W2² of the sub-cell atoms is the exact W2² plus the quantization
        // Σ h_r²/12 of each sub-cell, the cross term vanishing as the map is affine-like within a sub-cell).
        double order1 = Math.Log2(errors[0] / errors[1]), order2 = Math.Log2(errors[1] / errors[2]);
        TestContext.Out.WriteLine($"errors {string.Join(", ", errors.Select(e => e.ToString("E3")))}; orders {order1:F2}, {order2:F2}");
        Assert.That(order1, Is.GreaterThan(1.5));
        Assert.That(order2, Is.GreaterThan(1.5));
    }

    // Whole-cell translation of a compactly supported density: W2² = |a|² + Σ h_k²/12 (atoms at the shifted centres; many
    // atoms lie where the density is zero, so the start must give every Laguerre cell mass first).
    [TestCase(3, 0)]
    [TestCase(2, -5)]
    public void TranslationByWholeCellsIsExact(int cx, int cy)
    {
        var grid = UniformGrid.Cube(2, 32, 4);
        var p = new double[grid.Count];
        var c = new double[2];
        for (int cell = 0; cell < grid.Count; cell++)
        {
            grid.Center(cell, c);
            double r2 = c[0] * c[0] + c[1] * c[1];
            p[cell] = r2 < 4 ? Math.Exp(-r2) * (1 + 0.3 * Math.Sin(3 * c[0])) : 0;
        }
        double mass = p.Sum() * grid.CellVolume;
        for (int k = 0; k < p.Length; k++) p[k] /= mass;
        double ax = cx * grid.Spacing(0), ay = cy * grid.Spacing(1);
        var x = new List<double>();
        var w = new List<double>();
        for (int cell = 0; cell < grid.Count; cell++)
        {
            if (p[cell] == 0) continue;
            grid.Center(cell, c);
            x.Add(c[0] + ax);
            x.Add(c[1] + ay);
            w.Add(p[cell] * grid.CellVolume);
        }
        var r = Wasserstein.Between(grid, p, new AtomicMeasure(x.ToArray(), 2, w.ToArray(), "shifted"));
        double exact = Math.Sqrt(ax * ax + ay * ay + (grid.Spacing(0) * grid.Spacing(0) + grid.Spacing(1) * grid.Spacing(1)) / 12);
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        // Certified bracket at mass tolerance 1e-10: it must contain the exact value (round-off: 1e-9 relative).
        Assert.That(exact, Is.InRange(r.Lower * (1 - 1e-9), r.Upper * (1 + 1e-9)), r.Message);
        Assert.That(r.W2, Is.EqualTo(exact).Within(1e-8).Percent);
    }

    [Test]
    public void ParticlesOutsideTheBoxAreRefusedWithTheirCountAndTheBox()
    {
        var p = RandomDensity(Tiny, 3);
        var atoms = new AtomicMeasure([0, 0, 0.5, 0.5, 1.5, 0, 0, -2], 2, null, "particles");
        var e = Assert.Throws<InputException>(() => Wasserstein.Between(Tiny, p, atoms, W2Options.Default with { Normalize = true }))!;
        Assert.That(e.Message, Does.StartWith("particles.positions"));
        Assert.That(e.Message, Does.Contain("2 of 4 atoms outside the box"));
        Assert.That(e.Message, Does.Contain("[-1, 1] × [-1, 1]"));
        // A run's measures accept them: the density is zero outside its box, and the W2 stays exact (against the atomic
        // method with the outside atoms, the cell-centre atoms' quantization bounding the difference: h/√6).
        var r = Wasserstein.Between(Tiny, p, atoms, W2Options.ProbabilityMeasures);
        var atomic = Wasserstein.Between(Tiny, p, atoms, W2Options.ProbabilityMeasures with { Atomic = true });
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal));
        Assert.That(Math.Abs(r.W2 - atomic.W2), Is.LessThanOrEqualTo(Tiny.Spacing(0) / Math.Sqrt(6)));
    }

    [Test]
    public void NegativeMassesAndUnequalTotalsAreRefused()
    {
        var p = RandomDensity(Tiny, 4);
        Assert.That(() => new AtomicMeasure([0, 0, 0.5, 0.5], 2, [0.5, -0.5], "particles"),
            Throws.TypeOf<InputException>().With.Message.StartsWith("particles.weights"));
        var negative = (double[])p.Clone();
        negative[4] = -1;
        var atoms = new AtomicMeasure([0, 0, 0.5, 0.5], 2, [0.5, 0.5], "particles");
        Assert.That(() => Wasserstein.Between(Tiny, negative, atoms), Throws.TypeOf<InputException>().With.Message.StartsWith("density"));
        var heavy = new AtomicMeasure([0, 0, 0.5, 0.5], 2, [1, 1], "particles");
        Assert.That(() => Wasserstein.Between(Tiny, p, heavy), Throws.TypeOf<InputException>().With.Message.StartsWith("particles.totalMass"));
    }

    // Particles = a fine lattice of q (r×r sub-cell centres per cell): W2(p, q_r) is within h_r/√6 of W2(p, q), which the
    // grid–grid method gives to its stated error.
    [Test]
    public void AFineLatticeOfParticlesAgreesWithTheGridToGridMethod()
    {
        var grid = UniformGrid.Cube(2, 16, 5);
        var p = GridTransportTests.CellAverages(grid, [0.4, 0], new[,] { { 1.0, 0 }, { 0, 1 } });
        var q = GridTransportTests.CellAverages(grid, [0, 0], new[,] { { 1.0, 0 }, { 0, 1 } });
        const int sub = 6;
        var lattice = Subdivided(grid, q, sub);
        var semi = Wasserstein.Between(grid, p, lattice);
        var gridGrid = Wasserstein.Between(grid, p, q);
        Assert.That(semi.Status, Is.EqualTo(TransportStatus.Optimal), semi.Message);
        double hr = grid.Spacing(0) / sub;
        Assert.That(Math.Abs(semi.W2 - gridGrid.W2), Is.LessThanOrEqualTo(hr / Math.Sqrt(6) + gridGrid.ErrorBound + semi.ErrorBound),
            $"{semi.Message} vs {gridGrid.Message}");
    }
}
