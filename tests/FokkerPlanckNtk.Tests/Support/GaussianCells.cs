using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Metrics.SemiDiscrete;
using FokkerPlanckNtk.Numerics;

namespace FokkerPlanckNtk.Tests.Support;

/// <summary>
/// Piecewise-constant references for the transport tests on grids of any dimension: cell averages of a Gaussian, the
/// perturbations of N(0, I) of the acceptance list, the exact W2 of product measures, the measured convergence order.
/// </summary>
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

    /// <summary>The identity covariance of <paramref name="dimension"/> axes.</summary>
    internal static double[,] Identity(int dimension)
    {
        var cov = new double[dimension, dimension];
        for (int k = 0; k < dimension; k++) cov[k, k] = 1;
        return cov;
    }

    // Perturbations of N(0, I) (2 or 3 axes): shift (δ, 0, …), scale σ_1 = 1 + δ, and rotate: eigenvalues (1 + δ)^{±2} at
    // 30° in the first plane with the mean (0.3δ, −0.2δ), and in 3D variance 1 + δ and mean 0.1δ on the third axis.
    internal static (double[] Mean, double[,] Cov) Perturbed(int dimension, string kind, double d)
    {
        var mean = new double[dimension];
        var cov = Identity(dimension);
        switch (kind)
        {
            case "shift": mean[0] = d; break;
            case "scale": cov[0, 0] = (1 + d) * (1 + d); break;
            default:
                double th = Math.PI / 6, s1 = (1 + d) * (1 + d), s2 = 1 / s1, cs = Math.Cos(th), sn = Math.Sin(th);
                cov[0, 0] = cs * cs * s1 + sn * sn * s2;
                cov[0, 1] = cov[1, 0] = cs * sn * (s1 - s2);
                cov[1, 1] = sn * sn * s1 + cs * cs * s2;
                mean[0] = 0.3 * d;
                mean[1] = -0.2 * d;
                if (dimension == 3) { cov[2, 2] = 1 + d; mean[2] = 0.1 * d; }
                break;
        }
        return (mean, cov);
    }

    // For product densities W2² is the sum of the marginals' W2² (the cost separates), each exact in 1D.
    internal static double ExactProductW2(UniformGrid grid, double[] p, double[] q)
    {
        double s = 0;
        for (int k = 0; k < grid.Dimension; k++) s += Transport1D.MarginalW2Squared(grid, p, grid, q, k, GridMeasure.PiecewiseConstant, normalize: true);
        return Math.Sqrt(s);
    }

    // The observed order log2(e_h / e_{h/2}) of the grid–grid W2 against the exact product W2 for a product perturbation
    // (shift or scale) of size δ against N(0, I) on the two grids of ±7 with the given cells per axis.
    internal static double ConvergenceOrder(int dimension, string kind, double delta, int[] cells, int quadratureOrder)
    {
        var errors = cells.Select(n =>
        {
            var grid = UniformGrid.Cube(dimension, n, 7);
            var (mean, cov) = Perturbed(dimension, kind, delta);
            var p = Averages(grid, mean, cov, quadratureOrder);
            var q = Averages(grid, new double[dimension], Identity(dimension), quadratureOrder);
            return Math.Abs(GridTransport.Between(grid, p, q).W2 - ExactProductW2(grid, p, q));
        }).ToArray();
        double order = Math.Log2(errors[0] / errors[1]);
        NUnit.Framework.TestContext.Out.WriteLine($"{kind}: errors {string.Join(", ", errors.Select(e => e.ToString("E2")))}, order {order:F2}");
        return order;
    }
}
