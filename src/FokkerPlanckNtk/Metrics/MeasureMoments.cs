using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Metrics;

/// <summary>Mean and covariance of a probability measure (normalized by its total mass).</summary>
public sealed record MeanCovariance(double[] Mean, double[,] Covariance)
{
    /// <summary>The number of coordinates.</summary>
    public int Dimension => Mean.Length;
}

/// <summary>
/// First and second moments of the measures the transport code compares, and the bounds they give:
/// Gelbrich's inequality W2(μ, ν) ≥ Bures distance of (mean, covariance) of μ and ν (equality for Gaussians),
/// a certified lower bound for any pair of measures.
/// </summary>
public static class MeasureMoments
{
    /// <summary>
    /// Moments of the piecewise-constant density (uniform within each cell), exact: the mean is Σ p_c V x_c, the
    /// covariance Σ p_c V (x_c − m)(x_c − m)ᵀ plus diag(Δ_k²/12) from the spread within the cells.
    /// </summary>
    public static MeanCovariance Of(UniformGrid grid, ReadOnlySpan<double> density)
    {
        GridDensity.Validate(grid, density, "density");
        int k = grid.Dimension;
        var z = new double[k];
        var mass = new double[grid.Count];
        for (int c = 0; c < grid.Count; c++) mass[c] = density[c] * grid.CellVolume;
        var points = new double[grid.Count * k];
        for (int c = 0; c < grid.Count; c++) grid.Center(c, points.AsSpan(c * k, k));
        var (mean, cov) = Weighted(points, mass, k);
        for (int a = 0; a < k; a++) cov[a, a] += grid.Spacing(a) * grid.Spacing(a) / 12;
        return new MeanCovariance(mean, cov);
    }

    /// <summary>Moments of the weighted atoms (exact: Σ w_i x_i / Σ w_i and the weighted centred products).</summary>
    public static MeanCovariance Of(AtomicMeasure atoms)
    {
        var (mean, cov) = Weighted(atoms.Positions, atoms.Weights, atoms.Dimension);
        return new MeanCovariance(mean, cov);
    }

    // Two passes (mean first, then centred products) to keep the covariance accurate.
    private static (double[] Mean, double[,] Covariance) Weighted(ReadOnlySpan<double> x, ReadOnlySpan<double> w, int k)
    {
        int n = w.Length;
        double total = 0;
        var mean = new double[k];
        for (int i = 0; i < n; i++)
        {
            total += w[i];
            for (int a = 0; a < k; a++) mean[a] += w[i] * x[i * k + a];
        }
        for (int a = 0; a < k; a++) mean[a] /= total;
        var cov = new double[k, k];
        var d = new double[k];
        for (int i = 0; i < n; i++)
        {
            if (w[i] == 0) continue;
            for (int a = 0; a < k; a++) d[a] = x[i * k + a] - mean[a];
            for (int a = 0; a < k; a++)
                for (int b = 0; b <= a; b++) cov[a, b] += w[i] * d[a] * d[b];
        }
        for (int a = 0; a < k; a++)
            for (int b = 0; b <= a; b++) cov[b, a] = cov[a, b] = cov[a, b] / total;
        return (mean, cov);
    }

    /// <summary>
    /// Squared Bures–Wasserstein distance |m₁ − m₂|² + tr(Σ₁ + Σ₂ − 2(Σ₁^½ Σ₂ Σ₁^½)^½): W2² between the Gaussians
    /// with these moments, and by Gelbrich's inequality a lower bound of W2² between any measures with them.
    /// </summary>
    public static double BuresSquared(MeanCovariance a, MeanCovariance b)
    {
        if (a.Dimension != b.Dimension)
            throw new InputException("b.dimension", b.Dimension, $"must equal the dimension of a ({a.Dimension})");
        var s1 = Matrix<double>.Build.DenseOfArray(a.Covariance);
        var s2 = Matrix<double>.Build.DenseOfArray(b.Covariance);
        var r1 = GaussianDistances.SymmetricSqrt(s1);
        var cross = r1 * s2 * r1;
        double crossTrace = 0;
        foreach (var lambda in cross.Add(cross.Transpose()).Divide(2).Evd(Symmetricity.Symmetric).EigenValues)
            crossTrace += Math.Sqrt(Math.Max(lambda.Real, 0));
        double shift = 0;
        for (int k = 0; k < a.Dimension; k++) shift += (a.Mean[k] - b.Mean[k]) * (a.Mean[k] - b.Mean[k]);
        return Math.Max(0, shift + s1.Trace() + s2.Trace() - 2 * crossTrace);
    }

    /// <summary>
    /// The optimal affine map between the Gaussians with these moments, T(x) = m_b + A(x − m_a) with
    /// A = Σ_a^{-½}(Σ_a^½ Σ_b Σ_a^½)^½ Σ_a^{-½} (symmetric positive definite); null when a covariance is singular.
    /// </summary>
    internal static double[,]? AffineMap(MeanCovariance a, MeanCovariance b)
    {
        var s1 = Matrix<double>.Build.DenseOfArray(a.Covariance);
        var s2 = Matrix<double>.Build.DenseOfArray(b.Covariance);
        var e1 = s1.Evd(Symmetricity.Symmetric).EigenValues.Select(l => l.Real).ToArray();
        var e2 = s2.Evd(Symmetricity.Symmetric).EigenValues.Select(l => l.Real).ToArray();
        if (!(e1.Min() > 1e-12 * e1.Max()) || !(e2.Min() > 1e-12 * e2.Max())) return null;
        var r1 = GaussianDistances.SymmetricSqrt(s1);
        var r1Inverse = r1.Inverse();
        var map = r1Inverse * GaussianDistances.SymmetricSqrt(r1 * s2 * r1) * r1Inverse;
        map = map.Add(map.Transpose()).Divide(2);
        return map.ToArray();
    }
}
