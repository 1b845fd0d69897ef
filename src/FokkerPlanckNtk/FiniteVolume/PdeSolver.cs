using System.Numerics.Tensors;

namespace FokkerPlanckNtk.FiniteVolume;

/// <summary>The time stepper of the finite-volume PDE solver (<c>time.stepper</c>).</summary>
public enum StepperKind
{
    /// <summary>Shu–Osher SSP-RK3, explicit, positivity-preserving under the local bound.</summary>
    SspRk3,

    /// <summary>
    /// Backward Euler with Ψ frozen over the step: (I − dt L_Ψ) p¹ = p⁰ is an M-matrix system, so the local
    /// drift–diffusion part is unconditionally stable and positive; only the nonlocal residual feedback is
    /// lagged, which limits dt to Cfl/((2α²/n) λ_max(H_h)). First order in time: for long runs to the
    /// stationary state, not for transients.
    /// </summary>
    BackwardEuler,

    /// <summary>
    /// Explicit transport, implicit residual feedback: SSP(3,2) half steps for the density, each positive under its
    /// own cell-wise bound, with the coefficient residuals from the L-stable TR-BDF2 tableau (n-dimensional Newton
    /// solves); second order, stiffly accurate, step size from an embedded error estimate (time.tolerance).
    /// </summary>
    ImplicitFeedback,

    /// <summary>
    /// <see cref="ImplicitFeedback"/> where the residual feedback dominates the explicit bound — its rate
    /// (2α²/n)λ_max(H_h(p⁰)) exceeds <see cref="PdeSolver.AutoStiffness"/> × the cell-wise outflow rate at the start —
    /// else <see cref="SspRk3"/> (chosen once, when the solver is made; <see cref="PdeSolver.Stepper"/> says which).
    /// </summary>
    Auto,
}

/// <param name="Cfl">Fraction of the stability/positivity bound used as the step (0 &lt; Cfl ≤ 1).</param>
/// <param name="Stepper">The time integrator.</param>
/// <param name="MaxStep">Upper limit of the step (the implicit stepper's step when α = 0).</param>
/// <param name="Tolerance">
/// Local error tolerance of one step of the implicit-feedback stepper (its embedded estimate, density in L1 and
/// residuals in max norm, must not exceed it); +∞ turns the error control off (steps from the bounds and MaxStep).
/// </param>
public sealed record PdeSolverOptions(double Cfl = 0.5, StepperKind Stepper = StepperKind.SspRk3,
    double MaxStep = double.PositiveInfinity, double Tolerance = PdeSolver.DefaultTolerance)
{
    /// <summary>CFL 0.5, SSP-RK3, no step limit: the defaults of the solver and of the configuration.</summary>
    public static PdeSolverOptions Default { get; } = new();

    internal void Validate()
    {
        if (!(Cfl > 0 && Cfl <= 1)) throw new InputException("time.cfl", Cfl, "must be in (0, 1]");
        if (!(MaxStep > 0)) throw new InputException("time.maxStep", MaxStep, "must be positive");
        if (!(Tolerance > 0)) throw new InputException("time.tolerance", Tolerance, "must be a positive number (+∞: no error control)");
    }
}

/// <summary>The diagnostics of docs/scheme.md and docs/mathematics.md at one time.</summary>
/// <param name="FreeEnergy">Q_h = L_h + λ Σ p log(p/p0_c) V.</param>
/// <param name="OuterLayerMass">Mass in the outermost cell layer (a box-too-small indicator).</param>
/// <param name="Time">The time t.</param>
/// <param name="Loss">L_h = (1/n) Σ r_i².</param>
/// <param name="KlP0">KL(p‖p0_h) = Σ p log(p/p0_c) V against the discrete p0.</param>
/// <param name="Chi2P0">χ²(p‖p0_h) = Σ (p − p0_c)²/p0_c V.</param>
/// <param name="Mass">Σ p V (1 up to round-off).</param>
/// <param name="MinDensity">min_c p_c.</param>
/// <param name="Residuals">r_i = f(p, x_i) − y_i.</param>
public sealed record PdeDiagnostics(double Time, double Loss, double FreeEnergy, double KlP0, double Chi2P0,
    double Mass, double MinDensity, double OuterLayerMass, double[] Residuals)
{
    /// <summary>Above this outer-layer mass the box is too small for the solution.</summary>
    public const double OuterLayerWarning = 1e-8;
}

/// <summary>
/// Time integration of the finite-volume scheme: SSP-RK3 with the adaptive step
/// dt = CFL / (max_c Σ_k (λ/Δ_k²)(B(w_{k,c+½}) + B(−w_{k,c−½})) + (2α²/n) λ_max(H_h(p))), landing exactly on
/// requested times. A step whose result would be negative (the bound is checked at the first stage only) is
/// rejected and retried with half the step, so densities never go negative.
/// </summary>
public sealed partial class PdeSolver : Numerics.LandingStepper
{
    private const int ColumnsPerBlock = 8;
    private readonly FiniteVolumeModel _model;
    private readonly UniformGrid _grid;
    private readonly PdeSolverOptions _options;
    private readonly int _n, _cols, _nu, _d, _blocks;
    private readonly double _lambda;
    private double[] _stage1;                        // SSP-RK3 intermediate state (swapped with the density)
    private readonly double[] _stage2;
    private readonly double[] _m1, _m1Stage;         // first u-moment per column of the current / stage state
    private readonly double[] _m0, _m2;              // zeroth and second moments (stiff-mode rate)
    private readonly double[] _m0Stage, _m2Stage;    // those of a candidate state (implicit-feedback stepper)
    private readonly double[] _r, _coupling;         // residuals, c(θ)
    private readonly double[] _fluxU;                // per column, N_u + 1 u-face fluxes (walls included, zero)
    private readonly double[] _zeros;                // the zero flux through a θ wall
    private readonly double[][] _fluxTheta;          // per θ axis: flux through the upper face of each cell
    private readonly BlockScratch[] _scratch;
    private readonly double[] _blockMin;
    private readonly double[] _blockRate;
    private readonly double[] _rateU;                // per column, 4 candidate rows: the u-face part of the rate
    private readonly double[][] _ratePlus, _rateMinus; // per θ axis, per column, 4 rows: B(±w) on the upper face
    private readonly double[] _expShift;             // per column: e^{Δu c/λ}
    private readonly double[][] _rowExp;             // per candidate row r, per column: e^{u_j c/λ}, j = RateRow(r)
    private bool _columnExpsUsable;                  // max |c| u_max/λ small enough for the quotient forms
    private readonly double[] _gram;                 // n × n
    private readonly double[] _gramScratch;          // one column-length row
    private readonly double[] _eigenScratch;         // 3n: the eigenvalue solver's vectors
    private double[] _density;
    private readonly StepperKind _stepper;
    private bool _stageOneReady;                     // SSP-RK3: stage-1 fluxes and _stageOneRate are those of the current state
    private double _stageOneRate;

    private sealed class BlockScratch(int nu)
    {
        public readonly double[] W = new double[nu], E = new double[nu];
    }

    /// <summary>A solver of <paramref name="model"/> from <paramref name="initialDensity"/> (null: the discrete p0 of the model).</summary>
    public PdeSolver(FiniteVolumeModel model, PdeSolverOptions? options = null, double[]? initialDensity = null)
    {
        _model = model;
        _grid = model.Grid;
        _options = options ?? new PdeSolverOptions();
        _options.Validate();
        _n = model.Problem.SampleCount;
        _cols = _grid.ColumnCount;
        _nu = _grid.ColumnLength;
        _d = _grid.ThetaDimension;
        _lambda = model.Problem.Lambda;
        _blocks = (_cols + ColumnsPerBlock - 1) / ColumnsPerBlock;
        _density = initialDensity ?? model.InitialDensity();
        if (_density.Length != _grid.Count)
            throw new InputException("initialDensity", $"{_density.Length} values", $"must have one value per cell ({_grid.Count})");
        _stage1 = new double[_grid.Count];
        _stage2 = new double[_grid.Count];
        _m1 = new double[_cols];
        _m1Stage = new double[_cols];
        _m0 = new double[_cols];
        _m2 = new double[_cols];
        _m0Stage = new double[_cols];
        _m2Stage = new double[_cols];
        _r = new double[_n];
        _coupling = new double[_cols];
        _fluxU = new double[_cols * (_nu + 1)];
        _zeros = new double[_nu];
        _fluxTheta = new double[_d][];
        for (int k = 0; k < _d; k++) _fluxTheta[k] = new double[_grid.Count];
        _scratch = new BlockScratch[_blocks];
        for (int b = 0; b < _blocks; b++) _scratch[b] = new BlockScratch(_nu);
        _blockMin = new double[_blocks];
        _blockRate = new double[_blocks];
        _rateU = new double[_cols * 4];
        _ratePlus = new double[_d][];
        _rateMinus = new double[_d][];
        for (int k = 0; k < _d; k++) { _ratePlus[k] = new double[_cols * 4]; _rateMinus[k] = new double[_cols * 4]; }
        _expShift = new double[_cols];
        _rowExp = new double[4][];
        for (int r = 0; r < 4; r++) _rowExp[r] = new double[_cols];
        _gram = new double[_n * _n];
        _gramScratch = new double[_cols];
        _eigenScratch = new double[3 * _n];
        _model.ThetaMoments(_density, _m0, _m1, _m2);
        _stepper = _options.Stepper == StepperKind.Auto ? ChooseStepper() : _options.Stepper;
    }

    /// <summary>
    /// Auto picks the implicit-feedback stepper when the feedback rate exceeds this multiple of the outflow rate:
    /// SSP-RK3 then needs over 11× the steps its transport bound alone would allow. Measured (docs/scheme.md):
    /// at a ratio of about 4–6 SSP-RK3 is still the cheaper of the two at τ = 1e-5, from about 20 on the implicit one.
    /// </summary>
    public const double AutoStiffness = 10;

    private StepperKind ChooseStepper()
    {
        _model.ResidualsFromMoment(_m1, _r);
        _model.CouplingFromResiduals(_r, _coupling);
        PrepareColumnExponentials();
        return StiffModeRate() > AutoStiffness * MaxOutflowRate() ? StepperKind.ImplicitFeedback : StepperKind.SspRk3;
    }

    /// <summary>
    /// The stability-limited step at the current state for the stepper in use (as its next step would compute it):
    /// SSP-RK3 CFL/(outflow + feedback rate), backward Euler CFL/feedback rate, implicit feedback 2·CFL/outflow;
    /// +∞ where nothing limits it. For up-front estimates of the step count (accuracy control may take smaller steps).
    /// </summary>
    public double StepBound()
    {
        _stageOneReady = false;
        _model.ResidualsFromMoment(_m1, _r);
        _model.CouplingFromResiduals(_r, _coupling);
        PrepareColumnExponentials();
        double outflow = _stepper == StepperKind.BackwardEuler ? 0 : MaxOutflowRate(), stiff = _stepper == StepperKind.ImplicitFeedback ? 0 : StiffModeRate();
        double rate = _stepper == StepperKind.ImplicitFeedback ? outflow / 2 : outflow + stiff;
        return rate > 0 ? _options.Cfl / rate : double.PositiveInfinity;
    }

    /// <summary>The stepper in use (<see cref="StepperKind.Auto"/> resolved).</summary>
    public StepperKind Stepper => _stepper;

    /// <summary>The discretization being solved.</summary>
    public FiniteVolumeModel Model => _model;

    /// <summary>
    /// A copy of the current density (cell averages): later steps do not change it (the solver swaps and
    /// overwrites its own buffers). <see cref="CopyDensityTo"/> fills a buffer of the caller's instead.
    /// </summary>
    public double[] Density => (double[])_density.Clone();

    /// <summary>Copies the current density into <paramref name="destination"/> (one value per cell).</summary>
    public void CopyDensityTo(Span<double> destination) => _density.CopyTo(destination);

    /// <summary>The current density without a copy, for measures taken before the next step (never kept).</summary>
    internal ReadOnlySpan<double> CurrentDensity => _density;

    /// <summary>Accepted steps so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Rejected tries: a stage went negative or over its bound, or (implicit feedback) the error estimate or the residual solve failed.</summary>
    public long RejectedSteps { get; private set; }

    /// <summary>The step size of the last accepted step.</summary>
    public double LastStep { get; private set; }

    /// <summary>The bound-limited step at the start of the last step (before landing on an output time).</summary>
    public double LastStableStep { get; private set; }

    /// <summary>Everything needed to continue bit-identically (the step controller's memory, and the last step sizes: diagnostics report them).</summary>
    /// <param name="NextStep">The implicit-feedback controller's proposed next step (0: none yet).</param>
    /// <param name="PreviousError">Its normalized error estimate of the last accepted step.</param>
    /// <param name="LastStep">The size of the last step taken (0: none yet).</param>
    /// <param name="LastStableStep">The bound-limited step at the start of the last step.</param>
    /// <param name="Time">The time t.</param>
    /// <param name="Steps">Accepted steps taken.</param>
    /// <param name="RejectedSteps">Steps rejected (and retried smaller).</param>
    /// <param name="Density">The cell values p_c (a copy).</param>
    public sealed record State(double Time, long Steps, long RejectedSteps, double[] Density, double NextStep = 0,
        double PreviousError = 1, double LastStep = 0, double LastStableStep = 0);

    /// <summary>The state now (for a checkpoint).</summary>
    public State Save() => new(Time, Steps, RejectedSteps, (double[])_density.Clone(), _nextStep, _previousError, LastStep, LastStableStep);

    /// <summary>Continues from <paramref name="state"/> bit-identically.</summary>
    public void Restore(State state)
    {
        if (state.Density.Length != _grid.Count)
            throw new InputException("checkpoint.density", $"{state.Density.Length} values", $"must have {_grid.Count} values");
        state.Density.CopyTo(_density, 0);
        (Time, Steps, RejectedSteps, _, _nextStep, _previousError, LastStep, LastStableStep) = state; // Save() inverted
        _model.ThetaMoments(_density, _m0, _m1, _m2);
        _stageOneReady = false;
    }

    /// <summary>The loss L = (1/n) Σ r_i² of the current state (from the moments the stepper keeps).</summary>
    public double Loss
    {
        get
        {
            var r = new double[_n];
            _model.ResidualsFromMoment(_m1, r);
            return FiniteVolumeModel.Loss(r);
        }
    }

    /// <summary>One step of the configured stepper of at most <paramref name="maxDt"/>; returns the step taken.</summary>
    public override double Step(double maxDt)
    {
        if (!(maxDt > 0)) throw new ArgumentOutOfRangeException(nameof(maxDt), "must be positive");
        maxDt = Math.Min(maxDt, _options.MaxStep);
        if (_stepper == StepperKind.BackwardEuler) return ImplicitStep(maxDt);
        if (_stepper == StepperKind.ImplicitFeedback) return FeedbackStep(maxDt);
        // Stage 1 fluxes and the bound from the current state (already in place when MaxNextStep asked for them).
        if (!_stageOneReady) PrepareStageOne();
        _stageOneReady = false;
        double rate = _stageOneRate;
        if (!double.IsFinite(rate))
            throw Diverged("the step bound became non-finite");
        double stable = _options.Cfl / rate;
        LastStableStep = stable;
        double dt = Math.Min(stable, maxDt);
        for (int attempt = 0; ; attempt++)
        {
            // Stage 1 fluxes are already in place for this state (they do not depend on dt).
            // Shu–Osher: p1 = p + dt L(p); p2 = ¾p + ¼(p1 + dt L(p1)); p3 = ⅓p + ⅔(p2 + dt L(p2)).
            double min = Update(_density, 1.0, _density, 0.0, dt, _stage1, _m1Stage, null, null);
            if (min >= 0)
            {
                Stage(_stage1, _m1Stage);
                min = Update(_stage1, 0.25, _density, 0.75, dt, _stage2, _m1Stage, null, null);
                if (min >= 0)
                {
                    Stage(_stage2, _m1Stage);
                    min = Update(_stage2, 2.0 / 3, _density, 1.0 / 3, dt, _stage1, _m1Stage, _m0, _m2);
                }
            }
            if (double.IsNaN(min) || double.IsInfinity(min))
                throw Diverged(FormattableString.Invariant($"a time step of {dt:G4} produced a non-finite density"));
            if (min >= 0) break;
            RejectedSteps++;
            if (attempt > 40)
                throw Diverged(FormattableString.Invariant($"the density cannot be kept non-negative even with dt = {dt:G3}"));
            dt *= 0.5;
            // Restore the stage-1 fluxes of the current state for the retry.
            _model.ResidualsFromMoment(_m1, _r);
            _model.CouplingFromResiduals(_r, _coupling);
            ComputeFluxes(_density);
        }
        (_density, _stage1) = (_stage1, _density);
        _m1Stage.CopyTo(_m1, 0);
        Time += dt;
        Steps++;
        LastStep = dt;
        return dt;
    }

    /// <summary>SSP-RK3's stage-1 fluxes and step-bound rate of the current state.</summary>
    private void PrepareStageOne()
    {
        _model.ResidualsFromMoment(_m1, _r);
        _model.CouplingFromResiduals(_r, _coupling);
        ComputeFluxes(_density);
        _stageOneRate = MaxOutflowRate() + StiffModeRate();
        _stageOneReady = true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// SSP-RK3: the step itself (unless a try goes negative and is halved), from the bound of the current state,
    /// which the next step then uses without computing it again; backward Euler: its stiff-mode bound; implicit
    /// feedback: the controller's proposal (a try may be rejected or cut by a stage's transport bound).
    /// </remarks>
    public override double MaxNextStep(double maxDt)
    {
        maxDt = Math.Min(maxDt, _options.MaxStep);
        switch (_stepper)
        {
            case StepperKind.BackwardEuler:
                double stiff = StiffModeRate();
                return stiff > 0 ? Math.Min(maxDt, _options.Cfl / stiff) : maxDt;
            case StepperKind.ImplicitFeedback:
                if (!double.IsFinite(_options.Tolerance)) return maxDt;
                return Math.Min(maxDt, _nextStep > 0 ? _nextStep : FirstFeedbackProposal());
            default:
                if (!_stageOneReady) PrepareStageOne();
                return double.IsFinite(_stageOneRate) ? Math.Min(maxDt, _options.Cfl / _stageOneRate) : maxDt;
        }
    }

    /// <summary>
    /// A solver of the same discretization, options and stepper in the state of this one (<see cref="CopyStateTo"/>):
    /// the scratch copy of side steps.
    /// </summary>
    internal override PdeSolver ScratchCopy()
    {
        var copy = new PdeSolver(_model, _options with { Stepper = _stepper }, (double[])_density.Clone());
        CopyStateTo(copy);
        return copy;
    }

    /// <inheritdoc/>
    /// <remarks>The density, the column moments (as stepped, not recomputed), the counters and the step-control memory.</remarks>
    internal override void CopyStateTo(Numerics.LandingStepper scratch)
    {
        if (scratch is not PdeSolver target || target._model != _model) throw new ArgumentException("not a solver of this discretization", nameof(scratch));
        _density.CopyTo(target._density, 0);
        _m0.CopyTo(target._m0, 0);
        _m1.CopyTo(target._m1, 0);
        _m2.CopyTo(target._m2, 0);
        (target.Time, target.Steps, target.RejectedSteps, target._nextStep, target._previousError, target.LastStep, target.LastStableStep) =
            (Time, Steps, RejectedSteps, _nextStep, _previousError, LastStep, LastStableStep);
        target._stageOneReady = false;
    }

    /// <summary>A numerical failure of the PDE solve at the current time, with the keys that could help.</summary>
    private NumericalFailureException Diverged(string detail) =>
        new("the PDE density", Time, Steps, detail, "time.cfl", "time.stepper", "time.tolerance", "grid.cells", "grid.halfWidth");

    private void Stage(double[] s, double[] m1)
    {
        _model.ResidualsFromMoment(m1, _r);
        _model.CouplingFromResiduals(_r, _coupling);
        ComputeFluxes(s);
    }

    /// <summary>
    /// (2α²/n) λ_max(H_h(p)): the rate of the residual-feedback mode (docs/scheme.md), with H_h assembled from the
    /// column moments m0, m2 (<see cref="Ntk.GramMatrix.Assemble(Model.DataSet, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, double, Span{double}, Span{double})"/>)
    /// and λ_max without allocating (<see cref="Numerics.SymmetricEigenvalues"/>).
    /// </summary>
    internal double StiffModeRate()
    {
        var p = _model.Problem;
        if (p.Alpha == 0) return 0;
        AssembleGram(_m0, _m2, _gram);
        double lmax = Numerics.SymmetricEigenvalues.Largest(_gram, _n, _eigenScratch);
        return 2 * p.Alpha * p.Alpha / _n * Math.Max(lmax, 0);
    }

    /// <summary>H_h(p) from the per-column moments m0, m2 (n × n, row-major), by the library's one Gram assembly.</summary>
    private void AssembleGram(double[] m0, double[] m2, double[] gram) =>
        Ntk.GramMatrix.Assemble(_model.Problem.Data, _model.SigmaTable, _model.SigmaPrimeTable, m0, m2, _grid.ThetaVolume, gram, _gramScratch);

    /// <summary>Fluxes of state <paramref name="s"/> with the current coupling c(θ).</summary>
    internal void ComputeFluxes(double[] s)
    {
        _stageOneReady = false; // set again by PrepareStageOne, the one caller whose fluxes a step may reuse
        PrepareColumnExponentials();
        if (Parallelism.Threads == 1)
            for (int b = 0; b < _blocks; b++) FluxBlock(b, s);
        else
            FluxesInParallel(s);
    }

    // The parallel branches live in their own methods: a lambda's captured variables are allocated on entry to
    // the method that declares them, so the one-thread path allocates nothing.
    private void FluxesInParallel(double[] s) => Parallel.For(0, _blocks, Parallelism.Options, b => FluxBlock(b, s));

    /// <summary>
    /// Per-column exponentials shared by every face of a column, for the current coupling: e^{Δu c/λ} (u faces;
    /// also the ratio of the θ-face sequences, e^{δΔu} = e^{Δu c_b/λ}/e^{Δu c_a/λ}) and e^{u_j c/λ} at the
    /// rows the step bound needs (j = 0 is also the first term of the θ-face sequences). Only used while
    /// max |c| u_max/λ is small enough that quotients of them neither overflow nor underflow.
    /// </summary>
    private void PrepareColumnExponentials()
    {
        _columnExpsUsable = TensorPrimitives.MaxMagnitude(_coupling) * _grid.HalfWidths[_grid.UAxis] / _lambda < ExpRecurrenceLimit;
        if (!_columnExpsUsable) return;
        TensorPrimitives.Multiply(_coupling, _grid.Spacing(_grid.UAxis) / _lambda, _expShift);
        TensorPrimitives.Exp(_expShift, _expShift);
        RowExponentials(0); // the fluxes need row 0 at every stage; rows 1..3 only the step bound
    }

    private void RowExponentials(int r)
    {
        TensorPrimitives.Multiply(_coupling, _model.UCenters[RateRow(r)] / _lambda, _rowExp[r]);
        TensorPrimitives.Exp(_rowExp[r], _rowExp[r]);
    }

    /// <summary>
    /// max_c Σ_k (λ/Δ_k²)(B(w_{k,c+½}) + B(−w_{k,c−½})) for the current coupling, exactly, in O(N^d): along a
    /// column every w is affine in the u index and B is convex ((w/2)coth(w/2) − w/2), so the sum is convex
    /// in the index on the interior cells and its maximum is at j ∈ {0, 1, N_u−2, N_u−1}.
    /// </summary>
    internal double MaxOutflowRate()
    {
        // Phase 1: B(±w) of every face the candidate rows need; phase 2: combine per cell.
        if (_columnExpsUsable)
            for (int r = 1; r < 4; r++) RowExponentials(r);
        if (Parallelism.Threads == 1)
        {
            for (int b = 0; b < _blocks; b++) RateFaces(b);
            for (int b = 0; b < _blocks; b++) _blockRate[b] = MaxOutflowRate(b);
        }
        else
        {
            Parallel.For(0, _blocks, Parallelism.Options, RateFaces);
            Parallel.For(0, _blocks, Parallelism.Options, b => _blockRate[b] = MaxOutflowRate(b));
        }
        return TensorPrimitives.Max(_blockRate); // a maximum: the same for any thread count
    }

    /// <summary>The u indices where a column's outflow rate can be largest (convexity, see above).</summary>
    private int RateRow(int r) => r switch { 0 => 0, 1 => Math.Min(1, _nu - 1), 2 => Math.Max(_nu - 2, 0), _ => _nu - 1 };

    private void RateFaces(int block)
    {
        double du = _grid.Spacing(_grid.UAxis), cu = _lambda / (du * du);
        var u = _model.UCenters;
        var uShift = _model.UFaceShift;
        int end = Math.Min(_cols, (block + 1) * ColumnsPerBlock);
        Span<double> bPlus = stackalloc double[4], bMinus = stackalloc double[4];
        Span<int> faces = stackalloc int[4];
        for (int a = block * ColumnsPerBlock; a < end; a++)
        {
            // u faces below and above the candidate rows: 0, 1, N−3, N−2 (clamped to the N−1 faces).
            double shift = du * _coupling[a] / _lambda;
            for (int f = 0; f < 4; f++)
            {
                faces[f] = Math.Clamp(f switch { 0 => 0, 1 => 1, 2 => _nu - 3, _ => _nu - 2 }, 0, _nu - 2);
                double w = shift + uShift[faces[f]];
                double e = _columnExpsUsable ? _expShift[a] * _model.UFaceExp[faces[f]] : Math.Exp(w);
                ExponentialFitting.Scalar(w, e, out bPlus[f], out bMinus[f]);
            }
            for (int r = 0; r < 4; r++)
            {
                int j = RateRow(r);
                double rate = 0;
                for (int f = 0; f < 4; f++)
                    if (faces[f] == j && j < _nu - 1) { rate += cu * bPlus[f]; break; }
                for (int f = 0; f < 4; f++)
                    if (faces[f] == j - 1) { rate += cu * bMinus[f]; break; }
                _rateU[a * 4 + r] = rate;
            }
            // θ faces to the upper neighbour: B(w) counts for this column, B(−w) for the neighbour.
            for (int k = 0; k < _d; k++)
            {
                int ik = _model.ColumnAxisIndex(k, a);
                if (ik == _grid.Cells[k] - 1) continue;
                int b = a + _model.ColumnStride(k);
                double delta = (_coupling[b] - _coupling[a]) / _lambda;
                double beta = _model.ThetaFaceShift(k)[ik];
                for (int r = 0; r < 4; r++)
                {
                    double w = delta * u[RateRow(r)] + beta;
                    double e = _columnExpsUsable ? _model.ThetaFaceExp(k)[ik] * (_rowExp[r][b] / _rowExp[r][a]) : Math.Exp(w);
                    ExponentialFitting.Scalar(w, e, out _ratePlus[k][a * 4 + r], out _rateMinus[k][a * 4 + r]);
                }
            }
        }
    }

    private double MaxOutflowRate(int block)
    {
        double rate = 0;
        int end = Math.Min(_cols, (block + 1) * ColumnsPerBlock);
        for (int a = block * ColumnsPerBlock; a < end; a++)
            for (int r = 0; r < 4; r++)
            {
                double cell = _rateU[a * 4 + r];
                for (int k = 0; k < _d; k++)
                {
                    double dk = _grid.Spacing(k), ck = _lambda / (dk * dk);
                    int ik = _model.ColumnAxisIndex(k, a);
                    if (ik < _grid.Cells[k] - 1) cell += ck * _ratePlus[k][a * 4 + r];
                    if (ik > 0) cell += ck * _rateMinus[k][(a - _model.ColumnStride(k)) * 4 + r];
                }
                rate = Math.Max(rate, cell);
            }
        return rate;
    }

    /// <summary>Σ_k (λ/Δ_k²)(B(w_{k,c+½}) + B(−w_{k,c−½})) of cell j of column a for the current coupling.</summary>
    private double CellOutflowRate(int a, int j)
    {
        double du = _grid.Spacing(_grid.UAxis), cu = _lambda / (du * du);
        double shift = du * _coupling[a] / _lambda;
        var uShift = _model.UFaceShift;
        double uj = _model.UCenters[j];
        double r = 0;
        if (j < _nu - 1) r += cu * ExponentialFitting.B(shift + uShift[j]);
        if (j > 0) r += cu * ExponentialFitting.B(-(shift + uShift[j - 1]));
        for (int k = 0; k < _d; k++)
        {
            double dk = _grid.Spacing(k), ck = _lambda / (dk * dk);
            int ik = _model.ColumnAxisIndex(k, a), stride = _model.ColumnStride(k);
            var betas = _model.ThetaFaceShift(k);
            if (ik < _grid.Cells[k] - 1)
                r += ck * ExponentialFitting.B((_coupling[a + stride] - _coupling[a]) / _lambda * uj + betas[ik]);
            if (ik > 0)
                r += ck * ExponentialFitting.B(-((_coupling[a] - _coupling[a - stride]) / _lambda * uj + betas[ik - 1]));
        }
        return r;
    }

    /// <summary>The outflow rate of an arbitrary density (tests): sets the coupling from its residuals.</summary>
    internal double MaxOutflowRateOf(double[] p)
    {
        _stageOneReady = false;
        var m1 = new double[_cols];
        _model.ThetaMoments(p, default, m1, default);
        _model.ResidualsFromMoment(m1, _r);
        _model.CouplingFromResiduals(_r, _coupling);
        PrepareColumnExponentials();
        return MaxOutflowRate();
    }

    private void FluxBlock(int block, double[] s)
    {
        var scratch = _scratch[block];
        int nu = _nu;
        double du = _grid.Spacing(_grid.UAxis);
        var u = _model.UCenters;
        int end = Math.Min(_cols, (block + 1) * ColumnsPerBlock);
        for (int a = block * ColumnsPerBlock; a < end; a++)
        {
            int offset = a * nu;
            var pa = s.AsSpan(offset, nu);
            // u faces: w_j = Δu·c(θ)/λ + Δu·(u_j + u_{j+1})/2, E_j = e^{Δu c/λ}·e^{Δu ū_j}.
            int faces = nu - 1;
            double shift = du * _coupling[a] / _lambda;
            var fu = _fluxU.AsSpan(a * (nu + 1), nu + 1);
            if (UFaceFactor(a, shift, scratch, out double factor))
                ColumnKernels.UFaces(pa, shift, factor, _model.UFaceShift, _model.UFaceExp, _lambda / du, fu);
            else
            {
                // Exponent too large for the product form: one exp per face, clamped inside the flux kernel.
                fu[0] = 0;
                fu[nu] = 0;
                ColumnKernels.Fluxes(scratch.W.AsSpan(0, faces), scratch.E.AsSpan(0, faces), pa[..faces], pa[1..], _lambda / du, fu[1..nu]);
            }
            // θ faces to the upper neighbour along each axis: w_j = u_j·(c_b − c_a)/λ + (θ_b² − θ_a²)/2.
            for (int k = 0; k < _d; k++)
            {
                var ft = _fluxTheta[k].AsSpan(offset, nu);
                int ik = _model.ColumnAxisIndex(k, a);
                if (ik == _grid.Cells[k] - 1) { ft.Clear(); continue; }
                int bcol = a + _model.ColumnStride(k);
                double dk = _grid.Spacing(k);
                var pb = s.AsSpan(bcol * nu, nu);
                if (CrossFaceSequence(k, ik, a, bcol, scratch, out double delta, out double beta, out double first, out double ratio))
                    ColumnKernels.CrossFaces(pa, pb, u, delta, beta, first, ratio, _lambda / dk, ft);
                else
                    ColumnKernels.Fluxes(scratch.W.AsSpan(0, nu), scratch.E.AsSpan(0, nu), pa, pb, _lambda / dk, ft);
            }
        }
    }

    /// <summary>
    /// The exponentials of column a's u faces for the current coupling (shift = Δu c_a/λ): E_j = factor·e^{Δu ū_j}
    /// with factor = e^{shift} (true), or, the exponent too large for products, w_j and E_j = e^{w_j} one per face
    /// in the scratch (false). Shared by the flux and the face-sum passes, so both see the same exponentials.
    /// </summary>
    private bool UFaceFactor(int a, double shift, BlockScratch scratch, out double factor)
    {
        if (_columnExpsUsable) { factor = _expShift[a]; return true; }
        if (Math.Abs(shift) < ExpRecurrenceLimit) { factor = Math.Exp(shift); return true; }
        factor = 0;
        int faces = _nu - 1;
        var w = scratch.W.AsSpan(0, faces);
        TensorPrimitives.Add(_model.UFaceShift[..faces], shift, w);
        TensorPrimitives.Exp(w, scratch.E.AsSpan(0, faces));
        return false;
    }

    /// <summary>
    /// The faces between column a and its upper neighbour b along θ axis k (index ik along it): w_j = δ u_j + β with
    /// δ = (c_b − c_a)/λ, β = (θ_b² − θ_a²)/2, and E_j = first·ratio^j (true), or, the exponents too large for
    /// products, w_j and E_j = e^{w_j} one per face in the scratch (false).
    /// </summary>
    private bool CrossFaceSequence(int k, int ik, int a, int b, BlockScratch scratch, out double delta, out double beta,
        out double first, out double ratio)
    {
        delta = (_coupling[b] - _coupling[a]) / _lambda;
        beta = _model.ThetaFaceShift(k)[ik];
        var u = _model.UCenters;
        if (_columnExpsUsable)
        {
            // e^{δ u_j} = e^{u_j c_b/λ}/e^{u_j c_a/λ}: quotients of the per-column exponentials.
            first = _model.ThetaFaceExp(k)[ik] * (_rowExp[0][b] / _rowExp[0][a]);
            ratio = _expShift[b] / _expShift[a];
            return true;
        }
        if (Math.Abs(delta) * _grid.HalfWidths[_grid.UAxis] + Math.Abs(beta) < ExpRecurrenceLimit)
        {
            // E_j = e^{β + δu_0}·(e^{δΔu})^j: a geometric sequence (relative error ≲ N_u·ε).
            first = Math.Exp(beta + delta * u[0]);
            ratio = Math.Exp(delta * _grid.Spacing(_grid.UAxis));
            return true;
        }
        first = ratio = 0;
        var wt = scratch.W.AsSpan(0, _nu);
        TensorPrimitives.Multiply(u, delta, wt);
        TensorPrimitives.Add(wt, beta, wt);
        TensorPrimitives.Exp(wt, scratch.E.AsSpan(0, _nu));
        return false;
    }

    /// <summary>Below this |exponent| products of exponentials neither overflow nor underflow.</summary>
    private const double ExpRecurrenceLimit = 300;

    /// <summary>
    /// out = a·(s + dt·L(s)) + b·p with L from the fluxes in place, and the u-moments of out per column
    /// (m1 always; m0 and m2 when given). Returns min(out), NaN if any value is NaN.
    /// </summary>
    internal double Update(double[] s, double a, double[] p, double b, double dt, double[] output, double[] m1,
        double[]? m0, double[]? m2)
    {
        if (Parallelism.Threads == 1)
            for (int blk = 0; blk < _blocks; blk++) UpdateBlock(blk, s, a, p, b, dt, output, m1, m0, m2);
        else
            UpdateInParallel(s, a, p, b, dt, output, m1, m0, m2);
        double min = double.PositiveInfinity;
        foreach (double v in _blockMin)
        {
            if (double.IsNaN(v)) return double.NaN;
            min = Math.Min(min, v);
        }
        return min;
    }

    private void UpdateInParallel(double[] s, double a, double[] p, double b, double dt, double[] output, double[] m1,
        double[]? m0, double[]? m2) =>
        Parallel.For(0, _blocks, Parallelism.Options, blk => UpdateBlock(blk, s, a, p, b, dt, output, m1, m0, m2));

    private void UpdateBlock(int block, double[] s, double a, double[] p, double b, double dt, double[] output,
        double[] m1, double[]? m0, double[]? m2)
    {
        int nu = _nu;
        double du = _grid.Spacing(_grid.UAxis);
        var u = _model.UCenters;
        var u2 = _model.USquared;
        int end = Math.Min(_cols, (block + 1) * ColumnsPerBlock);
        double min = double.PositiveInfinity;
        Span<double> inv = stackalloc double[3];
        for (int col = block * ColumnsPerBlock; col < end; col++)
        {
            int offset = col * nu;
            ReadOnlySpan<double> above0 = default, below0 = default, above1 = default, below1 = default,
                above2 = default, below2 = default;
            for (int k = 0; k < _d; k++)
            {
                var above = _fluxTheta[k].AsSpan(offset, nu);
                // Zero flux through the wall below the first layer.
                var below = _model.ColumnAxisIndex(k, col) > 0
                    ? _fluxTheta[k].AsSpan(offset - _model.ColumnStride(k) * nu, nu)
                    : _zeros.AsSpan(0, nu);
                inv[k] = 1 / _grid.Spacing(k);
                if (k == 0) { above0 = above; below0 = below; }
                else if (k == 1) { above1 = above; below1 = below; }
                else { above2 = above; below2 = below; }
            }
            double colMin = ColumnKernels.Update(s.AsSpan(offset, nu), p.AsSpan(offset, nu), a, b, dt,
                _fluxU.AsSpan(col * (nu + 1), nu + 1), 1 / du, above0, below0, inv[0], above1, below1, inv[1],
                above2, below2, inv[2], u, u2, output.AsSpan(offset, nu), out double s0, out double s1, out double s2);
            m1[col] = s1 * du;
            if (m0 is not null) m0[col] = s0 * du;
            if (m2 is not null) m2[col] = s2 * du;
            min = double.IsNaN(colMin) ? double.NaN : Math.Min(min, colMin);
            if (double.IsNaN(min)) break;
        }
        _blockMin[block] = min;
    }

    /// <summary>Diagnostics of the current density.</summary>
    public PdeDiagnostics Diagnose() => Diagnose(_model, _density, Time);

    /// <summary>The diagnostics of a density <paramref name="p"/> of <paramref name="model"/> at <paramref name="time"/>.</summary>
    public static PdeDiagnostics Diagnose(FiniteVolumeModel model, ReadOnlySpan<double> p, double time)
    {
        var grid = model.Grid;
        var r = new double[model.Problem.SampleCount];
        model.Residuals(p, r);
        double loss = FiniteVolumeModel.Loss(r);
        double v = grid.CellVolume;
        var p0 = model.ReferenceDensityValues;
        double kl = Metrics.Divergences.KullbackLeibler(p, p0, v);
        double chi2 = Metrics.Divergences.ChiSquared(p, p0, v);
        double mass = Metrics.GridDensity.Mass(grid, p), min = TensorPrimitives.Min(p), outer = 0;
        for (int c = 0; c < grid.Count; c++)
            if (grid.IsOuterCell(c)) outer += p[c];
        return new PdeDiagnostics(time, loss, loss + model.Problem.Lambda * kl, kl, chi2, mass, min, outer * v, r);
    }
}
