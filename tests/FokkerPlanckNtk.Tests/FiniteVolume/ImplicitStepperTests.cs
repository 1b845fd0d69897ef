using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Studies;

namespace FokkerPlanckNtk.Tests.FiniteVolume;

public class ImplicitStepperTests
{
    // Backward Euler is first order in time: with dt halved the error against SSP-RK3 on the same grid
    // (whose time error is negligible, O(dt³) at its far smaller step) halves. Measured orders ≈ 1.0.
    [Test]
    public void BackwardEulerIsFirstOrderInTime()
    {
        var problem = Problem.Default;
        var grid = UniformGrid.Cube(2, 48, 7);
        var model = new FiniteVolumeModel(problem, grid);
        var reference = new PdeSolver(model);
        reference.AdvanceTo(1.0);
        double Error(double step)
        {
            var be = new PdeSolver(model, new PdeSolverOptions(1.0, StepperKind.BackwardEuler, step));
            be.AdvanceTo(1.0);
            return be.Density.Zip(reference.Density, (a, b) => Math.Abs(a - b)).Sum() * grid.CellVolume;
        }
        double e1 = Error(0.1), e2 = Error(0.05), e3 = Error(0.025);
        double o1 = Math.Log2(e1 / e2), o2 = Math.Log2(e2 / e3);
        TestContext.Out.WriteLine($"L1 vs SSP-RK3: {e1:E3} {e2:E3} {e3:E3}; orders {o1:F3} {o2:F3}");
        Assert.That(o2, Is.EqualTo(1.0).Within(0.1));
    }

    // The M-matrix step keeps mass (rescaled to round-off after the 1e-13 solve) and positivity, and for
    // α = 0 the discrete Gibbs state is its fixed point (L p0_c = 0 exactly, so x = p0_c solves the system).
    [Test]
    public void BackwardEulerConservesMassAndKeepsTheGibbsState()
    {
        var model = new FiniteVolumeModel(Problem.Default.With(alpha: 0), UniformGrid.Cube(2, 64, 7));
        var solver = new PdeSolver(model, new PdeSolverOptions(1.0, StepperKind.BackwardEuler, 5.0));
        solver.AdvanceTo(100);
        var p0 = model.ReferenceDensity();
        double drift = p0.Zip(solver.Density, (a, b) => Math.Abs(a - b)).Max() / p0.Max();
        TestContext.Out.WriteLine($"steps {solver.Steps}, drift {drift:E2}, mass-1 {solver.Diagnose().Mass - 1:E2}");
        Assert.That(drift, Is.LessThan(1e-12));

        var moving = new PdeSolver(new FiniteVolumeModel(GridConvergenceStudy.Case("linear", 1), UniformGrid.Cube(2, 64, 7)),
            new PdeSolverOptions(1.0, StepperKind.BackwardEuler, 0.5));
        double min = double.PositiveInfinity;
        while (moving.Time < 20)
        {
            moving.StepToward(20);
            min = Math.Min(min, moving.Density.Min());
        }
        var diag = moving.Diagnose();
        TestContext.Out.WriteLine($"linear: steps {moving.Steps}, mass-1 {diag.Mass - 1:E2}, min {min:E2}, last iterations {moving.LastLinearIterations}");
        Assert.That(diag.Mass, Is.EqualTo(1).Within(1e-12));
        Assert.That(min, Is.GreaterThanOrEqualTo(0));
    }
}
