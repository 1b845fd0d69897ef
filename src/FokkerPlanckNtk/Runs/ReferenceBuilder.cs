using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// Computes a <see cref="ReferenceSolution"/>: the PDE on the configured grid (N cells per axis) and on the
/// refined grid (2N), the stored solution being the refined one and the tolerances the N-vs-2N differences.
/// </summary>
public static class ReferenceBuilder
{
    /// <summary>The reference solution of <paramref name="config"/>: solved twice (on the grid and on the grid with twice the cells per axis; spectral: the basis and the basis doubled, at a tenth of the tolerance), the finer stored, the differences as tolerances.</summary>
    public static ReferenceSolution Compute(RunConfiguration config, IRunObserver? observer = null, CancellationToken cancellation = default)
    {
        observer = new WarningsOnce(observer ?? SilentObserver.Instance);
        RequireFullCoordinates(config);
        if (config.Solver.IsSpectral) return ComputeSpectral(config, observer, cancellation);
        var problem = config.Problem.ToProblem();
        var coarseGrid = config.Grid.ToGrid();
        var fine = config with { Grid = config.Grid with { Cells = config.Grid.Cells.Select(c => 2 * c).ToArray() } };
        var fineGrid = fine.Grid.ToGrid();
        var inputs = ProbeInputs(problem.Data);
        double[] times = [0, .. config.Time.OutputTimes];
        observer.Info($"reference: solving on {coarseGrid} (for the tolerances) and on {fineGrid} (stored)");
        var coarse = Solve(problem, coarseGrid, config, times, inputs, observer, cancellation);
        var stored = Solve(problem, fineGrid, config, times, inputs, observer, cancellation);
        var snapshots = Snapshots(times, stored, fineGrid, coarse, coarseGrid);
        return new ReferenceSolution { Configuration = fine.ToJson(), Grid = fineGrid, CoarseCells = config.Grid.Cells.ToArray(), Inputs = inputs, Snapshots = snapshots };
    }

    /// <summary>A reference file holds densities and probe inputs in the given coordinates (θ_1..θ_d, u): not of a problem reduced to the span of its inputs.</summary>
    private static void RequireFullCoordinates(RunConfiguration config)
    {
        var reduction = config.Problem.ToReducedProblem();
        if (reduction.IsIdentity) return;
        int d = reduction.Full.Dimension, k = reduction.Span.Dimension;
        throw new InputException("problem.reduction.mode", config.Problem.Reduction.Mode.ToString().ToLowerInvariant(), FormattableString.Invariant(
            $"fpntk reference stores the density in the coordinates (θ_1..θ_d, u), but this problem is solved on the span of its inputs (k = {k} of d = {d} dimensions, axes ζ_1..ζ_k, u); ")
            + (d + 1 <= Model.ReducedProblem.MaxGridDimension
                ? $"set problem.reduction.mode = never to build the reference on the grid of dimension d + 1 = {d + 1}"
                : "use fpntk solve, whose snapshots store the density on S ⊕ u with the basis of S"));
    }

    /// <summary>
    /// The spectral reference: the configured basis at the configured time tolerance, and the basis doubled per axis
    /// at a ten times smaller tolerance (stored); the tolerances are the differences (the solver's own convergence).
    /// Densities are exact cell averages on the configured grid for both.
    /// </summary>
    private static ReferenceSolution ComputeSpectral(RunConfiguration config, IRunObserver observer, CancellationToken cancellation)
    {
        var problem = config.Problem.ToProblem();
        var grid = config.Grid.ToGrid();
        double tolerance = config.Time.Tolerance ?? Spectral.SpectralSolverOptions.DefaultTolerance;
        var fineBasis = config.Solver.Basis.Select(m => 2 * m).ToArray();
        var fine = config with
        {
            Solver = config.Solver with { Basis = fineBasis },
            Time = config.Time with { Tolerance = tolerance / 10 },
        };
        var inputs = ProbeInputs(problem.Data);
        double[] times = [0, .. config.Time.OutputTimes];
        observer.Info($"reference: spectral basis {string.Join("x", config.Solver.Basis)} (for the tolerances) and {string.Join("x", fineBasis)} (stored), densities on {grid}");
        var coarse = SolveSpectral(problem, config.Solver.Basis, tolerance, grid, config.Grid.MaxOutsideMass, times, inputs, observer, cancellation);
        var stored = SolveSpectral(problem, fineBasis, tolerance / 10, grid, config.Grid.MaxOutsideMass, times, inputs, observer, cancellation);
        var snapshots = Snapshots(times, stored, grid, coarse, grid);
        return new ReferenceSolution
        {
            Configuration = fine.ToJson(), Grid = grid, CoarseCells = config.Grid.Cells.ToArray(), CoarseBasis = config.Solver.Basis.ToArray(),
            CoarseTolerance = tolerance, Inputs = inputs, Snapshots = snapshots,
        };
    }

    private static List<(double[] Density, double[] Residuals, double[] F)> SolveSpectral(Problem problem, int[] basis, double tolerance,
        UniformGrid grid, double? maxOutsideMass, double[] times, double[][] inputs, IRunObserver observer, CancellationToken cancellation)
    {
        var model = new Spectral.SpectralModel(problem, new Spectral.SpectralBasis(basis));
        var spectral = new SpectralPdeModel(model, grid, new Spectral.SpectralSolverOptions(tolerance), maxOutsideMass) { Name = $"spectral {model.Basis}" };
        foreach (var w in spectral.Warnings) observer.Warning(w);
        return Solve(spectral, times, observer, cancellation, () =>
        {
            var c = spectral.Solver.Coefficients;
            var r = new double[problem.SampleCount];
            model.Residuals(c, r);
            var density = model.CellAverages(c, grid);
            for (int i = 0; i < density.Length; i++) density[i] = Math.Max(0, density[i]);
            return (density, r, model.NetworkOutputs(c, inputs));
        });
    }

    /// <summary>The stored solution per time with the coarse-vs-stored differences as its tolerances.</summary>
    private static List<ReferenceSnapshot> Snapshots(double[] times, List<(double[] Density, double[] Residuals, double[] F)> stored, UniformGrid storedGrid,
        List<(double[] Density, double[] Residuals, double[] F)> coarse, UniformGrid coarseGrid)
    {
        var snapshots = new List<ReferenceSnapshot>();
        for (int k = 0; k < times.Length; k++)
        {
            var (pf, rf, ff) = stored[k];
            var (pc, rc, fc) = coarse[k];
            snapshots.Add(new ReferenceSnapshot(times[k], pf, rf, ff, FiniteVolumeModel.Loss(rf),
                ReferenceSolution.DensityDistance(storedGrid, pf, coarseGrid, pc), Norms.MaxAbsDifference(rf, rc), Norms.MaxAbsDifference(ff, fc)));
        }
        return snapshots;
    }

    private static List<(double[] Density, double[] Residuals, double[] F)> Solve(Problem problem, UniformGrid grid, RunConfiguration config,
        double[] times, double[][] inputs, IRunObserver observer, CancellationToken cancellation)
    {
        var pde = new PdeModel(new FiniteVolumeModel(problem, grid, config.Grid.MaxOutsideMass), config.Time.ToSolverOptions()) { Name = $"pde {grid.Cells[0]}" };
        foreach (var w in pde.Warnings) observer.Warning(w);
        return Solve(pde, times, observer, cancellation, () =>
        {
            var density = pde.Solver.Density;
            var r = new double[problem.SampleCount];
            pde.Discretization.Residuals(density, r);
            return (density, r, pde.Discretization.NetworkOutputs(density, inputs));
        });
    }

    /// <summary>Runs one model to <paramref name="times"/> with progress lines and keeps <paramref name="measure"/> at each.</summary>
    private static List<(double[] Density, double[] Residuals, double[] F)> Solve(IModel model, double[] times, IRunObserver observer,
        CancellationToken cancellation, Func<(double[], double[], double[])> measure)
    {
        var simulation = new Simulation(times[^1], model) { Observer = observer };
        var states = simulation.Record("reference", new SpecifiedTimes(times), measure);
        simulation.Callbacks.Add(new ProgressCallback());
        simulation.Run(cancellation: cancellation);
        return [.. states];
    }

    /// <summary>The data inputs, then the corners ±1 of the unit cube's axes and 0: inputs between and beyond the data.</summary>
    public static double[][] ProbeInputs(DataSet data)
    {
        var inputs = Enumerable.Range(0, data.Count).Select(i => data.X(i).ToArray()).ToList();
        int d = data.Dimension;
        inputs.Add(new double[d]);
        for (int k = 0; k < d; k++)
            foreach (double sign in new[] { -1.0, 1.0 })
            {
                var x = new double[d];
                x[k] = sign;
                inputs.Add(x);
            }
        return inputs.ToArray();
    }

    /// <summary>Both solves of a reference report the same set-up warnings: each is passed on once.</summary>
    private sealed class WarningsOnce(IRunObserver inner) : IRunObserver
    {
        private readonly HashSet<string> _seen = [];
        public void Progress(RunProgress progress) => inner.Progress(progress);
        public void Info(string message) => inner.Info(message);
        public void Warning(string message)
        {
            if (_seen.Add(message)) inner.Warning(message);
        }
    }
}
