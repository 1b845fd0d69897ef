using FokkerPlanckNtk.Grids;

namespace FokkerPlanckNtk.Plotting;

/// <summary>Two-dimensional views of grid densities for heat maps.</summary>
public static class DensityImages
{
    /// <summary>
    /// The marginal density on the plane of axes (<paramref name="axisX"/>, <paramref name="axisY"/>): the
    /// density integrated over the other axes (for d = 1 and the θ–u plane, the density itself).
    /// </summary>
    public static DensityImage Marginal(UniformGrid grid, ReadOnlySpan<double> density, int axisX, int axisY)
    {
        if (axisX == axisY) throw new ArgumentException("Two different axes are needed.");
        int nx = grid.Cells[axisX], ny = grid.Cells[axisY];
        var values = new double[nx, ny];
        double otherVolume = grid.CellVolume / (grid.Spacing(axisX) * grid.Spacing(axisY));
        for (int c = 0; c < grid.Count; c++)
            values[grid.AxisIndex(c, axisX), grid.AxisIndex(c, axisY)] += density[c] * otherVolume;
        return new DensityImage(grid.Centers(axisX).ToArray(), grid.Centers(axisY).ToArray(), values);
    }

    /// <summary>
    /// The histogram density of atoms (m × D positions) on the grid's cells (<see cref="Particles.ParticleMeasures.Histogram"/>),
    /// as its marginal on the plane of two axes.
    /// </summary>
    public static DensityImage Histogram(UniformGrid grid, ReadOnlySpan<double> positions, int axisX, int axisY) =>
        Marginal(grid, Particles.ParticleMeasures.Histogram(grid, positions), axisX, axisY);

    /// <summary>Axis label: θ_k for the first d axes, u for the last.</summary>
    public static string AxisName(UniformGrid grid, int axis) =>
        axis == grid.UAxis ? "u" : grid.ThetaDimension == 1 ? "θ" : $"θ{axis + 1}";
}
