using System.Numerics.Tensors;
using FokkerPlanckNtk.Grids;

namespace FokkerPlanckNtk.FiniteVolume;

public enum StepperKind
{
    /// <summary>Shu–Osher SSP-RK3, explicit, positivity-preserving under the local bound.</summary>
    SspRk3,
}

/// <param name="Cfl">Fraction of the stability/positivity bound used as the step (0 &lt; Cfl ≤ 1).</param>
/// <param name="Stepper">The time integrator.</param>
public sealed record PdeSolverOptions(double Cfl = 0.5, StepperKind Stepper = StepperKind.SspRk3)
{
    internal void Validate()
    {
        if (!(Cfl > 0 && Cfl <= 1)) throw new InputException("time.cfl", Cfl, "must be in (0, 1]");
    }
}

/// <summary>The diagnostics of DESIGN.md §4/§5 at one time.</summary>
/// <param name="FreeEnergy">Q_h = L_h + λ Σ p log(p/p0_c) V.</param>
/// <param name="OuterLayerMass">Mass in the outermost cell layer (a box-too-small indicator).</param>
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
public sealed class PdeSolver
{
    private const int ColumnsPerBlock = 8;
    private readonly FiniteVolumeModel _model;
    private readonly UniformGrid _grid;
    private readonly PdeSolverOptions _options;
    private readonly int _n, _cols, _nu, _d, _blocks;
    private readonly double _lambda;
    private double[] _stage1;                        // SSP-RK3 intermediate state (swapped with the density)
    private readonly double[] _stage2;
    private readonly double[] _uSquared;
    private readonly double[] _m1, _m1Stage;         // first u-moment per column of the current / stage state
    private readonly double[] _m0, _m2;              // zeroth and second moments (stiff-mode rate)
    private readonly double[] _r, _coupling;         // residuals, c(θ)
    private readonly double[] _fluxU;                // flux through the upper u-face of each cell
    private readonly double[][] _fluxTheta;          // per θ axis: flux through the upper face of each cell
    private readonly double[] _localRate;            // per column: max_j of the rate from faces the column computes
    private readonly double[][] _maxBMinus;          // per θ axis, per column: max_j B(−w) on its upper face
    private readonly BlockScratch[] _scratch;
    private readonly double[] _blockMin;
    private readonly double[] _gram;                 // n × n
    private double[] _density;

    private sealed class BlockScratch(int nu)
    {
        public readonly double[] W = new double[nu], E = new double[nu], BPlus = new double[nu],
            BMinus = new double[nu], Rate = new double[nu];
    }

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
        _r = new double[_n];
        _coupling = new double[_cols];
        _fluxU = new double[_grid.Count];
        _fluxTheta = new double[_d][];
        _maxBMinus = new double[_d][];
        for (int k = 0; k < _d; k++) { _fluxTheta[k] = new double[_grid.Count]; _maxBMinus[k] = new double[_cols]; }
        _localRate = new double[_cols];
        _scratch = new BlockScratch[_blocks];
        for (int b = 0; b < _blocks; b++) _scratch[b] = new BlockScratch(_nu);
        _blockMin = new double[_blocks];
        _gram = new double[_n * _n];
        _uSquared = new double[_nu];
        TensorPrimitives.Multiply(model.UCenters, model.UCenters, _uSquared);
        _model.ThetaMoments(_density, _m0, _m1, _m2);
    }

    public FiniteVolumeModel Model => _model;

    /// <summary>The current density (cell averages); do not modify during a run.</summary>
    public double[] Density => _density;

    public double Time { get; private set; }

    /// <summary>Accepted steps so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Steps rejected because a stage went negative (the step was halved and retried).</summary>
    public long RejectedSteps { get; private set; }

    /// <summary>The step size of the last accepted step.</summary>
    public double LastStep { get; private set; }

    /// <summary>The bound-limited step at the start of the last step (before landing on an output time).</summary>
    public double LastStableStep { get; private set; }

    /// <summary>Called after every accepted step (e.g. to track the free energy at every step).</summary>
    public Action<PdeSolver>? AfterStep { get; set; }

    /// <summary>Everything needed to continue bit-identically.</summary>
    public sealed record State(double Time, long Steps, long RejectedSteps, double[] Density);

    public State Save() => new(Time, Steps, RejectedSteps, (double[])_density.Clone());

    public void Restore(State state)
    {
        if (state.Density.Length != _grid.Count)
            throw new InputException("checkpoint.density", $"{state.Density.Length} values", $"must have {_grid.Count} values");
        state.Density.CopyTo(_density, 0);
        Time = state.Time;
        Steps = state.Steps;
        RejectedSteps = state.RejectedSteps;
        _model.ThetaMoments(_density, _m0, _m1, _m2);
    }

    /// <summary>Advances to exactly <paramref name="t"/> (the last step is shortened to land on it).</summary>
    public void AdvanceTo(double t)
    {
        if (!double.IsFinite(t)) throw new InputException("time.end", t, "must be a finite number");
        while (Time < t)
        {
            double remaining = t - Time;
            double taken = Step(remaining);
            if (taken >= remaining) Time = t; // land exactly, whatever the rounding of Time + dt
        }
    }

    /// <summary>One SSP-RK3 step of at most <paramref name="maxDt"/>; returns the step taken.</summary>
    public double Step(double maxDt)
    {
        if (!(maxDt > 0)) throw new ArgumentOutOfRangeException(nameof(maxDt), "must be positive");
        // Stage 1 fluxes and the bound from the current state.
        _model.ResidualsFromMoment(_m1, _r);
        _model.CouplingFromResiduals(_r, _coupling);
        double rate = ComputeFluxes(_density, computeRate: true) + StiffModeRate();
        if (!double.IsFinite(rate))
            throw new InputException("time.cfl", _options.Cfl,
                $"the density became non-finite at t = {Time:G6}; the problem is too stiff for this step bound");
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
                throw new InputException("time.cfl", _options.Cfl,
                    $"a time step of {dt:G4} at t = {Time:G6} produced a non-finite density");
            if (min >= 0) break;
            RejectedSteps++;
            if (attempt > 40)
                throw new InputException("time.cfl", _options.Cfl,
                    $"the density cannot be kept non-negative at t = {Time:G6} even with dt = {dt:G3}");
            dt *= 0.5;
            // Restore the stage-1 fluxes of the current state for the retry.
            _model.ResidualsFromMoment(_m1, _r);
            _model.CouplingFromResiduals(_r, _coupling);
            ComputeFluxes(_density, computeRate: false);
        }
        (_density, _stage1) = (_stage1, _density);
        _m1Stage.CopyTo(_m1, 0);
        Time += dt;
        Steps++;
        LastStep = dt;
        AfterStep?.Invoke(this);
        return dt;
    }

    private void Stage(double[] s, double[] m1)
    {
        _model.ResidualsFromMoment(m1, _r);
        _model.CouplingFromResiduals(_r, _coupling);
        ComputeFluxes(s, computeRate: false);
    }

    /// <summary>(2α²/n) λ_max(H_h(p)): the rate of the residual-feedback mode (DESIGN.md §4).</summary>
    private double StiffModeRate()
    {
        var p = _model.Problem;
        if (p.Alpha == 0) return 0;
        var sigma = _model.SigmaTable;
        var sigmaPrime = _model.SigmaPrimeTable;
        double v = _grid.ThetaVolume;
        Span<double> tmp = _cols <= 4096 ? stackalloc double[_cols] : new double[_cols];
        for (int i = 0; i < _n; i++)
        {
            var si = sigma.Slice(i * _cols, _cols);
            var spi = sigmaPrime.Slice(i * _cols, _cols);
            for (int j = i; j < _n; j++)
            {
                TensorPrimitives.Multiply(si, _m0, tmp);
                double h0 = TensorPrimitives.Dot(tmp, sigma.Slice(j * _cols, _cols));
                TensorPrimitives.Multiply(spi, _m2, tmp);
                double h2 = TensorPrimitives.Dot(tmp, sigmaPrime.Slice(j * _cols, _cols));
                double h = (h0 + p.Data.Dot(i, j) * h2) * v;
                _gram[i * _n + j] = h;
                _gram[j * _n + i] = h;
            }
        }
        var evd = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(_n, _n, _gram).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        double lmax = evd.EigenValues.Select(e => e.Real).Max();
        return 2 * p.Alpha * p.Alpha / _n * Math.Max(lmax, 0);
    }

    /// <summary>
    /// Fluxes of state <paramref name="s"/> with the current coupling c(θ). With <paramref name="computeRate"/>,
    /// returns an upper bound of max_c Σ_k (λ/Δ_k²)(B(w_{k,c+½}) + B(−w_{k,c−½})) (exact along u and on the
    /// upper θ faces; the lower θ-face term is bounded by its column maximum).
    /// </summary>
    private double ComputeFluxes(double[] s, bool computeRate)
    {
        if (Parallelism.Threads == 1)
            for (int b = 0; b < _blocks; b++) FluxBlock(b, s, computeRate);
        else
            Parallel.For(0, _blocks, Parallelism.Options, b => FluxBlock(b, s, computeRate));
        if (!computeRate) return 0;
        double rate = 0;
        for (int c = 0; c < _cols; c++)
        {
            double r = _localRate[c];
            for (int k = 0; k < _d; k++)
            {
                if (_model.ColumnAxisIndex(k, c) == 0) continue;
                double dk = _grid.Spacing(k);
                r += _lambda / (dk * dk) * _maxBMinus[k][c - _model.ColumnStride(k)];
            }
            rate = Math.Max(rate, r);
        }
        return rate;
    }

    private void FluxBlock(int block, double[] s, bool computeRate)
    {
        var scratch = _scratch[block];
        int nu = _nu;
        double du = _grid.Spacing(_grid.UAxis);
        var u = _model.UCenters;
        var uShift = _model.UFaceShift;
        int end = Math.Min(_cols, (block + 1) * ColumnsPerBlock);
        for (int a = block * ColumnsPerBlock; a < end; a++)
        {
            int offset = a * nu;
            var pa = s.AsSpan(offset, nu);
            // u faces: w_j = Δu·c(θ)/λ + Δu·(u_j + u_{j+1})/2.
            int faces = nu - 1;
            var w = scratch.W.AsSpan(0, faces);
            var e = scratch.E.AsSpan(0, faces);
            TensorPrimitives.Add(uShift[..faces], du * _coupling[a] / _lambda, w);
            TensorPrimitives.Exp(w, e);
            var fu = _fluxU.AsSpan(offset, nu);
            ExponentialFitting.Fluxes(w, e, pa[..faces], pa[1..], _lambda / du, fu[..faces],
                computeRate ? scratch.BPlus.AsSpan(0, faces) : default, computeRate ? scratch.BMinus.AsSpan(0, faces) : default);
            fu[faces] = 0;
            Span<double> rateCol = scratch.Rate;
            if (computeRate)
            {
                double cu = _lambda / (du * du);
                rateCol[0] = 0;
                for (int j = 0; j < faces; j++) rateCol[j] = cu * scratch.BPlus[j];
                rateCol[faces] = 0;
                for (int j = 0; j < faces; j++) rateCol[j + 1] += cu * scratch.BMinus[j];
            }
            // θ faces to the upper neighbour along each axis: w_j = u_j·(c_b − c_a)/λ + (θ_{b}² − θ_{a}²)/2.
            for (int k = 0; k < _d; k++)
            {
                var ft = _fluxTheta[k].AsSpan(offset, nu);
                int ik = _model.ColumnAxisIndex(k, a);
                if (ik == _grid.Cells[k] - 1)
                {
                    ft.Clear();
                    if (computeRate) _maxBMinus[k][a] = 0;
                    continue;
                }
                int bcol = a + _model.ColumnStride(k);
                double dk = _grid.Spacing(k);
                double delta = (_coupling[bcol] - _coupling[a]) / _lambda;
                double beta = _model.ThetaFaceShift(k)[ik];
                var wt = scratch.W.AsSpan(0, nu);
                var et = scratch.E.AsSpan(0, nu);
                TensorPrimitives.Multiply(u, delta, wt);
                TensorPrimitives.Add(wt, beta, wt);
                TensorPrimitives.Exp(wt, et);
                ExponentialFitting.Fluxes(wt, et, pa, s.AsSpan(bcol * nu, nu), _lambda / dk, ft,
                    computeRate ? scratch.BPlus : default, computeRate ? scratch.BMinus : default);
                if (computeRate)
                {
                    double ck = _lambda / (dk * dk);
                    TensorPrimitives.MultiplyAdd(scratch.BPlus, ck, rateCol, rateCol);
                    _maxBMinus[k][a] = TensorPrimitives.Max(scratch.BMinus.AsSpan(0, nu));
                }
            }
            if (computeRate) _localRate[a] = TensorPrimitives.Max(rateCol[..nu]);
        }
    }

    /// <summary>
    /// out = a·(s + dt·L(s)) + b·p with L from the fluxes in place, and the u-moments of out per column
    /// (m1 always; m0 and m2 when given). Returns min(out), NaN if any value is NaN.
    /// </summary>
    private double Update(double[] s, double a, double[] p, double b, double dt, double[] output, double[] m1,
        double[]? m0, double[]? m2)
    {
        if (Parallelism.Threads == 1)
            for (int blk = 0; blk < _blocks; blk++) UpdateBlock(blk, s, a, p, b, dt, output, m1, m0, m2);
        else
            Parallel.For(0, _blocks, Parallelism.Options, blk => UpdateBlock(blk, s, a, p, b, dt, output, m1, m0, m2));
        double min = double.PositiveInfinity;
        foreach (double v in _blockMin)
        {
            if (double.IsNaN(v)) return double.NaN;
            min = Math.Min(min, v);
        }
        return min;
    }

    private void UpdateBlock(int block, double[] s, double a, double[] p, double b, double dt, double[] output,
        double[] m1, double[]? m0, double[]? m2)
    {
        int nu = _nu;
        double du = _grid.Spacing(_grid.UAxis);
        double invDu = 1 / du;
        var u = _model.UCenters;
        var rhs = _scratch[block].Rate.AsSpan(0, nu); // the rate scratch is only used inside ComputeFluxes
        int end = Math.Min(_cols, (block + 1) * ColumnsPerBlock);
        double min = double.PositiveInfinity;
        for (int col = block * ColumnsPerBlock; col < end; col++)
        {
            int offset = col * nu;
            var fu = _fluxU.AsSpan(offset, nu);
            // dp/dt = −Σ_k (F_{k,c+½} − F_{k,c−½})/Δ_k; the flux below the first cell is zero.
            rhs[0] = -fu[0];
            TensorPrimitives.Subtract(fu[..^1], fu[1..], rhs[1..]);
            TensorPrimitives.Multiply(rhs, invDu, rhs);
            for (int k = 0; k < _d; k++)
            {
                double invDk = 1 / _grid.Spacing(k);
                TensorPrimitives.MultiplyAdd(_fluxTheta[k].AsSpan(offset, nu), -invDk, rhs, rhs);
                if (_model.ColumnAxisIndex(k, col) > 0)
                    TensorPrimitives.MultiplyAdd(_fluxTheta[k].AsSpan(offset - _model.ColumnStride(k) * nu, nu), invDk, rhs, rhs);
            }
            var outc = output.AsSpan(offset, nu);
            TensorPrimitives.MultiplyAdd(rhs, dt, s.AsSpan(offset, nu), outc);
            if (b == 0) { if (a != 1) TensorPrimitives.Multiply(outc, a, outc); }
            else
            {
                TensorPrimitives.Multiply(outc, a, outc);
                TensorPrimitives.MultiplyAdd(p.AsSpan(offset, nu), b, outc, outc);
            }
            m1[col] = TensorPrimitives.Dot(outc, u) * du;
            if (m0 is not null) m0[col] = TensorPrimitives.Sum(outc) * du;
            if (m2 is not null) m2[col] = TensorPrimitives.Dot(outc, _uSquared) * du;
            min = Math.Min(min, TensorPrimitives.Min(outc));
            if (double.IsNaN(min)) break;
        }
        _blockMin[block] = min;
    }

    /// <summary>Diagnostics of the current density.</summary>
    public PdeDiagnostics Diagnose() => Diagnose(_model, _density, Time);

    public static PdeDiagnostics Diagnose(FiniteVolumeModel model, ReadOnlySpan<double> p, double time)
    {
        var grid = model.Grid;
        var r = new double[model.Problem.SampleCount];
        model.Residuals(p, r);
        double loss = FiniteVolumeModel.Loss(r);
        double v = grid.CellVolume;
        var p0 = model.ReferenceDensityValues;
        double kl = 0, chi2 = 0, mass = 0, min = double.PositiveInfinity, outer = 0;
        for (int c = 0; c < grid.Count; c++)
        {
            double pc = p[c];
            mass += pc;
            min = Math.Min(min, pc);
            if (pc > 0) kl += pc * Math.Log(pc / p0[c]);
            double diff = pc - p0[c];
            chi2 += diff * diff / p0[c];
            if (grid.IsOuterCell(c)) outer += pc;
        }
        kl *= v;
        return new PdeDiagnostics(time, loss, loss + model.Problem.Lambda * kl, kl, chi2 * v, mass * v, min, outer * v, r);
    }
}
