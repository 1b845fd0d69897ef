using FokkerPlanckNtk.Model;
using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Tests.Model;

/// <summary>
/// Problems whose inputs span a known k-dimensional subspace of R^d: a fixed pseudo-random rotation Q of R^d
/// (the Q of the QR decomposition of a seeded Gaussian matrix), inputs Σ_a c_ia q_a in its first k columns,
/// and initial laws built to factorize over S = span{q_1..q_k} (or, on purpose, not to).
/// </summary>
internal static class SpanProblems
{
    /// <summary>A d × d orthogonal matrix, the same for the same (d, seed).</summary>
    public static Matrix<double> Rotation(int d, int seed)
    {
        var rng = new Random(seed);
        var g = Matrix<double>.Build.Dense(d, d, (_, _) => Normal(rng));
        return g.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Full).Q;
    }

    /// <summary>Inputs x_i = Σ_a c_ia q_a (a &lt; k = the length of each coefficient row).</summary>
    public static DataSet Data(Matrix<double> q, double[][] coefficients, double[] y)
    {
        int d = q.RowCount;
        var rows = coefficients.Select(c =>
        {
            var x = new double[d];
            for (int a = 0; a < c.Length; a++)
                for (int i = 0; i < d; i++) x[i] += c[a] * q[i, a];
            return (IReadOnlyList<double>)x;
        }).ToArray();
        return new DataSet(rows, y);
    }

    /// <summary>
    /// N(m, C) over (θ, u) with m = W_S m_S + W_⊥ m_⊥, C = W_S C_S W_Sᵀ + W_⊥ C_⊥ W_⊥ᵀ, where W_S has the columns
    /// q_1 ⊕ 0 … q_k ⊕ 0, e_u and W_⊥ the columns q_{k+1} ⊕ 0 … q_d ⊕ 0: a law that factorizes over S exactly
    /// (up to the round-off of these products). <paramref name="coupling"/> adds c·(w_⊥1 w_S1ᵀ + w_S1 w_⊥1ᵀ).
    /// </summary>
    public static InitialLaw Factorized(Matrix<double> q, int k, double[] meanS, double[,] covS, double[] meanPerp, double[,] covPerp,
        double coupling = 0)
    {
        int d = q.RowCount, dim = d + 1;
        var ws = Matrix<double>.Build.Dense(dim, k + 1);
        for (int a = 0; a < k; a++)
            for (int i = 0; i < d; i++) ws[i, a] = q[i, a];
        ws[d, k] = 1;
        var wp = Matrix<double>.Build.Dense(dim, d - k);
        for (int a = 0; a < d - k; a++)
            for (int i = 0; i < d; i++) wp[i, a] = q[i, k + a];
        var mean = ws * Vector<double>.Build.DenseOfArray(meanS) + wp * Vector<double>.Build.DenseOfArray(meanPerp);
        var cov = ws * Matrix<double>.Build.DenseOfArray(covS) * ws.Transpose() + wp * Matrix<double>.Build.DenseOfArray(covPerp) * wp.Transpose();
        if (coupling != 0)
        {
            var outer = wp.Column(0).OuterProduct(ws.Column(0));
            cov += coupling * (outer + outer.Transpose());
        }
        var c = new double[dim, dim];
        for (int i = 0; i < dim; i++)
            for (int j = 0; j <= i; j++) c[i, j] = c[j, i] = 0.5 * (cov[i, j] + cov[j, i]);
        return InitialLaw.Gaussian(mean.ToArray(), c);
    }

    /// <summary>A symmetric positive definite p × p matrix with the given diagonal and a correlation ρ between neighbours.</summary>
    public static double[,] Correlated(double[] diagonal, double rho)
    {
        int p = diagonal.Length;
        var c = new double[p, p];
        for (int i = 0; i < p; i++)
        {
            c[i, i] = diagonal[i];
            if (i + 1 < p) c[i, i + 1] = c[i + 1, i] = rho * Math.Sqrt(diagonal[i] * diagonal[i + 1]);
        }
        return c;
    }

    /// <summary>The q-part of the grid-convergence study's d = 2 case: a shifted, anisotropic, correlated Gaussian.</summary>
    public static readonly double[] MeanS2 = [0.5, -0.4, 0.5];
    public static readonly double[,] CovS2 = { { 1.0, 0.2, 0.1 }, { 0.2, 0.8, -0.15 }, { 0.1, -0.15, 1.1 } };

    /// <summary>A non-standard ⊥ part in p dimensions: variances 0.5..1.6, neighbour correlation 0.3, a shifted mean.</summary>
    public static (double[] Mean, double[,] Covariance) PerpPart(int p) =>
        (Enumerable.Range(0, p).Select(j => 0.4 * Math.Cos(1.3 * j + 0.2)).ToArray(),
         Correlated(Enumerable.Range(0, p).Select(j => 0.5 + 1.1 * j / Math.Max(1, p - 1)).ToArray(), 0.3));

    private static double Normal(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
