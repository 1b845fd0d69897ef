using FokkerPlanckNtk.Model;
using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Stationary;

/// <summary>
/// The stationary state for the linear activation σ(s) = s in closed form, up to one scalar equation.
/// <para>
/// With a = Σ_i r_i x_i ∈ R^d and β = 2α/(nλ), c̃(θ) = β θ·a, so p* ∝ exp(−|θ|²/2 − u²/2 − β u θ·a) is the
/// centred Gaussian with precision [[I, βa], [βaᵀ, 1]] (the steady state of the moment ODE of docs/mathematics.md
/// under the linear activation), π = N(0, (I − β² a aᵀ)⁻¹) and E_π[c̃ σ(θ·x_j)] = β (a·x_j)/(1 − κ), κ = β²|a|². Self-consistency
/// r = −γ X a − y with γ = αβ/(1 − κ) gives a = −(I + γ XᵀX)⁻¹ Xᵀy, and γ solves the scalar equation
/// </para>
/// <para>    φ(γ) = β² |(I + γ XᵀX)⁻¹ Xᵀy|² − (1 − αβ/γ) = 0,   γ ∈ (αβ, ∞).</para>
/// <para>
/// φ decreases strictly from φ(αβ) = β²|(I + αβXᵀX)⁻¹Xᵀy|² &gt; 0 to −1, so the root is unique and κ = 1 − αβ/γ &lt; 1:
/// for the square loss a normalizable stationary state exists for every α, λ (Q ≥ 0 is bounded below).
/// Only Newton iterates can leave the normalizable set β|a| &lt; 1, which the solver detects.
/// KL(p*‖p0) = κ/(1 − κ) + ½ log(1 − κ).
/// </para>
/// </summary>
public sealed class LinearStationaryState
{
    /// <summary>The closed-form stationary state of <paramref name="problem"/>, which must use the linear activation.</summary>
    /// <exception cref="InputException">Another activation.</exception>
    public LinearStationaryState(Problem problem)
    {
        if (!ReferenceEquals(problem.Activation, Activation.Linear))
            throw new InputException("problem.activation", problem.Activation.Name, "the closed-form stationary state is for the linear activation");
        int n = problem.SampleCount, d = problem.Dimension;
        var x = Matrix<double>.Build.Dense(n, d, (i, k) => problem.Data.X(i)[k]);
        var y = Vector<double>.Build.DenseOfArray(problem.Data.Y.ToArray());
        var gram = x.TransposeThisAndMultiply(x);
        var b = x.TransposeThisAndMultiply(y);
        double beta = 2 * problem.Alpha / (n * problem.Lambda), ab = problem.Alpha * beta;
        var identity = Matrix<double>.Build.DenseIdentity(d);
        Vector<double> A(double g) => -(identity + g * gram).Solve(b);

        double gamma = ab;
        if (ab > 0 && b.L2Norm() > 0)
        {
            double Phi(double g) { var a = A(g); return beta * beta * a.DotProduct(a) - (1 - ab / g); }
            double lo = ab, hi = 2 * ab;
            while (Phi(hi) > 0) { lo = hi; hi *= 2; }
            // Bisection to adjacent doubles: φ is monotone, so this is the root to the last bit.
            for (int it = 0; it < 2000; it++)
            {
                double mid = 0.5 * (lo + hi);
                if (mid <= lo || mid >= hi) break;
                if (Phi(mid) > 0) lo = mid; else hi = mid;
            }
            gamma = 0.5 * (lo + hi);
        }
        var aVec = ab > 0 ? A(gamma) : Vector<double>.Build.Dense(d);
        Gamma = gamma;
        WeightedInputs = aVec.ToArray();
        Kappa = beta * beta * aVec.DotProduct(aVec);
        var r = -(gamma * (x * aVec)) - y;
        Residuals = r.ToArray();
        Loss = r.DotProduct(r) / n;
        KlP0 = Kappa / (1 - Kappa) + 0.5 * Math.Log(1 - Kappa);
        FreeEnergy = Loss + problem.Lambda * KlP0;
        var precision = Matrix<double>.Build.DenseIdentity(d + 1);
        for (int k = 0; k < d; k++) precision[k, d] = precision[d, k] = beta * aVec[k];
        Covariance = precision.Inverse().ToArray();
    }

    /// <summary>The root γ = αβ/(1 − κ) of the scalar equation.</summary>
    public double Gamma { get; }

    /// <summary>a = Σ_i r*_i x_i.</summary>
    public IReadOnlyList<double> WeightedInputs { get; }

    /// <summary>κ = β²|a|² &lt; 1.</summary>
    public double Kappa { get; }

    /// <summary>r_i = f(p*, x_i) − y_i.</summary>
    public IReadOnlyList<double> Residuals { get; }
    /// <summary>L(p*) = (1/n) Σ r_i².</summary>
    public double Loss { get; }
    /// <summary>KL(p*‖p0).</summary>
    public double KlP0 { get; }
    /// <summary>Q(p*) = L(p*) + λ KL(p*‖p0).</summary>
    public double FreeEnergy { get; }

    /// <summary>The covariance of p* = N(0, Σ*) over (θ, u): Σ* = [[I, βa], [βaᵀ, 1]]⁻¹.</summary>
    public double[,] Covariance { get; }
}
