using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Metrics.SemiDiscrete;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.IO.Results;

/// <summary>
/// The CSV tables of a run, one row per output time (each table's schema is defined here and nowhere else).
/// Every table takes the output times and the records measured there.
/// </summary>
public static class RunTables
{
    /// <summary>
    /// <c>pde.csv</c>: <c>t,loss,free_energy,kl_p0,chi2_p0,w2_p0,mass,r1..rn,w2_p0_lower,w2_p0_upper</c> (<c>w2_p0</c>
    /// empty where only the bracket is known, <see cref="W2Value.Shown"/>).
    /// </summary>
    public static CsvTable Pde(IReadOnlyList<double> times, IReadOnlyList<PdeRecord> records)
    {
        var table = new CsvTable(["t", "loss", "free_energy", "kl_p0", "chi2_p0", "w2_p0", "mass",
            .. ResidualColumns(records.Select(r => r.Diagnostics.Residuals)), "w2_p0_lower", "w2_p0_upper"]);
        for (int k = 0; k < records.Count; k++)
        {
            var (d, w2) = (records[k].Diagnostics, records[k].W2P0);
            table.Add([times[k], d.Loss, d.FreeEnergy, d.KlP0, d.Chi2P0, w2.Shown, d.Mass, .. d.Residuals, w2.Lower, w2.Upper]);
        }
        return table;
    }

    /// <summary><c>particles.csv</c>: <c>t,loss,kl_p0,chi2_p0,w2_p0,r1..rn,w2_p0_lower,w2_p0_upper</c> (KL and χ² binned, biased).</summary>
    public static CsvTable Particles(IReadOnlyList<double> times, IReadOnlyList<ParticleRecord> records)
    {
        var table = new CsvTable(["t", "loss", "kl_p0", "chi2_p0", "w2_p0", .. ResidualColumns(records.Select(r => r.Residuals)), "w2_p0_lower", "w2_p0_upper"]);
        for (int k = 0; k < records.Count; k++)
        {
            var r = records[k];
            table.Add([times[k], r.Loss, r.BinnedKlP0, r.BinnedChi2P0, r.W2P0.Shown, .. r.Residuals, r.W2P0.Lower, r.W2P0.Upper]);
        }
        return table;
    }

    /// <summary>
    /// <c>orthogonal.csv</c>, for a problem reduced to the span of its inputs: the particles' θ_⊥ against its closed-form
    /// law (<see cref="OrthogonalMoments"/>): <c>t,samples,dimension</c>, then statistic, expectation and z-score of the
    /// mean (<c>mean,mean_expected,mean_z</c>), the covariance (<c>covariance,…</c>) and the cross-covariance with S ⊕ u
    /// (<c>cross,…</c>). Null when the records have none.
    /// </summary>
    public static CsvTable? Orthogonal(IReadOnlyList<double> times, IReadOnlyList<ParticleRecord> records)
    {
        if (records.Count == 0 || records.Any(r => r.Orthogonal is null)) return null;
        var table = new CsvTable(["t", "samples", "dimension", "mean", "mean_expected", "mean_z", "covariance", "covariance_expected", "covariance_z",
            "cross", "cross_expected", "cross_z"]);
        for (int k = 0; k < records.Count; k++)
        {
            var o = records[k].Orthogonal!;
            table.Add(times[k], o.SampleCount, o.Dimension, o.MeanStatistic, o.MeanExpected, o.MeanZ, o.CovarianceStatistic, o.CovarianceExpected,
                o.CovarianceZ, o.CrossStatistic, o.CrossExpected, o.CrossZ);
        }
        return table;
    }

    /// <summary><c>comparison.csv</c>: <c>t,max_abs_dr,w2,w2_theta,w2_u,w2_lower,w2_upper</c>, then <c>w2_floor,w2_floor_sd</c>
    /// (the sampling floor of w2, <see cref="ComparisonRecord.W2Floor"/>) when some record has it.</summary>
    public static CsvTable Comparison(IReadOnlyList<double> times, IReadOnlyList<ComparisonRecord> records)
    {
        bool floor = records.Any(r => r.HasFloor);
        var table = new CsvTable(["t", "max_abs_dr", "w2", "w2_theta", "w2_u", "w2_lower", "w2_upper", .. floor ? (string[])["w2_floor", "w2_floor_sd"] : []]);
        for (int k = 0; k < records.Count; k++)
        {
            var r = records[k];
            if (floor) table.Add(times[k], r.MaxResidualDifference, r.W2.Shown, r.W2Theta, r.W2U, r.W2.Lower, r.W2.Upper, r.W2Floor, r.W2FloorSd);
            else table.Add(times[k], r.MaxResidualDifference, r.W2.Shown, r.W2Theta, r.W2U, r.W2.Lower, r.W2.Upper);
        }
        return table;
    }

    /// <summary>
    /// <c>diagnostics.csv</c>, one row per diagnostics time: <c>t</c>; with a PDE
    /// <c>steps,dt,loss,free_energy,kl_p0,chi2_p0,mass,min_density,outer_mass,r1..rn</c>; with particles
    /// <c>particles_t,particles_loss,particles_r1..rn</c>; with the NTK prediction <c>ntk_loss,ntk_r1..rn</c>; and the
    /// largest residual differences <c>max_abs_dr_ntk</c> (PDE − NTK) and <c>max_abs_dr_particles</c> (particles − PDE)
    /// when both parts are there. Null without records.
    /// </summary>
    public static CsvTable? Diagnostics(IReadOnlyList<DiagnosticsRecord> records)
    {
        if (records.Count == 0) return null;
        var first = records[0];
        int n = first.Pde?.Residuals.Length ?? first.Particles?.Residuals.Length ?? first.NtkResiduals?.Length ?? 0;
        IEnumerable<string> R(string prefix) => Enumerable.Range(1, n).Select(i => prefix + "r" + i.ToString(CultureInfo.InvariantCulture));
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
            if (r.Pde is { } a && r.NtkResiduals is { } b) row.Add(Norms.MaxAbsDifference(a.Residuals, b));
            if (r.Pde is { } c && r.Particles is { } e) row.Add(Norms.MaxAbsDifference(e.Residuals, c.Residuals));
            table.Add([.. row]);
        }
        return table;
    }

    /// <summary><c>ntk.csv</c>: <c>t,loss,r1..rn</c> of the linearized prediction, with <c>loss_bound</c> (Theorem 4.4) after <c>loss</c> where it applies.</summary>
    public static CsvTable Ntk(IReadOnlyList<double> times, IReadOnlyList<NtkRecord> records)
    {
        bool bound = records.Count > 0 && records[0].LossBound is not null;
        var residuals = ResidualColumns(records.Select(r => r.Residuals));
        var table = new CsvTable(bound ? ["t", "loss", "loss_bound", .. residuals] : ["t", "loss", .. residuals]);
        for (int k = 0; k < records.Count; k++)
        {
            var r = records[k];
            table.Add(bound ? [times[k], r.Loss, r.LossBound!.Value, .. r.Residuals] : [times[k], r.Loss, .. r.Residuals]);
        }
        return table;
    }

    /// <summary>
    /// <c>w2_bounds.csv</c>: every W2 of the run with its error bound (the W2 of the atomic measures lies within
    /// ± the bound; 0 when exact): <c>t</c>, then a value/error pair per measured pair. With PDE records also
    /// <c>grid_atomic</c> = sqrt(Σ_k Δ_k²/12), the W2 between the grid's atomic measure and its
    /// piecewise-constant density (so the W2 between the piecewise-constant p_t and p0_h lies within
    /// <c>pde_p0 ± (pde_p0_error + 2 grid_atomic)</c>), and Talagrand's bound <c>talagrand = sqrt(2 kl_p0)</c>
    /// with <c>talagrand_holds</c> = 1 when <c>pde_p0 − pde_p0_error − 2 grid_atomic ≤ talagrand</c> for a W2 between
    /// cell-centre atoms, <c>pde_p0 − pde_p0_error ≤ talagrand</c> for the W2 of the densities (2D and 3D grids): the
    /// bracket is consistent with the inequality (not violated). <c>talagrand_proven</c> = 1 when the whole bracket satisfies
    /// it (<c>pde_p0 + pde_p0_error (+ 2 grid_atomic) ≤ talagrand</c>): holds and proven 1, 1; undecided 1, 0; violated 0, 0.
    /// Null when there is no W2 at all.
    /// </summary>
    public static CsvTable? W2Bounds(IReadOnlyList<double> times, UniformGrid grid, IReadOnlyList<PdeRecord>? pde,
        IReadOnlyList<ParticleRecord>? particles, IReadOnlyList<ComparisonRecord>? comparison)
    {
        var pairs = new List<(string Name, W2Value[] Values)>();
        if (pde is not null) pairs.Add(("pde_p0", pde.Select(r => r.W2P0).ToArray()));
        if (particles is not null) pairs.Add(("particles_p0", particles.Select(r => r.W2P0).ToArray()));
        if (comparison is not null) pairs.Add(("pde_particles", comparison.Select(r => r.W2).ToArray()));
        if (pairs.Count == 0) return null;
        string[] talagrand = pde is null ? [] : ["grid_atomic", "talagrand", "talagrand_holds", "talagrand_proven"];
        var table = new CsvTable(["t", .. pairs.SelectMany(p => new[] { p.Name, p.Name + "_error" }), .. talagrand]);
        double atomic = grid.AtomicW2;
        for (int k = 0; k < times.Count; k++)
        {
            double[] check = [];
            if (pde is not null)
            {
                var w2 = pde[k].W2P0;
                // W2 of the densities themselves needs no grid slack; cell-centre atoms (grids above GridTransport.Handles, or on request) do.
                double slack = w2.Method.StartsWith(GridTransport.Method, StringComparison.Ordinal) ? 0 : 2 * atomic;
                var talagrandCheck = Wasserstein.Talagrand(w2.Value, pde[k].Diagnostics.KlP0, w2.ErrorBound + slack);
                var proven = Wasserstein.Talagrand(w2.Value, pde[k].Diagnostics.KlP0, -(w2.ErrorBound + slack));
                check = [atomic, talagrandCheck.Bound, talagrandCheck.Holds ? 1 : 0, proven.Holds ? 1 : 0];
            }
            table.Add([times[k], .. pairs.SelectMany(p => new[] { p.Values[k].Value, p.Values[k].ErrorBound }), .. check]);
        }
        return table;
    }

    private static string[] ResidualColumns(IEnumerable<double[]> residuals)
    {
        int n = residuals.FirstOrDefault()?.Length ?? 0;
        return Enumerable.Range(1, n).Select(i => "r" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }
}
