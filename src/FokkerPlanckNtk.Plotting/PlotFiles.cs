using FokkerPlanckNtk.IO;
using OxyPlot;

namespace FokkerPlanckNtk.Plotting;

/// <summary>Writes a plot as PNG (SkiaSharp) and SVG (OxyPlot's exporter), each atomically.</summary>
public static class PlotFiles
{
    /// <summary>Default plot size in pixels.</summary>
    public const int Width = 900, Height = 560;

    /// <summary>Writes <c>name.png</c> and <c>name.svg</c> into <paramref name="directory"/>; returns the PNG bytes.</summary>
    public static byte[] Save(PlotModel model, string directory, string name, int width = Width, int height = Height)
    {
        Directory.CreateDirectory(directory);
        var png = Png(model, width, height);
        AtomicFile.WriteBytes(Path.Combine(directory, name + ".png"), png);
        AtomicFile.WriteText(Path.Combine(directory, name + ".svg"), Svg(model, width, height));
        return png;
    }

    /// <summary>The plot as PNG bytes.</summary>
    public static byte[] Png(PlotModel model, int width = Width, int height = Height)
    {
        using var buffer = new MemoryStream();
        new OxyPlot.SkiaSharp.PngExporter { Width = width, Height = height }.Export(model, buffer);
        return buffer.ToArray();
    }

    /// <summary>The plot as SVG text.</summary>
    public static string Svg(PlotModel model, int width = Width, int height = Height)
    {
        using var measurer = new OxyPlot.SkiaSharp.SkiaRenderContext();
        return new SvgExporter { Width = width, Height = height, TextMeasurer = measurer }.ExportToString(model);
    }
}
