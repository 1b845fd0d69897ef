namespace FokkerPlanckNtk.Model;

/// <summary>
/// The initial law of z = (θ_1..θ_d, u): the reference p0 = N(0, I) or a Gaussian N(mean, covariance).
/// </summary>
public sealed class InitialLaw
{
    private InitialLaw(double[] mean, double[,] covariance, bool isStandard)
    {
        Mean = mean;
        Covariance = covariance;
        IsStandard = isStandard;
    }

    /// <summary>The mean over (θ_1..θ_d, u).</summary>
    public double[] Mean { get; }
    /// <summary>The covariance over (θ_1..θ_d, u).</summary>
    public double[,] Covariance { get; }

    /// <summary>True for p0 = N(0, I): the discrete Gibbs state is used on grids.</summary>
    public bool IsStandard { get; }

    /// <summary>D = d + 1.</summary>
    public int Dimension => Mean.Length;

    /// <summary>p0 = N(0, I) in <paramref name="dimension"/> = d + 1 variables.</summary>
    public static InitialLaw StandardGaussian(int dimension)
    {
        var cov = new double[dimension, dimension];
        for (int k = 0; k < dimension; k++) cov[k, k] = 1;
        return new InitialLaw(new double[dimension], cov, true);
    }

    /// <summary>N(mean, covariance); the covariance must be symmetric positive definite.</summary>
    public static InitialLaw Gaussian(double[] mean, double[,] covariance, string key = "problem.initial")
    {
        int n = mean.Length;
        if (covariance.GetLength(0) != n || covariance.GetLength(1) != n)
            throw new InputException($"{key}.covariance", $"{covariance.GetLength(0)}x{covariance.GetLength(1)}",
                $"must be {n}x{n} to match {key}.mean");
        for (int i = 0; i < n; i++)
        {
            InputException.RequireFinite($"{key}.mean[{i}]", mean[i]);
            for (int j = 0; j < n; j++)
            {
                InputException.RequireFinite($"{key}.covariance[{i}][{j}]", covariance[i, j]);
                if (Math.Abs(covariance[i, j] - covariance[j, i]) > 1e-12 * (Math.Abs(covariance[i, j]) + Math.Abs(covariance[j, i])))
                    throw new InputException($"{key}.covariance[{i}][{j}]", covariance[i, j], "the covariance must be symmetric");
            }
        }
        try { _ = new Numerics.GaussianLaw(mean, covariance); }
        catch (ArgumentException)
        {
            throw new InputException($"{key}.covariance", "matrix", "must be symmetric positive definite");
        }
        return new InitialLaw((double[])mean.Clone(), (double[,])covariance.Clone(), false);
    }

    /// <summary>The law as a Gaussian (exact density, Cholesky factor for sampling).</summary>
    public Numerics.GaussianLaw ToGaussian() => new(Mean, Covariance);
}
