using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Model;

/// <summary>When to reduce a problem to the span of its data (<c>problem.reduction.mode</c>).</summary>
public enum ReductionMode
{
    /// <summary>Reduce when the inputs span fewer than d dimensions; otherwise keep the coordinates (the problem unchanged).</summary>
    Auto,

    /// <summary>Always solve in the singular-vector basis of the span, also when k = d (a rotated grid).</summary>
    Always,

    /// <summary>Never reduce: the grid has d + 1 axes.</summary>
    Never,
}

/// <param name="Mode">When to reduce.</param>
/// <param name="Tolerance">Relative tolerance of the rank of the inputs and of the factorization test of the initial law.</param>
public sealed record ReductionOptions(ReductionMode Mode = ReductionMode.Auto, double Tolerance = DataSpan.DefaultTolerance)
{
    /// <summary>Reduce when possible, with the default tolerance.</summary>
    public static ReductionOptions Default { get; } = new();

    /// <summary>The mode names of the configuration, lower case.</summary>
    public static IReadOnlyList<string> ModeNames { get; } = Enum.GetNames<ReductionMode>().Select(n => n.ToLowerInvariant()).ToArray();

    /// <summary>The mode named <paramref name="name"/> (case-insensitive, one of <see cref="ModeNames"/>).</summary>
    /// <exception cref="InputException">Any other name.</exception>
    public static ReductionMode ParseMode(string? name, string key = "problem.reduction.mode")
    {
        foreach (var mode in Enum.GetValues<ReductionMode>())
            if (mode.ToString().Equals(name?.Trim(), StringComparison.OrdinalIgnoreCase)) return mode;
        throw new InputException(key, name, $"unknown mode; allowed: {string.Join(", ", ModeNames)}");
    }
}

/// <summary>
/// The exact reduction of (3.4) to the span S of the data (docs/mathematics.md, the model; docs/any-input-dimension.md): with θ = Bζ + θ_⊥, ζ ∈ R^k,
/// σ(θ·x_i) = σ(ζ·Bᵀx_i), so a factorized initial law q_0(ζ, u) ⊗ N(m_⊥, C_⊥) stays factorized,
/// p_t = q_t ⊗ N(m_⊥(t), C_⊥(t)), with q_t the solution of the same equation in k + 1 dimensions for the
/// data Bᵀx_i (<see cref="Reduced"/>) and the ⊥ factor in closed form (<see cref="Orthogonal"/>).
/// Every quantity of the full problem follows exactly: the residuals, loss and NTK Gram matrix are those of
/// q_t (x_i·x_j = Bᵀx_i·Bᵀx_j); KL and W2² against p0 = N(0, I) add the ⊥ factor's, 1 + χ² multiplies
/// (<see cref="FullDistances"/>); the stationary state is q* ⊗ N(0, I). Solvers take <see cref="Reduced"/>
/// unchanged; the particles run in the full R^{d+1} on <see cref="Full"/> as an independent check.
/// </summary>
public sealed class ReducedProblem
{
    /// <summary>The largest grid dimension (k + 1) of the finite-volume solver.</summary>
    public const int MaxGridDimension = 4;

    private readonly List<string> _warnings = [];

    /// <summary>The reduction of <paramref name="full"/> to the span of its inputs.</summary>
    public ReducedProblem(Problem full, ReductionOptions? options = null)
    {
        Options = options ?? ReductionOptions.Default;
        Full = full;
        int d = full.Dimension;
        _warnings.AddRange(full.Data.AssumptionWarnings());
        Span = ChooseSpan();
        Reduced = Span.IsCoordinateAxes ? full
            : new Problem(full.Activation, full.Alpha, full.Lambda, Span.Reduce(full.Data), ReducedInitialLaw());
        Orthogonal = new OrthogonalFactor(Span, full.Initial, full.Lambda, Options.Tolerance);

        if (Span.DataRank < Math.Min(full.SampleCount, d) && Span.DiscardedRelativeSingularValue > 0)
            _warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"the inputs span k = {Span.DataRank} dimensions only up to a relative singular value of {Span.DiscardedRelativeSingularValue:G3} (below problem.reduction.tolerance = {Options.Tolerance:G3}); they lie within {Span.MaxDistance:G3} of S, and the reduced problem is exact for the inputs projected onto S"));
    }

    /// <summary>The options used.</summary>
    public ReductionOptions Options { get; }

    /// <summary>The problem as given: θ ∈ R^d (the particles run on it).</summary>
    public Problem Full { get; }

    /// <summary>The problem in the coordinates ζ = Bᵀθ of S: data Bᵀx_i, initial law of (Bᵀθ, u). The same instance
    /// as <see cref="Full"/> when nothing is reduced (<see cref="IsIdentity"/>).</summary>
    public Problem Reduced { get; }

    /// <summary>S and its basis B.</summary>
    public DataSpan Span { get; }

    /// <summary>The law of θ_⊥ in closed form.</summary>
    public OrthogonalFactor Orthogonal { get; }

    /// <summary>True when S = R^d in its coordinate axes: <see cref="Reduced"/> is <see cref="Full"/>.</summary>
    public bool IsIdentity => Span.IsCoordinateAxes;

    /// <summary>k + 1, the dimension of the grid of the reduced PDE.</summary>
    public int GridDimension => Span.Dimension + 1;

    /// <summary>Assumption 4.1 violations of the full data and notes on the rank decision, for the log.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>
    /// Throws unless the reduced problem fits a grid of at most <paramref name="maxDimension"/> axes; the message
    /// names n, d, k and the grid dimension the problem would need.
    /// </summary>
    public void RequireGridDimension(int maxDimension = MaxGridDimension, string solver = "the finite-volume solver")
    {
        if (GridDimension <= maxDimension) return;
        int n = Full.SampleCount, d = Full.Dimension, k = Span.Dimension;
        var inv = CultureInfo.InvariantCulture;
        string why = Options.Mode == ReductionMode.Never
            ? string.Create(inv, $"problem.reduction.mode = never, so the grid would need d + 1 = {d + 1} axes (n = {n}, d = {d}; the inputs span k = {Span.DataRank} dimensions)")
            : string.Create(inv, $"they span k = {k} dimensions (n = {n}, d = {d}, k = {k} at relative tolerance {Options.Tolerance:G3}), so the reduced grid would need k + 1 = {k + 1} axes");
        throw new InputException("problem.data.x", $"{n} inputs in R^{d}",
            $"{why}; {solver} supports at most {maxDimension} (k ≤ {maxDimension - 1}). Use inputs of lower rank, or a larger problem.reduction.tolerance when they are of lower rank up to noise");
    }

    /// <summary>(θ, u) ↦ (Bᵀθ, u): a point of R^{d+1} in the coordinates of the reduced problem.</summary>
    public void Project(ReadOnlySpan<double> z, Span<double> reduced)
    {
        int d = Full.Dimension;
        Span.Project(z[..d], reduced);
        reduced[Span.Dimension] = z[d];
    }

    /// <summary>
    /// KL, χ² and W2² of p_t = q_t ⊗ (⊥ factor at t) against p0 = N(0, I_{d+1}), from those of q_t against
    /// p0 restricted to S ⊕ u (what a solver of <see cref="Reduced"/> measures).
    /// </summary>
    public FactorDistances FullDistances(FactorDistances reduced, double t) =>
        IsIdentity ? reduced : reduced.Times(Orthogonal.At(t).DistancesToStandard());

    /// <summary>
    /// A W2(p_t, p0) bracket of the full problem from a bracket [lower, upper] of W2(q_t, p0 on S ⊕ u): each end
    /// combined with the ⊥ factor's closed-form W2 (W2² adds over the factors).
    /// </summary>
    public (double Lower, double Upper) FullW2(double lower, double upper, double t)
    {
        if (IsIdentity) return (lower, upper);
        var perp = Orthogonal.At(t).DistancesToStandard();
        return (perp.CombineW2(lower), perp.CombineW2(upper));
    }

    /// <summary>
    /// The ⊥ part of the particles' distances to p0 after <paramref name="steps"/> Euler–Maruyama steps of size η: the
    /// closed form of the chain's exact θ_⊥ law (<see cref="OrthogonalFactor.EulerMaruyama"/>), which the particles'
    /// samples follow (checked by the θ_⊥ moment statistics).
    /// </summary>
    public FactorDistances ParticleOrthogonalDistances(double eta, long steps) =>
        IsIdentity ? FactorDistances.Zero : Orthogonal.EulerMaruyama(eta, steps).DistancesToStandard();

    /// <summary>Q(p_t) = L + λ KL(p_t‖p0) from the reduced free energy: adds λ·KL of the ⊥ factor.</summary>
    public double FullFreeEnergy(double reducedFreeEnergy, double t) =>
        IsIdentity ? reducedFreeEnergy : reducedFreeEnergy + Full.Lambda * Orthogonal.At(t).DistancesToStandard().Kl;

    /// <summary>
    /// The law of (Bᵀθ, u): mean (Bᵀm_θ, m_u), covariance [[BᵀC_θθB, BᵀC_θu], [C_uθB, C_uu]]; p0 stays p0.
    /// </summary>
    private InitialLaw ReducedInitialLaw()
    {
        var law = Full.Initial;
        int k = Span.Dimension, d = Full.Dimension, dim = k + 1;
        if (law.IsStandard) return InitialLaw.StandardGaussian(dim);
        var w = Directions(Span); // (k + 1) × (d + 1): rows b_a ⊕ 0 and e_u
        var mean = new double[dim];
        var cov = new double[dim, dim];
        for (int a = 0; a < dim; a++)
        {
            for (int i = 0; i <= d; i++) mean[a] += w[a, i] * law.Mean[i];
            for (int b = 0; b <= a; b++)
            {
                double s = 0;
                for (int i = 0; i <= d; i++)
                {
                    if (w[a, i] == 0) continue;
                    for (int j = 0; j <= d; j++) s += w[a, i] * law.Covariance[i, j] * w[b, j];
                }
                cov[a, b] = cov[b, a] = s;
            }
        }
        return InitialLaw.Gaussian(mean, cov);
    }

    /// <summary>The rows b_1 ⊕ 0, …, b_k ⊕ 0, e_u of R^{d+1}.</summary>
    private double[,] Directions(DataSpan span)
    {
        int k = span.Dimension, d = Full.Dimension;
        var w = new double[k + 1, d + 1];
        for (int a = 0; a < k; a++)
        {
            var b = span.BasisVector(a);
            for (int i = 0; i < d; i++) w[a, i] = b[i];
        }
        w[k, d] = 1;
        return w;
    }

    /// <summary>
    /// The span for the mode. <see cref="ReductionMode.Auto"/> keeps the coordinates when k = d, and also when the
    /// initial law couples S with S^⊥ while the unreduced grid fits (d + 1 ≤ 4, as before the reduction existed);
    /// otherwise a coupling is an error (<see cref="CouplingError"/>).
    /// </summary>
    private DataSpan ChooseSpan()
    {
        int d = Full.Dimension;
        if (Options.Mode == ReductionMode.Never) return DataSpan.CoordinateAxes(Full.Data, Options.Tolerance);
        var span = DataSpan.Of(Full.Data, Options.Tolerance);
        if (Options.Mode == ReductionMode.Auto && span.Dimension == d) return DataSpan.CoordinateAxes(Full.Data, Options.Tolerance);
        if (FindCoupling(span) is not { } coupling) return span;
        if (Options.Mode == ReductionMode.Auto && d + 1 <= MaxGridDimension)
        {
            _warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"not reduced to the span of the inputs (k = {span.Dimension}): the initial covariance couples it with its complement (entry [{coupling.Row}][{coupling.Column}] of the coupling block = {coupling.Value:G3}); solving on the full grid of dimension d + 1 = {d + 1}"));
            return DataSpan.CoordinateAxes(Full.Data, Options.Tolerance);
        }
        throw CouplingError(span, coupling);
    }

    private readonly record struct Coupling(int Row, int Column, double Value, double Threshold);

    /// <summary>
    /// The initial law must not couple S ⊕ u with S^⊥: the block P_⊥ C P_{S⊕u} of its covariance (in the given
    /// coordinates, P_⊥ = I − BBᵀ on θ) must vanish to tolerance·max|C|. Returns its largest entry when it does not.
    /// </summary>
    private Coupling? FindCoupling(DataSpan span)
    {
        var law = Full.Initial;
        if (law.IsStandard || span.IsCoordinateAxes) return null;
        int d = Full.Dimension, k = span.Dimension;
        var c = law.Covariance;
        double scale = 0;
        foreach (var v in c) scale = Math.Max(scale, Math.Abs(v));
        // K = P_⊥ C W with W the (d+1) × (k+1) matrix of the directions of S ⊕ u: the coupling in the basis of S ⊕ u.
        var w = Directions(span);
        var cw = new double[d, k + 1];
        for (int i = 0; i < d; i++)
            for (int a = 0; a <= k; a++)
            {
                double s = 0;
                for (int j = 0; j <= d; j++) s += c[i, j] * w[a, j];
                cw[i, a] = s;
            }
        var perp = span.ProjectOut(cw); // d × (k + 1)
        // Back to the given coordinates: entry [i][j] of P_⊥ C P_{S⊕u} = Σ_a K[i][a] W[a][j].
        double worst = 0;
        int wi = 0, wj = 0;
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= d; j++)
            {
                double s = 0;
                for (int a = 0; a <= k; a++) s += perp[i, a] * w[a, j];
                if (Math.Abs(s) > Math.Abs(worst)) { worst = s; wi = i; wj = j; }
            }
        return Math.Abs(worst) <= Options.Tolerance * scale ? null : new Coupling(wi, wj, worst, Options.Tolerance * scale);
    }

    private InputException CouplingError(DataSpan span, Coupling coupling)
    {
        int d = Full.Dimension, k = span.Dimension, wi = coupling.Row, wj = coupling.Column;
        var inv = CultureInfo.InvariantCulture;
        string axis(int j) => j == d ? "u" : $"θ_{j + 1}";
        string unreduced = d + 1 <= MaxGridDimension
            ? $"set problem.reduction.mode = never to solve it unreduced on a grid of dimension d + 1 = {d + 1}"
            : $"solving it unreduced would need a grid of dimension d + 1 = {d + 1} (the solver supports at most {MaxGridDimension}); use an initial law that factorizes over S";
        return new InputException($"problem.initial.covariance[{wi}][{wj}]", Full.Initial.Covariance[wi, wj], string.Create(inv,
            $"the initial law does not factorize over the span S of the inputs (k = {k} of d = {d} dimensions): its covariance couples S ⊕ u with the complement S^⊥, so the reduced PDE would not be exact. The largest entry of the coupling block P_⊥ Σ P_(S⊕u) is [{wi}][{wj}] ({axis(wi)}, {axis(wj)}) = {coupling.Value:G6}, above problem.reduction.tolerance × max|Σ| = {coupling.Threshold:G3}; {unreduced}"));
    }
}
