using System.Numerics.Tensors;
using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Studies;
using FokkerPlanckNtk.Tests.Support;

namespace FokkerPlanckNtk.Tests.FiniteVolume;

/// <summary>The implicit-feedback stepper (explicit transport, residual feedback by TR-BDF2): docs/scheme.md.</summary>
public class FeedbackStepperTests
{
    /// <summary>Steps to exactly <paramref name="t"/>, calling <paramref name="afterStep"/> after every step.</summary>
    private static void AdvanceTo(PdeSolver solver, double t, Action<PdeSolver> afterStep)
    {
        while (solver.Time < t)
        {
            solver.StepToward(t);
            afterStep(solver);
        }
    }

    private static PdeSolverOptions Feedback(double tolerance = 1e-5, double cfl = 0.5, double maxStep = double.PositiveInfinity) =>
        new(cfl, StepperKind.ImplicitFeedback, maxStep, tolerance);

    private static PdeSolver Solver(double alpha, int cells, PdeSolverOptions options, Problem? problem = null) =>
        new(new FiniteVolumeModel((problem ?? Problem.Default).With(alpha: alpha), UniformGrid.Cube(2, cells, 7)), options);

    // G(s, ρ) = R L(ρ) s is the residual velocity of the frozen-coefficient flow: the update s + h L(ρ) s changes
    // the residuals by exactly h·G (the update is linear in h; round-off only). K̃ = −∂G/∂ρ against central
    // differences (error O(ε²)·|G'''| ≈ 1e-9 relative at ε = 1e-4), symmetric and positive semi-definite.
    [TestCase(4.0, 24), TestCase(256.0, 24)]
    public void RatesAreTheResidualVelocityAndItsJacobian(double alpha, int cells)
    {
        var solver = Solver(alpha, cells, Feedback());
        var model = solver.Model;
        int n = model.Problem.SampleCount;
        var rng = new Random(3);
        var s = model.InitialDensity().Select(v => v * (0.5 + rng.NextDouble())).ToArray();
        var rho = Enumerable.Range(0, n).Select(_ => 0.2 * (rng.NextDouble() - 0.5)).ToArray();
        var g = new double[n];
        var k = new double[n * n];
        solver.FeedbackRates(s, rho, g, k);

        solver.SetCoupling(rho);
        solver.ComputeFluxes(s);
        var output = new double[s.Length];
        var m1 = new double[model.Grid.ColumnCount];
        double h = 1e-3;
        solver.Update(s, 1.0, s, 0.0, h, output, m1, null, null);
        var before = new double[n];
        var after = new double[n];
        model.Residuals(s, before);
        model.Residuals(output, after);
        double gScale = g.Max(Math.Abs), worst = 0;
        for (int i = 0; i < n; i++) worst = Math.Max(worst, Math.Abs((after[i] - before[i]) / h - g[i]) / gScale);
        TestContext.Out.WriteLine($"α={alpha}: |G| {gScale:E3}, relative difference from the update {worst:E2}");
        Assert.That(worst, Is.LessThan(1e-11)); // (after − before)/h loses ε|r|/(h|G|) ≲ 2e-13 here

        double eps = 1e-4, kScale = k.Max(Math.Abs), kWorst = 0, asym = 0;
        var gp = new double[n];
        var gm = new double[n];
        var scratch = new double[n * n];
        for (int m = 0; m < n; m++)
        {
            var plus = (double[])rho.Clone();
            var minus = (double[])rho.Clone();
            plus[m] += eps;
            minus[m] -= eps;
            solver.FeedbackRates(s, plus, gp, scratch);
            solver.FeedbackRates(s, minus, gm, scratch);
            for (int i = 0; i < n; i++)
            {
                kWorst = Math.Max(kWorst, Math.Abs(-(gp[i] - gm[i]) / (2 * eps) - k[i * n + m]) / kScale);
                asym = Math.Max(asym, Math.Abs(k[i * n + m] - k[m * n + i]) / kScale);
            }
        }
        var eig = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, n, k).Evd().EigenValues.Select(e => e.Real).ToArray();
        TestContext.Out.WriteLine($"α={alpha}: |K̃| {kScale:E3}, difference from central differences {kWorst:E2}, asymmetry {asym:E1}, eigenvalues {string.Join(" ", eig.Select(e => e.ToString("E3")))}");
        Assert.That(kWorst, Is.LessThan(1e-6));
        Assert.That(asym, Is.EqualTo(0));
        Assert.That(eig.Min(), Is.GreaterThanOrEqualTo(-1e-12 * kScale));
    }

    // Mass (fluxes telescope), positivity (every stage within its own cell-wise bound, a theorem; checked at
    // round-off: min ≥ 0 at every step) and stiff accuracy r(p¹) = ρ₃ (the last stage's residual is that of the
    // new density, up to the last stage solve's defect ≤ 0.01·tolerance) at large α, where the explicit bound needs 10⁴–10⁶ steps.
    [TestCase(64.0), TestCase(1024.0)]
    public void LargeAlphaKeepsMassPositivityAndConsistency(double alpha)
    {
        var solver = Solver(alpha, 32, Feedback());
        double min = double.PositiveInfinity, consistency = 0;
        AdvanceTo(solver, 1.0, s =>
        {
            min = Math.Min(min, TensorPrimitives.Min(s.Density));
            consistency = Math.Max(consistency, s.LastConsistency);
        });
        var diag = solver.Diagnose();
        TestContext.Out.WriteLine($"α={alpha}: steps {solver.Steps} (rejected {solver.RejectedSteps}), explicit bound {solver.ExplicitBoundSteps:E3} steps, " +
            $"mass-1 {diag.Mass - 1:E2}, min {min:E2}, max |r(p¹) − ρ₃| {consistency:E2}");
        Assert.That(diag.Mass, Is.EqualTo(1).Within(1e-12));
        Assert.That(min, Is.GreaterThanOrEqualTo(0));
        Assert.That(consistency, Is.LessThanOrEqualTo(1e-2 * 1e-5)); // the last stage solve's stopping rule: defect ≤ 0.01τ
        Assert.That(solver.Steps, Is.LessThan(solver.ExplicitBoundSteps)); // fewer steps than SSP-RK3 (CFL 0.5) needs
    }

    // For α = 0 the coupling vanishes whatever ρ is, every flux of p0_c vanishes, and the estimate is round-off:
    // the discrete Gibbs state is a fixed point to round-off (the step grows to the transport bound).
    [Test]
    public void GibbsStateIsStationaryForAlphaZero()
    {
        var solver = Solver(0, 32, Feedback());
        var p0 = solver.Model.ReferenceDensity();
        solver.AdvanceTo(50);
        double drift = p0.Zip(solver.Density, (a, b) => Math.Abs(a - b)).Max() / p0.Max();
        TestContext.Out.WriteLine($"steps {solver.Steps}, drift {drift:E2}, last step {solver.LastStep:E3} (transport bound {solver.LastStableStep:E3})");
        Assert.That(drift, Is.LessThan(1e-13));
        Assert.That(solver.NewtonIterations, Is.EqualTo(0)); // the prediction ρ = r⁰ solves every stage exactly
    }

    // Measured, not a theorem (docs/scheme.md: each stage is a Markov step, and a stage whose coefficient is the
    // residual of its own output decreases Q_h; the TR-BDF2 stages are not all of that kind): over whole runs at
    // α = 64..1024 on a coarse grid, no step increases the free energy (tolerance: round-off of the Q_h sums).
    [TestCase(64.0), TestCase(256.0), TestCase(1024.0)]
    public void FreeEnergyNeverIncreases(double alpha)
    {
        var solver = Solver(alpha, 32, Feedback());
        double previous = solver.Diagnose().FreeEnergy, first = previous, worst = double.NegativeInfinity;
        AdvanceTo(solver, 3.0, s =>
        {
            double q = s.Diagnose().FreeEnergy;
            worst = Math.Max(worst, (q - previous) / Math.Abs(previous));
            previous = q;
        });
        TestContext.Out.WriteLine($"α={alpha}: steps {solver.Steps}, Q {first:G8} → {previous:G8}, largest relative change over a step {worst:E2}");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-12));
    }

    // Second order in time, the spatial error separated: fixed steps h = T/N against the same grid's solution
    // converged in time (SSP-RK3 at CFL 0.02, third order: its time error is far below the finest one here).
    // α = 8: the feedback rate (2α²/n)λ_max(H) ≈ 61 makes h·rate ≈ 0.1–1 (stiff-ish, not resolved trivially).
    [Test]
    public void SecondOrderInTime()
    {
        const double end = 0.5;
        var model = new FiniteVolumeModel(Problem.Default.With(alpha: 8), UniformGrid.Cube(2, 48, 7));
        var reference = new PdeSolver(model, new PdeSolverOptions(Cfl: 0.02));
        reference.AdvanceTo(end);
        var rRef = reference.Diagnose().Residuals;
        var errors = new List<(int N, double L1, double R)>();
        foreach (int steps in new[] { 64, 128, 256, 512 })
        {
            var s = new PdeSolver(model, Feedback(double.PositiveInfinity, 1.0, end / steps));
            s.AdvanceTo(end);
            Assert.That(s.Steps, Is.EqualTo(steps));
            double l1 = ColumnKernels.L1Distance(s.Density, reference.Density) * model.Grid.CellVolume;
            double dr = s.Diagnose().Residuals.Zip(rRef, (a, b) => Math.Abs(a - b)).Max();
            errors.Add((steps, l1, dr));
        }
        for (int i = 1; i < errors.Count; i++)
            TestContext.Out.WriteLine($"N={errors[i].N}: L1 {errors[i].L1:E3} (order {Math.Log2(errors[i - 1].L1 / errors[i].L1):F3}), " +
                $"max|Δr| {errors[i].R:E3} (order {Math.Log2(errors[i - 1].R / errors[i].R):F3})");
        // Pairwise orders approach 2 from below as e(h) = C₂h² + C₃h³ with C₃/C₂ ~ the feedback rate: the order of a
        // pair is 2 − O(h), so 2p(h) − p(2h) extrapolates it (measured 2.00 for both).
        foreach (var e in new Func<(int N, double L1, double R), double>[] { x => x.L1, x => x.R })
        {
            double p1 = Math.Log2(e(errors[^3]) / e(errors[^2])), p2 = Math.Log2(e(errors[^2]) / e(errors[^1]));
            TestContext.Out.WriteLine($"extrapolated order {2 * p2 - p1:F3}");
            Assert.That(p2, Is.GreaterThanOrEqualTo(1.9));
            Assert.That(2 * p2 - p1, Is.EqualTo(2).Within(0.05));
        }
    }

    // Second order in the stiff regime, where h·(2α²/n)λ_max(H) = 600–5000 (α = 1024): from t₀ = 0.02, after the
    // fast transient (reached at τ = 1e-9), fixed steps against the stepper at τ = 1e-9 (global error ≈ 0.07τ,
    // far below the errors measured). No order reduction: measured orders 2.00/2.03 (L1, residuals) at the last pair.
    [Test, Category("Slow")]
    public void SecondOrderInTimeInTheStiffRegime()
    {
        const double t0 = 0.02, span = 0.2;
        var model = new FiniteVolumeModel(Problem.Default.With(alpha: 1024), UniformGrid.Cube(2, 32, 7));
        var start = new PdeSolver(model, Feedback(1e-9));
        start.AdvanceTo(t0);
        var state = start.Save() with { NextStep = 0, PreviousError = 1 };
        var reference = new PdeSolver(model, Feedback(1e-9));
        reference.Restore(state);
        reference.AdvanceTo(t0 + span);
        var rRef = reference.Diagnose().Residuals;
        var errors = new List<(double L1, double R)>();
        foreach (int steps in new[] { 80, 160, 320 })
        {
            var s = new PdeSolver(model, Feedback(double.PositiveInfinity, 1.0, span / steps));
            s.Restore(state);
            s.AdvanceTo(t0 + span);
            errors.Add((ColumnKernels.L1Distance(s.Density, reference.Density) * model.Grid.CellVolume,
                s.Diagnose().Residuals.Zip(rRef, (a, b) => Math.Abs(a - b)).Max()));
            TestContext.Out.WriteLine($"N={steps}: h·rate {0.5 * s.ExplicitBoundSteps / steps:E2}, L1 {errors[^1].L1:E3}, max|Δr| {errors[^1].R:E3}");
        }
        for (int i = 1; i < errors.Count; i++)
        {
            double o1 = Math.Log2(errors[i - 1].L1 / errors[i].L1), o2 = Math.Log2(errors[i - 1].R / errors[i].R);
            TestContext.Out.WriteLine($"orders {o1:F3} {o2:F3}");
            Assert.That(o1, Is.GreaterThanOrEqualTo(1.9));
            Assert.That(o2, Is.GreaterThanOrEqualTo(1.9));
        }
    }

    // The linear activation's exact moment ODE: the total error |r − r_exact| = time error + grid error. The time
    // error (against the same grid converged in time) falls at second order; the converged-in-time solution's own
    // error is the grid's (O(Δ²)), and the total tends to it.
    [Test]
    public void LinearActivationAgainstTheMomentOde()
    {
        const double end = 1.0;
        var problem = GridConvergenceStudy.Case("linear", 1).With(alpha: 4);
        var model = new FiniteVolumeModel(problem, UniformGrid.Cube(2, 64, 7));
        var exact = new GaussianMomentOde(problem);
        var rExact = exact.Residuals(exact.At(end));
        var reference = new PdeSolver(model, new PdeSolverOptions(Cfl: 0.02));
        reference.AdvanceTo(end);
        double Distance(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        double grid = Distance(reference.Diagnose().Residuals, rExact);
        var time = new List<double>();
        var total = new List<double>();
        foreach (int steps in new[] { 20, 40, 80, 160 })
        {
            var s = new PdeSolver(model, Feedback(double.PositiveInfinity, 1.0, end / steps));
            s.AdvanceTo(end);
            var r = s.Diagnose().Residuals;
            time.Add(Distance(r, reference.Diagnose().Residuals));
            total.Add(Distance(r, rExact));
            TestContext.Out.WriteLine($"N={steps}: time error {time[^1]:E3}, total {total[^1]:E3}, grid error {grid:E3}");
        }
        double order = Math.Log2(time[^2] / time[^1]);
        TestContext.Out.WriteLine($"time order {order:F3}");
        Assert.That(order, Is.GreaterThanOrEqualTo(1.9));
    }

    // Agreement with SSP-RK3 (whose own time error is negligible at its bound) at moderate α within the stepper's
    // own time-error estimate: for a contractive flow the global error is at most the sum of the local ones.
    // Also: the global error is proportional to the tolerance (est ~ h², local error ~ h³, steps ~ τ^(−1/2)).
    [Test]
    public void AgreesWithSspRk3WithinTheErrorEstimate()
    {
        var model = new FiniteVolumeModel(Problem.Default.With(alpha: 16), UniformGrid.Cube(2, 32, 7));
        var explicitSolver = new PdeSolver(model, new PdeSolverOptions(Cfl: 0.1));
        explicitSolver.AdvanceTo(1.0);
        var rExplicit = explicitSolver.Diagnose().Residuals;
        var errors = new List<double>();
        foreach (double tol in new[] { 1e-4, 1e-5, 1e-6 })
        {
            var s = new PdeSolver(model, Feedback(tol));
            s.AdvanceTo(1.0);
            double l1 = ColumnKernels.L1Distance(s.Density, explicitSolver.Density) * model.Grid.CellVolume;
            double dr = s.Diagnose().Residuals.Zip(rExplicit, (a, b) => Math.Abs(a - b)).Max();
            TestContext.Out.WriteLine($"τ={tol:E0}: steps {s.Steps} (rejected {s.RejectedSteps}), L1 {l1:E3}, max|Δr| {dr:E3}, Σ estimates {s.ErrorEstimateSum:E3}");
            Assert.That(Math.Max(l1, dr), Is.LessThanOrEqualTo(s.ErrorEstimateSum));
            errors.Add(Math.Max(l1, dr));
        }
        double slope = Math.Log10(errors[0] / errors[2]) / 2;
        TestContext.Out.WriteLine($"error ∝ τ^{slope:F3}");
        Assert.That(slope, Is.InRange(0.8, 1.2));
    }

    // Every accepted step satisfies est ≤ 1; a tight tolerance from the explicit-bound start forces rejections,
    // which are counted.
    [Test]
    public void AcceptedStepsMeetTheToleranceAndRejectionsAreCounted()
    {
        var solver = Solver(256, 24, Feedback(1e-7));
        double worst = 0;
        AdvanceTo(solver, 0.002, s => worst = Math.Max(worst, s.LastErrorEstimate));
        TestContext.Out.WriteLine($"steps {solver.Steps}, rejected {solver.RejectedSteps} (error {solver.ErrorRejectedSteps}), largest accepted estimate {worst:F3}");
        Assert.That(worst, Is.LessThanOrEqualTo(1));
        Assert.That(solver.ErrorRejectedSteps, Is.GreaterThan(0));
    }

    // Auto (the configuration's default) keeps SSP-RK3 on the default problem (feedback rate 3.8 against an outflow
    // rate of about 40 on 128²) and takes the implicit-feedback stepper at α = 1024 (feedback rate 1.0e6).
    [TestCase(2.0, StepperKind.SspRk3), TestCase(1024.0, StepperKind.ImplicitFeedback)]
    public void AutoChoosesByStiffness(double alpha, StepperKind expected) =>
        Assert.That(Solver(alpha, 128, new PdeSolverOptions(Stepper: StepperKind.Auto)).Stepper, Is.EqualTo(expected));

    // Save/Restore carries the step controller's memory: a restored run continues bit-identically.
    [Test]
    public void RestoredRunContinuesBitIdentically()
    {
        var a = Solver(64, 24, Feedback());
        a.AdvanceTo(0.05);
        var saved = a.Save();
        a.AdvanceTo(0.2);
        var b = Solver(64, 24, Feedback());
        b.Restore(saved);
        b.AdvanceTo(0.2);
        Assert.That(b.Steps, Is.EqualTo(a.Steps));
        Assert.That(b.Density, Is.EqualTo(a.Density));
    }

    // No allocation per step (measured on one thread: Allocations.LeastOfWindows).
    [Test]
    public void StepsDoNotAllocate()
    {
        PdeSolver? solver = null;
        long bytes = Allocations.LeastOfWindows(() => (solver = Solver(64, 24, Feedback())).AdvanceTo(0.01), // workspaces, JIT
            () => { for (int i = 0; i < 20; i++) solver!.Step(double.PositiveInfinity); });
        TestContext.Out.WriteLine($"{bytes} bytes in 20 steps (least of three windows)");
        Assert.That(bytes, Is.EqualTo(0));
    }
}
