using System.Globalization;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Plotting;
using FokkerPlanckNtk.Sweeps;

namespace FokkerPlanckNtk.Cli;

/// <summary>
/// The plots of <c>fpntk sweep collect</c>: each chosen scalar against each numeric swept axis, one curve per
/// combination of the other axes (up to <see cref="MaxCurves"/>; beyond, the mean over them with the min–max band),
/// log axes where the values are positive and span a decade or more; and sweep.html with the table and the plots.
/// </summary>
internal static class SweepPlots
{
    public const int MaxCurves = 8;

    /// <summary>The default scalars: losses, W2 between PDE and particles, and max |Δr|, those present.</summary>
    private static readonly string[] Defaults = ["pde.loss", "particles.loss", "comparison.w2", "comparison.max_abs_dr"];

    public static string Write(SweepTable table, SweepFolder folder, IReadOnlyList<string>? columns)
    {
        var report = new HtmlReport($"fpntk sweep: {folder.TaskCount} tasks of '{folder.Command}'");
        report.Paragraph(folder.Axes.Count == 0 ? "No axes." : "Axes: " + string.Join("; ", folder.Axes.Select(a =>
            $"{a.Key} ({a.Kind.ToString().ToLowerInvariant()}) = {string.Join(", ", a.Values.Select(SweepAxis.Text))}")));
        var chosen = columns ?? Defaults.Where(table.Scalars.Contains).ToList();
        string plots = Path.Combine(folder.Path, "plots");
        for (int a = 0; a < table.Axes.Count; a++)
        {
            var x = Enumerable.Range(0, table.Count).Select(t => Number(table.AxisValues[t][a])).ToArray();
            if (x.Any(v => !double.IsFinite(v)) || x.Distinct().Count() < 2) continue;
            foreach (var column in chosen)
            {
                var model = Plot(table, a, x, column);
                if (model is null) continue;
                string name = StudyCommand.FileName($"{column} vs {table.Axes[a].Key}");
                report.Figure(PlotFiles.Save(model, plots, name), $"{column} against {table.Axes[a].Key}");
            }
        }
        report.Heading("Tasks (sweep.csv)");
        report.Table(table.Columns, Enumerable.Range(0, table.Count).Select(table.Fields));
        string path = Path.Combine(folder.Path, "sweep.html");
        AtomicFile.WriteText(path, report.ToString());
        return path;
    }

    private static OxyPlot.PlotModel? Plot(SweepTable table, int axis, double[] x, string column)
    {
        var y = Enumerable.Range(0, table.Count).Select(t => table.Number(t, column)).ToArray();
        if (!y.Any(double.IsFinite)) return null;
        // Tasks that differ only in this axis form one curve.
        var groups = Enumerable.Range(0, table.Count)
            .GroupBy(t => string.Join("\u0001", table.AxisValues[t].Where((_, k) => k != axis)))
            .Select(g => g.OrderBy(t => x[t]).ToArray()).ToList();
        var curves = new List<Curve>();
        var bands = new List<Band>();
        if (groups.Count <= MaxCurves)
            foreach (var g in groups)
                curves.Add(new Curve(Label(table, axis, g[0]), g.Select(t => x[t]).ToArray(), g.Select(t => y[t]).ToArray(), Markers: true));
        else
        {
            var xs = x.Distinct().Order().ToArray();
            var at = xs.Select(v => Enumerable.Range(0, table.Count).Where(t => x[t] == v && double.IsFinite(y[t])).Select(t => y[t]).ToArray()).ToArray();
            var mean = at.Select(v => v.Length == 0 ? double.NaN : v.Average()).ToArray();
            curves.Add(new Curve($"mean over {groups.Count} combinations of the other axes", xs, mean, Markers: true));
            bands.Add(new Band("min–max", xs, at.Select(v => v.Length == 0 ? double.NaN : v.Min()).ToArray(),
                at.Select(v => v.Length == 0 ? double.NaN : v.Max()).ToArray(), 0));
        }
        bool logX = x.All(v => v > 0) && x.Max() >= 10 * x.Min();
        var finite = y.Where(double.IsFinite).ToArray();
        bool logY = finite.All(v => v > 0) && finite.Max() >= 10 * finite.Min();
        string key = table.Axes[axis].Key;
        return Charts.Lines($"{column} against {key}", key, column, curves, logY, logX, bands: bands);
    }

    private static string Label(SweepTable table, int axis, int task)
    {
        var parts = table.Axes.Select((a, k) => (a, k)).Where(p => p.k != axis)
            .Select(p => $"{p.a.Key.Split('.')[^1]} = {SweepAxis.Text(table.AxisValues[task][p.k])}").ToList();
        return parts.Count == 0 ? "tasks" : string.Join(", ", parts);
    }

    private static double Number(string json) =>
        double.TryParse(json, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
}
