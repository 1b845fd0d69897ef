using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// The rows of <c>diagnostics.csv</c> (<see cref="DiagnosticsRecord"/>, schema in <see cref="IO.Results.RunTables.Diagnostics"/>):
/// a run's diagnostics where its steps first reach the times t_k = T (k/K)³, k = 0..K (K = <c>output.diagnosticsRows</c>,
/// T the end time): dense at the start, where the loss changes fastest (46 % of the targets in the first 10 % of the
/// time). The rows do not change the steps (<see cref="Simulations.ReachedTimes"/>): a run writes the same pde.csv
/// with or without them. A step that passes several targets gives one row; a row's time is the PDE's, which repeats
/// while the particles' smaller steps reach targets a PDE step has passed (their own time is in the row).
/// </summary>
public static class RunDiagnostics
{
    /// <summary>The default K: 301 rows, 140 of them in the first tenth of the run.</summary>
    public const int DefaultRows = 300;

    /// <summary>t_k = T (k/K)³, k = 0..K (none when K = 0).</summary>
    public static double[] Times(double end, int rows) =>
        rows <= 0 ? [] : Enumerable.Range(0, rows + 1).Select(k => k == rows ? end : end * Math.Pow((double)k / rows, 3)).ToArray();

    /// <summary>
    /// A record of the models as they stand now (either PDE solver; particles at their current step), at the PDE's
    /// time (the particles' without a PDE); the NTK prediction at that time.
    /// </summary>
    public static DiagnosticsRecord Measure(IDensityModel? pde, ParticleModel? particles, NtkPrediction? ntk)
    {
        double time = pde?.Time ?? particles?.Time ?? 0;
        return new(time, pde?.Diagnose(), pde?.Steps ?? 0, pde?.LastStep ?? 0,
            particles is null ? null : new ParticleDiagnostics(particles.Time, particles.Steps, particles.Loss, particles.System.Residuals.ToArray()),
            ntk?.Prediction.Residuals(time));
    }
}
