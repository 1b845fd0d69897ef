using System.Numerics.Tensors;

namespace FokkerPlanckNtk.FiniteVolume;

/// <summary>
/// The implicit-feedback stepper (time.stepper = implicitFeedback): explicit transport, implicit residuals.
/// The density is advanced by the three forward-Euler half steps of SSP(3,2),
///     P₂ = p⁰ + (h/2)L(ρ₁)p⁰,  P₃ = P₂ + (h/2)L(ρ₂)P₂,  p¹ = ⅓p⁰ + ⅔(P₃ + (h/2)L(ρ₃)P₃),
/// each positive under its own cell-wise bound (h/2)·outflow(ρᵢ) ≤ Cfl, while the coefficient residuals ρᵢ
/// follow the L-stable TR-BDF2 (γ = ½) tableau on r' = R L(r) p (the rank-n stiff mode):
///     ρ₁ = r⁰,  ρ₂ = r⁰ + (h/4)(G₁ + G₂),  ρ₃ = r⁰ + (h/3)(G₁ + G₂ + G₃),  Gᵢ = R L(ρᵢ) Pᵢ,
/// a partitioned Runge–Kutta pair with the same weights (⅓, ⅓, ⅓) and nodes (0, ½, 1), hence second order,
/// and stiffly accurate: r(p¹) = ρ₃. ρ₂ and ρ₃ are n-dimensional implicit equations: each stage's own flux pass
/// gives its defect, and a failing prediction is corrected by Newton steps whose exact Jacobian h·K̃, K̃ = −∂G/∂ρ
/// symmetric positive semi-definite, costs one pass over the cells without stores for all n directions at once
/// (<see cref="ColumnKernels.UFaceSums"/>, <see cref="ColumnKernels.CrossFaceSums"/>).
/// Error control: the embedded first-order solution P₃ (two half steps); est = max(‖p¹ − P₃‖₁, |r(p¹) − r(P₃)|∞)
/// ≤ time.tolerance, PI step-size controller. See docs/scheme.md.
/// </summary>
public sealed partial class PdeSolver
{
    /// <summary>The tolerance when none is given: see docs/scheme.md (measured on the default problem).</summary>
    public const double DefaultTolerance = 1e-5;

    private const int MaxNewtonIterations = 12;
    // The stage solves stop when the defect is below these fractions of the tolerance. Stage 3's defect is exactly
    // r(p¹) − ρ₃, a deviation of the new residuals from the slow manifold along the stiff directions (the next
    // step's estimate sees it): it must be far below τ. Stage 2's defect is damped by (I + (h/4)K̃)⁻¹ there.
    // Measured on the α = 1024 benchmark: stage 3 at ≤ 1e-2 τ keeps the steps of exact solves (867), at 1e-1 τ
    // they grow to 1196; stage 2 at 0.1 τ needs 588 corrections in 868 steps, at 1e-3 τ 1111.
    private const double Stage2Fraction = 0.1, Stage3Fraction = 1e-2;
    private const double ExplicitCfl = 0.5;            // SSP-RK3's default, for ExplicitBoundSteps
    private const double Safety = 0.9, MinFactor = 0.2, MaxFactor = 5, TransportMargin = 0.95;
    private const double PiExponent1 = 0.7 / 2, PiExponent2 = 0.4 / 2; // Gustafsson's PI, estimate ~ h²

    private FeedbackWorkspace? _fb;
    private double _nextStep;            // the controller's proposal (0: none yet)
    private double _previousError = 1;   // normalized estimate of the last accepted step

    /// <summary>Steps rejected by the error estimate (included in <see cref="RejectedSteps"/>).</summary>
    public long ErrorRejectedSteps { get; private set; }

    /// <summary>Newton corrections of stage residuals so far (each one more flux pass of its stage).</summary>
    public long NewtonIterations { get; private set; }

    /// <summary>
    /// Σ dt/dt_explicit over the accepted steps, with dt_explicit = 0.5/(max outflow rate + (2α²/n) λ_max(H_h)) at
    /// each step's start: the number of steps SSP-RK3 at its default CFL 0.5 would have needed on this trajectory
    /// (the spectral solver's ExplicitBoundSteps counts the same bound's feedback part, also at CFL 0.5).
    /// </summary>
    public double ExplicitBoundSteps { get; private set; }

    /// <summary>The normalized error estimate (estimate / tolerance) of the last accepted step.</summary>
    public double LastErrorEstimate { get; private set; }

    /// <summary>Σ over the accepted steps of the estimated local error (estimate × tolerance): for a contractive flow a bound of the global time error.</summary>
    public double ErrorEstimateSum { get; private set; }

    /// <summary>max_i |r_i(p¹) − ρ₃,i| of the last step: the stiff accuracy identity r(p¹) = ρ₃, to the last stage's defect.</summary>
    internal double LastConsistency { get; private set; }

    private sealed class FeedbackWorkspace
    {
        public readonly double[] ColumnFlux, ColumnSlope; // per column: Σ_j F_u and Σ_j ∂F_u/∂c
        public readonly double[][] FaceFlux, FaceSlope;   // per θ axis, per column: Σ_j u_j F_θ and Σ_j u_j ∂F_θ/∂(c_b − c_a)
        public readonly double[][] SigmaJump;             // per θ axis: σ_i(θ_b) − σ_i(θ_a) on the upper faces (n × columns)
        public readonly double[] ColumnScratch;
        public readonly double[] R0, G1, G2, Rho2, Rho3, B, Phi, Delta, RP3, R1, V, W, GSums;
        public readonly double[] G, K, K2, J;             // n and n × n
        public readonly double[] Gram;

        public FeedbackWorkspace(PdeSolver s)
        {
            int n = s._n, cols = s._cols, d = s._d;
            ColumnFlux = new double[cols];
            ColumnSlope = new double[cols];
            FaceFlux = new double[d][];
            FaceSlope = new double[d][];
            SigmaJump = new double[d][];
            var sigma = s._model.SigmaTable;
            for (int k = 0; k < d; k++)
            {
                FaceFlux[k] = new double[cols];
                FaceSlope[k] = new double[cols];
                SigmaJump[k] = new double[n * cols];
                int stride = s._model.ColumnStride(k);
                for (int i = 0; i < n; i++)
                    for (int a = 0; a < cols; a++)
                        if (s._model.ColumnAxisIndex(k, a) < s._grid.Cells[k] - 1)
                            SigmaJump[k][i * cols + a] = sigma[i * cols + a + stride] - sigma[i * cols + a];
            }
            ColumnScratch = new double[cols];
            R0 = new double[n]; G1 = new double[n]; G2 = new double[n]; Rho2 = new double[n]; Rho3 = new double[n];
            B = new double[n]; Phi = new double[n]; Delta = new double[n]; RP3 = new double[n]; R1 = new double[n];
            V = new double[n]; W = new double[n]; G = new double[n]; GSums = new double[n];
            K = new double[n * n]; K2 = new double[n * n]; J = new double[n * n]; Gram = new double[n * n];
        }
    }

    // The step's start: r⁰, stage-1 fluxes (coefficient ρ₁ = r⁰), the Gram matrix, the explicit bound 1/(outflow + stiff rate).
    private double FeedbackStart(FeedbackWorkspace w, out double outflow)
    {
        var p = _model.Problem;
        _model.ResidualsFromMoment(_m1, w.R0);
        _model.CouplingFromResiduals(w.R0, _coupling);
        ComputeFluxes(_density);
        outflow = MaxOutflowRate();
        AssembleGram(_m0, _m2, w.Gram);
        double stiff = p.Alpha == 0 ? 0 : 2 * p.Alpha * p.Alpha / _n * Math.Max(SmallSymmetric.LargestEigenvalue(w.Gram, _n, w.V, w.W), 0);
        if (!double.IsFinite(outflow) || !double.IsFinite(stiff))
            throw Diverged("the step bound became non-finite");
        return 1 / (outflow + stiff);
    }

    // The first step's proposal (no controller memory yet), Cfl times the explicit bound: what MaxNextStep promises before
    // the first step. Without it a side step to every sampled time before the first output started again from t = 0 (the
    // α = 1024 run spent a minute there: 139 diagnostics times, each stepped from 0 at the first step's size).
    private double FirstFeedbackProposal() => _options.Cfl * FeedbackStart(_fb ??= new FeedbackWorkspace(this), out _);

    private double FeedbackStep(double maxDt)
    {
        var w = _fb ??= new FeedbackWorkspace(this);
        double tol = _options.Tolerance;
        var p = _model.Problem;
        double explicitStep = FeedbackStart(w, out double outflow);
        double transport = 2 * _options.Cfl / outflow;   // stage 1: (h/2)·outflow(r⁰) ≤ Cfl
        LastStableStep = transport;
        // The Gram form of the Jacobian, (2α²/n)H_h(p⁰) (= −∂G/∂ρ where the cell Péclet numbers are small), for the
        // stage-2 predictor; it needs nothing from earlier steps, so a restored state continues bit-identically.
        TensorPrimitives.Multiply(w.Gram, p.Alpha == 0 ? 0 : 2 * p.Alpha * p.Alpha / _n, w.K);
        AppliedRates(w.G1);                               // G₁ = R L(r⁰) p⁰ from the stored fluxes
        // Without error control (tolerance +∞) the step is MaxStep within the bounds: fixed steps, for order studies.
        double proposal = !double.IsFinite(tol) ? double.PositiveInfinity : _nextStep > 0 ? _nextStep : _options.Cfl * explicitStep;
        // Stages 2 and 3 have their own bounds (known after their solves), close to stage 1's when the step is set by
        // transport: a 5% margin keeps them from rejecting a step by a hair.
        double capped = TransportMargin * transport;
        double dt = Math.Min(Math.Min(maxDt, proposal), capped);
        bool truncated = maxDt < Math.Min(proposal, capped);
        bool transportLimited = capped < Math.Min(maxDt, proposal);
        bool rejected = false;
        for (int attempt = 0; ; attempt++)
        {
            if (attempt > 60)
                throw Diverged(FormattableString.Invariant($"no acceptable step even with dt = {dt:G3}"));
            if (attempt > 0) RestoreStageOne(w);
            var outcome = FeedbackAttempt(w, dt, tol, out double est, out double boundStep);
            if (outcome == Attempt.Accepted)
            {
                if (est > 1)
                {
                    RejectedSteps++;
                    ErrorRejectedSteps++;
                    rejected = true;
                    truncated = false;
                    dt *= Math.Max(MinFactor, Safety * Math.Pow(est, -0.5));
                    continue;
                }
                Accept(w, dt, est, rejected, truncated, transportLimited, explicitStep);
                return dt;
            }
            RejectedSteps++;
            rejected = true;
            truncated = false;
            // A stage's own transport bound (its ρ is known only after its solve), the Newton solve, or round-off
            // below zero: retry within the bound, or with a quarter of the step.
            transportLimited |= outcome == Attempt.TransportBound;
            dt = outcome == Attempt.TransportBound && boundStep < dt ? 0.9 * boundStep : 0.25 * dt;
        }
    }

    private enum Attempt { Accepted, TransportBound, NotConverged, Negative }

    /// <summary>One try of the step dt from the current state (stage-1 fluxes in place); est is normalized.</summary>
    private Attempt FeedbackAttempt(FeedbackWorkspace w, double dt, double tol, out double est, out double boundStep)
    {
        est = double.NaN;
        boundStep = double.PositiveInfinity;
        double half = 0.5 * dt;
        // Stage 1 (explicit): P₂ = p⁰ + (h/2)L(r⁰)p⁰.
        double min = Update(_density, 1.0, _density, 0.0, half, _stage1, _m1Stage, null, null);
        if (!Check(min, dt)) return Attempt.Negative;
        // Stage 2: ρ₂ = r⁰ + (h/4)(G₁ + G(P₂, ρ₂)), predicted with the Gram Jacobian K: (I + (h/4)K)(ρ − r⁰) = (h/2)G₁.
        for (int i = 0; i < _n; i++) { w.B[i] = w.R0[i] + 0.25 * dt * w.G1[i]; w.Rho2[i] = 0.5 * dt * w.G1[i]; }
        SolveShifted(w.K, 0.25 * dt, w.Rho2, w);
        TensorPrimitives.Add(w.Rho2, w.R0, w.Rho2);
        w.K.CopyTo(w.K2, 0);
        var stage = SolveStage(w, _stage1, 0.25 * dt, w.B, w.Rho2, w.K2, w.G2, half, Stage2Fraction * tol, out boundStep);
        if (stage != Attempt.Accepted) return stage;
        min = Update(_stage1, 1.0, _stage1, 0.0, half, _stage2, _m1Stage, null, null);
        if (!Check(min, dt)) return Attempt.Negative;
        _model.ResidualsFromMoment(_m1Stage, w.RP3);
        // Stage 3: ρ₃ = r⁰ + (h/3)(G₁ + G₂ + G(P₃, ρ₃)), predicted by G(P₃, ρ) ≈ G₂ − K₂(ρ − ρ₂).
        for (int i = 0; i < _n; i++) w.B[i] = w.R0[i] + dt / 3 * (w.G1[i] + w.G2[i]);
        SmallSymmetric.Multiply(w.K2, _n, w.Rho2, w.Rho3);
        for (int i = 0; i < _n; i++) w.Rho3[i] = w.B[i] + dt / 3 * (w.G2[i] + w.Rho3[i]);
        SolveShifted(w.K2, dt / 3, w.Rho3, w);
        stage = SolveStage(w, _stage2, dt / 3, w.B, w.Rho3, w.K2, w.G, half, Stage3Fraction * tol, out boundStep);
        if (stage != Attempt.Accepted) return stage;
        // p¹ = ⅓p⁰ + ⅔(P₃ + (h/2)L(ρ₃)P₃) into stage 1 (P₂ is no longer needed), with its moments.
        min = Update(_stage2, 2.0 / 3, _density, 1.0 / 3, half, _stage1, _m1Stage, _m0Stage, _m2Stage);
        if (!Check(min, dt)) return Attempt.Negative;
        _model.ResidualsFromMoment(_m1Stage, w.R1);
        double errP = ColumnKernels.L1Distance(_stage1, _stage2) * _grid.CellVolume;
        double errR = 0, consistency = 0;
        for (int i = 0; i < _n; i++)
        {
            errR = Math.Max(errR, Math.Abs(w.R1[i] - w.RP3[i]));
            consistency = Math.Max(consistency, Math.Abs(w.R1[i] - w.Rho3[i]));
        }
        LastConsistency = consistency;
        est = Math.Max(errP, errR) / tol;
        return Attempt.Accepted;
    }

    /// <summary>
    /// Whether the half step h/2 keeps every cell's self-coefficient ≥ 1 − Cfl for the current coupling: first by a
    /// cheap upper bound of the outflow rate, then (only when that bound does not suffice) by the exact maximum.
    /// Otherwise <paramref name="boundStep"/> is the largest step h that would.
    /// </summary>
    private bool WithinTransportBound(double half, out double boundStep)
    {
        boundStep = double.PositiveInfinity;
        if (half * OutflowRateBound() <= _options.Cfl) return true;
        double outflow = MaxOutflowRate();
        if (half * outflow <= _options.Cfl) return true;
        boundStep = 2 * _options.Cfl / outflow;
        return false;
    }

    /// <summary>
    /// An upper bound of max_c Σ_k (λ/Δ_k²)(B(w_{k,c+½}) + B(−w_{k,c−½})) in O(N^d) without exponentials:
    /// B(x) ≤ 1 + max(0, −x) ≤ 1 + |x|, and |w| on the faces of axis k is at most W_u = Δu(max|c|/λ + u_max) or
    /// W_k = max|c_b − c_a| u_max/λ + Δ_k max|θ_k| (neighbouring columns a, b), so the rate is ≤ Σ_k (λ/Δ_k²)(2 + 2W_k).
    /// Within a factor of about 2 of the exact maximum when the cell Péclet numbers are small.
    /// </summary>
    private double OutflowRateBound()
    {
        var scratch = _fb!.ColumnScratch;
        double uMax = _grid.HalfWidths[_grid.UAxis], du = _grid.Spacing(_grid.UAxis);
        double wu = du * (TensorPrimitives.MaxMagnitude(_coupling) / _lambda + uMax);
        double rate = _lambda / (du * du) * (2 + 2 * wu);
        for (int k = 0; k < _d; k++)
        {
            int stride = _model.ColumnStride(k);
            double dk = _grid.Spacing(k), jump = 0;
            if (_cols > stride)
            {
                // Also pairs across the edge of a layer (a + stride wraps to the next row): only enlarges the bound.
                var diff = scratch.AsSpan(0, _cols - stride);
                TensorPrimitives.Subtract(_coupling.AsSpan(stride, _cols - stride), _coupling.AsSpan(0, _cols - stride), diff);
                jump = TensorPrimitives.MaxMagnitude(diff);
            }
            double wk = jump * uMax / _lambda + dk * _grid.HalfWidths[k];
            rate += _lambda / (dk * dk) * (2 + 2 * wk);
        }
        return rate;
    }

    private bool Check(double min, double dt)
    {
        if (double.IsNaN(min) || double.IsInfinity(min))
            throw Diverged(FormattableString.Invariant($"a time step of {dt:G4} produced a non-finite density"));
        return min >= 0;
    }

    /// <summary>x ← (I + h·K)⁻¹ x (K symmetric positive semi-definite).</summary>
    private void SolveShifted(ReadOnlySpan<double> k, double h, Span<double> x, FeedbackWorkspace w)
    {
        for (int i = 0; i < _n * _n; i++) w.J[i] = h * k[i];
        for (int i = 0; i < _n; i++) w.J[i * _n + i] += 1;
        if (SmallSymmetric.Factor(w.J, _n)) SmallSymmetric.Solve(w.J, _n, x);
    }

    /// <summary>
    /// Solves the stage equation ρ = b + h·G(s, ρ), G(s, ρ) = R L(ρ) s, from the prediction in <paramref name="rho"/>
    /// and leaves the stage's fluxes at the solution in place. Each iteration is the stage's own flux pass: the sums
    /// of the fluxes it stores give G(s, ρ) exactly as the update will apply it (<paramref name="applied"/>), hence
    /// the defect |ρ − b − hG|∞, which must be ≤ <paramref name="tol"/>.
    /// Otherwise a Newton correction with J = I + h·K̃, K̃ = −∂G/∂ρ exact (symmetric positive semi-definite, so J is),
    /// computed by one face-sum pass when the prediction fails and again when an iteration gains less than 10×;
    /// <paramref name="kTilde"/> holds the matrix used on entry (a prediction of K̃) and the last one on exit.
    /// </summary>
    private Attempt SolveStage(FeedbackWorkspace w, double[] s, double h, ReadOnlySpan<double> b, Span<double> rho,
        double[] kTilde, double[] applied, double half, double tol, out double boundStep)
    {
        double previous = double.PositiveInfinity;
        bool exact = false;
        for (int it = 0; it <= MaxNewtonIterations; it++)
        {
            _model.CouplingFromResiduals(rho, _coupling);
            ComputeFluxes(s);
            if (!WithinTransportBound(half, out boundStep)) return Attempt.TransportBound;
            AppliedRates(applied);
            double defect = 0, scale = 0;
            for (int i = 0; i < _n; i++)
            {
                w.Phi[i] = rho[i] - b[i] - h * applied[i];
                defect = Math.Max(defect, Math.Abs(w.Phi[i]));
                scale = Math.Max(scale, Math.Abs(rho[i]) + Math.Abs(b[i]) + Math.Abs(h * applied[i]));
            }
            if (!double.IsFinite(defect)) return Attempt.NotConverged;
            if (defect <= Math.Max(double.IsFinite(tol) ? tol : 0, 1e-14 * scale)) return Attempt.Accepted;
            if (it == MaxNewtonIterations) break;
            if (!exact || defect > 0.1 * previous)
            {
                // The exact Jacobian at this iterate: one pass without stores (the column exponentials are in place).
                if (Parallelism.Threads == 1)
                    for (int blk = 0; blk < _blocks; blk++) FaceSumBlock(blk, s);
                else
                    FaceSumsInParallel(s);
                AssembleRates(w, w.GSums, kTilde);
                exact = true;
            }
            previous = defect;
            NewtonIterations++;
            for (int i = 0; i < _n; i++) w.Delta[i] = -w.Phi[i];
            SolveShifted(kTilde, h, w.Delta, w);
            for (int i = 0; i < _n; i++) rho[i] += w.Delta[i];
        }
        boundStep = double.PositiveInfinity;
        return Attempt.NotConverged;
    }

    private void FaceSumsInParallel(double[] s) => Parallel.For(0, _blocks, Parallelism.Options, blk => FaceSumBlock(blk, s));

    /// <summary>Per column / θ face: sums of the fluxes of <paramref name="s"/> and their c-derivatives (current coupling).</summary>
    private void FaceSumBlock(int block, double[] s)
    {
        var w = _fb!;
        var scratch = _scratch[block];
        int nu = _nu, faces = nu - 1;
        double du = _grid.Spacing(_grid.UAxis);
        var u = _model.UCenters;
        int end = Math.Min(_cols, (block + 1) * ColumnsPerBlock);
        for (int a = block * ColumnsPerBlock; a < end; a++)
        {
            var pa = s.AsSpan(a * nu, nu);
            double shift = du * _coupling[a] / _lambda;
            double flux, slope;
            // The flux pass's exponentials: a per-column factor times a table, a geometric sequence, or one per face.
            if (UFaceFactor(a, shift, scratch, out double factor))
                ColumnKernels.UFaceSums(pa, shift, factor, _model.UFaceShift, _model.UFaceExp, out flux, out slope);
            else
                ColumnKernels.FaceSums(scratch.W.AsSpan(0, faces), scratch.E.AsSpan(0, faces), pa[..faces], pa[1..], default, out flux, out slope);
            w.ColumnFlux[a] = _lambda / du * flux;  // ∂F_u/∂c = ∂F_u/∂w · Δu/λ = B'(w)p_a + B'(−w)p_b
            w.ColumnSlope[a] = slope;
            for (int k = 0; k < _d; k++)
            {
                int ik = _model.ColumnAxisIndex(k, a);
                if (ik == _grid.Cells[k] - 1) { w.FaceFlux[k][a] = 0; w.FaceSlope[k][a] = 0; continue; }
                int b = a + _model.ColumnStride(k);
                double dk = _grid.Spacing(k);
                var pb = s.AsSpan(b * nu, nu);
                if (CrossFaceSequence(k, ik, a, b, scratch, out double delta, out double beta, out double first, out double ratio))
                    ColumnKernels.CrossFaceSums(pa, pb, u, delta, beta, first, ratio, out flux, out slope);
                else
                    ColumnKernels.FaceSums(scratch.W.AsSpan(0, nu), scratch.E.AsSpan(0, nu), pa, pb, u, out flux, out slope);
                w.FaceFlux[k][a] = _lambda / dk * flux;   // Σ_j u_j F_j
                w.FaceSlope[k][a] = slope / dk;          // Σ_j u_j ∂F_j/∂(c_b − c_a), ∂w_j/∂(c_b − c_a) = u_j/λ
            }
        }
    }

    /// <summary>The per-column / per-face flux sums of the fluxes in place (those the last update applied).</summary>
    private void AppliedRates(Span<double> g)
    {
        var w = _fb!;
        int nu = _nu;
        var u = _model.UCenters;
        for (int a = 0; a < _cols; a++)
        {
            w.ColumnFlux[a] = TensorPrimitives.Sum(_fluxU.AsSpan(a * (nu + 1), nu + 1));
            for (int k = 0; k < _d; k++) w.FaceFlux[k][a] = TensorPrimitives.Dot(u, _fluxTheta[k].AsSpan(a * nu, nu));
        }
        AssembleRates(w, g, null);
    }

    /// <summary>
    /// G_i = dr_i/dt = α V_θ Δu [Σ_θ σ_i Σ_j F_u + Σ_k Σ_faces (σ_i(b) − σ_i(a))/Δ_k Σ_j u_j F_θ] (the u-moment of the
    /// flux divergence summed by parts) and, when <paramref name="kTilde"/> is given, K̃ = −∂G/∂ρ through
    /// c = (2α/n) Σ ρ_m σ_m: K̃_im = −α V_θ Δu (2α/n) [Σ_θ σ_i σ_m Σ∂F_u/∂c + Σ_k Σ_faces Δσ_i Δσ_m/Δ_k Σ u_j ∂F_θ/∂(c_b − c_a)].
    /// </summary>
    private void AssembleRates(FeedbackWorkspace w, Span<double> g, double[]? kTilde)
    {
        var p = _model.Problem;
        double scale = p.Alpha * _grid.ThetaVolume * _grid.Spacing(_grid.UAxis);
        var sigma = _model.SigmaTable;
        var tmp = w.ColumnScratch;
        for (int i = 0; i < _n; i++)
        {
            double s = TensorPrimitives.Dot(sigma.Slice(i * _cols, _cols), w.ColumnFlux);
            for (int k = 0; k < _d; k++)
                s += TensorPrimitives.Dot(w.SigmaJump[k].AsSpan(i * _cols, _cols), w.FaceFlux[k]) / _grid.Spacing(k);
            g[i] = scale * s;
        }
        if (kTilde is null) return;
        double kScale = -scale * 2 * p.Alpha / _n;
        for (int i = 0; i < _n; i++)
        {
            var si = sigma.Slice(i * _cols, _cols);
            TensorPrimitives.Multiply(si, w.ColumnSlope, tmp);
            for (int m = i; m < _n; m++) kTilde[i * _n + m] = TensorPrimitives.Dot(tmp, sigma.Slice(m * _cols, _cols));
            for (int k = 0; k < _d; k++)
            {
                double inv = 1 / _grid.Spacing(k);
                TensorPrimitives.Multiply(w.SigmaJump[k].AsSpan(i * _cols, _cols), w.FaceSlope[k], tmp);
                for (int m = i; m < _n; m++) kTilde[i * _n + m] += inv * TensorPrimitives.Dot(tmp, w.SigmaJump[k].AsSpan(m * _cols, _cols));
            }
            for (int m = i; m < _n; m++) { kTilde[i * _n + m] *= kScale; kTilde[m * _n + i] = kTilde[i * _n + m]; }
        }
    }

    /// <summary>G(s, ρ) = R L(ρ) s and K̃ = −∂G/∂ρ by the Newton iteration's pass (tests).</summary>
    internal void FeedbackRates(double[] s, ReadOnlySpan<double> rho, double[] g, double[] kTilde)
    {
        var w = _fb ??= new FeedbackWorkspace(this);
        _model.CouplingFromResiduals(rho, _coupling);
        PrepareColumnExponentials();
        FaceSumPass(s);
        AssembleRates(w, g, kTilde);
    }

    internal void FaceSumPass(double[] s)
    {
        _fb ??= new FeedbackWorkspace(this);
        for (int blk = 0; blk < _blocks; blk++) FaceSumBlock(blk, s);
    }

    /// <summary>Sets the coupling c(θ) from given residuals (tests: fluxes and updates at a chosen ρ).</summary>
    internal void SetCoupling(ReadOnlySpan<double> rho)
    {
        _stageOneReady = false;
        _model.CouplingFromResiduals(rho, _coupling);
    }

    /// <summary>Stage-1 fluxes of the current state again (a rejected try overwrote them).</summary>
    private void RestoreStageOne(FeedbackWorkspace w)
    {
        _model.CouplingFromResiduals(w.R0, _coupling);
        ComputeFluxes(_density);
    }

    private void Accept(FeedbackWorkspace w, double dt, double est, bool rejected, bool truncated, bool transportLimited,
        double explicitStep)
    {
        (_density, _stage1) = (_stage1, _density);
        _m1Stage.CopyTo(_m1, 0);
        _m0Stage.CopyTo(_m0, 0);
        _m2Stage.CopyTo(_m2, 0);
        // PI controller (Gustafsson): h·(1/est)^{0.7/k}·est_prev^{0.4/k}, k = 2 (the estimate is O(h²)); no growth
        // right after a rejection; a step shortened to land on an output time keeps the previous proposal; a step
        // set by a transport bound proposes itself (the next state's bounds are close: no retry at every step).
        double factor = est > 0 ? Safety * Math.Pow(est, -PiExponent1) * Math.Pow(_previousError, PiExponent2) : MaxFactor;
        factor = Math.Clamp(factor, MinFactor, rejected || transportLimited ? 1 : MaxFactor);
        double proposal = dt * factor;
        _nextStep = truncated ? Math.Max(proposal, _nextStep) : proposal;
        _previousError = Math.Max(est, 1e-4);
        LastErrorEstimate = est;
        if (double.IsFinite(_options.Tolerance)) ErrorEstimateSum += est * _options.Tolerance;
        ExplicitBoundSteps += dt / (ExplicitCfl * explicitStep);
        Time += dt;
        Steps++;
        LastStep = dt;
    }
}
