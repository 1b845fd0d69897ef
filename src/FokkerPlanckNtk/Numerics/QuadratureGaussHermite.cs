using System.Collections.Concurrent;
using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Numerics;

/// <summary>
/// Gauss–Hermite rules for the standard normal measure N(0, 1) (the "probabilists'" weight
/// e^{−x²/2}/√(2π)): an order-N rule integrates polynomials of degree ≤ 2N − 1 exactly and its weights sum to 1.
/// </summary>
public static class GaussHermite
{
    /// <summary>
    /// Largest supported order: the outermost node is ≈ √(4N), its weight ≈ e^{−x²/2} must stay a normal
    /// double and ψ_{N−1}(x)² ≈ 1/(N w) must not overflow (N = 256: x ≈ 32, w ≈ 1e-223).
    /// </summary>
    public const int MaxOrder = 256;

    private static readonly ConcurrentDictionary<int, QuadratureRule> Cache = new();

    /// <summary>The one-dimensional order-N rule for N(0, 1).</summary>
    public static QuadratureRule Normal(int order) => Cache.GetOrAdd(order, Build);

    /// <summary>The tensor rule of order N per axis for N(0, I_d).</summary>
    public static QuadratureRule Normal(int order, int dimension) =>
        dimension == 1 ? Normal(order) : QuadratureRule.Tensor(Normal(order), dimension);

    /// <summary>
    /// Golub–Welsch (eigenvalues of the Jacobi matrix, off-diagonal √k, by MathNet's symmetric EVD) for
    /// the nodes, then Newton on the orthonormal recurrence to polish each node, and the Christoffel
    /// weights w = 1/(N ψ_{N−1}(x)²) from the same recurrence: relative accuracy of every weight, even
    /// the tiny outer ones that the eigenvector formula only gets to absolute accuracy.
    /// </summary>
    private static QuadratureRule Build(int order)
    {
        if (order < 1 || order > MaxOrder)
            throw new ArgumentOutOfRangeException(nameof(order), order, $"Gauss–Hermite order must be in 1..{MaxOrder}");
        var jacobi = Matrix<double>.Build.Dense(order, order);
        for (int k = 1; k < order; k++) jacobi[k, k - 1] = jacobi[k - 1, k] = Math.Sqrt(k);
        var x = order == 1 ? [0.0] : jacobi.Evd(Symmetricity.Symmetric).EigenValues.Select(e => e.Real).Order().ToArray();
        var w = new double[order];
        for (int i = 0; i < order; i++)
        {
            for (int it = 0; it < 3; it++)
            {
                var (pN, pNm1) = Orthonormal(order, x[i]);
                x[i] -= pN / (Math.Sqrt(order) * pNm1); // ψ_N' = √N ψ_{N−1}
            }
            var (_, last) = Orthonormal(order, x[i]);
            w[i] = 1 / (order * last * last);
        }
        // Exact symmetry of the rule about 0 (the polished nodes agree to round-off).
        for (int i = 0; i < order / 2; i++)
        {
            int j = order - 1 - i;
            double xs = 0.5 * (x[j] - x[i]), ws = 0.5 * (w[i] + w[j]);
            x[i] = -xs; x[j] = xs; w[i] = w[j] = ws;
        }
        if (order % 2 == 1) x[order / 2] = 0;
        double total = w.Sum();
        for (int i = 0; i < order; i++) w[i] /= total; // removes the last ulp of drift from Σ w = 1
        return new QuadratureRule(x, w, 1);
    }

    /// <summary>ψ_N(x), ψ_{N−1}(x) of the orthonormal Hermite family: x ψ_k = √(k+1) ψ_{k+1} + √k ψ_{k−1}.</summary>
    private static (double PsiN, double PsiNm1) Orthonormal(int n, double x)
    {
        double prev = 0, cur = 1;
        for (int k = 0; k < n; k++)
        {
            double next = (x * cur - Math.Sqrt(k) * prev) / Math.Sqrt(k + 1);
            prev = cur;
            cur = next;
        }
        return (cur, prev);
    }
}
