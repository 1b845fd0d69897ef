using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Runs;

/// <summary>The particles' loss and residuals at one diagnostics time (at their nearest step).</summary>
/// <param name="Time">The particles' own time: their step count times η.</param>
/// <param name="Steps">Euler–Maruyama steps taken.</param>
/// <param name="Loss">(1/n) Σ r_i².</param>
/// <param name="Residuals">r_i = f_m(x_i) − y_i of the finite-width network.</param>
public sealed record ParticleDiagnostics(double Time, long Steps, double Loss, double[] Residuals);

/// <summary>
/// One row of <c>diagnostics.csv</c>: what each part of a run is at one diagnostics time. Light (no densities,
/// no positions), so that a run can record a few hundred of them.
/// </summary>
/// <param name="Time">The diagnostics time.</param>
/// <param name="Pde">The PDE's diagnostics there (the PDE steps exactly to the time); null without a PDE part.</param>
/// <param name="PdeSteps">The PDE's step count.</param>
/// <param name="PdeStep">The PDE's last step size (limited by its step bound and by the spacing of the rows).</param>
/// <param name="Particles">The particles at their step nearest the time; null without a particle part.</param>
/// <param name="NtkResiduals">The linearized (NTK) prediction r(t) = exp(−(2α²/n) H t) r(0); null unless the run has it.</param>
public sealed record DiagnosticsRecord(double Time, PdeDiagnostics? Pde, long PdeSteps, double PdeStep,
    ParticleDiagnostics? Particles, double[]? NtkResiduals);

/// <summary>
/// <c>diagnostics.csv</c>: the run's diagnostics at K + 1 times t_k = T (k/K)³, k = 0..K (K =
/// <c>output.diagnosticsRows</c>, T the end time): dense at the start, where the loss changes fastest (46 % of
/// the rows in the first 10 % of the time), and every PDE step size there is at most the spacing of the rows.
/// </summary>
public static class RunDiagnostics
{
    /// <summary>The default K: 301 rows, 140 of them in the first tenth of the run.</summary>
    public const int DefaultRows = 300;

    /// <summary>t_k = T (k/K)³, k = 0..K (none when K = 0).</summary>
    public static double[] Times(double end, int rows) =>
        rows <= 0 ? [] : Enumerable.Range(0, rows + 1).Select(k => k == rows ? end : end * Math.Pow((double)k / rows, 3)).ToArray();

    /// <summary>A record of the models as they stand now.</summary>
    public static DiagnosticsRecord Measure(double time, PdeModel? pde, ParticleModel? particles, NtkPrediction? ntk) =>
        new(time, pde?.Solver.Diagnose(), pde?.Steps ?? 0, pde?.LastStep ?? 0,
            particles is null ? null : new ParticleDiagnostics(particles.Time, particles.Steps, particles.Loss, particles.System.Residuals.ToArray()),
            ntk?.Prediction.Residuals(time));

    /// <summary>
    /// The table: <c>t</c>; with a PDE <c>steps,dt,loss,free_energy,kl_p0,chi2_p0,mass,min_density,outer_mass,r1..rn</c>;
    /// with particles <c>particles_t,particles_loss,particles_r1..rn</c>; with the NTK prediction
    /// <c>ntk_loss,ntk_r1..rn</c>; and the largest residual differences <c>max_abs_dr_ntk</c> (PDE − NTK) and
    /// <c>max_abs_dr_particles</c> (particles − PDE) when both parts are there. Null without records.
    /// </summary>
    public static CsvTable? Table(IReadOnlyList<DiagnosticsRecord> records)
    {
        if (records.Count == 0) return null;
        var first = records[0];
        int n = first.Pde?.Residuals.Length ?? first.Particles?.Residuals.Length ?? first.NtkResiduals?.Length ?? 0;
        IEnumerable<string> R(string prefix) => Enumerable.Range(1, n).Select(i => prefix + "r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        bool pde = first.Pde is not null, particles = first.Particles is not null, ntk = first.NtkResiduals is not null;
        var columns = new List<string> { "t" };
        if (pde) columns.AddRange(["steps", "dt", "loss", "free_energy", "kl_p0", "chi2_p0", "mass", "min_density", "outer_mass", .. R("")]);
        if (particles) columns.AddRange(["particles_t", "particles_loss", .. R("particles_")]);
        if (ntk) columns.AddRange(["ntk_loss", .. R("ntk_")]);
        if (pde && ntk) columns.Add("max_abs_dr_ntk");
        if (pde && particles) columns.Add("max_abs_dr_particles");
        var table = new CsvTable(columns);
        foreach (var r in records)
        {
            var row = new List<double> { r.Time };
            if (r.Pde is { } d)
                row.AddRange([r.PdeSteps, r.PdeStep, d.Loss, d.FreeEnergy, d.KlP0, d.Chi2P0, d.Mass, d.MinDensity, d.OuterLayerMass, .. d.Residuals]);
            if (r.Particles is { } m) row.AddRange([m.Time, m.Loss, .. m.Residuals]);
            if (r.NtkResiduals is { } q) row.AddRange([q.Sum(v => v * v) / q.Length, .. q]);
            if (r.Pde is { } a && r.NtkResiduals is { } b) row.Add(MaxDifference(a.Residuals, b));
            if (r.Pde is { } c && r.Particles is { } e) row.Add(MaxDifference(e.Residuals, c.Residuals));
            table.Add([.. row]);
        }
        return table;
    }

    /// <summary>max_i |a_i − b_i|.</summary>
    public static double MaxDifference(IReadOnlyList<double> a, IReadOnlyList<double> b) =>
        Enumerable.Range(0, a.Count).Max(i => Math.Abs(a[i] - b[i]));

    /// <summary>How a record is stored in a checkpoint (bit-exactly).</summary>
    public static IRecordCodec<DiagnosticsRecord> Codec { get; } = new DiagnosticsCodec();

    private sealed class DiagnosticsCodec : IRecordCodec<DiagnosticsRecord>
    {
        public void Save(DiagnosticsRecord r, ArrayArchive a)
        {
            a.Set("time", r.Time).Set("pde.steps", r.PdeSteps).Set("pde.step", r.PdeStep);
            if (r.Pde is { } d)
                a.Set("pde.time", d.Time).Set("pde.loss", d.Loss).Set("pde.freeEnergy", d.FreeEnergy).Set("pde.klP0", d.KlP0)
                 .Set("pde.chi2P0", d.Chi2P0).Set("pde.mass", d.Mass).Set("pde.minDensity", d.MinDensity)
                 .Set("pde.outerLayerMass", d.OuterLayerMass).Set("pde.residuals", d.Residuals);
            if (r.Particles is { } m)
                a.Set("particles.time", m.Time).Set("particles.steps", m.Steps).Set("particles.loss", m.Loss).Set("particles.residuals", m.Residuals);
            if (r.NtkResiduals is { } q) a.Set("ntk.residuals", q);
        }

        public DiagnosticsRecord Load(ArrayArchive a) => new(
            a.Double("time"),
            a.Contains("pde.residuals")
                ? new PdeDiagnostics(a.Double("pde.time"), a.Double("pde.loss"), a.Double("pde.freeEnergy"), a.Double("pde.klP0"),
                    a.Double("pde.chi2P0"), a.Double("pde.mass"), a.Double("pde.minDensity"), a.Double("pde.outerLayerMass"), a.Doubles("pde.residuals"))
                : null,
            a.Long("pde.steps"), a.Double("pde.step"),
            a.Contains("particles.residuals")
                ? new ParticleDiagnostics(a.Double("particles.time"), a.Long("particles.steps"), a.Double("particles.loss"), a.Doubles("particles.residuals"))
                : null,
            a.Contains("ntk.residuals") ? a.Doubles("ntk.residuals") : null);
    }
}
