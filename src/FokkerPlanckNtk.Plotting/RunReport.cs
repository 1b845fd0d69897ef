using System.Globalization;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Runs;
using OxyPlot;

namespace FokkerPlanckNtk.Plotting;

/// <summary>
/// The plots of a run (plots/*.png and *.svg) and its self-contained report.html: configuration, the
/// per-output-time tables and the figures. Nothing here depends on wall time, so a resumed run produces the
/// same files as an uninterrupted one.
/// </summary>
public static class RunReport
{
    /// <summary>Writes the plots (when <paramref name="plots"/>) and report.html (with the run's <paramref name="warnings"/>); returns the report's path.</summary>
    public static string Write(RunResults results, string directory, bool plots = true, IReadOnlyList<string>? warnings = null)
    {
        var report = new HtmlReport($"fpntk {results.Command}: {Title(results)}");
        report.Paragraph(Summary(results));
        foreach (var warning in warnings ?? []) report.Paragraph("Warning: " + warning, "note");
        var figures = plots ? RunFigures.Of(results, RunFigures.Stationary(results)).ToList() : [];
        string plotDirectory = Path.Combine(directory, "plots");
        foreach (var figure in figures)
        {
            if (figure.Panels.Count == 1)
                report.Figure(PlotFiles.Save(figure.Panels[0].Model, plotDirectory, figure.Panels[0].Name), figure.Caption);
            else
                report.FigureRow(figure.Panels.Select(p => (PlotFiles.Save(p.Model, plotDirectory, p.Name, PanelWidth, PanelHeight), p.Model.Title ?? p.Name)).ToList(),
                    figure.Caption);
        }
        if (results.Pde is { } pde)
        {
            report.Heading("PDE (finite volumes)");
            report.Paragraph("KL, χ² and W2 are measured against the discrete p0 (the normalized cell-centre standard Gaussian); "
                + $"W2: {Methods(pde.Select(r => r.W2P0))} (± is a certified bound; a bracket [lower, upper] where the bound is as large as the value, e.g. at t = 0, where W2 = 0). "
                + "Outer mass: the mass in the outermost cell layer; above 1e-8 the box is too small.", "note");
            var header = new List<string> { "t", "loss", "free energy", "KL(p‖p0)", "χ²(p‖p0)", "W2(p, p0)", "mass", "min p", "outer mass", "steps" };
            int n = pde[0].Diagnostics.Residuals.Length;
            header.AddRange(Enumerable.Range(1, n).Select(i => $"r{i}"));
            report.Table(header, Enumerable.Range(0, results.Times.Length).Select(k => (IReadOnlyList<string>)
                [F(results.Times[k]), F(pde[k].Diagnostics.Loss), F(pde[k].Diagnostics.FreeEnergy), F(pde[k].Diagnostics.KlP0),
                 F(pde[k].Diagnostics.Chi2P0), W(pde[k].W2P0), F(pde[k].Diagnostics.Mass), F(pde[k].Diagnostics.MinDensity),
                 F(pde[k].Diagnostics.OuterLayerMass), pde[k].Steps.ToString(CultureInfo.InvariantCulture), .. pde[k].Diagnostics.Residuals.Select(F)]));
        }
        if (results.Particles is { } particles)
        {
            report.Heading("Particles");
            report.Paragraph($"m = {results.Configuration.Particles.Count} particles, Euler–Maruyama step η = "
                + $"{results.Configuration.Particles.Step.ToString("G4", CultureInfo.InvariantCulture)}; at an output time t they stand at step round(t/η). "
                + "KL and χ² are binned on a coarse histogram of the box (about ten particles per cell): biased estimates. "
                + $"W2 to the discrete p0 on the grid: {Methods(particles.Select(r => r.W2P0))}.", "note");
            int n = particles[0].Residuals.Length;
            report.Table(["t", "loss", "KL binned", "χ² binned", "W2(particles, p0)", "steps", .. Enumerable.Range(1, n).Select(i => $"r{i}")],
                Enumerable.Range(0, results.Times.Length).Select(k => (IReadOnlyList<string>)
                    [F(results.Times[k]), F(particles[k].Loss), F(particles[k].BinnedKlP0), F(particles[k].BinnedChi2P0), W(particles[k].W2P0),
                     particles[k].Steps.ToString(CultureInfo.InvariantCulture), .. particles[k].Residuals.Select(F)]));
        }
        if (results.Particles is { } op && op.All(x => x.Orthogonal is { Dimension: > 0 }))
        {
            report.Heading("Particles: θ_⊥ (orthogonal.csv)");
            report.Paragraph(FormattableString.Invariant($"The particles' θ_⊥, their {op[0].Orthogonal!.Dimension} coordinates orthogonal to the span of the inputs, against the closed-form law ")
                + "of the particle scheme (docs/any-input-dimension.md), measured on the first m' particles: each statistic with its expectation and its z-score "
                + "(of order 1 when θ_⊥ follows that law).", "note");
            report.Table(["t", "m'", "mean", "expected", "z", "covariance", "expected", "z", "cross (ζ, u)", "expected", "z"],
                Enumerable.Range(0, results.Times.Length).Select(k =>
                {
                    var o = op[k].Orthogonal!;
                    return (IReadOnlyList<string>)[F(results.Times[k]), o.SampleCount.ToString(CultureInfo.InvariantCulture), F(o.MeanStatistic), F(o.MeanExpected),
                        Z(o.MeanZ), F(o.CovarianceStatistic), F(o.CovarianceExpected), Z(o.CovarianceZ), F(o.CrossStatistic), F(o.CrossExpected), Z(o.CrossZ)];
                }));
        }
        if (results.Comparison is { } comparison)
        {
            report.Heading("PDE against particles");
            string theta = results.Reduction is null ? "θ" : "ζ";
            report.Paragraph($"W2: {Methods(comparison.Select(r => r.W2))}. W2 of the marginals is exact 1D transport between the PDE's marginal densities (piecewise constant on the cells) and the particles"
                + (results.Reduction is null ? "" : " (their projections (ζ, u) onto the span of the inputs)")
                + (results.Grid.ThetaDimension > 1 ? $"; with several {theta} axes the {theta} column is the root-sum-square of the per-axis marginal W2 (a lower bound)." : "."), "note");
            report.Table(["t", "max |Δr|", "W2", $"W2 {theta}", "W2 u"], Enumerable.Range(0, results.Times.Length).Select(k => (IReadOnlyList<string>)
                [F(results.Times[k]), F(comparison[k].MaxResidualDifference), W(comparison[k].W2), F(comparison[k].W2Theta), F(comparison[k].W2U)]));
        }
        if (results.Ntk is { } ntk)
        {
            report.Heading("Linearized (NTK) prediction");
            report.Paragraph("r(t) = exp(−(2α²/n) H(p_init) t) r(0) with H and r(0) by quadrature"
                + (ntk[0].LossBound is null ? "; Theorem 4.4 does not apply to this problem (it needs p0, a bounded activation and λ_min(H) > 0)."
                    : "; the bound is L(p_t) ≤ 2 exp(−2α²λ0² t) + 2A1²λ²α⁻²λ0⁻⁴ of Theorem 4.4."), "note");
            if (ntk[0].LossBound is not null && ntk.Select(x => x.LossBound!.Value).ToArray() is var bounds && bounds.Max() - bounds.Min() <= 1e-6 * bounds.Min())
                report.Paragraph(FormattableString.Invariant($"The bound is {bounds[0]:G6} at every output time: its constant term 2A1²λ²α⁻²λ0⁻⁴ dominates (λ0 is small and α = {results.Configuration.Problem.Alpha:G4}), ")
                    + "so the decaying term does not show in these digits and the bound says nothing about this run.", "note");
            report.Table(ntk[0].LossBound is null ? ["t", "loss"] : ["t", "loss", "Theorem 4.4 bound"],
                Enumerable.Range(0, results.Times.Length).Select(k => (IReadOnlyList<string>)(ntk[k].LossBound is not { } bound
                    ? [F(results.Times[k]), F(ntk[k].Loss)] : [F(results.Times[k]), F(ntk[k].Loss), F(bound)])));
        }
        report.Heading("Configuration (config.json)");
        report.Preformatted(results.Configuration.ToJson());
        report.Heading("Files");
        report.Paragraph("pde.csv, particles.csv, comparison.csv, ntk.csv, w2_bounds.csv: one row per output time (round-trip precision). "
            + "diagnostics.csv: the time-resolved diagnostics behind the curves (rows at t = end·(k/K)³, dense at the start). "
            + "snapshots.h5: netCDF-4 (CF) with the grid, the densities and the particle positions at the output times; "
            + "open it with xarray.open_dataset(path, engine=\"h5netcdf\"), ncdump or h5py. plots/: every figure as PNG and SVG. "
            + "manifest.json: program version, timings, status.", "note");
        string path = Path.Combine(directory, "report.html");
        AtomicFile.WriteText(path, report.ToString());
        return path;
    }

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static string Z(double z) => z.ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>A W2 value: the number where it is known (± its bound when not exact), the bracket [lower, upper] where only that is.</summary>
    private static string W(W2Value w) =>
        !w.IsNumber ? $"[{w.Lower.ToString("G3", CultureInfo.InvariantCulture)}, {w.Upper.ToString("G3", CultureInfo.InvariantCulture)}]"
        : !w.IsExact ? $"{w.Value.ToString("G4", CultureInfo.InvariantCulture)} ± {w.ErrorBound.ToString("G2", CultureInfo.InvariantCulture)}" : F(w.Value);

    /// <summary>The methods used for one W2 series (usually one), for the notes under the tables.</summary>
    private static string Methods(IEnumerable<W2Value> values) => string.Join("; ", values.Select(v => v.Method).Distinct());

    private static string Title(RunResults r)
    {
        var p = r.Configuration.Problem;
        return FormattableString.Invariant($"{p.Activation.Name}, α = {p.Alpha:G4}, λ = {p.Lambda:G4}, d = {p.Data.Dimension}, n = {p.Data.Count}");
    }

    private static string Summary(RunResults r)
    {
        var c = r.Configuration;
        string text = FormattableString.Invariant(
            $"Grid {r.Grid}, {r.Times.Length} output times up to t = {c.Time.End:G6}, CFL {c.Time.Cfl:G3} ({r.Stepper ?? Configuration.TimeSettings.StepperName(c.Time.Stepper)}).");
        if (r.Pde is { } pde)
            text += FormattableString.Invariant(
                $" PDE: loss {pde[0].Diagnostics.Loss:G4} → {pde[^1].Diagnostics.Loss:G4}, free energy {pde[0].Diagnostics.FreeEnergy:G4} → {pde[^1].Diagnostics.FreeEnergy:G4}, {pde[^1].Steps} steps.");
        if (r.Particles is { } m)
            text += FormattableString.Invariant($" Particles (m = {c.Particles.Count}, η = {c.Particles.Step:G3}): loss {m[0].Loss:G4} → {m[^1].Loss:G4}.");
        if (r.Comparison is { } cmp)
            text += FormattableString.Invariant($" At t = {r.Times[^1]:G4}: max |r_particles − r_PDE| = {cmp[^1].MaxResidualDifference:G3}.");
        if (r.Ntk is { } ntk)
            text += FormattableString.Invariant($" NTK prediction: loss {ntk[^1].Loss:G4} at the end.");
        return text;
    }

    private const int PanelWidth = 760, PanelHeight = 560;
}
