using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Ntk;

/// <summary>
/// The quantities of Theorem 4.4 (docs/mathematics.md, Theorem 4.4) for one problem: Λ = λ_min(H(p0)), λ0 = √(Λ/n),
/// G = max(G1..G5), A1 = 2G(d+1) + 4G√(d+1), A2 = 16G√(d+1) + 4G, the loss and KL bounds and the
/// α-condition (4.1). The radius R of the theorem contains an unspecified polynomial, so (4.1) is
/// evaluated with R = √(d+1), the largest value R can take: the resulting α threshold is a NECESSARY
/// condition only (α below it certainly violates (4.1); α above it may or may not satisfy it).
/// </summary>
public sealed class TheoremBounds
{
    /// <summary>The quantities of Theorem 4.4 for <paramref name="problem"/>, with <paramref name="referenceGram"/> = H(p0).</summary>
    public TheoremBounds(Problem problem, GramMatrix referenceGram)
    {
        if (referenceGram.Size != problem.SampleCount)
            throw new ArgumentException($"H(p0) is {referenceGram.Size}×{referenceGram.Size}, the problem has n = {problem.SampleCount}");
        Problem = problem;
        Lambda = referenceGram.LambdaMin;
        int n = problem.SampleCount, d = problem.Dimension;
        Lambda0 = Lambda > 0 ? Math.Sqrt(Lambda / n) : 0;
        Constants = problem.Activation.Constants;
        double g = Constants.G, sq = Math.Sqrt(d + 1);
        A1 = 2 * g * (d + 1) + 4 * g * sq;
        A2 = 16 * g * sq + 4 * g;
        double alpha2 = problem.Alpha * problem.Alpha, l4 = Math.Pow(Lambda0, 4);
        // Each bound is +∞ where the theorem gives nothing (Λ ≤ 0, α = 0, unbounded σ); never NaN.
        LossFloor = Lambda0 > 0 && alpha2 > 0 ? 2 * A1 * A1 * problem.Lambda * problem.Lambda / (alpha2 * l4) : double.PositiveInfinity;
        KlBound = Lambda0 > 0 && alpha2 > 0 ? (4 * A2 * A2 + 4 * A1 * A1 * problem.Lambda) / (alpha2 * l4) : double.PositiveInfinity;
        AlphaNecessary = Lambda0 > 0 ? 8 * Math.Sqrt(A2 * A2 + problem.Lambda * A1 * A1) / (Lambda0 * Lambda0 * sq) : double.PositiveInfinity;

        var notes = new List<string>();
        if (!problem.Activation.IsBounded)
            notes.Add($"the activation '{problem.Activation.Name}' is unbounded: Assumption 4.2 fails, G = ∞ and the bounds are void");
        if (!(Lambda > 0))
            notes.Add("Λ = λ_min(H(p0)) ≤ 0 (to round-off): Assumption 4.3 fails, the bounds are void");
        if (!problem.Initial.IsStandard)
            notes.Add("the initial law is not p0 = N(0, I): the theorem assumes p_0 = p0");
        notes.AddRange(problem.Data.AssumptionWarnings());
        Notes = notes;
        VoidReason = !problem.Activation.IsBounded ? $"the activation '{problem.Activation.Name}' is unbounded (Assumption 4.2 fails)"
            : !(Lambda > 0) ? "λ_min(H(p0)) ≤ 0 (Assumption 4.3 fails)"
            : problem.Alpha == 0 ? "α = 0" : null;
    }

    /// <summary>Why the bounds are infinite (null when they are finite).</summary>
    public string? VoidReason { get; }

    /// <summary>The problem.</summary>
    public Problem Problem { get; }

    /// <summary>Λ = λ_min(H(p0)).</summary>
    public double Lambda { get; }

    /// <summary>λ0 = √(Λ/n) (0 when Λ ≤ 0).</summary>
    public double Lambda0 { get; }

    /// <summary>G1..G5 of the activation.</summary>
    public ActivationConstants Constants { get; }

    /// <summary>G = max(G1..G5).</summary>
    public double G => Constants.G;

    /// <summary>A1 = 2G(d + 1) + 4G√(d + 1).</summary>
    public double A1 { get; }

    /// <summary>A2 = 16G√(d + 1) + 4G.</summary>
    public double A2 { get; }

    /// <summary>2 A1² λ² α⁻² λ0⁻⁴, the level the loss bound decays to.</summary>
    public double LossFloor { get; }

    /// <summary>KL(p_t‖p0) ≤ 4 A2² α⁻² λ0⁻⁴ + 4 A1² λ α⁻² λ0⁻⁴ for all t.</summary>
    public double KlBound { get; }

    /// <summary>W2(p_t, p0) ≤ √(2 KlBound) by Talagrand's inequality for the standard Gaussian.</summary>
    public double W2Bound => Math.Sqrt(2 * KlBound);

    /// <summary>
    /// 8 √(A2² + λ A1²) λ0⁻² / √(d+1): the right side of (4.1) with R = √(d+1). Since the true R is at most
    /// √(d+1), (4.1) can hold only if α ≥ this value: a necessary condition, not a sufficient one.
    /// </summary>
    public double AlphaNecessary { get; }

    /// <summary>False when α is below the necessary threshold, so (4.1) certainly fails; true means "not excluded".</summary>
    public bool AlphaConditionNotExcluded => Problem.Alpha >= AlphaNecessary;

    /// <summary>Reasons the theorem does not apply as stated (empty when its assumptions hold).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>L(p_t) ≤ 2 exp(−2α²λ0² t) + 2 A1² λ² α⁻² λ0⁻⁴.</summary>
    public double LossBound(double t) =>
        2 * Math.Exp(-2 * Problem.Alpha * Problem.Alpha * Lambda0 * Lambda0 * t) + LossFloor;

    /// <summary>Compares measured values at one time with the theorem's statements.</summary>
    /// <param name="t">The time.</param>
    /// <param name="loss">L(p_t) measured.</param>
    /// <param name="kl">KL(p_t‖p0) measured.</param>
    /// <param name="lambdaMinH">λ_min(H(p_t)) for Lemma 5.1 (λ_min(H(p_t)) ≥ Λ/2), or null.</param>
    /// <param name="w2">W2(p_t, p0) from the metrics code for Talagrand's W2 ≤ √(2 KL), or null.</param>
    public TheoremCheck Check(double t, double loss, double kl, double? lambdaMinH = null, double? w2 = null)
    {
        double lb = LossBound(t);
        double? talagrand = w2 is null ? null : Math.Sqrt(2 * Math.Max(0, kl));
        return new TheoremCheck(t, loss, lb, loss <= lb, kl, KlBound, kl <= KlBound,
            lambdaMinH, lambdaMinH is null ? null : lambdaMinH >= Lambda / 2,
            w2, talagrand, w2 is null ? null : w2 <= talagrand);
    }

    /// <summary>Plain-text summary, stating that the α-condition uses R = √(d+1) and is only necessary.</summary>
    public string Summary()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"Theorem 4.4 (Chen, Cao, Gu, Zhang 2020) for activation {Problem.Activation.Name}, d = {Problem.Dimension}, n = {Problem.SampleCount}, α = {Problem.Alpha:G6}, λ = {Problem.Lambda:G6}");
        sb.AppendLine(c, $"  Λ = λ_min(H(p0)) = {Lambda:G6},  λ0 = √(Λ/n) = {Lambda0:G6}");
        sb.AppendLine(c, $"  G1..G5 = {Constants.G1:G6}, {Constants.G2:G6}, {Constants.G3:G6}, {Constants.G4:G6}, {Constants.G5:G6};  G = {G:G6}");
        sb.AppendLine(c, $"  A1 = {A1:G6},  A2 = {A2:G6}");
        sb.AppendLine(c, $"  loss bound: L(p_t) ≤ 2 exp(−2α²λ0² t) + {LossFloor:G6}   (rate 2α²λ0² = {2 * Problem.Alpha * Problem.Alpha * Lambda0 * Lambda0:G6})");
        sb.AppendLine(c, $"  KL bound:   KL(p_t‖p0) ≤ {KlBound:G6};  Talagrand: W2(p_t, p0) ≤ √(2 KL) ≤ {W2Bound:G6}");
        sb.AppendLine(c, $"  α-condition (4.1) evaluated with R = √(d+1) = {Math.Sqrt(Problem.Dimension + 1):G6}: α ≥ {AlphaNecessary:G6} is NECESSARY, not sufficient");
        sb.AppendLine(c, $"    (the theorem's R also contains an unspecified polynomial in G and log(1/λ0), so the true threshold is larger).");
        sb.AppendLine(AlphaConditionNotExcluded
            ? "    α meets this necessary threshold: (4.1) is not excluded, but cannot be confirmed."
            : "    α is below this necessary threshold: (4.1) fails and the theorem does not apply to this α.");
        foreach (var note in Notes) sb.AppendLine("  note: " + note);
        return sb.ToString();
    }
}

/// <summary>Measured values at one time next to the statements of Theorem 4.4, Lemma 5.1 and Talagrand's inequality.</summary>
public sealed record TheoremCheck(
    double Time,
    double Loss, double LossBound, bool LossWithinBound,
    double Kl, double KlBound, bool KlWithinBound,
    double? LambdaMinH, bool? Lemma51Holds,
    double? W2, double? TalagrandBound, bool? TalagrandHolds);
