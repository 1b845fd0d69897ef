using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Simulations;

/// <summary>
/// The PDE (3.4) on the finite-volume grid as a model of a <see cref="Simulation"/>: <see cref="PdeSolver"/>
/// steps (adaptive, landing exactly on every scheduled time), checkpointed as (time, steps, rejected steps,
/// density).
/// </summary>
public sealed class PdeModel : IModel
{
    public PdeModel(Problem problem, UniformGrid grid, PdeSolverOptions? options = null)
        : this(new FiniteVolumeModel(problem, grid), options) { }

    public PdeModel(FiniteVolumeModel discretization, PdeSolverOptions? options = null, double[]? initialDensity = null) =>
        Solver = new PdeSolver(discretization, options, initialDensity);

    public string Name { get; init; } = "pde";

    public PdeSolver Solver { get; }

    public FiniteVolumeModel Discretization => Solver.Model;

    public UniformGrid Grid => Solver.Model.Grid;

    public double Time => Solver.Time;

    public long Steps => Solver.Steps;

    public double LastStep => Solver.LastStep;

    public double Loss => Solver.Loss;

    public bool HasReached(double time) => Solver.Time >= time;

    public void StepToward(double time) => Solver.StepToward(time);

    /// <summary>The diagnostics, a copy of the density and W2 to the discrete p0 now (see <see cref="PdeRecord"/>).</summary>
    public PdeRecord Record() => PdeRecord.Measure(Solver);

    public void Save(ArrayArchive state)
    {
        var s = Solver.Save();
        state.Set($"{Name}.time", s.Time).Set($"{Name}.steps", s.Steps).Set($"{Name}.rejected", s.RejectedSteps).Set($"{Name}.density", s.Density)
             .Set($"{Name}.lastStep", s.LastStep).Set($"{Name}.lastStableStep", s.LastStableStep);
    }

    public void Restore(ArrayArchive state) =>
        Solver.Restore(new PdeSolver.State(state.Double($"{Name}.time"), state.Long($"{Name}.steps"), state.Long($"{Name}.rejected"),
            state.Doubles($"{Name}.density"), state.Double($"{Name}.lastStep"), state.Double($"{Name}.lastStableStep")));
}

/// <summary>
/// The finite-width network (m particles, Euler–Maruyama with step η) as a model of a <see cref="Simulation"/>:
/// at a scheduled time t it stands at step round(t/η), within η/2 of t. Its state is (positions, step index,
/// seed): the noise of every step is a pure function of them, so a restart is bit-identical.
/// </summary>
public sealed class ParticleModel : IModel
{
    private readonly Problem _problem;

    /// <param name="options">m, η and the seed (<see cref="ParticleOptions.Default"/>: 10⁴, 0.001, 1).</param>
    public ParticleModel(Problem problem, ParticleOptions? options = null)
    {
        _problem = problem;
        System = new ParticleSystem(problem, options ?? ParticleOptions.Default);
    }

    public string Name { get; init; } = "particles";

    public ParticleSystem System { get; private set; }

    public double Time => System.Time;

    public long Steps => System.Steps;

    public double LastStep => System.Steps > 0 ? System.StepSize : 0;

    public double Loss => System.Loss;

    public bool HasReached(double time) => System.Steps >= System.StepsFor(time);

    public void StepToward(double time) => System.Step();

    /// <summary>
    /// Loss, residuals, binned divergences, positions and W2 to the discrete p0 now (see <see cref="ParticleRecord"/>);
    /// <paramref name="grid"/> is the grid of the measures (the box of the histogram, the discrete p0 of W2).
    /// </summary>
    public ParticleRecord Record(UniformGrid grid) => ParticleRecord.Measure(System, grid);

    public void Save(ArrayArchive state)
    {
        var s = System.Capture();
        state.Set($"{Name}.count", s.Count).Set($"{Name}.dimension", s.Dimension).Set($"{Name}.step", s.StepSize)
             .Set($"{Name}.seed", s.Seed).Set($"{Name}.steps", s.Steps).Set($"{Name}.positions", s.Positions);
    }

    public void Restore(ArrayArchive state) =>
        System = new ParticleSystem(_problem, new ParticleSystem.State(
            checked((int)state.Long($"{Name}.count")), checked((int)state.Long($"{Name}.dimension")), state.Double($"{Name}.step"),
            state.Long($"{Name}.seed"), state.Long($"{Name}.steps"), state.Doubles($"{Name}.positions")));
}
