using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Numerics;

/// <summary>N(mean, covariance) in R^k with its Cholesky factor cached; the exact solutions and tests use it.</summary>
public sealed class GaussianLaw
{
    private readonly Matrix<double> _chol; // lower triangular L, covariance = L Lᵀ
    private readonly double _logNorm;

    /// <summary>N(mean, covariance); the covariance must be symmetric positive definite.</summary>
    /// <exception cref="ArgumentException">The covariance is not symmetric positive definite.</exception>
    public GaussianLaw(double[] mean, double[,] covariance)
    {
        Mean = (double[])mean.Clone();
        Covariance = (double[,])covariance.Clone();
        var c = Matrix<double>.Build.DenseOfArray(covariance);
        _chol = c.Cholesky().Factor; // throws ArgumentException unless symmetric positive definite
        double logDet = 0;
        for (int i = 0; i < mean.Length; i++) logDet += 2 * Math.Log(_chol[i, i]);
        _logNorm = -0.5 * (mean.Length * Math.Log(2 * Math.PI) + logDet);
        LogDeterminant = logDet;
    }

    /// <summary>μ.</summary>
    public double[] Mean { get; }
    /// <summary>Σ.</summary>
    public double[,] Covariance { get; }
    /// <summary>k.</summary>
    public int Dimension => Mean.Length;
    /// <summary>log det Σ.</summary>
    public double LogDeterminant { get; }

    /// <summary>N(0, I_k).</summary>
    public static GaussianLaw Standard(int k)
    {
        var c = new double[k, k];
        for (int i = 0; i < k; i++) c[i, i] = 1;
        return new GaussianLaw(new double[k], c);
    }

    /// <summary>log of the density at z.</summary>
    public double LogDensity(ReadOnlySpan<double> z)
    {
        // Solve L v = z − mean by forward substitution; quadratic form = |v|².
        int k = Mean.Length;
        Span<double> v = stackalloc double[k];
        double q = 0;
        for (int i = 0; i < k; i++)
        {
            double s = z[i] - Mean[i];
            for (int j = 0; j < i; j++) s -= _chol[i, j] * v[j];
            v[i] = s / _chol[i, i];
            q += v[i] * v[i];
        }
        return _logNorm - 0.5 * q;
    }

    /// <summary>The density at z.</summary>
    public double Density(ReadOnlySpan<double> z) => Math.Exp(LogDensity(z));

    /// <summary>Lower Cholesky factor L (covariance = L Lᵀ), for sampling.</summary>
    public double[,] CholeskyFactor => _chol.ToArray();
}
