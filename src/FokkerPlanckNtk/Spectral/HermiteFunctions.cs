using System.Collections.Concurrent;
using FokkerPlanckNtk.Model;
using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Spectral;

/// <summary>
/// One-dimensional building blocks of the Hermite spectral method, all in the orthonormal basis of L²(N(0, 1)),
/// ψ_k = He_k/√(k!) (probabilists' Hermite polynomials), and evaluated through the Hermite functions
/// h_k = ψ_k φ^{1/2} (φ the standard normal density), which are bounded by (2π)^{−1/4} for every k and x:
/// x h_k = √(k+1) h_{k+1} + √k h_{k−1}, h_0 = φ^{1/2}. Working with h_k instead of ψ_k or the Gauss weights
/// separately keeps every table free of overflow and underflow for any order.
/// </summary>
public static class HermiteFunctions
{
    private static readonly ConcurrentDictionary<int, (double[] Nodes, double[] Scaled)> RuleCache = new();

    /// <summary>h_0..h_{count−1} at x (φ^{1/2}(x) = (2π)^{−1/4} e^{−x²/4}).</summary>
    public static void Values(double x, Span<double> h)
    {
        if (h.IsEmpty) return;
        h[0] = Math.Exp(-0.25 * x * x) * InverseFourthRootTwoPi;
        if (h.Length > 1) h[1] = x * h[0];
        for (int k = 1; k + 1 < h.Length; k++) h[k + 1] = (x * h[k] - Math.Sqrt(k) * h[k - 1]) / Math.Sqrt(k + 1);
    }

    /// <summary>(2π)^{−1/4}.</summary>
    public const double InverseFourthRootTwoPi = 0.63161877774606470;

    /// <summary>Row-major table of h_k(x_g): one row per point, <paramref name="count"/> columns.</summary>
    public static double[] Table(ReadOnlySpan<double> x, int count)
    {
        var t = new double[x.Length * count];
        for (int g = 0; g < x.Length; g++) Values(x[g], t.AsSpan(g * count, count));
        return t;
    }

    /// <summary>
    /// The Gauss–Hermite rule of order <paramref name="order"/> for N(0, 1) in scaled form: nodes x_q and the
    /// order × order table V[q, k] = √w_q ψ_k(x_q) = h_k(x_q)/(√N |h_{N−1}(x_q)|) (Christoffel weights
    /// w_q/φ(x_q) = 1/(N h_{N−1}(x_q)²)). Its columns are orthonormal: Σ_q V[q,k] V[q,l] = δ_kl for k + l ≤ 2N − 1,
    /// so the first K ≤ N columns map Hermite coefficients to scaled nodal values (√w g(x_q)) and back exactly
    /// for polynomials. Nodes by Golub–Welsch, polished by Newton on the Hermite-function recurrence; no order cap.
    /// </summary>
    public static (double[] Nodes, double[] Scaled) GaussRule(int order) => RuleCache.GetOrAdd(order, BuildRule);

    private static (double[] Nodes, double[] Scaled) BuildRule(int order)
    {
        if (order < 1) throw new ArgumentOutOfRangeException(nameof(order), order, "Gauss–Hermite order must be ≥ 1");
        var jacobi = Matrix<double>.Build.Dense(order, order);
        for (int k = 1; k < order; k++) jacobi[k, k - 1] = jacobi[k - 1, k] = Math.Sqrt(k);
        var x = order == 1 ? [0.0] : jacobi.Evd(Symmetricity.Symmetric).EigenValues.Select(e => e.Real).Order().ToArray();
        var h = new double[order + 1];
        for (int q = 0; q < order; q++)
            for (int it = 0; it < 3; it++)
            {
                Values(x[q], h);
                x[q] -= h[order] / (Math.Sqrt(order) * h[order - 1]); // ψ_N' = √N ψ_{N−1}; the φ^{1/2} factors cancel
            }
        for (int q = 0; q < order / 2; q++)
        {
            double s = 0.5 * (x[order - 1 - q] - x[q]);
            x[q] = -s;
            x[order - 1 - q] = s;
        }
        if (order % 2 == 1) x[order / 2] = 0;
        var scaled = new double[order * order];
        for (int q = 0; q < order; q++)
        {
            var row = scaled.AsSpan(q * order, order);
            Values(x[q], row);
            double norm = 1 / (Math.Sqrt(order) * Math.Abs(row[order - 1]));
            for (int k = 0; k < order; k++) row[k] *= norm;
        }
        return (x, scaled);
    }

    /// <summary>
    /// ∫_a^b φ ψ_k dx for k &lt; count (cell integrals of the basis against the Gaussian weight, exact):
    /// k = 0 gives Φ(b) − Φ(a); for k ≥ 1, (φ He_{k−1})' = −φ He_k gives −[φ ψ_{k−1}]_a^b/√k, with φψ_{k−1} = φ^{1/2} h_{k−1}.
    /// </summary>
    public static void CellIntegrals(double a, double b, Span<double> result)
    {
        int count = result.Length;
        if (count == 0) return;
        Span<double> ha = count <= 512 ? stackalloc double[count] : new double[count];
        Span<double> hb = count <= 512 ? stackalloc double[count] : new double[count];
        Values(a, ha);
        Values(b, hb);
        double ra = Math.Exp(-0.25 * a * a) * InverseFourthRootTwoPi, rb = Math.Exp(-0.25 * b * b) * InverseFourthRootTwoPi;
        result[0] = NormalProbability(a, b);
        for (int k = 1; k < count; k++) result[k] = -(rb * hb[k - 1] - ra * ha[k - 1]) / Math.Sqrt(k);
    }

    /// <summary>Φ(b) − Φ(a) without cancellation in either tail.</summary>
    public static double NormalProbability(double a, double b)
    {
        const double r = 0.70710678118654752;
        if (a >= 0) return 0.5 * (MathNet.Numerics.SpecialFunctions.Erfc(a * r) - MathNet.Numerics.SpecialFunctions.Erfc(b * r));
        if (b <= 0) return 0.5 * (MathNet.Numerics.SpecialFunctions.Erfc(-b * r) - MathNet.Numerics.SpecialFunctions.Erfc(-a * r));
        return 1 - 0.5 * (MathNet.Numerics.SpecialFunctions.Erfc(-a * r) + MathNet.Numerics.SpecialFunctions.Erfc(b * r));
    }

    /// <summary>
    /// γ_m = E_{s∼N(0,1)}[σ(ρ s) ψ_m(s)] for m &lt; count: the Hermite coefficients of the ridge profile of
    /// σ(θ·x) with ρ = |x|. By the truncated trapezoid rule in s on ∫ σ(ρs) h_m(s) φ^{1/2}(s) ds: for σ analytic
    /// in the strip |Im s| &lt; τ/ρ (tanh: τ = π/2) its error is e^{−2πτ/(ρΔ)} times the growth of h_m in the
    /// strip, e^{τ√(2m+1)/ρ}: with Δ = 0.02 far below round-off for m ≤ 10⁴; the cutoff √(4m+2) + 14 leaves
    /// φ^{1/2}h_m below 1e-20. Absolute accuracy ~1e-16 (the terms are O(1)).
    /// </summary>
    public static double[] RidgeCoefficients(Activation activation, double rho, int count)
    {
        var gamma = new double[count];
        if (count == 0) return gamma;
        if (rho == 0)
        {
            gamma[0] = activation.Value(0);
            return gamma;
        }
        const double step = 0.02;
        double cutoff = Math.Sqrt(4.0 * count + 2) + 14;
        int half = (int)Math.Ceiling(cutoff / step);
        var h = new double[count];
        var s = new double[2 * half + 1];
        for (int j = -half; j <= half; j++) s[j + half] = j * step * rho;
        var sigma = new double[s.Length];
        activation.Value(s, sigma);
        // Sum the symmetric pairs from the outside in (smallest terms first).
        for (int j = half; j >= -half; j--)
        {
            double x = j * step;
            Values(x, h);
            double w = step * sigma[j + half] * Math.Exp(-0.25 * x * x) * InverseFourthRootTwoPi;
            for (int m = 0; m < count; m++) gamma[m] += w * h[m];
        }
        return gamma;
    }
}
