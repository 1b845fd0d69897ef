using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace FokkerPlanckNtk.Plotting;

/// <summary>One curve: label, points, and whether it is drawn dashed (bounds, predictions) or with markers.</summary>
public sealed record Curve(string Label, double[] X, double[] Y, bool Dashed = false, bool Markers = false);

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
        double dx = image.X.Length > 1 ? image.X[1] - image.X[0] : 1, dy = image.Y.Length > 1 ? image.Y[1] - image.Y[0] : 1;
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = xLabel, Minimum = image.X[0] - dx / 2, Maximum = image.X[^1] + dx / 2 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yLabel, Minimum = image.Y[0] - dy / 2, Maximum = image.Y[^1] + dy / 2 });
        model.Axes.Add(new LinearColorAxis { Position = AxisPosition.Right, Palette = OxyPalettes.Viridis(256), Title = "density", Minimum = 0 });
        model.Series.Add(new HeatMapSeries
        {
            X0 = image.X[0], X1 = image.X[^1], Y0 = image.Y[0], Y1 = image.Y[^1],
            Data = image.Values, Interpolate = false, RenderMethod = HeatMapRenderMethod.Bitmap,
        });
        if (particles is { Count: > 0 })
        {
            var cloud = new ScatterSeries
            {
                Title = particles.Count > maxParticles ? $"particles ({maxParticles} of {particles.Count})" : "particles",
                MarkerType = MarkerType.Circle, MarkerSize = 1.3,
                MarkerFill = OxyColor.FromAColor(150, OxyColors.White), MarkerStroke = OxyColors.Undefined,
            };
            int stride = Math.Max(1, (particles.Count + maxParticles - 1) / maxParticles);
            for (int j = 0; j < particles.Count; j += stride) cloud.Points.Add(new ScatterPoint(particles[j].X, particles[j].Y));
            model.Series.Add(cloud);
            model.Legends.Add(new Legend
            {
                LegendPosition = LegendPosition.TopLeft, LegendPlacement = LegendPlacement.Inside,
                LegendBackground = OxyColor.FromAColor(170, OxyColors.Black), LegendTextColor = OxyColors.White,
            });
        }
        return model;
    }

    /// <summary>Curves against time (or any x); on a log y axis non-positive points are left out.</summary>
    public static PlotModel Lines(string title, string xLabel, string yLabel, IEnumerable<Curve> curves, bool logY = false,
        bool logX = false, string? subtitle = null)
    {
        var model = NewModel(title, subtitle);
        model.Axes.Add(logX
            ? new LogarithmicAxis { Position = AxisPosition.Bottom, Title = xLabel, MajorGridlineStyle = LineStyle.Dot, MinorGridlineStyle = LineStyle.None }
            : new LinearAxis { Position = AxisPosition.Bottom, Title = xLabel, MajorGridlineStyle = LineStyle.Dot });
        model.Axes.Add(logY
            ? new LogarithmicAxis { Position = AxisPosition.Left, Title = yLabel, MajorGridlineStyle = LineStyle.Dot, MinorGridlineStyle = LineStyle.None }
            : new LinearAxis { Position = AxisPosition.Left, Title = yLabel, MajorGridlineStyle = LineStyle.Dot });
        int k = 0;
        foreach (var curve in curves)
        {
            var color = Palette[k++ % Palette.Length];
            var line = new LineSeries
            {
                Title = curve.Label, Color = color, StrokeThickness = 1.8,
                LineStyle = curve.Dashed ? LineStyle.Dash : LineStyle.Solid,
                MarkerType = curve.Markers ? MarkerType.Circle : MarkerType.None, MarkerSize = 3, MarkerFill = color,
            };
            for (int i = 0; i < Math.Min(curve.X.Length, curve.Y.Length); i++)
            {
                double x = curve.X[i], y = curve.Y[i];
                if (!double.IsFinite(x) || !double.IsFinite(y) || (logY && y <= 0) || (logX && x <= 0)) continue;
                line.Points.Add(new DataPoint(x, y));
            }
            if (line.Points.Count > 0) model.Series.Add(line);
        }
        model.Legends.Add(new Legend
        {
            LegendPosition = LegendPosition.RightTop, LegendPlacement = LegendPlacement.Inside,
            LegendBackground = OxyColor.FromAColor(200, OxyColors.White), LegendBorder = OxyColors.LightGray,
        });
        return model;
    }

    /// <summary>A convergence plot on log-log axes (markers at the measured points).</summary>
    public static PlotModel LogLog(string title, string xLabel, string yLabel, IEnumerable<Curve> curves) =>
        Lines(title, xLabel, yLabel, curves.Select(c => c with { Markers = true }), logY: true, logX: true);
}
