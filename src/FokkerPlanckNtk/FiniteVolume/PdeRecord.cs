using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.FiniteVolume;

/// <summary>
/// What a run records of the PDE at an output time: the diagnostics (docs/scheme.md, docs/mathematics.md), the step count, a copy of
/// the density and W2(p_t, p0_h) between the grid densities as atoms at the cell centres (exact, or a certified
/// bracket: see <see cref="Wasserstein"/>).
/// </summary>
public sealed record PdeRecord(PdeDiagnostics Diagnostics, long Steps, double[] Density, W2Value W2P0)
{
    /// <summary>The time of the record.</summary>
    public double Time => Diagnostics.Time;

    /// <summary>
    /// Measures the solver's current state; W2 with <paramref name="options"/> (default: between probability
    /// measures), a slow one announced through <paramref name="log"/>.
    /// </summary>
    public static PdeRecord Measure(PdeSolver solver, W2Options? options = null, Action<string>? log = null)
    {
        var density = solver.Density;
        var grid = solver.Model.Grid;
        var w2 = W2ResultExtensions.Logged("W2(p_t, p0)", solver.Time, grid.Count, grid.Count, options ?? W2Options.ProbabilityMeasures, log,
            o => Wasserstein.Between(grid, density, solver.Model.ReferenceDensityValues, o));
        return new PdeRecord(solver.Diagnose(), solver.Steps, density, w2.ToValue());
    }
}
