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
        var figures = plots ? Figures(results).ToList() : [];
        string plotDirectory = Path.Combine(directory, "plots");
        foreach (var (name, caption, model) in figures)
        {
            var png = PlotFiles.Save(model, plotDirectory, name);
            report.Figure(png, caption);
        }
        if (results.Pde is { } pde)
        {
            report.Heading("PDE (finite volumes)");
            report.Paragraph("KL, χ² and W2 are measured against the discrete p0 (the normalized cell-centre standard Gaussian); "
                + $"W2 treats both densities as atoms at the cell centres ({Methods(pde.Select(r => r.W2P0))}; ± is a certified bound). "
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
        if (results.Comparison is { } comparison)
        {
            report.Heading("PDE against particles");
            report.Paragraph($"W2: {Methods(comparison.Select(r => r.W2))}. W2 of the marginals is exact 1D transport between the grid density (atoms at the cell centres) and the particles"
                + (results.Grid.ThetaDimension > 1 ? "; for d ≥ 2 the θ column is the root-sum-square of the per-axis marginal W2 (a lower bound)." : "."), "note");
            report.Table(["t", "max |Δr|", "W2", "W2 θ", "W2 u"], Enumerable.Range(0, results.Times.Length).Select(k => (IReadOnlyList<string>)
                [F(results.Times[k]), F(comparison[k].MaxResidualDifference), W(comparison[k].W2), F(comparison[k].W2Theta), F(comparison[k].W2U)]));
        }
        if (results.Ntk is { } ntk)
        {
            report.Heading("Linearized (NTK) prediction");
            report.Paragraph("r(t) = exp(−(2α²/n) H(p_init) t) r(0) with H and r(0) by quadrature"
                + (ntk[0].LossBound is null ? "; Theorem 4.4 does not apply to this problem (it needs p0, a bounded activation and λ_min(H) > 0)."
                    : "; the bound is L(p_t) ≤ 2 exp(−2α²λ0² t) + 2A1²λ²α⁻²λ0⁻⁴ of Theorem 4.4."), "note");
            report.Table(ntk[0].LossBound is null ? ["t", "loss"] : ["t", "loss", "Theorem 4.4 bound"],
                Enumerable.Range(0, results.Times.Length).Select(k => (IReadOnlyList<string>)(ntk[k].LossBound is not { } bound
                    ? [F(results.Times[k]), F(ntk[k].Loss)] : [F(results.Times[k]), F(ntk[k].Loss), F(bound)])));
        }
        report.Heading("Configuration (config.json)");
        report.Preformatted(results.Configuration.ToJson());
        report.Heading("Files");
        report.Paragraph("pde.csv, particles.csv, comparison.csv: one row per output time (round-trip precision). "
            + "snapshots.h5: grid axes, densities and particle positions at the output times. plots/: every figure as PNG and SVG. "
            + "manifest.json: program version, timings, status.", "note");
        string path = Path.Combine(directory, "report.html");
        AtomicFile.WriteText(path, report.ToString());
        return path;
    }

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

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

    /// <summary>The figures of a run: (file name, caption, model).</summary>
    public static IEnumerable<(string Name, string Caption, PlotModel Model)> Figures(RunResults r)
    {
        var grid = r.Grid;
        int u = grid.UAxis, dim = grid.Dimension;
        var times = r.Times;
        string thetaName = DensityImages.AxisName(grid, 0);
        foreach (int k in SnapshotIndices(times.Length))
        {
            string t = times[k].ToString("G4", CultureInfo.InvariantCulture);
            List<(double X, double Y)>? cloud = null;
            if (r.Particles is { } particles)
            {
                var z = particles[k].Positions;
                cloud = Enumerable.Range(0, z.Length / dim).Select(j => (z[j * dim], z[j * dim + u])).ToList();
            }
            string what = grid.ThetaDimension == 1 ? "density p_t(θ, u)" : $"marginal density of ({thetaName}, u)";
            if (r.Pde is { } pde)
            {
                var image = DensityImages.Marginal(grid, pde[k].Density, 0, u);
                string overlay = cloud is null ? "" : ", particles in white";
                yield return ($"density-{SnapshotFile.Name(k)}", $"PDE {what} at t = {t}{overlay}",
                    Charts.DensityMap($"PDE {what}, t = {t}", image, thetaName, "u", cloud));
            }
            else if (r.Particles is { } only)
            {
                var image = DensityImages.Histogram(grid, only[k].Positions, 0, u);
                yield return ($"particles-{SnapshotFile.Name(k)}", $"Particles at t = {t} over their histogram on the grid",
                    Charts.DensityMap($"Particles and their histogram, t = {t}", image, thetaName, "u", cloud));
            }
        }

        var loss = new List<Curve>();
        if (r.Pde is { } p) loss.Add(new Curve("PDE", times, p.Select(x => x.Diagnostics.Loss).ToArray()));
        if (r.Particles is { } m) loss.Add(new Curve($"particles (m = {r.Configuration.Particles.Count})", times, m.Select(x => x.Loss).ToArray(), Markers: true));
        string boundNote = "";
        if (r.Ntk is { } ntk)
        {
            loss.Add(new Curve("NTK prediction", times, ntk.Select(x => x.Loss).ToArray(), Dashed: true));
            if (ntk[0].LossBound is not null)
            {
                var bound = ntk.Select(x => x.LossBound!.Value).ToArray();
                // The bound is only drawn where it says something at the scale of the losses.
                double top = loss.SelectMany(c => c.Y).Where(double.IsFinite).Max();
                if (bound.Min() <= 100 * top) loss.Add(new Curve("Theorem 4.4 bound", times, bound, Dashed: true));
                else boundNote = FormattableString.Invariant($"; the Theorem 4.4 bound (≥ {bound.Min():G3}) is off the scale: α is too small for it to be informative");
            }
        }
        yield return ("loss", "Loss L(p_t) = (1/n) Σ r_i²: PDE, particles and the linearized (NTK) prediction" + boundNote,
            Charts.Lines("Loss", "t", "L", loss, logY: true));

        // All residuals in one plot: one colour per sample; PDE solid, particles with markers, NTK dashed.
        var residuals = new List<Curve>();
        int n = r.Configuration.Problem.Data.Count;
        double[] Of(IEnumerable<double[]> values, int i) => values.Select(v => v[i]).ToArray();
        if (r.Pde is { } pr)
            residuals.AddRange(Enumerable.Range(0, n).Select(i => new Curve($"r{i + 1}", times, Of(pr.Select(x => x.Diagnostics.Residuals), i), Color: i)));
        if (r.Particles is { } mr)
            residuals.AddRange(Enumerable.Range(0, n).Select(i =>
                new Curve(i == 0 ? "particles (markers)" : null, times, Of(mr.Select(x => x.Residuals), i), Markers: true, Color: i)));
        if (r.Ntk is { } nr)
            residuals.AddRange(Enumerable.Range(0, n).Select(i =>
                new Curve(i == 0 ? "NTK prediction (dashed)" : null, times, Of(nr.Select(x => x.Residuals), i), Dashed: true, Color: i)));
        yield return ("residuals", "Residuals r_i(t) = f(p_t, x_i) − y_i, one colour per sample: "
            + string.Join(", ", new[] { r.Pde is null ? null : "PDE solid", r.Particles is null ? null : "particles with markers", r.Ntk is null ? null : "NTK prediction dashed" }.OfType<string>()),
            Charts.Lines("Residuals", "t", "r_i", residuals));

        var divergences = new List<Curve>();
        if (r.Pde is { } pd)
        {
            divergences.Add(new Curve("KL(p_t‖p0), PDE", times, pd.Select(x => x.Diagnostics.KlP0).ToArray()));
            divergences.Add(new Curve("χ²(p_t‖p0), PDE", times, pd.Select(x => x.Diagnostics.Chi2P0).ToArray()));
        }
        if (r.Particles is { } md)
        {
            divergences.Add(new Curve("KL, particles (binned, biased)", times, md.Select(x => x.BinnedKlP0).ToArray(), Markers: true));
            divergences.Add(new Curve("χ², particles (binned, biased)", times, md.Select(x => x.BinnedChi2P0).ToArray(), Markers: true));
        }
        yield return ("divergences", "Divergences from the discrete p0 over time (log scale; zeros at t = 0 are not drawn)",
            Charts.Lines("Divergences from p0", "t", "value", divergences, logY: true));

        // Points known only as a bracket are not drawn as points: their certified bracket is a band.
        var w2 = new List<Curve>();
        var w2Bands = new List<Band>();
        void AddW2(string label, W2Value[] values, bool markers)
        {
            int color = w2.Count;
            w2.Add(new Curve(label, times, values.Select(v => v.Shown).ToArray(), Markers: markers, Color: color));
            if (values.Any(v => !v.IsNumber))
                w2Bands.Add(new Band($"{label}: certified bracket", times, values.Select(v => v.Lower).ToArray(), values.Select(v => v.Upper).ToArray(), color));
        }
        if (r.Pde is { } pw) AddW2("W2(p_t, p0), PDE", pw.Select(x => x.W2P0).ToArray(), false);
        if (r.Particles is { } mw) AddW2("W2(particles, p0)", mw.Select(x => x.W2P0).ToArray(), true);
        if (r.Comparison is { } cw) AddW2("W2(PDE, particles)", cw.Select(x => x.W2).ToArray(), true);
        if (w2.Count > 0)
            yield return ("w2", "Wasserstein distances over time: values where known to 1 %, certified brackets as bands where only those are "
                + "(w2_bounds.csv and the tables have every bound)", Charts.Lines("W2 distances", "t", "W2", w2, bands: w2Bands));

        if (r.Pde is { } pf)
            yield return ("free-energy", "Discrete free energy Q_h(p_t) = L + λ KL (nonincreasing)",
                Charts.Lines("Free energy", "t", "Q_h", [new Curve("PDE", times, pf.Select(x => x.Diagnostics.FreeEnergy).ToArray())]));

        if (r.Comparison is { } c)
            yield return ("comparison", "PDE against particles: max_i |r_i^m − r_i| and the W2 distances of the marginals",
                Charts.Lines("PDE vs particles", "t", "distance",
                    [new Curve("max |Δr|", times, c.Select(x => x.MaxResidualDifference).ToArray()),
                     new Curve("W2, θ-marginals", times, c.Select(x => x.W2Theta).ToArray()),
                     new Curve("W2, u-marginals", times, c.Select(x => x.W2U).ToArray())], logY: true));
    }

    /// <summary>First, middle and last output (all of them when there are at most three).</summary>
    private static IEnumerable<int> SnapshotIndices(int count) =>
        count <= 3 ? Enumerable.Range(0, count) : new[] { 0, count / 4, count / 2, count - 1 }.Distinct();
}
