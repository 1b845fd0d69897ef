using System.Globalization;
using System.Text;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Tests.Particles;

/// <summary>
/// Sample mean and covariance of the particles with standard errors estimated from the same samples:
/// SE(mean_k) = sd(z_k)/√m, SE(cov_kl) = sd((z_k − z̄_k)(z_l − z̄_l))/√m.
/// </summary>
internal sealed class MomentCheck
{
    public MomentCheck(ParticleSystem system)
        : this(Enumerable.Range(0, system.Dimension).Select(k => system.Coordinate(k).ToArray()).ToArray())
    {
    }

    /// <summary>From one array of samples per coordinate (e.g. the particles projected onto S ⊕ u).</summary>
    public MomentCheck(IReadOnlyList<double[]> coordinates)
    {
        int dim = coordinates.Count, m = coordinates[0].Length;
        Mean = new double[dim];
        MeanError = new double[dim];
        Covariance = new double[dim, dim];
        CovarianceError = new double[dim, dim];
        for (int k = 0; k < dim; k++)
        {
            var z = coordinates[k];
            double s = 0;
            for (int j = 0; j < m; j++) s += z[j];
            Mean[k] = s / m;
        }
        for (int k = 0; k < dim; k++)
        for (int l = 0; l <= k; l++)
        {
            var a = coordinates[k];
            var b = coordinates[l];
            double s = 0, s2 = 0;
            for (int j = 0; j < m; j++)
            {
                double p = (a[j] - Mean[k]) * (b[j] - Mean[l]);
                s += p;
                s2 += p * p;
            }
            double c = s / m, varP = (s2 / m - c * c) * m / (m - 1.0);
            Covariance[k, l] = Covariance[l, k] = s / (m - 1.0);
            CovarianceError[k, l] = CovarianceError[l, k] = Math.Sqrt(varP / m);
        }
        for (int k = 0; k < dim; k++) MeanError[k] = Math.Sqrt(Covariance[k, k] / m);
    }

    public double[] Mean { get; }
    public double[] MeanError { get; }
    public double[,] Covariance { get; }
    public double[,] CovarianceError { get; }

    /// <summary>The largest deviation in units of the standard error, and a table of all of them.</summary>
    public (double WorstZ, string Table) Compare(double[] mean, double[,] covariance)
    {
        var sb = new StringBuilder();
        double worst = 0;
        int dim = Mean.Length;
        for (int k = 0; k < dim; k++)
            Row($"mean[{k}]", Mean[k], mean[k], MeanError[k]);
        for (int k = 0; k < dim; k++)
        for (int l = 0; l <= k; l++)
            Row($"cov[{k},{l}]", Covariance[k, l], covariance[k, l], CovarianceError[k, l]);
        return (worst, sb.ToString());

        void Row(string name, double sample, double exact, double se)
        {
            double z = (sample - exact) / se;
            worst = Math.Max(worst, Math.Abs(z));
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: sample {sample:F6}, exact {exact:F6}, SE {se:E2}, z = {z:F2}"));
        }
    }
}
