using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace FokkerPlanckNtk.Plotting;

/// <summary>
/// One curve: label (null: not in the legend), points, whether it is drawn dashed (bounds, predictions) or with
/// markers, and an optional palette index (curves of one quantity share a colour).
/// </summary>
public sealed record Curve(string? Label, double[] X, double[] Y, bool Dashed = false, bool Markers = false, int? Color = null)
{
    /// <summary>Drawn as a histogram: Y[i] holds on [X[i], X[i + 1]) (X has one more entry than Y).</summary>
    public bool Stairs { get; init; }

    /// <summary>Drawn with a thin line (noisy series next to smooth ones).</summary>
    public bool Thin { get; init; }

    /// <summary>Drawn in grey (a reference such as the initial state), whatever <see cref="Color"/> says.</summary>
    public bool Grey { get; init; }

    /// <summary>Only a legend entry (no points drawn): names a line style shared by curves of several colours.</summary>
    public bool LegendOnly { get; init; }
}

/// <summary>A shaded band between two curves over the same x (an error bar or a noise floor), in the colour of a curve.</summary>
public sealed record Band(string? Label, double[] X, double[] Lower, double[] Upper, int Color);

/// <summary>A density on a rectangle of cell centres: <c>Values[i, j]</c> at (X[i], Y[j]).</summary>
public sealed record DensityImage(double[] X, double[] Y, double[,] Values);

/// <summary>The OxyPlot models of the project: density heat maps with particles, time series, log-log plots.</summary>
public static class Charts
{
    private static readonly OxyColor[] Palette =
    [
        OxyColor.FromRgb(0x1f, 0x77, 0xb4), OxyColor.FromRgb(0xd6, 0x27, 0x28), OxyColor.FromRgb(0x2c, 0xa0, 0x2c),
        OxyColor.FromRgb(0xff, 0x7f, 0x0e), OxyColor.FromRgb(0x94, 0x67, 0xbd), OxyColor.FromRgb(0x8c, 0x56, 0x4b),
        OxyColor.FromRgb(0xe3, 0x77, 0xc2), OxyColor.FromRgb(0x7f, 0x7f, 0x7f),
    ];

    private static PlotModel NewModel(string title, string? subtitle = null) => new()
    {
        Title = title,
        Subtitle = subtitle,
        Background = OxyColors.White,
        TitleFontSize = 15,
        SubtitleFontSize = 11,
        DefaultFontSize = 12,
        DefaultFont = "DejaVu Sans",
        PlotMargins = new OxyThickness(double.NaN),
    };

    /// <summary>
    /// A heat map of a density (θ–u plane for d = 1, a marginal for d ≥ 2), with an optional particle cloud
    /// on top (a subsample is enough to show where the particles are).
    /// </summary>
    public static PlotModel DensityMap(string title, DensityImage image, string xLabel, string yLabel,
        IReadOnlyList<(double X, double Y)>? particles = null, string? subtitle = null, int maxParticles = 2000)
    {
        var model = NewModel(title, subtitle);
        var (x0, x1, y0, y1) = View(image);
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = xLabel, Minimum = x0, Maximum = x1 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yLabel, Minimum = y0, Maximum = y1 });
        model.Axes.Add(new LinearColorAxis { Position = AxisPosition.Right, Palette = OxyPalettes.Viridis(256), Title = "density", Minimum = 0 });
        model.Series.Add(new HeatMapSeries
        {
            X0 = image.X[0], X1 = image.X[^1], Y0 = image.Y[0], Y1 = image.Y[^1],
            Data = image.Values, Interpolate = false, RenderMethod = HeatMapRenderMethod.Bitmap,
        });
        if (particles is { Count: > 0 })
        {
            // A marker-only line series: a scatter series would take its colours from the heat map's colour axis.
            int stride = Math.Max(1, (particles.Count + maxParticles - 1) / maxParticles);
            var cloud = new LineSeries
            {
                Title = stride > 1 ? $"particles (1 in {stride} of {particles.Count})" : $"particles ({particles.Count})",
                LineStyle = LineStyle.None, Color = OxyColors.White, MarkerType = MarkerType.Circle, MarkerSize = 1.6,
                MarkerFill = OxyColor.FromAColor(170, OxyColors.White), MarkerStroke = OxyColors.Undefined,
            };
            for (int j = 0; j < particles.Count; j += stride) cloud.Points.Add(new DataPoint(particles[j].X, particles[j].Y));
            model.Series.Add(cloud);
            model.Legends.Add(new Legend
            {
                LegendPosition = LegendPosition.TopLeft, LegendPlacement = LegendPlacement.Inside,
                LegendBackground = OxyColor.FromAColor(170, OxyColors.Black), LegendTextColor = OxyColors.White,
            });
        }
        return model;
    }

    /// <summary>
    /// A signed field (for example p_t − p_0) on a diverging colour scale, symmetric about 0 (white), so that
    /// where mass came from and where it went read as blue and red; the view is that of <paramref name="support"/>.
    /// </summary>
    public static PlotModel SignedMap(string title, DensityImage image, DensityImage support, string xLabel, string yLabel,
        string valueLabel, string? subtitle = null)
    {
        var model = NewModel(title, subtitle);
        var (x0, x1, y0, y1) = View(support);
        double max = image.Values.Cast<double>().Select(Math.Abs).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        if (!(max > 0)) max = 1;
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = xLabel, Minimum = x0, Maximum = x1 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yLabel, Minimum = y0, Maximum = y1 });
        model.Axes.Add(new LinearColorAxis
        {
            Position = AxisPosition.Right, Palette = OxyPalettes.BlueWhiteRed(255), Title = valueLabel, Minimum = -max, Maximum = max,
        });
        model.Series.Add(new HeatMapSeries
        {
            X0 = image.X[0], X1 = image.X[^1], Y0 = image.Y[0], Y1 = image.Y[^1],
            Data = image.Values, Interpolate = false, RenderMethod = HeatMapRenderMethod.Bitmap,
        });
        return model;
    }

    /// <summary>
    /// The part of the image worth showing: cells above 10⁻³ of the maximum, padded by a tenth of their
    /// extent (a density concentrated near the origin of a wide box would otherwise be a dot).
    /// </summary>
    private static (double X0, double X1, double Y0, double Y1) View(DensityImage image)
    {
        double dx = image.X.Length > 1 ? image.X[1] - image.X[0] : 1, dy = image.Y.Length > 1 ? image.Y[1] - image.Y[0] : 1;
        double max = image.Values.Cast<double>().Max();
        int i0 = int.MaxValue, i1 = -1, j0 = int.MaxValue, j1 = -1;
        for (int i = 0; i < image.X.Length; i++)
            for (int j = 0; j < image.Y.Length; j++)
                if (image.Values[i, j] > 1e-3 * max) { i0 = Math.Min(i0, i); i1 = Math.Max(i1, i); j0 = Math.Min(j0, j); j1 = Math.Max(j1, j); }
        double fx0 = image.X[0] - dx / 2, fx1 = image.X[^1] + dx / 2, fy0 = image.Y[0] - dy / 2, fy1 = image.Y[^1] + dy / 2;
        if (i1 < 0 || !(max > 0)) return (fx0, fx1, fy0, fy1);
        double ax0 = image.X[i0] - dx / 2, ax1 = image.X[i1] + dx / 2, ay0 = image.Y[j0] - dy / 2, ay1 = image.Y[j1] + dy / 2;
        double px = 0.1 * (ax1 - ax0), py = 0.1 * (ay1 - ay0);
        return (Math.Max(fx0, ax0 - px), Math.Min(fx1, ax1 + px), Math.Max(fy0, ay0 - py), Math.Min(fy1, ay1 + py));
    }

    /// <summary>Curves against time (or any x); on a log y axis non-positive points are left out.</summary>
    public static PlotModel Lines(string title, string xLabel, string yLabel, IEnumerable<Curve> curves, bool logY = false,
        bool logX = false, string? subtitle = null, IEnumerable<Band>? bands = null, (double Min, double Max)? xRange = null,
        double? logFloor = null)
    {
        curves = curves.ToList();
        var model = NewModel(title, subtitle);
        model.Axes.Add(logX
            ? new LogarithmicAxis { Position = AxisPosition.Bottom, Title = xLabel, MajorGridlineStyle = LineStyle.Dot, MinorGridlineStyle = LineStyle.None }
            : new LinearAxis { Position = AxisPosition.Bottom, Title = xLabel, MajorGridlineStyle = LineStyle.Dot });
        model.Axes.Add(logY
            ? new LogarithmicAxis { Position = AxisPosition.Left, Title = yLabel, MajorGridlineStyle = LineStyle.Dot, MinorGridlineStyle = LineStyle.None }
            : new LinearAxis { Position = AxisPosition.Left, Title = yLabel, MajorGridlineStyle = LineStyle.Dot });
        if (xRange is { } range) { model.Axes[0].Minimum = range.Min; model.Axes[0].Maximum = range.Max; }
        // A log axis spanning many decades because of values at round-off (0 at t = 0) would flatten what matters.
        if (logY && logFloor is { } floor && curves.SelectMany(c => c.Y).Where(v => v > 0 && double.IsFinite(v)).DefaultIfEmpty(0).Max() is var top && top > 0)
            model.Axes[1].Minimum = floor * top;
        foreach (var band in bands ?? [])
        {
            var area = new AreaSeries
            {
                Title = band.Label, Color = OxyColors.Undefined, StrokeThickness = 0,
                Fill = OxyColor.FromAColor(60, Palette[band.Color % Palette.Length]),
            };
            for (int i = 0; i < band.X.Length; i++)
            {
                if (!double.IsFinite(band.Lower[i]) || !double.IsFinite(band.Upper[i]) || (logY && band.Lower[i] <= 0)) continue;
                area.Points.Add(new DataPoint(band.X[i], band.Upper[i]));
                area.Points2.Add(new DataPoint(band.X[i], band.Lower[i]));
            }
            if (area.Points.Count > 0) model.Series.Add(area);
        }
        int k = 0;
        foreach (var curve in curves)
        {
            var color = curve.Grey ? OxyColor.FromRgb(0x99, 0x99, 0x99) : Palette[(curve.Color ?? k) % Palette.Length];
            k++;
            if (curve.Stairs)
            {
                var stairs = new StairStepSeries { Title = curve.Label, Color = color, StrokeThickness = 1.4, VerticalStrokeThickness = 1.0 };
                for (int i = 0; i < curve.Y.Length && i + 1 < curve.X.Length; i++)
                    if (double.IsFinite(curve.Y[i]) && !(logY && curve.Y[i] <= 0)) stairs.Points.Add(new DataPoint(curve.X[i], curve.Y[i]));
                if (curve.Y.Length > 0 && curve.X.Length > curve.Y.Length) stairs.Points.Add(new DataPoint(curve.X[curve.Y.Length], curve.Y[^1]));
                if (stairs.Points.Count > 0) model.Series.Add(stairs);
                continue;
            }
            var line = new LineSeries
            {
                Title = curve.Label, Color = color, StrokeThickness = curve.Thin ? 0.9 : 1.8,
                LineStyle = curve.Dashed ? LineStyle.Dash : LineStyle.Solid,
                MarkerType = curve.Markers ? MarkerType.Circle : MarkerType.None, MarkerSize = 3, MarkerFill = color,
            };
            for (int i = 0; i < Math.Min(curve.X.Length, curve.Y.Length); i++)
            {
                double x = curve.X[i], y = curve.Y[i];
                if (!double.IsFinite(x) || !double.IsFinite(y) || (logY && y <= 0) || (logX && x <= 0)) continue;
                line.Points.Add(new DataPoint(x, y));
            }
            if (curve.LegendOnly) line.Points.Clear();
            if (line.Points.Count > 0 || curve.LegendOnly) model.Series.Add(line);
        }
        model.Legends.Add(new Legend
        {
            LegendPosition = LegendPosition.BottomCenter, LegendPlacement = LegendPlacement.Outside,
            LegendOrientation = LegendOrientation.Horizontal, LegendBorder = OxyColors.Undefined,
        });
        return model;
    }

    /// <summary>A convergence plot on log-log axes (markers at the measured points).</summary>
    public static PlotModel LogLog(string title, string xLabel, string yLabel, IEnumerable<Curve> curves) =>
        Lines(title, xLabel, yLabel, curves.Select(c => c with { Markers = true }), logY: true, logX: true);
}
