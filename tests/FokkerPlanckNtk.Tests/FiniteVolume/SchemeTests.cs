using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Tests.FiniteVolume;

public class SchemeTests
{
    private static Problem TwoDimensional(double alpha = 2, double lambda = 0.1) =>
        new(Activation.Tanh, alpha, lambda, new DataSet([[0.3, 0.5], [0.8, -0.2], [-0.4, 0.6]], [0.2, -0.4, 0.5]));

    private static Problem ThreeDimensional() =>
        new(Activation.Tanh, 2, 0.1, new DataSet([[0.3, 0.5, 0.1], [0.5, -0.2, 0.6]], [0.3, -0.4]));

    // Mass: the fluxes telescope, so Σ p V changes only by round-off (≈ steps · ε). Positivity: the
    // step bound keeps every stage's self-coefficient ≥ 0, and rejected steps guard the later stages.
    [Test]
    public void MassIsConservedAndDensityStaysNonNegative([Values(1, 2, 3)] int d)
    {
        var problem = d switch { 1 => Problem.Default, 2 => TwoDimensional(), _ => ThreeDimensional() };
        var grid = UniformGrid.Cube(d + 1, d switch { 1 => 64, 2 => 20, _ => 14 }, 7);
        var solver = new PdeSolver(new FiniteVolumeModel(problem, grid));
        double min = double.PositiveInfinity, end = d == 3 ? 0.5 : 2.0;
        while (solver.Time < end)
        {
            solver.StepToward(end);
            min = Math.Min(min, solver.Density.Min());
        }
        var diag = solver.Diagnose();
        TestContext.Out.WriteLine($"d={d} steps={solver.Steps} mass-1={diag.Mass - 1:E2} min={min:E2} loss={diag.Loss:G6}");
        Assert.That(diag.Mass, Is.EqualTo(1).Within(1e-12));
        Assert.That(min, Is.GreaterThanOrEqualTo(0));
    }

    // For α = 0 the normalized cell-centre Gaussian p0_c is an exact discrete steady state: every flux
    // B(w)p_a − B(−w)p_b vanishes when p_b/p_a = e^{−w}. Round-off only: we measure ~1e-15 relative drift.
    [Test]
    public void GibbsStateIsStationaryForAlphaZero()
    {
        var problem = Problem.Default.With(alpha: 0);
        var model = new FiniteVolumeModel(problem, UniformGrid.Cube(2, 32, 7));
        var solver = new PdeSolver(model);
        var p0 = model.ReferenceDensity();
        for (int i = 0; i < 10_000; i++) solver.Step(double.PositiveInfinity);
        double maxRel = 0, peak = p0.Max();
        var p = solver.Density;
        for (int c = 0; c < p0.Length; c++) maxRel = Math.Max(maxRel, Math.Abs(p[c] - p0[c]) / peak);
        TestContext.Out.WriteLine($"max |p − p0|/max p0 after 1e4 steps: {maxRel:E2}");
        Assert.That(maxRel, Is.LessThan(1e-13));
    }

    // The semi-discrete free energy Q_h decreases (flux sign = sign of ξ_a − ξ_b, ξ = Ψ + λ log p); SSP-RK3
    // under the step bound keeps that at every step (checked by a step callback of the simulation, the per-step
    // hook the product's diagnostics use). Tolerance: 1e-12 relative (round-off of Q_h sums).
    [TestCase(2.0, 0.1, 64, 5.0)]
    [TestCase(20.0, 0.05, 64, 1.0)]
    public void FreeEnergyDecreasesAtEveryStep(double alpha, double lambda, int cells, double end)
    {
        var problem = Problem.Default.With(alpha: alpha, lambda: lambda);
        var model = new FiniteVolumeModel(problem, UniformGrid.Cube(2, cells, 7));
        var pde = new PdeModel(model);
        var solver = pde.Solver;
        double previous = solver.Diagnose().FreeEnergy, first = previous, worst = double.NegativeInfinity;
        var simulation = new Simulation(end, pde);
        long calls = 0;
        simulation.Callbacks.Add(new Callback(new IterationInterval(1), _ =>
        {
            double q = solver.Diagnose().FreeEnergy;
            worst = Math.Max(worst, (q - previous) / Math.Abs(previous));
            previous = q;
            calls++;
        }));
        simulation.Run();
        Assert.That(calls, Is.EqualTo(solver.Steps), "the callback runs after every step");
        TestContext.Out.WriteLine($"α={alpha} λ={lambda}: steps={solver.Steps} Q: {first:G8} → {previous:G8} (decrease {first - previous:G4}); max relative increase {worst:E2}");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-12));
        Assert.That(previous, Is.LessThan(first));
    }

    // The separable O(N^{d+1} + n N^d) evaluation equals the direct O(n N^{d+1}) sums (round-off).
    [TestCase(1), TestCase(2)]
    public void SeparableEvaluationMatchesBruteForce(int d)
    {
        var problem = d == 1 ? Problem.Default : TwoDimensional();
        var grid = UniformGrid.Cube(d + 1, d == 1 ? 40 : 16, 7);
        var model = new FiniteVolumeModel(problem, grid);
        var rng = new Random(7);
        var p = model.InitialDensity().Select(v => v * (0.5 + rng.NextDouble())).ToArray();
        var r = new double[problem.SampleCount];
        model.Residuals(p, r);
        var psi = new double[grid.Count];
        model.Potential(p, psi);
        var z = new double[grid.Dimension];
        var rBrute = new double[problem.SampleCount];
        for (int i = 0; i < problem.SampleCount; i++)
        {
            double f = 0;
            for (int c = 0; c < grid.Count; c++)
            {
                grid.Center(c, z);
                double dot = 0;
                for (int k = 0; k < d; k++) dot += z[k] * problem.Data.X(i)[k];
                f += problem.Alpha * z[d] * problem.Activation.Value(dot) * p[c] * grid.CellVolume;
            }
            rBrute[i] = f - problem.Data.Yi(i);
            Assert.That(r[i], Is.EqualTo(rBrute[i]).Within(1e-12 * (1 + Math.Abs(f))));
        }
        for (int c = 0; c < grid.Count; c++)
        {
            grid.Center(c, z);
            double coupling = 0, theta2 = 0;
            for (int i = 0; i < problem.SampleCount; i++)
            {
                double dot = 0;
                for (int k = 0; k < d; k++) dot += z[k] * problem.Data.X(i)[k];
                coupling += 2 * problem.Alpha / problem.SampleCount * rBrute[i] * problem.Activation.Value(dot);
            }
            for (int k = 0; k < d; k++) theta2 += z[k] * z[k];
            double expected = z[d] * coupling + 0.5 * problem.Lambda * (theta2 + z[d] * z[d]);
            Assert.That(psi[c], Is.EqualTo(expected).Within(1e-12 * (1 + Math.Abs(expected))));
        }
    }

    // f at arbitrary inputs uses the same quadrature and summation order as the residuals: at the data
    // inputs it equals r_i + y_i bit for bit (up to the final subtraction/addition of y_i, one rounding).
    [Test]
    public void NetworkOutputsAtTheDataMatchTheResiduals()
    {
        var problem = TwoDimensional();
        var model = new FiniteVolumeModel(problem, UniformGrid.Cube(3, 16, 7));
        var solver = new PdeSolver(model);
        solver.AdvanceTo(0.2);
        var r = new double[problem.SampleCount];
        model.Residuals(solver.Density, r);
        var inputs = Enumerable.Range(0, problem.SampleCount).Select(i => problem.Data.X(i).ToArray()).ToArray();
        var f = model.NetworkOutputs(solver.Density, inputs);
        for (int i = 0; i < r.Length; i++)
            Assert.That(f[i] - problem.Data.Yi(i), Is.EqualTo(r[i]).Within(1e-16 * (1 + Math.Abs(f[i]))));
    }

    [Test]
    public void BernoulliFunctionIsAccurateAcrossBranches()
    {
        // Reference: B(w) = w/expm1(w) in 50-digit-safe form via the series/direct split evaluated in decimal-free way:
        // compare both sides of the threshold with the identity B(−w) = B(w) + w and the known values.
        Assert.That(ExponentialFitting.B(0), Is.EqualTo(1));
        foreach (double w in new[] { 1e-12, 1e-6, 0.05, 0.0999, 0.1001, 0.5, 3, 40, 700, 800 })
        {
            Assert.That(ExponentialFitting.B(-w), Is.EqualTo(ExponentialFitting.B(w) + w).Within(2e-15 * (1 + w)), $"w={w}");
            Assert.That(ExponentialFitting.B(w), Is.GreaterThanOrEqualTo(0));
        }
        // Continuity across the series/direct switch at |w| = 0.1 to a few ulps.
        Assert.That(ExponentialFitting.B(0.1 - 1e-15), Is.EqualTo(ExponentialFitting.B(0.1 + 1e-15)).Within(1e-14));
        // B(1) = 1/(e − 1) exactly.
        Assert.That(ExponentialFitting.B(1), Is.EqualTo(1 / (Math.E - 1)).Within(1e-16));
    }
}

public class StepBoundTests
{
    // The O(N^d) outflow-rate evaluation (convexity of B along a column) equals the brute-force maximum
    // over every cell of Σ_k (λ/Δ_k²)(B(w_{k,c+½}) + B(−w_{k,c−½})) computed from Ψ at cell centres.
    [TestCase(1, 2.0, 0.1), TestCase(1, 20.0, 0.05), TestCase(2, 3.0, 0.1)]
    public void OutflowRateEqualsBruteForceMaximum(int d, double alpha, double lambda)
    {
        var problem = d == 1
            ? Problem.Default.With(alpha: alpha, lambda: lambda)
            : new Problem(Activation.Tanh, alpha, lambda, new DataSet([[0.3, 0.5], [0.8, -0.2]], [0.2, -0.4]));
        var grid = UniformGrid.Cube(d + 1, d == 1 ? 48 : 16, 7);
        var model = new FiniteVolumeModel(problem, grid);
        var solver = new PdeSolver(model);
        solver.AdvanceTo(0.3);
        var psi = new double[grid.Count];
        model.Potential(solver.Density, psi);
        double brute = 0;
        for (int c = 0; c < grid.Count; c++)
        {
            double r = 0;
            for (int k = 0; k < grid.Dimension; k++)
            {
                int i = grid.AxisIndex(c, k), stride = grid.Stride(k);
                double dk = grid.Spacing(k), coef = lambda / (dk * dk);
                if (i < grid.Cells[k] - 1) r += coef * ExponentialFitting.B((psi[c + stride] - psi[c]) / lambda);
                if (i > 0) r += coef * ExponentialFitting.B(-(psi[c] - psi[c - stride]) / lambda);
            }
            brute = Math.Max(brute, r);
        }
        double fast = solver.MaxOutflowRateOf(solver.Density);
        TestContext.Out.WriteLine($"d={d} α={alpha}: rate {fast:G17} brute {brute:G17}");
        // w from Ψ differences vs the column-affine form differ by round-off only (measured ≈ 3e-16 relative).
        Assert.That(fast, Is.EqualTo(brute).Within(1e-13 * brute));
    }
}
