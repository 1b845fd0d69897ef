using System.Globalization;
using FokkerPlanckNtk.IO;
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
    /// <summary>Writes the plots (when <paramref name="plots"/>) and report.html; returns the report's path.</summary>
    public static string Write(RunResults results, string directory, bool plots = true)
    {
        var report = new HtmlReport($"fpntk {results.Command}: {Title(results)}");
        report.Paragraph(Summary(results));
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
            report.Paragraph("KL and χ² are measured against the discrete p0 (the normalized cell-centre standard Gaussian). "
                + "Outer mass: the mass in the outermost cell layer; above 1e-8 the box is too small.", "note");
            var header = new List<string> { "t", "loss", "free energy", "KL(p‖p0)", "χ²(p‖p0)", "mass", "min p", "outer mass", "steps" };
            int n = pde.Residuals[0].Length;
            header.AddRange(Enumerable.Range(1, n).Select(i => $"r{i}"));
            report.Table(header, Enumerable.Range(0, results.Times.Length).Select(k => (IReadOnlyList<string>)
                [F(results.Times[k]), F(pde.Loss[k]), F(pde.FreeEnergy[k]), F(pde.KlP0[k]), F(pde.Chi2P0[k]), F(pde.Mass[k]),
                 F(pde.MinDensity[k]), F(pde.OuterLayerMass[k]), pde.Steps[k].ToString(CultureInfo.InvariantCulture),
                 .. pde.Residuals[k].Select(F)]));
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

    private static string Title(RunResults r)
    {
        var p = r.Configuration.Problem;
        return FormattableString.Invariant($"{p.Activation.Name}, α = {p.Alpha:G4}, λ = {p.Lambda:G4}, d = {p.Data.Dimension}, n = {p.Data.Count}");
    }

    private static string Summary(RunResults r)
    {
        var c = r.Configuration;
        string text = FormattableString.Invariant(
            $"Grid {r.Grid}, {r.Times.Length} output times up to t = {c.Time.End:G6}, CFL {c.Time.Cfl:G3} ({c.Time.Stepper}).");
        if (r.Pde is { } pde)
            text += FormattableString.Invariant(
                $" PDE: loss {pde.Loss[0]:G4} → {pde.Loss[^1]:G4}, free energy {pde.FreeEnergy[0]:G4} → {pde.FreeEnergy[^1]:G4}, {pde.Steps[^1]} steps.");
        return text;
    }

    /// <summary>The figures of a run: (file name, caption, model).</summary>
    public static IEnumerable<(string Name, string Caption, PlotModel Model)> Figures(RunResults r)
    {
        var grid = r.Grid;
        int u = grid.UAxis;
        if (r.Pde is { } pde)
        {
            foreach (int k in SnapshotIndices(r.Times.Length))
            {
                var image = DensityImages.Marginal(grid, pde.Densities[k], 0, u);
                string what = grid.ThetaDimension == 1 ? "density p_t(θ, u)" : $"marginal density of ({DensityImages.AxisName(grid, 0)}, u)";
                string t = r.Times[k].ToString("G4", CultureInfo.InvariantCulture);
                yield return ($"density-{SnapshotFile.Name(k)}", $"PDE {what} at t = {t}",
                    Charts.DensityMap($"PDE {what}, t = {t}", image, DensityImages.AxisName(grid, 0), "u"));
            }
            var times = r.Times;
            yield return ("loss", "Loss L(p_t) = (1/n) Σ r_i² over time",
                Charts.Lines("Loss", "t", "L", [new Curve("PDE", times, pde.Loss)], logY: true));
            int n = pde.Residuals[0].Length;
            yield return ("residuals", "Residuals r_i(t) = f(p_t, x_i) − y_i",
                Charts.Lines("Residuals", "t", "r_i", Enumerable.Range(0, n).Select(i =>
                    new Curve($"r{i + 1} PDE", times, pde.Residuals.Select(x => x[i]).ToArray()))));
            yield return ("divergences", "Divergences from the discrete p0 over time (log scale; t = 0 omitted where 0)",
                Charts.Lines("Divergences from p0", "t", "value",
                    [new Curve("KL(p_t‖p0)", times, pde.KlP0), new Curve("χ²(p_t‖p0)", times, pde.Chi2P0)], logY: true));
            yield return ("free-energy", "Discrete free energy Q_h(p_t) = L + λ KL (nonincreasing)",
                Charts.Lines("Free energy", "t", "Q_h", [new Curve("PDE", times, pde.FreeEnergy)]));
        }
    }

    /// <summary>First, middle and last output (all of them when there are at most three).</summary>
    private static IEnumerable<int> SnapshotIndices(int count) =>
        count <= 3 ? Enumerable.Range(0, count) : new[] { 0, count / 4, count / 2, count - 1 }.Distinct();
}
