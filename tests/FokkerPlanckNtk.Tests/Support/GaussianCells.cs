using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Numerics;

namespace FokkerPlanckNtk.Tests.Support;

/// <summary>Piecewise-constant references for the transport tests: cell averages of a Gaussian on a grid of any dimension.</summary>
internal static class GaussianCells
{
    // Cell averages of N(mean, cov) by the order-point Gauss–Legendre rule per axis, normalized to mass 1 on the grid.
    internal static double[] Averages(UniformGrid grid, double[] mean, double[,] cov, int order)
    {
        var law = new GaussianLaw(mean, cov);
        int d = grid.Dimension;
        var rule = GaussLegendre.Box(order, Enumerable.Range(0, d).Select(k => 0.5 * grid.Spacing(k)).ToArray());
        var p = new double[grid.Count];
        Parallel.For(0, grid.Count, () => (new double[d], new double[d]), (cell, _, buffers) =>
        {
            var (c, z) = buffers;
            grid.Center(cell, c);
            double s = 0;
            for (int q = 0; q < rule.Count; q++)
            {
                var node = rule.Node(q);
                for (int k = 0; k < d; k++) z[k] = c[k] + node[k];
                s += rule.Weights[q] * Math.Exp(law.LogDensity(z));
            }
            p[cell] = s / grid.CellVolume;
            return buffers;
        }, _ => { });
        double norm = p.Sum() * grid.CellVolume;
        return p.Select(v => v / norm).ToArray();
    }
}
