using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Spectral;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// The PDE (3.4) by the Hermite spectral solver, as the "pde" part of a run (solver.kind = spectral): the same
/// records as <see cref="PdePart"/>, with the density written as the expansion's exact cell averages on the
/// configured grid (so snapshots, plots and the comparison with particles are unchanged) and W2 to p0 through the
/// metrics code on those cell averages against p0's.
/// </summary>
internal sealed class SpectralPart : IRunPart
{
    private readonly SpectralSolver _solver;
    private readonly Grids.UniformGrid _grid;
    private readonly double _end;
    private readonly IRunObserver _observer;
    private readonly double[] _reference;
    private bool _warnedTail, _warnedOuterMass;

    public SpectralPart(RunConfiguration config, IRunObserver observer)
    {
        _observer = observer;
        _grid = config.Grid.ToGrid();
        Model = new SpectralModel(config.Problem.ToProblem(), config.Solver.ToBasis());
        foreach (var w in Model.Warnings) observer.Warning(w);
        _solver = new SpectralSolver(Model, new SpectralSolverOptions(config.Time.Tolerance ?? SpectralSolverOptions.DefaultTolerance));
        var p0 = new double[Model.Count];
        p0[0] = 1;
        _reference = Model.CellAverages(p0, _grid); // exact cell averages of p0: positive
        _end = config.Time.End;
    }

    public string Name => "pde";

    public SpectralModel Model { get; }

    public double Time => _solver.Time;

    public void AdvanceTo(double t, RunControl control)
    {
        double before = _solver.Time;
        _solver.AfterStep = s =>
        {
            bool landing = s.LastStep >= t - before;
            before = s.Time;
            control.AfterStep(Name, s.Time, _end, s.LastStep, () => Loss(s), canCheckpoint: !landing);
        };
        try { _solver.AdvanceTo(t); }
        finally { _solver.AfterStep = null; }
    }

    private static double Loss(SpectralSolver s)
    {
        var r = new double[s.Model.Problem.SampleCount];
        s.Model.Residuals(s.Coefficients, r);
        return r.Sum(v => v * v) / r.Length;
    }

    public void SaveState(ArrayArchive state)
    {
        var s = _solver.Save();
        state.Set("pde.time", s.Time).Set("pde.steps", s.Steps).Set("pde.rejected", s.RejectedSteps)
             .Set("pde.proposedStep", s.ProposedStep).Set("pde.explicitBoundSteps", s.ExplicitBoundSteps).Set("pde.coefficients", s.Coefficients);
    }

    public void RestoreState(ArrayArchive state) =>
        _solver.Restore(new SpectralSolver.State(state.Double("pde.time"), state.Long("pde.steps"), state.Long("pde.rejected"),
            state.Double("pde.proposedStep"), state.Double("pde.explicitBoundSteps"), state.Doubles("pde.coefficients")));

    public void Record(ArrayArchive record, RunControl control)
    {
        var d = _solver.Diagnose();
        // A truncated expansion can dip below zero far out (its minimum is min_density in pde.csv, its negative
        // mass a diagnostic); the written densities are measures, so those cells are written as 0.
        var density = Model.CellAverages(_solver.Coefficients, _grid);
        for (int c = 0; c < density.Length; c++) density[c] = Math.Max(0, density[c]);
        double outer = 0;
        for (int c = 0; c < _grid.Count; c++)
            if (_grid.IsOuterCell(c)) outer += density[c];
        outer *= _grid.CellVolume;
        record.Set(RunRecords.PdeDiagnostics, [d.Time, d.Loss, d.FreeEnergy, d.KlP0, d.Chi2P0, d.Mass, d.MinDensity, outer])
              .Set(RunRecords.PdeResiduals, d.Residuals)
              .Set(RunRecords.PdeDensity, density)
              .Set(RunRecords.PdeSteps, _solver.Steps);
        var w2 = control.MeasureW2("W2(p_t, p0)", d.Time, _grid.Count, _grid.Count,
            options => Wasserstein.Between(_grid, density, _reference, options));
        record.Set(RunRecords.PdeW2P0, [w2.W2, w2.ErrorBound]).Set(RunRecords.PdeW2P0Method, w2.Method + " (spectral solution's cell averages)");
        if (d.TailNorm > SpectralDiagnostics.TailWarning && !_warnedTail)
        {
            _warnedTail = true;
            _observer.Warning(FormattableString.Invariant(
                $"at t = {d.Time:G6} the top modes of the spectral basis hold an L²(p0) norm of {d.TailNorm:G3} (> {SpectralDiagnostics.TailWarning:G1}): the basis does not resolve this solution; use more modes (solver.basis)"));
        }
        if (outer > FiniteVolume.PdeDiagnostics.OuterLayerWarning && !_warnedOuterMass)
        {
            _warnedOuterMass = true;
            _observer.Warning(FormattableString.Invariant(
                $"at t = {d.Time:G6} the outermost cell layer of the output grid holds a mass of {outer:G3}: the grid's box cuts off part of the spectral solution in the written densities; enlarge grid.halfWidth"));
        }
    }
}
