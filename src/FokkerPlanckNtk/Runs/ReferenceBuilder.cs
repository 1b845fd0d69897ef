using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// Computes a <see cref="ReferenceSolution"/>: the PDE on the configured grid (N cells per axis) and on the
/// refined grid (2N), the stored solution being the refined one and the tolerances the N-vs-2N differences.
/// </summary>
public static class ReferenceBuilder
{
    public static ReferenceSolution Compute(RunConfiguration config, IRunObserver? observer = null, CancellationToken cancellation = default)
    {
        observer ??= SilentObserver.Instance;
        var problem = config.Problem.ToProblem();
        var coarseGrid = config.Grid.ToGrid();
        var fine = config with { Grid = config.Grid with { Cells = config.Grid.Cells.Select(c => 2 * c).ToArray() } };
        var fineGrid = fine.Grid.ToGrid();
        var inputs = ProbeInputs(problem.Data);
        double[] times = [0, .. config.Time.OutputTimes];
        observer.Info($"reference: solving on {coarseGrid} (for the tolerances) and on {fineGrid} (stored)");
        var coarse = Solve(problem, coarseGrid, config, times, inputs, observer, cancellation);
        var stored = Solve(problem, fineGrid, config, times, inputs, observer, cancellation);
        var snapshots = new List<ReferenceSnapshot>();
        for (int k = 0; k < times.Length; k++)
        {
            var (pf, rf, ff) = stored[k];
            var (pc, rc, fc) = coarse[k];
            snapshots.Add(new ReferenceSnapshot(times[k], pf, rf, ff, FiniteVolumeModel.Loss(rf),
                ReferenceSolution.DensityDistance(fineGrid, pf, coarseGrid, pc), Norms.MaxAbsDifference(rf, rc), Norms.MaxAbsDifference(ff, fc)));
        }
        return new ReferenceSolution { Configuration = fine.ToJson(), Grid = fineGrid, CoarseCells = config.Grid.Cells.ToArray(), Inputs = inputs, Snapshots = snapshots };
    }

    private static List<(double[] Density, double[] Residuals, double[] F)> Solve(Problem problem, UniformGrid grid, RunConfiguration config,
        double[] times, double[][] inputs, IRunObserver observer, CancellationToken cancellation)
    {
        var pde = new PdeModel(new FiniteVolumeModel(problem, grid), config.Time.ToSolverOptions()) { Name = $"pde {grid.Cells[0]}" };
        var simulation = new Simulation(times[^1], pde) { Observer = observer };
        var states = simulation.Record("reference", new SpecifiedTimes(times), () =>
        {
            var density = pde.Solver.Density;
            var r = new double[problem.SampleCount];
            pde.Discretization.Residuals(density, r);
            return (density, r, pde.Discretization.NetworkOutputs(density, inputs));
        });
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
}
