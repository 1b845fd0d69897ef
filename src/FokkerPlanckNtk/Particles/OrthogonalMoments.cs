using System.Numerics.Tensors;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// The particles' θ_⊥ = P_⊥θ against its closed-form law N(μ, C) on S^⊥ (<see cref="OrthogonalLaw"/>), with
/// three statistics whose sampling distributions are known, each reported as a z-score (deviation from its
/// expectation in units of its standard deviation):
/// <list type="bullet">
/// <item>mean: M = m‖P_⊥θ̄ − μ‖², E[M] = tr C, Var M = 2 tr C²;</item>
/// <item>covariance: F = ‖P_⊥ĈP_⊥ − C‖_F² (Ĉ the unbiased sample covariance), E[F] = (tr C² + (tr C)²)/(m − 1),
/// Var F ≈ 4(tr C⁴ + (tr C²)²)/(m − 1)² (the entries of Ĉ in the eigenbasis of C are uncorrelated with variances
/// (C_aaC_bb + C_ab²)/(m − 1), and to leading order Gaussian);</item>
/// <item>independence: G = ‖P_⊥Ĉ_{θ,(ζ,u)}‖_F², the sample cross-covariance of θ_⊥ with the coordinates (ζ, u) of
/// S ⊕ u, E[G] = tr C · tr C_q/(m − 1), Var G ≈ 2 tr C² · tr C_q²/(m − 1)² with C_q the sample covariance of (ζ, u).</item>
/// </list>
/// These hold exactly for the particle scheme, whose θ_⊥ coordinates are i.i.d. Euler–Maruyama OU chains driven only
/// by their own noise (compare with <see cref="OrthogonalFactor.EulerMaruyama"/>; against the continuous law
/// <see cref="OrthogonalFactor.At"/> the scheme's O(η) bias adds to the deviations).
/// Cost O(m'·d²) for the sample covariance, with m' ≤ m particles (the first ones) so that m'·d² ≤ <c>maxWork</c>.
/// </summary>
public sealed record OrthogonalMoments(int SampleCount, int Dimension,
    double MeanStatistic, double MeanExpected, double MeanZ,
    double CovarianceStatistic, double CovarianceExpected, double CovarianceZ,
    double CrossStatistic, double CrossExpected, double CrossZ)
{
    /// <summary>Default bound on m'·d² (the number of multiply-adds of the sample covariance): a few seconds.</summary>
    public const double DefaultMaxWork = 2e10;

    /// <summary>The largest |z| of the three statistics.</summary>
    public double WorstZ => Math.Max(Math.Abs(MeanZ), Math.Max(Math.Abs(CovarianceZ), Math.Abs(CrossZ)));

    /// <summary>Measures the particles' ⊥ moments against <paramref name="law"/>.</summary>
    public static OrthogonalMoments Measure(ParticleSystem system, ReducedProblem reduction, OrthogonalLaw law, double maxWork = DefaultMaxWork)
    {
        SpanProjection.RequireMatch(system, reduction);
        int d = reduction.Full.Dimension, k = reduction.Span.Dimension, p = d - k;
        if (p == 0) return new OrthogonalMoments(system.Count, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        int m = (int)Math.Clamp(maxWork / ((double)d * d), 2, system.Count);

        // Sample means and the unbiased covariance of (θ_1..θ_d, u) over the first m particles.
        var columns = new double[d + 1][];
        var mean = new double[d + 1];
        for (int i = 0; i <= d; i++)
        {
            columns[i] = i < d ? system.ThetaArray(i) : system.UArray;
            mean[i] = TensorPrimitives.Sum<double>(columns[i].AsSpan(0, m)) / m;
        }
        var cov = SecondMoments(columns, m);
        for (int i = 0; i <= d; i++)
            for (int j = 0; j <= i; j++)
                cov[i, j] = cov[j, i] = (cov[i, j] - m * mean[i] * mean[j]) / (m - 1);

        // Directions: b_1..b_k of S (on θ) and e_u. P_⊥ v = v − Σ_a (b_a·v) b_a on the θ part.
        var span = reduction.Span;
        var projectedMean = span.ProjectOut(mean.AsSpan(0, d));
        var lawMean = law.Mean();
        double meanStat = 0;
        for (int i = 0; i < d; i++) meanStat += (projectedMean[i] - lawMean[i]) * (projectedMean[i] - lawMean[i]);
        meanStat *= m;

        // P_⊥ Ĉ_θθ P_⊥ − C and the cross block P_⊥ [Ĉ_θθ B, Ĉ_θu].
        var thetaCov = new double[d, d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) thetaCov[i, j] = cov[i, j];
        var left = span.ProjectOut(thetaCov);           // P_⊥ Ĉ_θθ
        var both = span.ProjectOut(Transpose(left));     // P_⊥ (P_⊥ Ĉ_θθ)ᵀ = P_⊥ Ĉ_θθ P_⊥ (symmetric)
        var c0 = law.Covariance();
        double covStat = 0;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) covStat += (both[i, j] - c0[i, j]) * (both[i, j] - c0[i, j]);
        double crossStat = 0;
        var qCov = new double[k + 1, k + 1]; // sample covariance of (ζ, u)
        var cross = new double[d, k + 1];
        for (int a = 0; a < k; a++)
        {
            var b = span.BasisVector(a);
            for (int i = 0; i < d; i++)
            {
                double s = 0;
                for (int j = 0; j < d; j++) s += left[i, j] * b[j];
                cross[i, a] = s;
            }
        }
        var uColumn = new double[d, 1];
        for (int i = 0; i < d; i++) uColumn[i, 0] = cov[i, d];
        var uCross = span.ProjectOut(uColumn);
        for (int i = 0; i < d; i++) cross[i, k] = uCross[i, 0];
        foreach (var v in cross) crossStat += v * v;
        for (int a = 0; a <= k; a++)
            for (int b = 0; b <= k; b++)
                qCov[a, b] = Along(span, cov, a, b, d);

        var (tr, tr2, tr4) = law.Traces();
        double qTr2 = 0;
        foreach (var v in qCov) qTr2 += v * v; // tr C_q² = ‖C_q‖_F²
        double meanSd = Math.Sqrt(2 * tr2);
        double covExpected = (tr2 + tr * tr) / (m - 1), covSd = 2 * Math.Sqrt(tr4 + tr2 * tr2) / (m - 1);
        double qTr = 0;
        for (int a = 0; a <= k; a++) qTr += qCov[a, a];
        double crossExpected = tr * qTr / (m - 1), crossSd = Math.Sqrt(2 * tr2 * qTr2) / (m - 1);
        return new OrthogonalMoments(m, p,
            meanStat, tr, (meanStat - tr) / meanSd,
            covStat, covExpected, (covStat - covExpected) / covSd,
            crossStat, crossExpected, (crossStat - crossExpected) / crossSd);
    }

    /// <summary>One line per statistic: value, expectation, z.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"θ_⊥ ({Dimension} dimensions, m = {SampleCount}): mean m‖Δμ‖² = {MeanStatistic:G4} (expected {MeanExpected:G4}, z = {MeanZ:F2}); covariance ‖ΔC‖_F² = {CovarianceStatistic:G4} (expected {CovarianceExpected:G4}, z = {CovarianceZ:F2}); cross-covariance with S ⊕ u ‖·‖_F² = {CrossStatistic:G4} (expected {CrossExpected:G4}, z = {CrossZ:F2})");

    /// <summary>
    /// Σ_j x_ij x_lj for l ≤ i over the first m entries of each column (the lower triangle): blocked so that a chunk of
    /// particles of every row in a block pair stays in cache (the plain d²/2 dot products over whole columns stream the
    /// d columns through memory d times: 10× slower at d = 1000). Each entry sums its chunks in order, so the result does
    /// not depend on the thread count.
    /// </summary>
    private static double[,] SecondMoments(double[][] columns, int m)
    {
        const int chunk = 512, block = 32;
        int rows = columns.Length, blocks = (rows + block - 1) / block;
        var sums = new double[rows, rows];
        Parallel.For(0, blocks, Parallelism.Options, bi =>
        {
            int i0 = bi * block, i1 = Math.Min(rows, i0 + block);
            for (int c0 = 0; c0 < m; c0 += chunk)
            {
                int len = Math.Min(chunk, m - c0);
                for (int l0 = 0; l0 <= i0; l0 += block) // the chunk of two blocks of rows: 2·32·512 doubles, in L2
                    for (int i = i0; i < i1; i++)
                    {
                        var a = columns[i].AsSpan(c0, len);
                        for (int l = l0, l1 = Math.Min(i, l0 + block - 1); l <= l1; l++)
                            sums[i, l] += TensorPrimitives.Dot(a, columns[l].AsSpan(c0, len));
                    }
            }
        });
        return sums;
    }

    /// <summary>Covariance of the coordinates a, b of (ζ, u): b_aᵀĈb_b (with b_k = e_u).</summary>
    private static double Along(DataSpan span, double[,] cov, int a, int b, int d)
    {
        int k = span.Dimension;
        double s = 0;
        for (int i = 0; i < d + 1; i++)
        {
            double wa = a < k ? (i < d ? span.BasisVector(a)[i] : 0) : (i == d ? 1 : 0);
            if (wa == 0) continue;
            for (int j = 0; j < d + 1; j++)
            {
                double wb = b < k ? (j < d ? span.BasisVector(b)[j] : 0) : (j == d ? 1 : 0);
                s += wa * cov[i, j] * wb;
            }
        }
        return s;
    }

    private static double[,] Transpose(double[,] x)
    {
        var t = new double[x.GetLength(1), x.GetLength(0)];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++) t[j, i] = x[i, j];
        return t;
    }
}
