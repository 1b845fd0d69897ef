using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Runs;

/// <summary>The PDE (3.4) on the finite-volume grid, as a part of a run.</summary>
internal sealed class PdePart : IRunPart
{
    private readonly PdeSolver _solver;
    private readonly double _end;
    private readonly IRunObserver _observer;
    private readonly double[] _reference;
    private bool _warnedOuterMass;

    public PdePart(RunConfiguration config, IRunObserver observer)
    {
        _observer = observer;
        Model = new FiniteVolumeModel(config.Problem.ToProblem(), config.Grid.ToGrid(), config.Grid.MaxOutsideMass);
        _solver = new PdeSolver(Model, config.Time.ToSolverOptions());
        _reference = Model.ReferenceDensity();
        _end = config.Time.End;
        var warnings = Model.Warnings.ToList(); // complete once the solver has made the initial density
        if (ResourceEstimate.StepWarning(_solver, config) is { } steps) warnings.Add(steps);
        Warnings = warnings;
    }

    /// <summary>Warnings found while setting up (truncation of the initial law, Assumption 4.1), for log, manifest and report.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public string Name => "pde";

    public FiniteVolumeModel Model { get; }

    public double Time => _solver.Time;

    public double[] Density => _solver.Density;

    public void AdvanceTo(double t, RunControl control)
    {
        // The solver lands exactly on t by setting its time after the last step; a state saved just before
        // that (time = t − tiny) would not restart bit-identically, so no checkpoint on the landing step.
        double before = _solver.Time;
        _solver.AfterStep = s =>
        {
            bool landing = s.LastStep >= t - before;
            before = s.Time;
            control.AfterStep(Name, s.Time, _end, s.LastStep, () => s.Diagnose().Loss, canCheckpoint: !landing);
        };
        try { _solver.AdvanceTo(t); }
        finally { _solver.AfterStep = null; }
    }

    public void SaveState(ArrayArchive state)
    {
        var s = _solver.Save();
        state.Set("pde.time", s.Time).Set("pde.steps", s.Steps).Set("pde.rejected", s.RejectedSteps).Set("pde.density", s.Density)
             .Set("pde.nextStep", s.NextStep).Set("pde.previousError", s.PreviousError);
    }

    // The step controller's memory (implicit-feedback stepper) is absent from checkpoints written before it existed.
    public void RestoreState(ArrayArchive state) =>
        _solver.Restore(new PdeSolver.State(state.Double("pde.time"), state.Long("pde.steps"), state.Long("pde.rejected"), state.Doubles("pde.density"),
            state.Contains("pde.nextStep") ? state.Double("pde.nextStep") : 0,
            state.Contains("pde.previousError") ? state.Double("pde.previousError") : 1));

    public void Record(ArrayArchive record, RunControl control)
    {
        var d = _solver.Diagnose();
        record.Set(RunRecords.PdeDiagnostics, [d.Time, d.Loss, d.FreeEnergy, d.KlP0, d.Chi2P0, d.Mass, d.MinDensity, d.OuterLayerMass])
              .Set(RunRecords.PdeResiduals, d.Residuals)
              .Set(RunRecords.PdeDensity, _solver.Density)
              .Set(RunRecords.PdeSteps, _solver.Steps);
        var w2 = control.MeasureW2("W2(p_t, p0)", d.Time, Model.Grid.Count, Model.Grid.Count,
            options => Wasserstein.Between(Model.Grid, _solver.Density, _reference, options));
        record.Set(RunRecords.PdeW2P0, [w2.W2, w2.ErrorBound]).Set(RunRecords.PdeW2P0Method, w2.Method);
        if (d.OuterLayerMass > PdeDiagnostics.OuterLayerWarning && !_warnedOuterMass)
        {
            _warnedOuterMass = true; // once per run; the report shows the whole column
            _observer.Warning(FormattableString.Invariant(
                $"at t = {d.Time:G6} the outermost cell layer holds a mass of {d.OuterLayerMass:G3} (> {PdeDiagnostics.OuterLayerWarning:G1}): the box is too small for this solution; enlarge grid.halfWidth"));
        }
    }
}
