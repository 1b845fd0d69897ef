namespace FokkerPlanckNtk.Model;

/// <summary>
/// The mean-field problem (3.4): activation σ, scaling α, regularization λ (weight decay and noise),
/// data set S and the initial law over z = (θ_1..θ_d, u).
/// </summary>
public sealed class Problem
{
    /// <summary>A problem; the initial law defaults to p0 = N(0, I).</summary>
    /// <param name="activation">σ.</param>
    /// <param name="alpha">α ≥ 0, the output scaling.</param>
    /// <param name="lambda">λ &gt; 0, weight decay and noise strength.</param>
    /// <param name="data">The data set S = {(x_i, y_i)}.</param>
    /// <param name="initial">The law of z at t = 0 (default p0).</param>
    /// <exception cref="InputException">α or λ out of range, or an initial law of the wrong dimension.</exception>
    public Problem(Activation activation, double alpha, double lambda, DataSet data, InitialLaw? initial = null)
    {
        Activation = activation;
        Alpha = InputException.RequireFinite("problem.alpha", alpha);
        if (alpha < 0) throw new InputException("problem.alpha", alpha, "must be >= 0");
        Lambda = InputException.RequirePositive("problem.lambda", lambda);
        Data = data;
        Initial = initial ?? InitialLaw.StandardGaussian(data.Dimension + 1);
        if (Initial.Dimension != data.Dimension + 1)
            throw new InputException("problem.initial.mean", $"{Initial.Dimension} entries",
                $"must have d + 1 = {data.Dimension + 1} entries (θ_1..θ_d, u) for data of dimension d = {data.Dimension}");
    }

    /// <summary>σ.</summary>
    public Activation Activation { get; }
    /// <summary>α.</summary>
    public double Alpha { get; }
    /// <summary>λ.</summary>
    public double Lambda { get; }
    /// <summary>The data set.</summary>
    public DataSet Data { get; }
    /// <summary>The law of z at t = 0.</summary>
    public InitialLaw Initial { get; }

    /// <summary>d, the input dimension (θ ∈ R^d).</summary>
    public int Dimension => Data.Dimension;

    /// <summary>n.</summary>
    public int SampleCount => Data.Count;

    /// <summary>The built-in default problem (docs/user-guide.md): tanh, α = 2, λ = 0.1, d = 1, n = 4, p0.</summary>
    public static Problem Default => new(Activation.Tanh, 2.0, 0.1, DataSet.Default);

    /// <summary>A copy with the given parts replaced.</summary>
    /// <summary>A copy with some parts replaced; p0 stays p0 when new data change the dimension.</summary>
    public Problem With(double? alpha = null, double? lambda = null, Activation? activation = null, InitialLaw? initial = null,
        DataSet? data = null) =>
        new(activation ?? Activation, alpha ?? Alpha, lambda ?? Lambda, data ?? Data,
            initial ?? (Initial.IsStandard && data is not null && data.Dimension != Dimension ? null : Initial));
}
