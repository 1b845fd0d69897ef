using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Metrics.SemiDiscrete;

namespace FokkerPlanckNtk.Tests.Metrics;

/// <summary>
/// Semi-discrete transport between a piecewise-constant 3D density (the d = 2 problems: θ1, θ2, u) and weighted atoms, on
/// the path the facade <see cref="Wasserstein.Between(UniformGrid, ReadOnlySpan{double}, AtomicMeasure, W2Options?)"/> takes.
/// References: a dense LP (the network simplex) on a subdivision of every cell into r×r×r sub-cells, whose W2 is within
/// W2(ρ_r, ρ) ≤ √(3 h_r²/12) = h_r/2 of the exact one and converges at a measured order; translations by whole cells
/// (Brenier: x ↦ centre(x) + a is the gradient of a convex function, so W2² = |a|² + Σ_k h_k²/12 exactly); the exact W2 of
/// product densities (the 1D piecewise-constant marginals) for a fine lattice of particles, and the grid–grid method.
/// </summary>
public class SemiDiscrete3DTests
{
    private static readonly UniformGrid Tiny = UniformGrid.Cube(3, 3, 1);

    private static double[] RandomDensity(UniformGrid grid, int seed) => SemiDiscreteTransportTests.RandomDensity(grid, seed);

    private static AtomicMeasure RandomAtoms(int count, double halfWidth, int seed) =>
        SemiDiscreteTransportTests.RandomAtoms(count, halfWidth, seed, dimension: 3);

    /// <summary>m samples of N(0, I₃) (Box–Muller, seeded), weight 1/m each.</summary>
    internal static AtomicMeasure GaussianParticles(int m, int seed)
    {
        var random = new Random(seed);
        var x = new double[3 * m];
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        for (int i = 0; i < x.Length; i++) x[i] = Normal();
        return new AtomicMeasure(x, 3, name: "particles");
    }

    // The density as r×r×r atoms per cell at the sub-cell centres (mass ρ_c·V/r³ each).
    private static AtomicMeasure Subdivided(UniformGrid grid, double[] p, int r) => SemiDiscreteTransportTests.Subdivided(grid, p, r);

    [Test]
    public void TinyCaseAgreesWithADenseLpOnRefinedCells()
    {
        var p = RandomDensity(Tiny, 1);
        var atoms = RandomAtoms(5, 0.9, 2);
        var r = Wasserstein.Between(Tiny, p, atoms);
        Assert.That(r.Method, Is.EqualTo(Wasserstein.SemiDiscreteMethod));
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        // The bracket is certified: at mass tolerance 1e-10 it is at round-off width.
        Assert.That(r.ErrorBound, Is.LessThan(1e-6 * r.W2));
        var errors = new List<double>();
        foreach (int sub in new[] { 2, 4, 8 })
        {
            double lp = NetworkSimplex.Solve(Subdivided(Tiny, p, sub), atoms).W2;
            double hr = Tiny.Spacing(0) / sub;
            // Certified: |W2(ρ_r, ν) − W2(ρ, ν)| ≤ W2(ρ_r, ρ) ≤ √(3 h_r²/12) = h_r/2 (triangle inequality).
            Assert.That(Math.Abs(lp - r.W2), Is.LessThanOrEqualTo(hr / 2), $"r = {sub}");
            errors.Add(Math.Abs(lp - r.W2));
        }
        // Measured order of the LP's error: ≈ 2 (as in 2D: W2² of the sub-cell atoms is the exact W2² plus the
        // quantization Σ h_r²/12 of each sub-cell, the cross term vanishing as the map is affine-like within a sub-cell).
        double order1 = Math.Log2(errors[0] / errors[1]), order2 = Math.Log2(errors[1] / errors[2]);
        TestContext.Out.WriteLine($"errors {string.Join(", ", errors.Select(e => e.ToString("E3")))}; orders {order1:F2}, {order2:F2}; {r.Message}");
        Assert.That(order1, Is.GreaterThan(1.5));
        Assert.That(order2, Is.GreaterThan(1.5));
    }

    // Whole-cell translation of a compactly supported density: W2² = |a|² + Σ h_k²/12 (atoms at the shifted centres; many
    // atoms lie where the density is zero, so the start must give every Laguerre cell mass first).
    [TestCase(2, 0, -1)]
    [TestCase(-3, 1, 2)]
    public void TranslationByWholeCellsIsExact(int cx, int cy, int cz)
    {
        var grid = UniformGrid.Cube(3, 14, 3.5);
        var p = new double[grid.Count];
        var c = new double[3];
        for (int cell = 0; cell < grid.Count; cell++)
        {
            grid.Center(cell, c);
            double r2 = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
            p[cell] = r2 < 2.5 ? Math.Exp(-r2) * (1 + 0.3 * Math.Sin(3 * c[0]) * Math.Cos(c[2])) : 0;
        }
        double mass = p.Sum() * grid.CellVolume;
        for (int k = 0; k < p.Length; k++) p[k] /= mass;
        double h = grid.Spacing(0);
        double ax = cx * h, ay = cy * h, az = cz * h;
        var x = new List<double>();
        var w = new List<double>();
        for (int cell = 0; cell < grid.Count; cell++)
        {
            if (p[cell] == 0) continue;
            grid.Center(cell, c);
            x.Add(c[0] + ax);
            x.Add(c[1] + ay);
            x.Add(c[2] + az);
            w.Add(p[cell] * grid.CellVolume);
        }
        var r = Wasserstein.Between(grid, p, new AtomicMeasure(x.ToArray(), 3, w.ToArray(), "shifted"));
        double exact = Math.Sqrt(ax * ax + ay * ay + az * az + 3 * h * h / 12);
        TestContext.Out.WriteLine($"{w.Count} atoms: W2 {r.W2:G10} exact {exact:G10}; {r.Message}");
        Assert.That(r.Method, Is.EqualTo(Wasserstein.SemiDiscreteMethod));
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        // Certified bracket at mass tolerance 1e-10: it must contain the exact value (round-off: 1e-9 relative).
        Assert.That(exact, Is.InRange(r.Lower * (1 - 1e-9), r.Upper * (1 + 1e-9)), r.Message);
        Assert.That(r.W2, Is.EqualTo(exact).Within(1e-8).Percent);
    }

    // A 3D Gaussian density against its samples: the semi-discrete W2 (certified to round-off) and the atomic W2 of the
    // cell-centre atoms differ by at most the atoms' exact distance to the piecewise-constant density, √(Σ_k h_k²/12) = h/2
    // for a cube (triangle inequality), and the facade's fallback bracket (the atomic value widened by h/2) holds it.
    [Test]
    public void GaussianDensityAgainstParticlesIsWithinTheCellOffsetOfTheAtomicValue()
    {
        var grid = UniformGrid.Cube(3, 12, 4.5);
        var p = GridTransport3DTests.CellAverages(grid, [0, 0, 0], GridTransport3DTests.Identity);
        var particles = GaussianParticles(400, seed: 5);
        var semi = Wasserstein.Between(grid, p, particles, W2Options.ProbabilityMeasures);
        var atomic = Wasserstein.Between(grid, p, particles, W2Options.ProbabilityMeasures with { Atomic = true });
        double h = grid.Spacing(0), offset = h / 2;
        TestContext.Out.WriteLine($"semi-discrete {semi.W2:G8} ± {semi.ErrorBound:E1}, atomic {atomic.W2:G8} ({atomic.Method}), offset {offset:G4}; {semi.Message}");
        Assert.That(semi.Method, Is.EqualTo(Wasserstein.SemiDiscreteMethod));
        Assert.That(semi.IsExact(), Is.True, semi.Message);
        Assert.That(atomic.IsExact(), Is.True, atomic.Message);
        Assert.That(Math.Abs(semi.W2 - atomic.W2), Is.LessThanOrEqualTo(offset * (1 + 1e-12)));
        var bracket = Wasserstein.CellCentreBracket(grid, p, particles, W2Options.ProbabilityMeasures);
        Assert.That(semi.W2, Is.InRange(bracket.Lower, bracket.Upper));
        Assert.That(bracket.ErrorBound, Is.EqualTo(offset).Within(1e-12 * offset + atomic.ErrorBound));
        // Over budget (a tiny budget: refused by the idle estimate, deterministic) the facade gives that bracket, labelled;
        // its inner atomic W2 is then the coarsened bracket, still certified, so it still holds the value.
        var fallback = Wasserstein.Between(grid, p, particles, W2Options.ProbabilityMeasures with { ExactSecondsBudget = 1e-9 });
        Assert.That(fallback.Method, Does.StartWith(Wasserstein.CellCentreMethod));
        Assert.That(fallback.Message, Does.Contain("a semi-discrete solve would take"));
        Assert.That(semi.W2, Is.InRange(fallback.Lower, fallback.Upper), fallback.Message);
    }

    // The 3D estimate reproduces the measured evaluation counts within 30 % and the measured seconds per evaluation within
    // a factor 1.7 (validation/transport/grid-particles.md, 3D section; wall time over evaluations under a load of 6–7).
    [TestCase(16, 1_000, 10, 0.12)]
    [TestCase(32, 1_000, 10, 0.20)]
    [TestCase(64, 1_000, 9, 0.29)]
    [TestCase(16, 10_000, 10, 0.70)]
    [TestCase(32, 10_000, 13, 0.75)]
    [TestCase(64, 10_000, 13, 1.02)]
    [TestCase(32, 100_000, 43, double.NaN)]
    public void TheThreeDimensionalCostFollowsTheMeasurements(int cells, int m, int evaluations, double secondsPerEvaluation)
    {
        int n = cells * cells * cells;
        Assert.That(Wasserstein.EstimatedSemiDiscrete3DEvaluations(n, m), Is.InRange(0.7 * evaluations, 1.3 * evaluations));
        if (double.IsFinite(secondsPerEvaluation))
            Assert.That(Wasserstein.EstimatedSemiDiscrete3DEvaluationSeconds(n, m), Is.InRange(secondsPerEvaluation / 1.7, 1.7 * secondsPerEvaluation));
        Assert.That(Wasserstein.EstimatedSemiDiscreteCost(3, n, m), Is.EqualTo((Wasserstein.EstimatedSemiDiscrete3DEvaluations(n, m), Wasserstein.EstimatedSemiDiscrete3DEvaluationSeconds(n, m))));
        Assert.That(Wasserstein.EstimatedSemiDiscreteCost(2, n, m), Is.EqualTo((Wasserstein.EstimatedSemiDiscreteEvaluations(n, m), Wasserstein.EstimatedSemiDiscreteEvaluationSeconds(n, m))));
    }

    // The default d = 2 run (128³ cells, 10⁴ particles) cannot afford the semi-discrete solve within output.w2Seconds (10 s):
    // the idle estimate refuses it (the rule has no probe and no clock), so the run writes the certified cell-centre bracket, as it wrote the
    // atomic bracket before. A 32³ grid against 10³ particles (measured: 10 evaluations, 2.0 s under load) fits.
    [Test]
    public void TheDefaultThreeAxisRunGoesToTheBracketWithoutAProbe()
    {
        Assert.That(Wasserstein.ExceedsSemiDiscreteBudget(128 * 128 * 128, 10_000, 10, out double estimate, out int cap, dimension: 3), Is.True);
        var cost = Wasserstein.EstimatedSemiDiscreteCost(3, 128 * 128 * 128, 10_000);
        Assert.That(estimate, Is.EqualTo(cost.Evaluations * cost.EvaluationSeconds));
        Assert.That(cap, Is.Zero);
        Assert.That(Wasserstein.ExceedsSemiDiscreteBudget(32 * 32 * 32, 1_000, 10, out _, out cap, dimension: 3), Is.False);
        Assert.That(cap, Is.GreaterThanOrEqualTo(Wasserstein.EstimatedSemiDiscrete3DEvaluations(32 * 32 * 32, 1_000)));
    }

    // Particles = the lattice of sub-cell centres of the density itself (r×r×r per cell, mass ρ_c·V/r³ each): the sub-cells
    // are the lattice's Voronoi cells and hold exactly their atom's mass, so ψ = 0 is optimal and W2² = Σ_k (h_k/r)²/12
    // exactly. The degenerate case of the 3D cells (eight Laguerre cells at every vertex; the trap of the vertex tolerance).
    [TestCase(6, 1)]
    [TestCase(5, 3)]
    public void TheLatticeOfSubCellCentresIsAtTheQuantizationDistance(int cells, int sub)
    {
        var grid = UniformGrid.Cube(3, cells, 3);
        var p = GridTransport3DTests.CellAverages(grid, [0.3, -0.2, 0], GridTransport3DTests.Identity);
        var lattice = Subdivided(grid, p, sub);
        var r = Wasserstein.Between(grid, p, lattice, W2Options.Default with { ExactSecondsBudget = double.PositiveInfinity });
        double hr = grid.Spacing(0) / sub, exact = hr / 2;
        TestContext.Out.WriteLine($"{lattice.Count} atoms: W2 {r.W2:G12}, exact {exact:G12}, {r.Seconds:F1} s; {r.Message}");
        Assert.That(r.Method, Is.EqualTo(Wasserstein.SemiDiscreteMethod));
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        // Certified bracket at mass tolerance 1e-10: it must contain the exact value (round-off: 1e-9 relative).
        Assert.That(exact, Is.InRange(r.Lower * (1 - 1e-9), r.Upper * (1 + 1e-9)), r.Message);
        Assert.That(r.W2, Is.EqualTo(exact).Within(1e-8).Percent);
    }

    // Particles = a fine lattice of q (r×r×r sub-cell centres per cell): W2(p, q_r) is within W2(q_r, q) = h_r/2 of W2(p, q)
    // (the previous test), which for these product densities is exact from the 1D piecewise-constant marginals, and which
    // the grid–grid method gives to its stated error.
    [Test, Category("Slow")]
    public void AFineLatticeOfParticlesAgreesWithTheGridToGridMethod()
    {
        var grid = UniformGrid.Cube(3, 16, 5);
        const int sub = 2;
        var p = GridTransport3DTests.CellAverages(grid, [0.4, 0, 0], GridTransport3DTests.Identity);
        var q = GridTransport3DTests.CellAverages(grid, [0, 0, 0], GridTransport3DTests.Identity);
        var lattice = Subdivided(grid, q, sub);
        var semi = Wasserstein.Between(grid, p, lattice, W2Options.Default with { ExactSecondsBudget = double.PositiveInfinity });
        var gridGrid = Wasserstein.Between(grid, p, q);
        double exact = GridTransport3DTests.ExactProductW2(grid, p, q);
        double hr = grid.Spacing(0) / sub;
        TestContext.Out.WriteLine($"semi-discrete {semi.W2:G8} ({lattice.Count} atoms, {semi.Seconds:F1} s), grid–grid {gridGrid.W2:G8} ± {gridGrid.ErrorBound:G2}, exact {exact:G8}, √(exact² + h_r²/4) {Math.Sqrt(exact * exact + hr * hr / 4):G8}; {semi.Message}");
        Assert.That(semi.Method, Is.EqualTo(Wasserstein.SemiDiscreteMethod));
        Assert.That(semi.Status, Is.EqualTo(TransportStatus.Optimal), semi.Message);
        Assert.That(Math.Abs(semi.W2 - exact), Is.LessThanOrEqualTo(hr / 2 + semi.ErrorBound), "against the exact product W2");
        Assert.That(gridGrid.Method, Is.EqualTo(GridTransport.Method));
        Assert.That(Math.Abs(semi.W2 - gridGrid.W2), Is.LessThanOrEqualTo(hr / 2 + gridGrid.ErrorBound + semi.ErrorBound),
            $"{semi.Message} vs {gridGrid.Message}");
    }

    [Test]
    public void BadInputIsNamed()
    {
        var p = RandomDensity(Tiny, 3);
        var outside = new AtomicMeasure([0, 0, 0, 0.5, 0.5, 0.5, 1.5, 0, 0, 0, 0, -2], 3, null, "particles");
        var e = Assert.Throws<InputException>(() => Wasserstein.Between(Tiny, p, outside, W2Options.Default with { Normalize = true }))!;
        Assert.That(e.Message, Does.StartWith("particles.positions"));
        Assert.That(e.Message, Does.Contain("2 of 4 atoms outside the box"));
        Assert.That(e.Message, Does.Contain("[-1, 1] × [-1, 1] × [-1, 1]"));
        // A run's measures accept them: the density is zero outside its box, and the W2 stays exact (against the atomic
        // method with the outside atoms, the cell-centre atoms' quantization bounding the difference: h/2).
        var r = Wasserstein.Between(Tiny, p, outside, W2Options.ProbabilityMeasures);
        var atomic = Wasserstein.Between(Tiny, p, outside, W2Options.ProbabilityMeasures with { Atomic = true });
        Assert.That(r.Method, Is.EqualTo(Wasserstein.SemiDiscreteMethod));
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal));
        Assert.That(Math.Abs(r.W2 - atomic.W2), Is.LessThanOrEqualTo(Tiny.Spacing(0) / 2));

        Assert.That(() => new AtomicMeasure([0, 0, 0, 0.5, 0.5, 0.5], 3, [0.5, -0.5], "particles"),
            Throws.TypeOf<InputException>().With.Message.StartsWith("particles.weights"));
        var negative = (double[])p.Clone();
        negative[4] = -1;
        var atoms = new AtomicMeasure([0, 0, 0, 0.5, 0.5, 0.5], 3, [0.5, 0.5], "particles");
        Assert.That(() => Wasserstein.Between(Tiny, negative, atoms), Throws.TypeOf<InputException>().With.Message.StartsWith("density"));
        var heavy = new AtomicMeasure([0, 0, 0, 0.5, 0.5, 0.5], 3, [1, 1], "particles");
        Assert.That(() => Wasserstein.Between(Tiny, p, heavy), Throws.TypeOf<InputException>().With.Message.StartsWith("particles.totalMass"));
        var plane = new AtomicMeasure([0, 0, 0.5, 0.5], 2, [0.5, 0.5], "particles");
        Assert.That(() => Wasserstein.Between(Tiny, p, plane), Throws.TypeOf<InputException>().With.Message.StartsWith("particles.dimension"));
    }
}
