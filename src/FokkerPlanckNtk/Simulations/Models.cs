using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Spectral;

namespace FokkerPlanckNtk.Simulations;

/// <summary>
/// A model whose state is a density of (θ, u): a solver of the PDE (3.4). Its records are the same for every
/// solver (<see cref="PdeRecord"/>: diagnostics, the density as cell averages on a grid, W2 to the discrete p0),
/// so runs, writers and comparisons do not depend on which solver made them.
/// </summary>
public interface IDensityModel : IModel
{
    /// <summary>The grid of the recorded densities.</summary>
    UniformGrid Grid { get; }

    /// <summary>Warnings found while setting up (e.g. Assumption 4.1 violations), for the log.</summary>
    IReadOnlyList<string> Warnings { get; }

    /// <summary>The record of the current state (W2 with <paramref name="options"/>, slow ones announced through <paramref name="log"/>).</summary>
    PdeRecord Record(W2Options? options = null, Action<string>? log = null);

    /// <summary>The light diagnostics of the current state (no density, no W2): what a row of <c>diagnostics.csv</c> holds.</summary>
    PdeDiagnostics Diagnose();
}

/// <summary>
/// The PDE (3.4) on the finite-volume grid as a model of a <see cref="Simulation"/>: <see cref="PdeSolver"/>
/// steps (adaptive, landing exactly on every scheduled time; at <see cref="SampledTimes"/> a side step of a
/// scratch solver), checkpointed as (time, steps, rejected steps, density, step-control memory).
/// </summary>
public sealed class PdeModel : IDensityModel, ISideStepModel
{
    private PdeSolver? _shown;    // during a side step: the solver's scratch copy at the side step's time

    /// <summary>The PDE of <paramref name="problem"/> on <paramref name="grid"/>, from the discrete p0.</summary>
    public PdeModel(Problem problem, UniformGrid grid, PdeSolverOptions? options = null)
        : this(new FiniteVolumeModel(problem, grid), options) { }

    /// <summary>The PDE of <paramref name="discretization"/> from <paramref name="initialDensity"/> (null: the discrete p0).</summary>
    public PdeModel(FiniteVolumeModel discretization, PdeSolverOptions? options = null, double[]? initialDensity = null) =>
        Solver = new PdeSolver(discretization, options, initialDensity);

    /// <inheritdoc/>
    public string Name { get; init; } = "pde";

    /// <summary>The finite-volume solver.</summary>
    public PdeSolver Solver { get; }

    /// <summary>The discretization being solved.</summary>
    public FiniteVolumeModel Discretization => Solver.Model;

    /// <inheritdoc/>
    public UniformGrid Grid => Solver.Model.Grid;

    /// <inheritdoc/>
    public IReadOnlyList<string> Warnings => Solver.Model.Warnings;

    /// <summary>The solver whose state is shown: the scratch solver during a side step, else <see cref="Solver"/>.</summary>
    private PdeSolver Shown => _shown ?? Solver;

    /// <inheritdoc/>
    public double Time => Shown.Time;

    /// <inheritdoc/>
    public long Steps => Solver.Steps;

    /// <inheritdoc/>
    public double LastStep => Solver.LastStep;

    /// <inheritdoc/>
    public double Loss => Shown.Loss;

    /// <inheritdoc/>
    public bool HasReached(double time) => Solver.Time >= time;

    /// <inheritdoc/>
    public void StepToward(double time) => Solver.StepToward(time);

    /// <inheritdoc/>
    public double NextStepReach(double target) => Solver.NextStepReach(target);

    /// <inheritdoc/>
    /// <remarks>
    /// The scratch solver takes the solver's state (density, moments, step-control memory) and lands on
    /// <paramref name="time"/>: one step of size time − <see cref="IModel.Time"/> when the time is within the next step.
    /// </remarks>
    public void BeginSideStep(double time) => _shown = (PdeSolver)Solver.SideStep(time);

    /// <inheritdoc/>
    public void EndSideStep() => _shown = null;

    /// <summary>The diagnostics, a copy of the density and W2 to the discrete p0 now (see <see cref="PdeRecord"/>).</summary>
    public PdeRecord Record(W2Options? options = null, Action<string>? log = null) => PdeRecord.Measure(Shown, options, log);

    /// <inheritdoc/>
    public PdeDiagnostics Diagnose() => Shown.Diagnose();

    /// <summary>The record of the current state (usable as a <c>Func&lt;PdeRecord&gt;</c>: <c>simulation.Record("pde", times, pde.Record)</c>).</summary>
    public PdeRecord Record() => Record(null, null);

    /// <inheritdoc/>
    public void Save(ArrayArchive state)
    {
        var s = Solver.Save();
        state.Set($"{Name}.time", s.Time).Set($"{Name}.steps", s.Steps).Set($"{Name}.rejected", s.RejectedSteps).Set($"{Name}.density", s.Density)
             .Set($"{Name}.nextStep", s.NextStep).Set($"{Name}.previousError", s.PreviousError)
             .Set($"{Name}.lastStep", s.LastStep).Set($"{Name}.lastStableStep", s.LastStableStep);
    }

    // The step controller's memory (implicit-feedback stepper) and the last step sizes (reported by the diagnostics rows)
    // are absent from checkpoints written before they existed.
    /// <inheritdoc/>
    public void Restore(ArrayArchive state) =>
        Solver.Restore(new PdeSolver.State(state.Double($"{Name}.time"), state.Long($"{Name}.steps"), state.Long($"{Name}.rejected"),
            state.Doubles($"{Name}.density"),
            Optional(state, $"{Name}.nextStep", 0), Optional(state, $"{Name}.previousError", 1),
            Optional(state, $"{Name}.lastStep", 0), Optional(state, $"{Name}.lastStableStep", 0)));

    private static double Optional(ArrayArchive state, string key, double absent) => state.Contains(key) ? state.Double(key) : absent;
}

/// <summary>
/// The PDE (3.4) by the Hermite spectral solver (<see cref="SpectralSolver"/>) as a model of a
/// <see cref="Simulation"/>, recorded on a grid: the density as the expansion's exact cell averages (negative
/// values of the truncated expansion, far out, written as 0: the written densities are measures), W2 to the
/// exact cell averages of p0, and the diagnostics of the expansion itself (the outer-layer mass from the cell
/// averages). Checkpointed as (time, steps, rejected steps, proposed step, explicit-bound steps, coefficients).
/// </summary>
public sealed class SpectralPdeModel : IDensityModel, ISideStepModel
{
    private readonly UniformGrid? _grid;
    private double[]? _reference;
    private SpectralSolver? _shown; // during a side step: the solver's scratch copy at the side step's time

    /// <param name="grid">The grid of the recorded densities (snapshots, plots, the comparison with particles).</param>
    /// <param name="model">The Hermite–Galerkin discretization.</param>
    /// <param name="options">Tolerance of the time integration (null: the default).</param>
    /// <param name="maxOutsideMass">Largest mass of the initial law outside the grid's box that is accepted (<c>grid.maxOutsideMass</c>);
    /// null: <see cref="FiniteVolumeModel.SilentOutsideMass"/> (the cell averages are exact, so the box's cut is the only error of the
    /// written densities). Between the two a warning (<see cref="Warnings"/>), as for the finite-volume solver.</param>
    /// <exception cref="InputException">The box cuts off more of the initial law (<c>grid.halfWidth</c>).</exception>
    public SpectralPdeModel(SpectralModel model, UniformGrid grid, SpectralSolverOptions? options = null, double? maxOutsideMass = null)
        : this(CheckedSolver(model, grid, options, maxOutsideMass), grid) { }

    /// <summary>A model over an existing solver; without <paramref name="grid"/> it advances and checkpoints but has no records.</summary>
    /// <param name="solver">The solver, advanced by the model.</param>
    /// <param name="grid">The grid of the recorded densities (null: no records).</param>
    public SpectralPdeModel(SpectralSolver solver, UniformGrid? grid = null)
    {
        Solver = solver;
        _grid = grid;
    }

    // The solution lives on the whole space, but densities, W2 and the comparison with particles are written on the grid:
    // the FV solver's rule of the box (same key, same message); the default limit is the silent one, since the exact cell
    // averages have no discretization error for a truncation to hide in.
    private static SpectralSolver CheckedSolver(SpectralModel model, UniformGrid grid, SpectralSolverOptions? options, double? maxOutsideMass)
    {
        string? warning = FiniteVolumeModel.BoxHoldsInitialLaw(grid, model.Problem.Initial, maxOutsideMass, FiniteVolumeModel.SilentOutsideMass,
            "the spectral solver's default", "the densities written on the grid miss it (the spectral solution itself lives on the whole space)");
        if (warning is not null) model.Warn(warning);
        return new SpectralSolver(model, options);
    }

    /// <inheritdoc/>
    public string Name { get; init; } = "pde";

    /// <summary>The spectral solver.</summary>
    public SpectralSolver Solver { get; }

    /// <inheritdoc/>
    public UniformGrid Grid => _grid ?? throw new InvalidOperationException("this spectral model was made without a grid of records");

    /// <inheritdoc/>
    public IReadOnlyList<string> Warnings => Solver.Model.Warnings;

    /// <summary>The spectral diagnostics of the last record or <see cref="Diagnose"/> (tail norm, negative mass, W2 bracket).</summary>
    public SpectralDiagnostics? LastDiagnostics { get; private set; }

    /// <summary>The solver whose state is shown: the scratch solver during a side step, else <see cref="Solver"/>.</summary>
    private SpectralSolver Shown => _shown ?? Solver;

    /// <inheritdoc/>
    public double Time => Shown.Time;

    /// <inheritdoc/>
    public long Steps => Solver.Steps;

    /// <inheritdoc/>
    public double LastStep => Solver.LastStep;

    /// <inheritdoc/>
    public double Loss
    {
        get
        {
            var r = new double[Solver.Model.Problem.SampleCount];
            Solver.Model.Residuals(Shown.Coefficients, r);
            return FiniteVolumeModel.Loss(r);
        }
    }

    /// <inheritdoc/>
    public bool HasReached(double time) => Solver.Time >= time;

    /// <inheritdoc/>
    public void StepToward(double time) => Solver.StepToward(time);

    /// <inheritdoc/>
    public double NextStepReach(double target) => Solver.NextStepReach(target);

    /// <inheritdoc/>
    /// <remarks>The scratch solver takes the coefficients and the proposed step and lands on <paramref name="time"/>.</remarks>
    public void BeginSideStep(double time) => _shown = (SpectralSolver)Solver.SideStep(time);

    /// <inheritdoc/>
    public void EndSideStep() => _shown = null;

    /// <summary>The record of the current state (usable as a <c>Func&lt;PdeRecord&gt;</c>).</summary>
    public PdeRecord Record() => Record(null, null);

    /// <inheritdoc/>
    public PdeRecord Record(W2Options? options = null, Action<string>? log = null)
    {
        var grid = Grid;
        var (diagnostics, density) = Measure();
        var reference = _reference ??= P0CellAverages(Solver.Model, grid);
        var w2 = W2ResultExtensions.Logged("W2(p_t, p0)", diagnostics.Time, grid.Count, grid.Count, options ?? W2Options.ProbabilityMeasures, log,
            o => Wasserstein.Between(grid, density, reference, o));
        return new PdeRecord(diagnostics, Solver.Steps, density, w2.ToValue() with { Method = w2.Method + " (spectral solution's cell averages)" });
    }

    /// <inheritdoc/>
    public PdeDiagnostics Diagnose() => Measure().Diagnostics;

    // The expansion's diagnostics with the outer-layer mass of its cell averages (negative averages written as 0).
    private (PdeDiagnostics Diagnostics, double[] Density) Measure()
    {
        var grid = Grid;
        var d = LastDiagnostics = Shown.Diagnose();
        var density = Solver.Model.CellAverages(Shown.Coefficients, grid);
        for (int c = 0; c < density.Length; c++) density[c] = Math.Max(0, density[c]);
        double outer = 0;
        for (int c = 0; c < grid.Count; c++)
            if (grid.IsOuterCell(c)) outer += density[c];
        outer *= grid.CellVolume;
        return (new PdeDiagnostics(d.Time, d.Loss, d.FreeEnergy, d.KlP0, d.Chi2P0, d.Mass, d.MinDensity, outer, d.Residuals), density);
    }

    /// <summary>The exact cell averages of p0 (coefficient 1 on the constant mode): positive.</summary>
    private static double[] P0CellAverages(SpectralModel model, UniformGrid grid)
    {
        var p0 = new double[model.Count];
        p0[0] = 1;
        return model.CellAverages(p0, grid);
    }

    /// <inheritdoc/>
    public void Save(ArrayArchive state)
    {
        var s = Solver.Save();
        state.Set($"{Name}.time", s.Time).Set($"{Name}.steps", s.Steps).Set($"{Name}.rejected", s.RejectedSteps)
             .Set($"{Name}.proposedStep", s.ProposedStep).Set($"{Name}.explicitBoundSteps", s.ExplicitBoundSteps).Set($"{Name}.coefficients", s.Coefficients)
             .Set($"{Name}.lastStep", s.LastStep);
    }

    /// <inheritdoc/>
    public void Restore(ArrayArchive state) =>
        Solver.Restore(new SpectralSolver.State(state.Double($"{Name}.time"), state.Long($"{Name}.steps"), state.Long($"{Name}.rejected"),
            state.Double($"{Name}.proposedStep"), state.Double($"{Name}.explicitBoundSteps"), state.Doubles($"{Name}.coefficients"),
            state.Contains($"{Name}.lastStep") ? state.Double($"{Name}.lastStep") : 0));
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
    /// <param name="problem">The problem (activation, data, α, λ, initial law).</param>
    public ParticleModel(Problem problem, ParticleOptions? options = null)
    {
        _problem = problem;
        System = new ParticleSystem(problem, options ?? ParticleOptions.Default);
    }

    /// <inheritdoc/>
    public string Name { get; init; } = "particles";

    /// <summary>The particle system.</summary>
    public ParticleSystem System { get; private set; }

    /// <inheritdoc/>
    public double Time => System.Time;

    /// <inheritdoc/>
    public long Steps => System.Steps;

    /// <inheritdoc/>
    public double LastStep => System.Steps > 0 ? System.StepSize : 0;

    /// <inheritdoc/>
    public double Loss => System.Loss;

    /// <inheritdoc/>
    public bool HasReached(double time) => System.Steps >= System.StepsFor(time);

    /// <inheritdoc/>
    public void StepToward(double time) => System.Step();

    /// <summary>
    /// Loss, residuals, binned divergences, positions and W2 to the discrete p0 now (see <see cref="ParticleRecord"/>);
    /// <paramref name="grid"/> is the grid of the measures (the box of the histogram, the discrete p0 of W2).
    /// </summary>
    /// <param name="grid">The grid of the measures.</param>
    /// <param name="options">Options of the W2 to p0 (null: probability measures, the run's defaults).</param>
    /// <param name="log">Receives a line when a W2 is slow (null: silent).</param>
    /// <param name="reduction">For a problem reduced to the span of its inputs: the particles measured through their projections
    /// onto S ⊕ u on the reduced <paramref name="grid"/>, with the θ_⊥ factor in closed form and the θ_⊥ moments.</param>
    public ParticleRecord Record(UniformGrid grid, W2Options? options = null, Action<string>? log = null, ReducedProblem? reduction = null) =>
        ParticleRecord.Measure(System, grid, options, log, reduction);

    /// <inheritdoc/>
    public void Save(ArrayArchive state)
    {
        var s = System.Capture();
        state.Set($"{Name}.count", s.Count).Set($"{Name}.dimension", s.Dimension).Set($"{Name}.step", s.StepSize)
             .Set($"{Name}.seed", s.Seed).Set($"{Name}.steps", s.Steps).Set($"{Name}.positions", s.Positions);
    }

    /// <inheritdoc/>
    public void Restore(ArrayArchive state) =>
        System = new ParticleSystem(_problem, new ParticleSystem.State(
            checked((int)state.Long($"{Name}.count")), checked((int)state.Long($"{Name}.dimension")), state.Double($"{Name}.step"),
            state.Long($"{Name}.seed"), state.Long($"{Name}.steps"), state.Doubles($"{Name}.positions")));
}
