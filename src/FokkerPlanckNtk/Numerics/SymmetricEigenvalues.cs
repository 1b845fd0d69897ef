namespace FokkerPlanckNtk.Numerics;

/// <summary>
/// The largest eigenvalue of a small symmetric matrix without allocating (the PDE step needs λ_max of the
/// n × n Gram matrix at every step): Householder reduction to tridiagonal form in place, then bisection on
/// the Sturm sequence of the tridiagonal matrix. Both are backward stable, so the result is within a few
/// n·ε·‖A‖ of the exact eigenvalue; the bisection stops at relative width 4ε.
/// </summary>
public static class SymmetricEigenvalues
{
    /// <summary>
    /// λ_max of the symmetric n × n matrix <paramref name="a"/> (row-major; overwritten). <paramref name="scratch"/>
    /// holds at least 3n values.
    /// </summary>
    public static double Largest(Span<double> a, int n, Span<double> scratch)
    {
        if (n < 1 || a.Length < n * n) throw new ArgumentException($"a needs {n}×{n} values", nameof(a));
        if (scratch.Length < 3 * n) throw new ArgumentException($"scratch needs {3 * n} values", nameof(scratch));
        var d = scratch[..n];
        var e = scratch.Slice(n, n); // e[i] couples i and i + 1
        var p = scratch.Slice(2 * n, n);
        Tridiagonalize(a, n, p);
        for (int i = 0; i < n; i++)
        {
            d[i] = a[i * n + i];
            e[i] = i + 1 < n ? a[(i + 1) * n + i] : 0;
        }
        // Gershgorin interval of the tridiagonal matrix.
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            double r = Math.Abs(e[i]) + (i > 0 ? Math.Abs(e[i - 1]) : 0);
            lo = Math.Min(lo, d[i] - r);
            hi = Math.Max(hi, d[i] + r);
        }
        if (!double.IsFinite(lo) || !double.IsFinite(hi)) return double.NaN;
        // The largest eigenvalue is the smallest x with all n eigenvalues below it.
        for (int iteration = 0; iteration < 200 && hi - lo > 4 * double.Epsilon + 4e-16 * Math.Max(Math.Abs(lo), Math.Abs(hi)); iteration++)
        {
            double mid = 0.5 * (lo + hi);
            if (CountBelow(d, e, n, mid) == n) hi = mid; else lo = mid;
        }
        return hi;
    }

    /// <summary>Number of eigenvalues of the tridiagonal matrix (d, e) below x (Sturm sequence of the LDLᵀ pivots).</summary>
    private static int CountBelow(ReadOnlySpan<double> d, ReadOnlySpan<double> e, int n, double x)
    {
        int count = 0;
        double q = 1;
        for (int i = 0; i < n; i++)
        {
            double e2 = i > 0 ? e[i - 1] * e[i - 1] : 0;
            q = d[i] - x - (i > 0 ? e2 / q : 0);
            if (q == 0) q = -1e-300 * (Math.Abs(d[i]) + Math.Abs(x) + 1e-300); // a zero pivot counts as negative
            if (q < 0) count++;
        }
        return count;
    }

    /// <summary>A ← QᵀAQ tridiagonal (Householder reflections on the columns below the diagonal); p is scratch of length n.</summary>
    private static void Tridiagonalize(Span<double> a, int n, Span<double> p)
    {
        for (int k = 0; k + 2 < n; k++)
        {
            // x = a[k+1.., k]; v = x − α e_1 with α = −sign(x_0)‖x‖, stored in place of x.
            double norm = 0;
            for (int i = k + 1; i < n; i++) norm += a[i * n + k] * a[i * n + k];
            norm = Math.Sqrt(norm);
            if (norm == 0) continue;
            double x0 = a[(k + 1) * n + k];
            double alpha = x0 > 0 ? -norm : norm;
            double vv = 2 * norm * (norm + Math.Abs(x0)); // vᵀv
            a[(k + 1) * n + k] = x0 - alpha;
            // p = A v · 2/vᵀv on the trailing block, then w = p − (vᵀp/vᵀv) v, A ← A − v wᵀ − w vᵀ.
            double vp = 0;
            for (int i = k + 1; i < n; i++)
            {
                double s = 0;
                for (int j = k + 1; j < n; j++) s += a[i * n + j] * a[j * n + k];
                p[i] = 2 * s / vv;
                vp += a[i * n + k] * p[i];
            }
            double kk = vp / vv;
            for (int i = k + 1; i < n; i++) p[i] -= kk * a[i * n + k];
            for (int i = k + 1; i < n; i++)
                for (int j = k + 1; j < n; j++)
                    a[i * n + j] -= a[i * n + k] * p[j] + p[i] * a[j * n + k];
            a[(k + 1) * n + k] = alpha;
            a[k * n + k + 1] = alpha;
            for (int i = k + 2; i < n; i++) { a[i * n + k] = 0; a[k * n + i] = 0; }
        }
    }
}
