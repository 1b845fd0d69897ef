using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// The rows of <c>diagnostics.csv</c> (<see cref="DiagnosticsRecord"/>, schema in <see cref="IO.Results.RunTables.Diagnostics"/>):
/// a run's diagnostics at K + 1 times t_k = T (k/K)³, k = 0..K (K = <c>output.diagnosticsRows</c>, T the end
/// time): dense at the start, where the loss changes fastest (46 % of the rows in the first 10 % of the time).
/// Recorded on <see cref="SampledTimes"/>: the PDE does not land on them (its steps, and so every other file,
/// are those of a run without diagnostics); a row is a side step from the PDE's last step before its time.
/// </summary>
public static class RunDiagnostics
{
    /// <summary>The default K: 301 rows, 140 of them in the first tenth of the run.</summary>
    public const int DefaultRows = 300;

    /// <summary>t_k = T (k/K)³, k = 0..K (none when K = 0).</summary>
    public static double[] Times(double end, int rows) =>
        rows <= 0 ? [] : Enumerable.Range(0, rows + 1).Select(k => k == rows ? end : end * Math.Pow((double)k / rows, 3)).ToArray();

    /// <summary>A record of the models as they stand now (either PDE solver, at the time or by a side step to it; particles at their current step).</summary>
    public static DiagnosticsRecord Measure(double time, IDensityModel? pde, ParticleModel? particles, NtkPrediction? ntk) =>
        new(time, pde?.Diagnose(), pde?.Steps ?? 0, pde?.LastStep ?? 0,
            particles is null ? null : new ParticleDiagnostics(particles.Time, particles.Steps, particles.Loss, particles.System.Residuals.ToArray()),
            ntk?.Prediction.Residuals(time));
}
