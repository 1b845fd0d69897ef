using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;

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

    /// <summary>The marginal density along one axis: (cell centres, ∫ p over the other axes) with ∫ marginal = mass.</summary>
    public static (double[] X, double[] Density) Marginal1D(UniformGrid grid, ReadOnlySpan<double> density, int axis)
    {
        var values = new double[grid.Cells[axis]];
        double otherVolume = grid.CellVolume / grid.Spacing(axis);
        for (int c = 0; c < grid.Count; c++) values[grid.AxisIndex(c, axis)] += density[c] * otherVolume;
        return (grid.Centers(axis).ToArray(), values);
    }

    /// <summary>
    /// The histogram density of atoms (m × D positions) along one axis, on the grid's cells merged in pairs until
    /// there are at least 100 particles per bin on average over [−B, B] (or 8 bins are left): (bin edges, density per bin).
    /// Particles outside the box are not counted (the density then integrates to less than 1).
    /// </summary>
    public static (double[] Edges, double[] Density) Histogram1D(UniformGrid grid, ReadOnlySpan<double> positions, int axis)
    {
        int dim = grid.Dimension, count = positions.Length / dim, bins = grid.Cells[axis];
        while (bins % 2 == 0 && bins > 8 && count < 100 * bins) bins /= 2;
        double width = 2 * grid.HalfWidths[axis] / bins, left = -grid.HalfWidths[axis];
        var density = new double[bins];
        for (int j = 0; j < count; j++)
        {
            int b = (int)Math.Floor((positions[j * dim + axis] - left) / width);
            if (b >= 0 && b < bins) density[b] += 1.0 / (count * width);
        }
        return (Enumerable.Range(0, bins + 1).Select(i => left + i * width).ToArray(), density);
    }

    /// <summary>
    /// Axis label: the variable name of the axis in snapshots.h5 (<see cref="SnapshotFile.AxisVariable"/>) in Greek: θ or
    /// θ1..θd, or on the span of the inputs ζ or ζ1..ζk (the coordinates ζ_a = b_a·θ of span.json's basis), then u.
    /// </summary>
    /// <param name="grid">The grid.</param>
    /// <param name="axis">The axis index (the last is u).</param>
    /// <param name="onSpan">The grid of a problem reduced to the span of its inputs.</param>
    public static string AxisName(UniformGrid grid, int axis, bool onSpan = false) =>
        SnapshotFile.AxisVariable(grid, axis, onSpan).Replace("theta", "θ").Replace("zeta", "ζ");
}
