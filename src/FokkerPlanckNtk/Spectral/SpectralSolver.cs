using System.Numerics.Tensors;

namespace FokkerPlanckNtk.Spectral;

/// <param name="Tolerance">
/// time.tolerance: the local error tolerance per step. A step is accepted when the embedded estimate of its
/// local error, measured as ‖δ(p/p0)‖ in L²(p0) (the Euclidean norm of the orthonormal Hermite coefficients,
/// which bounds the L1 norm of δp), is at most this.
/// </param>
/// <param name="MaxStep">Upper limit of the step.</param>
public sealed record SpectralSolverOptions(double Tolerance = SpectralSolverOptions.DefaultTolerance, double MaxStep = double.PositiveInfinity)
{
    /// <summary>The default local error tolerance τ per step (<c>time.tolerance</c> absent).</summary>
    public const double DefaultTolerance = 1e-8;

    internal void Validate()
    {
        if (!(Tolerance > 0) || !double.IsFinite(Tolerance))
            throw new InputException("time.tolerance", Tolerance, "must be a finite positive number (the local error tolerance per step)");
        if (!(MaxStep > 0)) throw new InputException("time.maxStep", MaxStep, "must be positive");
    }
}

/// <summary>
/// Time integration of the Hermite–Galerkin system b' = F(b) = D b + Σ_i r_i(b) U_i(b) (<see cref="SpectralModel"/>)
/// by the Rosenbrock–W method ROS34PW2 of Rang &amp; Angermann (2005): 4 stages, order 3 for any W (a W-method),
/// embedded order 2, L-stable, stiffly accurate. W = D + U Vᵀ is the exact stiff part of the Jacobian at the step
/// start: the diagonal Ornstein–Uhlenbeck operator D and the rank-n residual feedback U Vᵀ
/// (v_iᵀ b = α s_i·b_{·,1}, of rate (2α²/n)λ_max(H)); the transport by the current coupling c(θ) is left out (it is
/// non-stiff once the feedback has damped the residuals). Each stage solve (I − hγW) k = g is diagonal plus
/// rank n, so by Woodbury it costs one diagonal scaling and an n×n solve: the step is set by the tolerance, not
/// by the stiffness. Fixed points of F are fixed points of the scheme (all stages vanish), so a long run
/// reaches the semi-discrete stationary state exactly. Steps land exactly on requested times; the proposed step
/// survives a landing. Everything is deterministic: a restored state continues bit-identically.
/// </summary>
public sealed class SpectralSolver : Numerics.LandingStepper
{
    /// <summary>The name of its time stepper (in manifests and reports).</summary>
    public const string StepperName = "ros34pw2";

    // ROS34PW2 in the form (I − hγW) k_i = h F(b + Σ_{j<i} α_ij k_j) + h W Σ_{j<i} γ_ij k_j, b' = b + Σ m_i k_i.
    private const double Gamma = 0.435866521508459;
    private static readonly double[][] StageA =
    [
        [],
        [0.87173304301691801],
        [0.84457060015369423, -0.11299064236484185],
        [0, 0, 1],
    ];
    private static readonly double[][] StageG =
    [
        [],
        [-0.87173304301691801],
        [-0.90338057013044082, 0.054180672388095326],
        [0.24212380706095346, -1.2232505839045147, 0.54526025533510214],
    ];
    private static readonly double[] Weights = [0.24212380706095346, -1.2232505839045147, 1.5452602553351020, 0.435866521508459];
    private static readonly double[] Embedded = [0.37810903145819369, -0.096042292212423178, 0.5, 0.2179332607542295];
    private const int EmbeddedOrder = 2;

    private readonly SpectralModel _model;
    private readonly SpectralSolverOptions _options;
    private readonly int _count, _n;
    private double[] _b, _next;
    private readonly double[][] _k;
    private readonly double[] _stage, _f, _sum, _rhs, _error;
    private readonly double[][] _u, _z;      // Jacobian columns U_i and M⁻¹U_i
    private readonly double[] _inverseDiagonal;
    private readonly double[] _r;
    private readonly double[] _small;        // n × n Woodbury matrix, LU in place
    private readonly int[] _pivots;
    private double _proposed;

    /// <summary>A solver of <paramref name="model"/> from <paramref name="initialCoefficients"/> (null: those of the initial law).</summary>
    public SpectralSolver(SpectralModel model, SpectralSolverOptions? options = null, double[]? initialCoefficients = null)
    {
        _model = model;
        _options = options ?? new SpectralSolverOptions();
        _options.Validate();
        _count = model.Count;
        _n = model.Problem.SampleCount;
        _b = initialCoefficients ?? model.InitialCoefficients();
        if (_b.Length != _count)
            throw new InputException("initialCoefficients", $"{_b.Length} values", $"must have one value per basis function ({_count})");
        _next = new double[_count];
        _k = Enumerable.Range(0, 4).Select(_ => new double[_count]).ToArray();
        _stage = new double[_count];
        _f = new double[_count];
        _sum = new double[_count];
        _rhs = new double[_count];
        _error = new double[_count];
        _u = Enumerable.Range(0, _n).Select(_ => new double[_count]).ToArray();
        _z = Enumerable.Range(0, _n).Select(_ => new double[_count]).ToArray();
        _inverseDiagonal = new double[_count];
        _r = new double[_n];
        _small = new double[_n * _n];
        _pivots = new int[_n];
    }

    /// <summary>The discretization being solved.</summary>
    public SpectralModel Model => _model;

    /// <summary>The current Hermite coefficients of p/p0; do not modify during a run.</summary>
    public double[] Coefficients => _b;

    /// <summary>Accepted steps so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Steps rejected by the error control (retried with a smaller step).</summary>
    public long RejectedSteps { get; private set; }

    /// <summary>The step size of the last accepted step.</summary>
    public double LastStep { get; private set; }

    /// <summary>The embedded error estimate of the last accepted step.</summary>
    public double LastError { get; private set; }

    /// <summary>
    /// Σ over accepted steps of h·(2α²/n)λ_max(H)/0.5: the number of steps the finite-volume solver's explicit
    /// stiff-mode bound dt ≤ CFL/((2α²/n)λ_max(H)) at CFL = 0.5 would have needed over the same time, with the
    /// rate taken as the spectral radius of the n×n feedback matrix Vᵀ U at each step (= (2α²/n)λ_max(H_N(p))).
    /// </summary>
    public double ExplicitBoundSteps { get; private set; }

    /// <summary>(2α²/n)λ_max(H) at the start of the last step (spectral radius of Vᵀ U).</summary>
    public double LastStiffRate { get; private set; }

    /// <summary>Everything needed to continue bit-identically (the coefficients, the proposed next step, and the last step size: diagnostics report it).</summary>
    public sealed record State(double Time, long Steps, long RejectedSteps, double ProposedStep, double ExplicitBoundSteps, double[] Coefficients,
        double LastStep = 0);

    /// <summary>The state now (for a checkpoint).</summary>
    public State Save() => new(Time, Steps, RejectedSteps, _proposed, ExplicitBoundSteps, (double[])_b.Clone(), LastStep);

    /// <summary>Continues from <paramref name="state"/> bit-identically.</summary>
    public void Restore(State state)
    {
        if (state.Coefficients.Length != _count)
            throw new InputException("checkpoint.coefficients", $"{state.Coefficients.Length} values", $"must have {_count} values");
        state.Coefficients.CopyTo(_b, 0);
        Time = state.Time;
        Steps = state.Steps;
        RejectedSteps = state.RejectedSteps;
        _proposed = state.ProposedStep;
        ExplicitBoundSteps = state.ExplicitBoundSteps;
        LastStep = state.LastStep;
    }

    /// <summary>Diagnostics of the current state.</summary>
    public SpectralDiagnostics Diagnose() => _model.Diagnose(_b, Time);

    /// <inheritdoc/>
    /// <remarks>The controller's proposed step (before the first step: the initial step, which only a rejected try shortens).</remarks>
    public override double MaxNextStep(double maxDt)
    {
        maxDt = Math.Min(maxDt, _options.MaxStep);
        if (_proposed > 0) return Math.Min(maxDt, _proposed);
        // Before the first step: the first step's size (Step recomputes the Jacobian), so that side steps to sampled times
        // before the first output do not each start again from t = 0.
        _model.Jacobian(_b, _u, _f, _r);
        return Math.Min(maxDt, InitialStep());
    }

    /// <summary>A solver of the same model and options in the state of this one: the scratch copy of side steps.</summary>
    internal override SpectralSolver ScratchCopy()
    {
        var copy = new SpectralSolver(_model, _options, (double[])_b.Clone());
        CopyStateTo(copy);
        return copy;
    }

    /// <inheritdoc/>
    internal override void CopyStateTo(Numerics.LandingStepper scratch)
    {
        if (scratch is not SpectralSolver target || target._model != _model) throw new ArgumentException("not a solver of this model", nameof(scratch));
        _b.CopyTo(target._b, 0);
        (target.Time, target.Steps, target.RejectedSteps, target._proposed, target.ExplicitBoundSteps, target.LastStep, target.LastError, target.LastStiffRate) =
            (Time, Steps, RejectedSteps, _proposed, ExplicitBoundSteps, LastStep, LastError, LastStiffRate);
    }

    /// <summary>Every this many accepted steps the share of the top modes is checked (one pass over the coefficients).</summary>
    public const int TailCheckInterval = 16;

    /// <summary>
    /// Above this share of the expansion's norm in the top eighth of the modes the run stops: the solution has left what
    /// the basis represents (the studies' runs stay below 0.06; on the default data at α = 1024, basis 64×24, the share
    /// grows from 0.02 at t = 0.1 to 0.5 at t = 0.22 while χ²(p‖p0) grows to 1e7).
    /// </summary>
    public const double MaxTailFraction = 0.5;

    /// <summary>One accepted step of at most <paramref name="maxDt"/> (rejected attempts retried inside); returns its size.</summary>
    public override double Step(double maxDt)
    {
        if (!(maxDt > 0)) throw new ArgumentOutOfRangeException(nameof(maxDt), "must be positive");
        maxDt = Math.Min(maxDt, _options.MaxStep);
        double tol = _options.Tolerance;
        _model.Jacobian(_b, _u, _f, _r);
        LastStiffRate = FeedbackRate();
        if (_proposed <= 0) _proposed = InitialStep();
        for (int attempt = 0; ; attempt++)
        {
            double h = Math.Min(_proposed, maxDt);
            bool landing = _proposed >= maxDt;
            double err = Attempt(h);
            if (!double.IsFinite(err))
            {
                if (attempt > 60)
                    throw new NumericalFailureException("the spectral solution", Time, Steps,
                        "the coefficients became non-finite even with tiny steps; the basis does not resolve this solution", "solver.basis", "solver.kind");
                _proposed = 0.1 * h;
                RejectedSteps++;
                continue;
            }
            double factor = Math.Pow(Math.Max(err, 1e-300) / tol, -1.0 / (EmbeddedOrder + 1));
            if (err <= tol)
            {
                (_b, _next) = (_next, _b);
                Time += h;
                Steps++;
                LastStep = h;
                LastError = err;
                ExplicitBoundSteps += h * LastStiffRate / 0.5;
                if (Steps % TailCheckInterval == 0 && _model.TailFraction(_b) is var tail && tail > MaxTailFraction)
                    throw new NumericalFailureException("the spectral solution", Time, Steps, string.Create(CultureInfo.InvariantCulture,
                        $"the top eighth of the modes of the basis {_model.Basis} holds {tail:P0} of the expansion's L²(p0) norm (χ²(p‖p0) = {TensorPrimitives.SumOfSquares(_b) - 1:G3}): p/p0 is no longer represented by this basis (docs/spectral.md, where it applies); use solver.kind = finiteVolume, or more modes"),
                        "solver.kind", "solver.basis");
                double grown = h * Math.Clamp(0.9 * factor, 0.2, 5.0);
                // A landing step does not shrink the proposal: the next interval continues at the controller's pace.
                _proposed = landing ? Math.Max(_proposed, grown) : grown;
                return h;
            }
            RejectedSteps++;
            if (attempt > 60 || h < 1e-14 * Math.Max(1, Math.Abs(Time)))
                throw new NumericalFailureException("the spectral solution", Time, Steps,
                    $"the step size fell to {h:G3} without meeting the local error tolerance {tol:G3}", "time.tolerance", "solver.basis");
            _proposed = h * Math.Clamp(0.9 * factor, 0.1, 0.9);
        }
    }

    /// <summary>A first step from the size of F: (tol/‖F‖)^{1/3}/10 (the controller corrects it within a few steps).</summary>
    private double InitialStep()
    {
        double norm = TensorPrimitives.Norm(_f);
        return norm > 0 ? 0.1 * Math.Cbrt(_options.Tolerance / norm) : 1.0;
    }

    /// <summary>
    /// The rate of the residual-feedback mode: the dominant eigenvalue magnitude of the n×n matrix Vᵀ U
    /// (≈ −(2α²/n) H_N(p), real and well separated), by 60 power iterations in place (no allocation).
    /// </summary>
    private double FeedbackRate()
    {
        for (int i = 0; i < _n; i++)
            for (int j = 0; j < _n; j++) _small[i * _n + j] = _model.ResidualFunctionalValue(i, _u[j]);
        Span<double> x = stackalloc double[_n];
        Span<double> y = stackalloc double[_n];
        for (int i = 0; i < _n; i++) x[i] = 1 + 0.1 * i;
        double rate = 0;
        for (int it = 0; it < 60; it++)
        {
            double norm = 0;
            for (int i = 0; i < _n; i++)
            {
                double s = 0;
                for (int j = 0; j < _n; j++) s += _small[i * _n + j] * x[j];
                y[i] = s;
                norm += s * s;
            }
            norm = Math.Sqrt(norm);
            if (!(norm > 0)) return 0;
            double xn = 0;
            for (int i = 0; i < _n; i++) xn += x[i] * x[i];
            rate = norm / Math.Sqrt(xn);
            for (int i = 0; i < _n; i++) x[i] = y[i] / norm;
        }
        return rate;
    }

    /// <summary>One ROS34PW2 step of size h from _b into _next; returns the embedded error estimate.</summary>
    private double Attempt(double h)
    {
        double hg = h * Gamma;
        // M = I − hγD is diagonal (D = −λ(|k| + m)); Z = M⁻¹U; S = I − hγ Vᵀ Z, factored once per attempt.
        var decay = _model.Decay;
        for (int c = 0; c < _count; c++) _inverseDiagonal[c] = 1 / (1 + hg * decay[c]);
        for (int i = 0; i < _n; i++) TensorPrimitives.Multiply(_u[i], _inverseDiagonal, _z[i]);
        for (int i = 0; i < _n; i++)
            for (int j = 0; j < _n; j++) _small[i * _n + j] = (i == j ? 1 : 0) - hg * _model.ResidualFunctionalValue(i, _z[j]);
        SmallLu.Factor(_small, _pivots, _n);
        Span<double> t = stackalloc double[_n];
        for (int stage = 0; stage < 4; stage++)
        {
            // Stage state and the W-correction sum S_i = Σ_j γ_ij k_j.
            _b.CopyTo(_stage, 0);
            for (int j = 0; j < stage; j++)
                if (StageA[stage][j] != 0) TensorPrimitives.MultiplyAdd(_k[j], StageA[stage][j], _stage, _stage);
            Array.Clear(_sum);
            for (int j = 0; j < stage; j++) TensorPrimitives.MultiplyAdd(_k[j], StageG[stage][j], _sum, _sum);
            // F at the stage (the step start's F is in _f already).
            var f = stage == 0 ? _f : _rhs;
            if (stage > 0) _model.Rhs(_stage, _rhs);
            // g = h F + h W S, W S = D S + Σ_i U_i (v_iᵀ S).
            var g = _k[stage];
            TensorPrimitives.Multiply(_sum, decay, g);
            TensorPrimitives.Subtract(f, g, g);
            for (int i = 0; i < _n; i++)
            {
                double vs = _model.ResidualFunctionalValue(i, _sum);
                if (vs != 0) TensorPrimitives.MultiplyAdd(_u[i], vs, g, g);
            }
            TensorPrimitives.Multiply(g, h, g);
            // k = M⁻¹g + hγ Z S⁻¹ Vᵀ M⁻¹ g (Woodbury).
            TensorPrimitives.Multiply(g, _inverseDiagonal, g);
            for (int i = 0; i < _n; i++) t[i] = _model.ResidualFunctionalValue(i, g);
            SmallLu.Solve(_small, _pivots, _n, t);
            for (int i = 0; i < _n; i++) TensorPrimitives.MultiplyAdd(_z[i], hg * t[i], g, g);
        }
        _b.CopyTo(_next, 0);
        Array.Clear(_error);
        for (int i = 0; i < 4; i++)
        {
            TensorPrimitives.MultiplyAdd(_k[i], Weights[i], _next, _next);
            TensorPrimitives.MultiplyAdd(_k[i], Weights[i] - Embedded[i], _error, _error);
        }
        return TensorPrimitives.Norm(_error);
    }
}

/// <summary>LU with partial pivoting of a small dense row-major matrix, in place (no allocation).</summary>
internal static class SmallLu
{
    public static void Factor(double[] a, int[] pivots, int n)
    {
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++)
                if (Math.Abs(a[r * n + c]) > Math.Abs(a[p * n + c])) p = r;
            pivots[c] = p;
            if (p != c)
                for (int j = 0; j < n; j++) (a[c * n + j], a[p * n + j]) = (a[p * n + j], a[c * n + j]);
            double d = a[c * n + c];
            if (d == 0 || !double.IsFinite(d)) throw new ArithmeticException("singular Woodbury matrix");
            for (int r = c + 1; r < n; r++)
            {
                double l = a[r * n + c] /= d;
                if (l != 0)
                    for (int j = c + 1; j < n; j++) a[r * n + j] -= l * a[c * n + j];
            }
        }
    }

    public static void Solve(double[] lu, int[] pivots, int n, Span<double> x)
    {
        for (int c = 0; c < n; c++) (x[c], x[pivots[c]]) = (x[pivots[c]], x[c]);
        for (int c = 0; c < n; c++)
            for (int r = c + 1; r < n; r++) x[r] -= lu[r * n + c] * x[c];
        for (int r = n - 1; r >= 0; r--)
        {
            double s = x[r];
            for (int j = r + 1; j < n; j++) s -= lu[r * n + j] * x[j];
            x[r] = s / lu[r * n + r];
        }
    }
}
