using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Ntk;

/// <summary>The linearized (NTK) prediction at a time, and the Theorem 4.4 loss bound where the theorem applies (else null).</summary>
public sealed record NtkRecord(double Time, double Loss, double[] Residuals, double? LossBound);

/// <summary>
/// The linearized prediction r(t) = exp(−(2α²/n) H(p_init) t) r(0) of a problem with its Theorem 4.4 bounds, as
/// a function of time (a closed form: nothing to step or checkpoint).
/// </summary>
public sealed class NtkPrediction
{
    /// <summary>The prediction of <paramref name="problem"/>, reduced to the span of its inputs with the default options.</summary>
    public NtkPrediction(Problem problem) : this(new ReducedProblem(problem)) { }

    /// <summary>
    /// H(p) sees θ only through θ·x_i and x_i·x_j, which the reduction keeps, and H(q_0 ⊗ N(m_⊥, C_⊥)) = H(q_0): the
    /// Gram matrix and the prediction of the reduced problem (quadrature in k dimensions) are the full problem's. The
    /// Theorem 4.4 constants take the full d.
    /// </summary>
    public NtkPrediction(ReducedProblem reduction)
    {
        var problem = reduction.Reduced;
        Prediction = LinearizedPrediction.ForProblem(problem);
        // Theorem 4.4 is stated for p0 (H(p_init) is then H(p0)); the constants need the reference Gram matrix.
        Bounds = new TheoremBounds(reduction.Full, problem.Initial.IsStandard ? Prediction.Kernel : GramMatrix.AtReference(problem));
        Applies = reduction.Full.Initial.IsStandard && problem.Activation.IsBounded && Bounds.Lambda0 > 0;
    }

    /// <summary>The linearized residual dynamics.</summary>
    public LinearizedPrediction Prediction { get; }

    /// <summary>The Theorem 4.4 constants and bounds (computed for every problem; meaningful where <see cref="Applies"/>).</summary>
    public TheoremBounds Bounds { get; }

    /// <summary>Whether Theorem 4.4 applies: the standard law p0, a bounded activation and λ_min(H(p0)) &gt; 0.</summary>
    public bool Applies { get; }

    /// <summary>The record at time <paramref name="t"/>.</summary>
    public NtkRecord At(double t) => new(t, Prediction.Loss(t), Prediction.Residuals(t), Applies ? Bounds.LossBound(t) : null);
}
