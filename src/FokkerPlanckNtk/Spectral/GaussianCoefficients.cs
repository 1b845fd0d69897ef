using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Spectral;

/// <summary>
/// The Hermite coefficients of a Gaussian law p = N(μ, Σ) relative to p0 = N(0, I): b_k = E_p[ψ_k(z)] are the
/// coefficients of q = p/p0 = Σ b_k ψ_k in L²(p0). From Stein's identity E_p[z_j g] = μ_j E_p[g] + Σ_l Σ_jl E_p[∂_l g]
/// and He_{k+e_j} = z_j He_k − k_j He_{k−e_j}, ∂_l He_k = k_l He_{k−e_l}:
/// √(k_j+1) b_{k+e_j} = μ_j b_k + Σ_l (Σ − I)_jl √k_l b_{k−e_l}, b_0 = 1. The series Σ b_k² = 1 + χ²(p‖p0)
/// converges iff 2I − Σ ≻ 0 (every eigenvalue of Σ below 2): only then is p/p0 in L²(p0).
/// </summary>
internal static class GaussianCoefficients
{
    /// <summary>Coefficients on the box of multi-indices k_j &lt; sizes[j] (row-major, axis order of the law).</summary>
    public static double[] Compute(GaussianLaw law, IReadOnlyList<int> sizes)
    {
        int dim = law.Dimension;
        var strides = new int[dim];
        int count = 1;
        for (int j = dim - 1; j >= 0; j--) { strides[j] = count; count *= sizes[j]; }
        var b = new double[count];
        b[0] = 1;
        var a = new double[dim, dim];
        for (int i = 0; i < dim; i++)
            for (int j = 0; j < dim; j++) a[i, j] = law.Covariance[i, j] - (i == j ? 1 : 0);
        var k = new int[dim];
        for (int idx = 1; idx < count; idx++)
        {
            int rest = idx;
            for (int j = 0; j < dim; j++) { k[j] = rest / strides[j]; rest %= strides[j]; }
            int axis = 0;
            while (k[axis] == 0) axis++;
            // b_k from k' = k − e_axis: √k_axis b_k = μ_axis b_{k'} + Σ_l A_axis,l √k'_l b_{k'−e_l}.
            int prev = idx - strides[axis];
            double s = law.Mean[axis] * b[prev];
            for (int l = 0; l < dim; l++)
            {
                int kl = l == axis ? k[l] - 1 : k[l];
                if (kl > 0 && a[axis, l] != 0) s += a[axis, l] * Math.Sqrt(kl) * b[prev - strides[l]];
            }
            b[idx] = s / Math.Sqrt(k[axis]);
        }
        return b;
    }

    /// <summary>1 + χ²(p‖p0) = ∫ p²/p0 = Σ_k b_k² in closed form; +∞ when p/p0 is not in L²(p0).</summary>
    public static double SquaredNorm(GaussianLaw law) => 1 + GaussianDistances.ChiSquared(law, GaussianLaw.Standard(law.Dimension));
}
