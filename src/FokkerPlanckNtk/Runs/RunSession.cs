using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Simulations;
using FokkerPlanckNtk.Spectral;

namespace FokkerPlanckNtk.Runs;

/// <summary>The resumable runs: which models they advance.</summary>
public enum RunKind
{
    /// <summary><c>fpntk run</c>: the PDE, the particles, their comparison and the NTK prediction.</summary>
    Run,

    /// <summary><c>fpntk solve</c>: the PDE alone.</summary>
    Solve,

    /// <summary><c>fpntk simulate</c>: the particles alone.</summary>
    Simulate,
}

/// <summary>Command names of <see cref="RunKind"/>.</summary>
public static class RunKinds
{
    /// <summary>The command name (<c>run</c>, <c>solve</c>, <c>simulate</c>), as in the manifest.</summary>
    public static string Command(this RunKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The kind of a command name, or null when the command is not a resumable run.</summary>
    public static RunKind? FromCommand(string command) =>
        Enum.GetValues<RunKind>().Cast<RunKind?>().FirstOrDefault(k => k!.Value.Command() == command);
}

/// <summary>
/// The standard job behind <c>fpntk run</c>, <c>solve</c> and <c>simulate</c>: the models of its
/// <see cref="RunKind"/> in a <see cref="Simulations.Simulation"/> with one record series each at the output
/// times (t = 0 and <c>time.outputTimes</c>), the PDE-vs-particles comparison and the NTK prediction for
/// <see cref="RunKind.Run"/>, and progress reports. In a folder it also writes <c>config.json</c> and
/// <c>manifest.json</c>, checkpoints under <c>checkpoint/</c> (every <c>output.checkpointSeconds</c>, on
/// Ctrl+C/SIGTERM, and before the data files), and the data files (pde.csv, particles.csv, comparison.csv,
/// ntk.csv, diagnostics.csv, w2_bounds.csv, snapshots.h5). A run interrupted or killed continues with <see cref="Resume"/> and
/// ends with files byte-identical to an uninterrupted run's. Without a folder it runs in memory.
/// </summary>
public sealed class RunSession
{
    /// <summary>The checkpoint folder inside a run folder.</summary>
    public const string CheckpointFolder = "checkpoint";

    private readonly TimeSeries<PdeRecord>? _pde;
    private readonly TimeSeries<ParticleRecord>? _particles;
    private readonly TimeSeries<ComparisonRecord>? _comparison;
    private readonly TimeSeries<NtkRecord>? _ntk;
    private readonly TimeSeries<DiagnosticsRecord>? _diagnostics;
    private readonly bool _resuming;

    private readonly UniformGrid _grid;

    private RunSession(RunConfiguration config, RunKind kind, IRunObserver observer, bool resuming)
    {
        Configuration = config;
        Kind = kind;
        _resuming = resuming;
        // Inputs spanning S ⊂ R^d: the PDE solvers take the reduced problem on the k + 1 axes of S ⊕ u, the particles run in
        // the full R^{d+1}, and every record is of the full problem (the identity when nothing is reduced).
        var reduction = Reduction = config.Problem.ToReducedProblem();
        var problem = reduction.Reduced;
        var grid = _grid = config.Grid.ToGrid();
        // Every model is set up before any file is written: a problem the grid or the memory cannot hold fails here.
        ResourceEstimate.RequireMemory(config, kind.Command());
        IDensityModel? pde = null;
        ParticleModel? particles = null;
        var warnings = new List<string>();
        if (kind is RunKind.Run or RunKind.Solve)
        {
            if (config.Solver.IsSpectral)
            {
                pde = new SpectralPdeModel(new SpectralModel(problem, config.Solver.ToBasis()), grid,
                    new SpectralSolverOptions(config.Time.Tolerance ?? SpectralSolverOptions.DefaultTolerance), config.Grid.MaxOutsideMass);
                Stepper = SpectralSolver.StepperName;
            }
            else
            {
                var fv = new PdeModel(new FiniteVolumeModel(problem, grid, config.Grid.MaxOutsideMass), config.Time.ToSolverOptions());
                pde = fv;
                Stepper = TimeSettings.StepperName(fv.Solver.Stepper);
                if (ResourceEstimate.StepWarning(fv.Solver, config) is { } steps) warnings.Add(steps);
            }
            warnings.InsertRange(0, pde.Warnings); // complete once the solver has made the initial density
        }
        if (kind is RunKind.Run or RunKind.Simulate)
        {
            warnings.AddRange(new[] { ParticleStability.Check(config), ResourceEstimate.ParticleStepWarning(config) }.OfType<string>());
            particles = new ParticleModel(reduction.Full, config.Particles.ToOptions());
        }
        // Assumption 4.1 (of the inputs as given: the reduction keeps their norms) and the rank decision first; a solver
        // may report the same Assumption 4.1 lines.
        Warnings = reduction.Warnings.Concat(warnings).Distinct().ToList();
        var ntk = kind is RunKind.Run ? new NtkPrediction(reduction) : null;
        var simulation = new Simulation(config.Time.End, new IModel?[] { pde, particles }.OfType<IModel>().ToArray()) { Observer = observer };
        var times = new SpecifiedTimes([0, .. config.Time.OutputTimes]);
        if (pde is not null)
        {
            _pde = simulation.Record("pde", times, () => reduction.Lift(pde.Record(W2Options(simulation), observer.Info)));
            simulation.Callbacks.Add(new OuterLayerWarning(times, _pde));
            if (pde is SpectralPdeModel spectral) simulation.Callbacks.Add(new TailWarning(times, spectral));
        }
        if (particles is not null) _particles = simulation.Record("particles", times, () => particles.Record(grid, W2Options(simulation), observer.Info, reduction));
        if (_pde is not null && _particles is not null)
        {
            var (p, m) = (_pde, _particles);
            int floorRepetitions = config.Output.EffectiveFloorRepetitions;
            long seed = config.Particles.Seed;
            _comparison = simulation.Record("comparison", times, () => ComparisonRecord.Between(p[^1], m[^1], grid, W2Options(simulation), observer.Info,
                floorRepetitions, seed));
        }
        if (ntk is not null) _ntk = simulation.Record("ntk", times, () => ntk.At(simulation.Time));
        if (config.Output.DiagnosticsRows > 0)
            _diagnostics = simulation.Record("diagnostics", new SampledTimes(RunDiagnostics.Times(config.Time.End, config.Output.DiagnosticsRows)),
                () => RunDiagnostics.Measure(simulation.Time, pde, particles, ntk));
        simulation.Callbacks.Add(new ProgressCallback());
        Simulation = simulation;
    }

    /// <summary>Puts the run in a folder: checkpoints and the data files.</summary>
    private void Attach(RunFolder folder)
    {
        var simulation = Simulation;
        var config = Configuration;
        var grid = _grid;
        var kind = Kind;
        Folder = folder;
        simulation.OutputDirectory = folder.Path;
        var checkpointer = new Checkpointer(folder.File(CheckpointFolder), new WallTimeInterval(TimeSpan.FromSeconds(config.Output.CheckpointSeconds)));
        string statePath = checkpointer.StatePath;
        checkpointer.Require("command", kind.Command(), () => new InputException("DIR", statePath, "is not a checkpoint of this run"));
        checkpointer.Require("config", config.ToJson(), () => new InputException("DIR", folder.File("config.json"),
            "was changed after the run started; a run resumes only with its own configuration"));
        simulation.Checkpointer = checkpointer;
        if (_pde is not null) simulation.Writers.Add(CsvWriter.For("pde.csv", _pde, RunTables.Pde));
        if (_particles is not null)
        {
            simulation.Writers.Add(CsvWriter.For("particles.csv", _particles, RunTables.Particles));
            if (!Reduction.IsIdentity) simulation.Writers.Add(CsvWriter.For("orthogonal.csv", _particles, RunTables.Orthogonal));
        }
        if (_comparison is not null) simulation.Writers.Add(CsvWriter.For("comparison.csv", _comparison, RunTables.Comparison));
        if (_ntk is not null) simulation.Writers.Add(CsvWriter.For("ntk.csv", _ntk, RunTables.Ntk));
        if (_diagnostics is not null) simulation.Writers.Add(CsvWriter.For("diagnostics.csv", _diagnostics, (_, rows) => RunTables.Diagnostics(rows)));
        simulation.Writers.Add(new CsvWriter("w2_bounds.csv", () => RunTables.W2Bounds(Times, grid, _pde, _particles, _comparison)));
        simulation.Writers.Add(new SnapshotWriter("snapshots.h5", grid, _pde, _particles)
        {
            Configuration = config.ToJson(), Span = Reduction.IsIdentity ? null : Reduction.Span,
        });
    }

    /// <summary>The W2 options of a run's measures: between probability measures (<c>output.w2Seconds</c>), cancelled with the run.</summary>
    private W2Options W2Options(Simulation simulation) => Configuration.Output.W2Options with { Cancellation = simulation.Cancellation };

    /// <summary>The run's configuration.</summary>
    public RunConfiguration Configuration { get; }

    /// <summary>The problem reduced to the span of its inputs (the identity when nothing is reduced): the PDE solves
    /// <see cref="Model.ReducedProblem.Reduced"/>, the particles run on <see cref="Model.ReducedProblem.Full"/>.</summary>
    public Model.ReducedProblem Reduction { get; }

    /// <summary>Which job this is.</summary>
    public RunKind Kind { get; }

    /// <summary>Warnings found while setting up (truncation of the initial law, Assumption 4.1, step counts, particle stability): log, manifest and report.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The PDE's time stepper as resolved (<c>time.stepper = auto</c> → <c>ssprk3</c> or <c>implicitfeedback</c>); null without a PDE.</summary>
    public string? Stepper { get; }

    /// <summary>Settings as resolved by the run, by configuration key (the manifest's <c>resolved</c>).</summary>
    public IReadOnlyDictionary<string, string> Resolved =>
        Stepper is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["time.stepper"] = Stepper };

    /// <summary>The command name of <see cref="Kind"/>.</summary>
    public string Command => Kind.Command();

    /// <summary>The output folder; null for a run in memory.</summary>
    public RunFolder? Folder { get; private set; }

    /// <summary>The simulation the run executes: add callbacks or writers before <see cref="Execute"/>.</summary>
    public Simulation Simulation { get; }

    /// <summary>The output folder; null for a run in memory.</summary>
    public string? Directory => Folder?.Path;

    private IReadOnlyList<double> Times => (IReadOnlyList<double>?)_pde?.Times ?? _particles?.Times ?? [];

    /// <summary>A run in memory: no folder, no checkpoints, no files; <see cref="Execute"/> returns the results.</summary>
    public static RunSession InMemory(RunConfiguration config, RunKind kind, IRunObserver? observer = null) =>
        new(config, kind, observer ?? SilentObserver.Instance, resuming: false);

    /// <summary>
    /// Starts a new run in <paramref name="directory"/> (created; it must not hold another command's results):
    /// sets up every model (so that a problem the grid cannot hold fails before any file is written), then writes
    /// the effective configuration and a manifest with status <c>running</c>.
    /// </summary>
    public static RunSession Start(RunConfiguration config, RunKind kind, string directory, IRunObserver? observer = null)
    {
        observer ??= SilentObserver.Instance;
        var session = new RunSession(config, kind, observer, resuming: false);
        var folder = RunFolder.Create(directory, config, kind.Command(), session.Warnings, session.Resolved);
        foreach (var w in session.Warnings) observer.Warning(w);
        session.Attach(folder);
        return session;
    }

    /// <summary>Reopens an interrupted or killed run from its folder and its last checkpoint (if any).</summary>
    public static RunSession Resume(string directory, IRunObserver? observer = null)
    {
        observer ??= SilentObserver.Instance;
        var folder = RunFolder.Reopen(directory);
        var kind = RunKinds.FromCommand(folder.Manifest.Command)
            ?? throw new InputException("DIR", folder.Path, $"the run was made by '{folder.Manifest.Command}', which cannot be resumed");
        int stale = AtomicFile.RemoveUnfinished(folder.Path);
        if (stale > 0) observer.Info($"removed {stale} unfinished file(s) left by the interrupted process");
        var config = RunConfiguration.Load(folder.File("config.json"));
        var session = new RunSession(config, kind, observer, resuming: true);
        session.Attach(folder);
        if (session.Simulation.Checkpointer is { HasState: true } checkpointer) checkpointer.Check(session.Simulation);
        folder.WriteManifest();
        return session;
    }

    /// <summary>
    /// Runs to the end (from the last checkpoint when resuming) and writes the data files (in a folder). Throws
    /// <see cref="OperationCanceledException"/> after writing a checkpoint when <paramref name="cancellation"/> fires.
    /// </summary>
    public RunResults Execute(CancellationToken cancellation = default)
    {
        Simulation.Run(pickup: _resuming, cancellation);
        return Results;
    }

    /// <summary>The records so far, as typed results.</summary>
    public RunResults Results => new()
    {
        Configuration = Configuration,
        Kind = Kind,
        Stepper = Stepper,
        Reduction = Reduction.IsIdentity ? null : Reduction,
        Grid = Configuration.Grid.ToGrid(),
        Times = Times.ToArray(),
        Pde = _pde?.ToArray(),
        Particles = _particles?.ToArray(),
        Comparison = _comparison?.ToArray(),
        Ntk = _ntk?.ToArray(),
        Diagnostics = _diagnostics?.ToArray(),
    };

    /// <summary>Marks the run complete and removes its checkpoint (call after the last file is written).</summary>
    public void Complete()
    {
        if (Folder is null) return;
        Folder.Complete();
        try { Simulation.Checkpointer?.Delete(); }
        catch (IOException e) { Simulation.Observer.Warning($"the checkpoint folder could not be removed: {e.Message}"); }
    }

    /// <summary>Marks the run folder interrupted (resumable).</summary>
    public void MarkInterrupted(string message) => Folder?.MarkInterrupted(message);

    /// <summary>Marks the run folder failed.</summary>
    public void MarkFailed(string message) => Folder?.MarkFailed(message);

    /// <summary>Warns once per run when the top modes of the spectral basis hold more than <see cref="SpectralDiagnostics.TailWarning"/>.</summary>
    private sealed class TailWarning(Schedule schedule, SpectralPdeModel spectral) : ICallback
    {
        private bool _warned;

        public Schedule Schedule { get; } = schedule;

        public void Invoke(Simulation simulation)
        {
            if (_warned || spectral.LastDiagnostics is not { } d || d.TailNorm <= SpectralDiagnostics.TailWarning) return;
            _warned = true;
            simulation.Observer.Warning(FormattableString.Invariant(
                $"at t = {d.Time:G6} the top modes of the spectral basis hold an L²(p0) norm of {d.TailNorm:G3} (> {SpectralDiagnostics.TailWarning:G1}): the basis does not resolve this solution; use more modes (solver.basis)"));
        }
    }

    /// <summary>Warns once per run when the outermost cell layer holds more than <see cref="PdeDiagnostics.OuterLayerWarning"/>.</summary>
    private sealed class OuterLayerWarning(Schedule schedule, TimeSeries<PdeRecord> pde) : ICallback
    {
        private bool _warned;

        public Schedule Schedule { get; } = schedule;

        public void Invoke(Simulation simulation)
        {
            var d = pde[^1].Diagnostics;
            if (_warned || d.OuterLayerMass <= PdeDiagnostics.OuterLayerWarning) return;
            _warned = true; // once per run; the report shows the whole column
            simulation.Observer.Warning(FormattableString.Invariant(
                $"at t = {d.Time:G6} the outermost cell layer holds a mass of {d.OuterLayerMass:G3} (> {PdeDiagnostics.OuterLayerWarning:G1}): the box is too small for this solution; enlarge grid.halfWidth"));
        }
    }
}
