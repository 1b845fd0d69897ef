using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Tests.Simulations;

/// <summary>Rows at <see cref="SampledTimes"/>: side steps of a scratch solver, the model's own steps untouched.</summary>
public class SideStepTests
{
    // The sub-steps of the fine solution of a step: its error, 32·C(h/32)⁴ = C h⁴/32³, is 3e-5 of the step's own.
    private const int SubSteps = 32;

    // Round-off of r (|r| ≤ 0.6) after the 32 sub-steps of the fine solution: a few ulps per step.
    private const double RoundOff = 1e-14;

    /// <summary>
    /// A row at a sampled time t is exactly one step of the solver from its own state before t (bit for bit: the side
    /// step), so its error against the exact solution through that state is the local error of one step of size
    /// δ = t − t_n ≤ h, the size of the solver's own next step: at most that step's local error (C δ⁴ ≤ C h⁴ for
    /// SSP-RK3, the same C at the same state; 10 % for the higher-order terms). Both are measured against 32 sub-steps.
    /// The error a row inherits from the trajectory before t_n is the time-stepping error of every other record.
    /// </summary>
    [TestCase(24, 0.5, new[] { 0.2, 0.5 }, 40)]
    [TestCase(128, 5.0, new[] { 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5 }, RunDiagnostics.DefaultRows, Category = "Slow")]
    public void ARowIsOneStepFromTheSolversStateBeforeIt(int cells, double end, double[] outputs, int rows)
    {
        var pde = new PdeModel(Problem.Default, UniformGrid.Cube(2, cells, 7));
        var simulation = new Simulation(end, pde);
        var landings = new[] { 0.0 }.Concat(outputs).ToArray();
        simulation.Callbacks.Add(new Callback(new SpecifiedTimes(landings), _ => { }));
        var samples = new SampledTimes(RunDiagnostics.Times(end, rows));
        var diagnosed = simulation.Record("rows", samples, pde.Diagnose);
        var scratch = pde.Solver.ScratchCopy();
        int sideSteps = 0;
        double worstRow = 0, worstMain = 0, worstRatio = 0;
        simulation.Callbacks.Add(new Callback(samples, s =>
        {
            double t = s.Time;
            var row = diagnosed[^1].Residuals;
            var solver = pde.Solver;
            Assert.That(pde.Time, Is.EqualTo(t));
            Assert.That(solver.Time, Is.LessThanOrEqualTo(t));
            if (solver.Time == t)
            {
                Assert.That(row, Is.EqualTo(solver.Diagnose().Residuals), "where the solver stands at t the row is its own state");
                return;
            }
            sideSteps++;
            solver.CopyStateTo(scratch);
            scratch.AdvanceTo(t);
            Assert.That(row, Is.EqualTo(scratch.Diagnose().Residuals), $"t = {t}: the row is one step of the solver's state");
            Assert.That(scratch.Steps, Is.EqualTo(solver.Steps + 1), $"t = {t}: one step of size t − t_n");
            double errorRow = Norms.MaxAbsDifference(row, Fine(solver, scratch, t));
            // The solver's own next step (toward the next landing time) and its local error.
            solver.CopyStateTo(scratch);
            scratch.StepToward(landings.First(l => l > t));
            double next = scratch.Time;
            var stepped = scratch.Diagnose().Residuals;
            Assert.That(next, Is.GreaterThanOrEqualTo(t), "the side step is within the solver's next step");
            double errorMain = Norms.MaxAbsDifference(stepped, Fine(solver, scratch, next));
            Assert.That(errorRow, Is.LessThanOrEqualTo(1.1 * errorMain + RoundOff), $"t = {t}: the row's error is at most one step's");
            worstRow = Math.Max(worstRow, errorRow);
            worstMain = Math.Max(worstMain, errorMain);
            if (errorMain > RoundOff) worstRatio = Math.Max(worstRatio, errorRow / errorMain);
        }));
        simulation.Run();
        Assert.That(diagnosed.Times, Is.EqualTo(samples.Times(end)));
        Assert.That(sideSteps, Is.GreaterThan(rows / 2));
        TestContext.Out.WriteLine($"{cells}²: {rows + 1} rows, {sideSteps} side steps, {pde.Steps} steps; max |δr| of a row against the exact " +
            $"solution through the state before it {worstRow:E2}, of the solver's steps {worstMain:E2}; largest ratio {worstRatio:F3}");
    }

    // The state of `from` advanced to t in 32 equal sub-steps (on the scratch solver): the exact solution through it, to 3e-5 of a step's error.
    private static double[] Fine(PdeSolver from, PdeSolver scratch, double t)
    {
        from.CopyStateTo(scratch);
        double t0 = from.Time;
        for (int i = 1; i <= SubSteps; i++) scratch.AdvanceTo(i == SubSteps ? t : t0 + i * (t - t0) / SubSteps);
        return scratch.Diagnose().Residuals;
    }
}
