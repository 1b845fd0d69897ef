namespace FokkerPlanckNtk.Numerics;

/// <summary>
/// Dense symmetric n × n algebra for the rank-n residual systems of the PDE steppers (n = number of samples,
/// a few to a few hundred), in place on caller-owned row-major spans: nothing is allocated, so the steppers
/// can call these at every Newton iteration (Math.NET's factorizations allocate their results).
/// </summary>
public static class SmallSymmetric
{
    /// <summary>
    /// Cholesky factorization A = L Lᵀ in place (the lower triangle receives L; the upper triangle is left as
    /// it was). Returns false when A is not numerically positive definite.
    /// </summary>
    public static bool Factor(Span<double> a, int n)
    {
        for (int j = 0; j < n; j++)
        {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
            if (!(d > 0)) return false;
            double l = Math.Sqrt(d);
            a[j * n + j] = l;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                a[i * n + j] = s / l;
            }
        }
        return true;
    }

    /// <summary>Solves L Lᵀ x = b in place (x holds b on entry) with the factor from <see cref="Factor"/>.</summary>
    public static void Solve(ReadOnlySpan<double> l, int n, Span<double> x)
    {
        for (int i = 0; i < n; i++)
        {
            double s = x[i];
            for (int k = 0; k < i; k++) s -= l[i * n + k] * x[k];
            x[i] = s / l[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double s = x[i];
            for (int k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
            x[i] = s / l[i * n + i];
        }
    }

    /// <summary>y = A x for a full symmetric (both triangles stored) matrix.</summary>
    public static void Multiply(ReadOnlySpan<double> a, int n, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int k = 0; k < n; k++) s += a[i * n + k] * x[k];
            y[i] = s;
        }
    }

    /// <summary>
    /// The largest eigenvalue of a symmetric positive semi-definite matrix by power iteration (Rayleigh quotient,
    /// relative change below 1e-12 or 500 iterations): a lower bound that converges like (λ₂/λ₁)^(2k). Used where
    /// the value is reported, not where it decides stability. <paramref name="v"/>, <paramref name="w"/>: scratch of length n.
    /// </summary>
    public static double LargestEigenvalue(ReadOnlySpan<double> a, int n, Span<double> v, Span<double> w)
    {
        // A start with components along every eigenvector of interest (not orthogonal to the top one in practice).
        for (int i = 0; i < n; i++) v[i] = 1 + 1e-3 * i;
        double previous = 0;
        for (int it = 0; it < 500; it++)
        {
            double norm = 0;
            for (int i = 0; i < n; i++) norm += v[i] * v[i];
            norm = Math.Sqrt(norm);
            if (norm == 0) return 0;
            for (int i = 0; i < n; i++) v[i] /= norm;
            Multiply(a, n, v, w);
            double rq = 0;
            for (int i = 0; i < n; i++) rq += v[i] * w[i];
            if (Math.Abs(rq - previous) <= 1e-12 * Math.Abs(rq)) return rq;
            previous = rq;
            w[..n].CopyTo(v);
        }
        return previous;
    }
}
