using FokkerPlanckNtk.Model;
using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Stationary;

/// <param name="Tolerance">Newton stops when max_j |F_j(r)| ≤ Tolerance · max(1, max|y|).</param>
/// <param name="MaxIterations">Newton iteration cap per quadrature order.</param>
/// <param name="QuadratureTolerance">
/// The quadrature order is raised until r* changes by at most this × max(1, max|r*|) between two orders.
/// </param>
/// <param name="Order">A fixed Gauss–Hermite / Gauss–Legendre order per θ axis instead of the convergence sequence.</param>
/// <param name="Rule">The whole-space θ rule (see <see cref="ThetaRule"/>).</param>
public sealed record StationaryOptions(double Tolerance = 1e-13, int MaxIterations = 50, double QuadratureTolerance = 1e-12, int? Order = null,
    ThetaRule Rule = ThetaRule.Auto);

/// <summary>The whole-space quadrature in θ.</summary>
public enum ThetaRule
{
    /// <summary>Trapezoid for bounded activations, Gauss–Hermite for the linear one (see the two below).</summary>
    Auto,

    /// <summary>
    /// Tensor Gauss–Hermite. Geometric convergence for the linear activation (polynomials times the Gaussian
    /// tilt), but only root-exponential, e^{−τ√(2N)}, for activations with poles at distance τ from the real
    /// axis (tanh: τ = π/(2|x|)): in d = 3 the largest order (96³ nodes) leaves ~1e-8..1e-10.
    /// </summary>
    GaussHermite,

    /// <summary>
    /// Tensor truncated trapezoid rule for N(0, I) (<see cref="GaussianTrapezoid"/>): error e^{−2πτ/h},
    /// round-off with ~90 nodes per axis for tanh with |x| ≤ 1. The cutoff T grows with the tilt so that the
    /// neglected mass e^{c̃²/2} Φc(T) stays below 1e-17.
    /// </summary>
    Trapezoid,
}

/// <summary>
/// The stationary state of the PDE (docs/mathematics.md, stationary state), p* ∝ p0 e^{−u c̃(θ)} with c̃ built from its own
/// residuals, found by Newton's method with a damped line search on the n residual equations
/// F(r) = r − f(p*_r) + y = 0 (analytic Jacobian, SPD). Three domains:
/// <list type="bullet">
/// <item><see cref="Solve"/>: the whole space, tensor Gauss–Hermite in θ (d = 1, 2, 3), u-integrals exact;</item>
/// <item><see cref="SolveOnBox"/>: the box of a grid, Gauss–Legendre in θ over the box and truncated-Gaussian
/// moments in u: the long-time limit of the PDE on that box;</item>
/// <item><see cref="SolveOnGrid"/>: the grid's own midpoint sums: exactly the finite-volume scheme's steady
/// state (the exponential-fitting flux vanishes on the discrete Gibbs state p_c ∝ e^{−Ψ_c/λ}).</item>
/// </list>
/// Failures (no convergence within the iteration cap, a singular or non-finite Jacobian, a tilt that is
/// not normalizable, a quadrature that does not converge) come back as a result with
/// <see cref="StationaryResult.Converged"/> false and a <see cref="StationaryResult.Status"/>, never as numbers.
/// </summary>
public sealed class StationarySolver
{
    private readonly Problem _problem;
    private readonly StationaryOptions _options;

    /// <summary>A solver for <paramref name="problem"/> (default options when null).</summary>
    public StationarySolver(Problem problem, StationaryOptions? options = null)
    {
        _problem = problem;
        _options = options ?? new StationaryOptions();
        InputException.RequirePositive("stationary.tolerance", _options.Tolerance);
        InputException.RequirePositive("stationary.quadratureTolerance", _options.QuadratureTolerance);
        InputException.RequireAtLeast("stationary.maxIterations", _options.MaxIterations, 1);
        if (_options.Order is int o) InputException.RequireAtLeast("stationary.order", o, 2);
        if (problem.Dimension > 3) throw new InputException("problem.data.x", $"d = {problem.Dimension}", "the stationary solver supports d = 1, 2, 3");
    }

    /// <summary>The whole-space stationary state (Gauss–Hermite in θ, order by measured convergence).</summary>
    public StationaryResult Solve()
    {
        var activation = _problem.Activation;
        if (!activation.IsBounded && !ReferenceEquals(activation, Activation.Linear))
            throw new InputException("problem.activation", activation.Name,
                "the whole-space stationary solver needs a bounded activation or the linear one (whose tilt normalizability is known in closed form)");
        int d = _problem.Dimension;
        var rule = _options.Rule == ThetaRule.Auto
            ? (activation.IsBounded ? ThetaRule.Trapezoid : ThetaRule.GaussHermite)
            : _options.Rule;
        if (rule == ThetaRule.GaussHermite || _options.Order is not null)
            return SolveWithLevels("whole space", GaussOrders(d).Select(order => new Level($"Gauss–Hermite order {order}", order, GibbsEquations? (_) =>
            {
                var gh = GaussHermite.Normal(order, d);
                return new GibbsEquations(_problem, gh, LogWeights(gh), new TiltedU.Line());
            })).ToList(), null, IsNormalizableOnLine);
        return SolveWithLevels("whole space", TrapezoidSteps(d).Select(step => new Level(
            string.Create(CultureInfo.InvariantCulture, $"trapezoid step {step:G4}"), 0, GibbsEquations? (r) =>
            {
                double cutoff = TrapezoidCutoff(r);
                if (Math.Pow(2 * Math.Floor(cutoff / step) + 1, d) > TrapezoidNodeBudget) return null;
                var tr = GaussianTrapezoid.Normal(step, cutoff, d);
                return new GibbsEquations(_problem, tr, LogWeights(tr), new TiltedU.Line());
            })).ToList(), null, IsNormalizableOnLine);
    }

    /// <summary>
    /// The fixed point restricted to the box Π [−B_k, B_k] (halfWidths: the d θ axes, then u): Gauss–Legendre
    /// in θ (order by measured convergence) and exact truncated-Gaussian moments in u.
    /// </summary>
    public StationaryResult SolveOnBox(IReadOnlyList<double> halfWidths)
    {
        int d = _problem.Dimension;
        if (halfWidths.Count != d + 1)
            throw new InputException("grid.halfWidth", $"{halfWidths.Count} values", $"the box needs d + 1 = {d + 1} half widths (θ axes, then u)");
        for (int k = 0; k <= d; k++) InputException.RequirePositive($"grid.halfWidth[{k}]", halfWidths[k]);
        var thetaBox = halfWidths.Take(d).ToArray();
        double bu = halfWidths[d];
        return SolveWithLevels($"box [{string.Join(", ", halfWidths.Select(b => "±" + b.ToString("G6", CultureInfo.InvariantCulture)))}]",
            GaussOrders(d).Select(order => new Level($"Gauss–Legendre order {order}", order, GibbsEquations? (_) =>
            {
                var rule = GaussLegendre.Box(order, thetaBox);
                return new GibbsEquations(_problem, rule, LogGaussianWeights(rule), new TiltedU.Truncated(bu));
            })).ToList(), halfWidths.ToArray(), _ => true);
    }

    /// <summary>
    /// The discrete fixed point on the grid's cell centres (midpoint sums in θ and u): the finite-volume
    /// scheme's own steady state, to which a long PDE run converges (up to the time-stepping tolerance).
    /// </summary>
    public StationaryResult SolveOnGrid(UniformGrid grid)
    {
        int d = _problem.Dimension;
        if (grid.ThetaDimension != d)
            throw new InputException("grid.cells", $"{grid.Dimension} axes", $"must have d + 1 = {d + 1} axes for data of dimension d = {d}");
        int columns = grid.ColumnCount;
        var nodes = new double[columns * d];
        for (int c = 0; c < columns; c++) grid.ThetaCenter(c, nodes.AsSpan(c * d, d));
        var rule = new QuadratureRule(nodes, Enumerable.Repeat(grid.ThetaVolume, columns).ToArray(), d);
        var equations = new GibbsEquations(_problem, rule, LogGaussianWeights(rule),
            new TiltedU.Discrete(grid.Centers(grid.UAxis).ToArray(), grid.Spacing(grid.UAxis)));
        var start = new double[_problem.SampleCount];
        var newton = Newton(equations, start, _ => true);
        string status = newton.Converged
            ? string.Create(CultureInfo.InvariantCulture, $"converged: |F(r*)| = {newton.ResidualNorm:E2} after {newton.Iterations} Newton iterations (midpoint sums: no quadrature error relative to the scheme)")
            : newton.Status;
        return MakeResult($"grid {grid} (the scheme's discrete steady state)", newton, newton.Iterations, 0, 0, grid.HalfWidths.ToArray(), status);
    }

    /// <summary>
    /// r* (whole space), r*_box (the grid's box) and r*_grid (the grid's discrete steady state), with the gap
    /// between r* and r*_box and the grid error |r*_box − r*_grid|; a warning when the gap is well above
    /// the grid error (the box cuts off a visible share of p*).
    /// </summary>
    public BoxComparison CompareWithBox(UniformGrid grid) =>
        new(Solve(), SolveOnBox(grid.HalfWidths), SolveOnGrid(grid));

    // ---------------------------------------------------------------------------------------------

    private IReadOnlyList<int> GaussOrders(int d)
    {
        if (_options.Order is int fixedOrder) return [fixedOrder];
        int max = Ntk.GramMatrix.MaxTensorOrder(d);
        return QuadratureRule.ConvergenceOrders.Where(o => o >= 16 && o <= max).ToArray();
    }

    /// <summary>Largest tensor trapezoid rule tried (nodes over all d axes).</summary>
    private const long TrapezoidNodeBudget = 2_000_000;

    /// <summary>Finest trapezoid step (resolves a tilt peak of width ~0.01, i.e. |c̃| in the hundreds).</summary>
    private const double MinTrapezoidStep = 2e-3;

    /// <summary>
    /// Trapezoid steps tried in turn: 0.5·2^{−k/2} while the tensor rule (cutoff ≥ 9) stays within the node
    /// budget. d = 3 stops at h ≈ 0.18 (round-off for tanh with |x| ≤ 1); d = 1 goes much finer, which a
    /// strongly tilted state (the mass of π concentrated where |c̃| peaks, large α/λ) needs.
    /// </summary>
    private IEnumerable<double> TrapezoidSteps(int d)
    {
        for (double h = 0.5; h >= MinTrapezoidStep && Math.Pow(2 * Math.Ceiling(9 / h) + 1, d) <= TrapezoidNodeBudget; h /= Math.Sqrt(2))
            yield return h;
    }

    /// <summary>
    /// T such that the tail e^{C²/2} Φc(T) ≤ 1e-17 (Φc(T) ≤ φ(T)/T), with C = β G1 Σ|r_i| ≥ sup|c̃| for the
    /// current residuals; at least 9.
    /// </summary>
    private double TrapezoidCutoff(double[] r)
    {
        double beta = 2 * _problem.Alpha / (_problem.SampleCount * _problem.Lambda);
        double c = beta * _problem.Activation.Constants.G1 * r.Sum(Math.Abs);
        return Math.Max(9, Math.Sqrt(c * c + 2 * Math.Log(1e17)));
    }

    private static double[] LogWeights(QuadratureRule rule) => rule.Weights.ToArray().Select(w => Math.Log(w)).ToArray();

    /// <summary>log ω_q = log w_q + log N(θ_q; 0, I_d): the rule's weights for the measure N(θ; 0, I_d) dθ.</summary>
    private static double[] LogGaussianWeights(QuadratureRule rule)
    {
        int d = rule.Dimension;
        var logW = new double[rule.Count];
        double norm = 0.5 * d * Math.Log(2 * Math.PI);
        for (int q = 0; q < rule.Count; q++)
        {
            var t = rule.Node(q);
            double r2 = 0;
            for (int k = 0; k < d; k++) r2 += t[k] * t[k];
            logW[q] = Math.Log(rule.Weights[q]) - 0.5 * r2 - norm;
        }
        return logW;
    }

    /// <summary>
    /// Whole space: E_{N(0,I)}[e^{c̃²/2}] must be finite. Bounded σ: always. Linear σ: c̃(θ) = β θ·a with
    /// a = Σ r_i x_i, and the integral is (1 − β²|a|²)^{−1/2}, finite iff β|a| &lt; 1.
    /// </summary>
    private bool IsNormalizableOnLine(double[] r)
    {
        if (_problem.Activation.IsBounded) return true;
        int d = _problem.Dimension;
        double a2 = 0;
        for (int k = 0; k < d; k++)
        {
            double ak = 0;
            for (int i = 0; i < r.Length; i++) ak += r[i] * _problem.Data.X(i)[k];
            a2 += ak * ak;
        }
        double beta = 2 * _problem.Alpha / (_problem.SampleCount * _problem.Lambda);
        return beta * beta * a2 < 1;
    }

    /// <summary>One quadrature level: a label, its order (0 when not an order) and the equations for the current residuals.</summary>
    private sealed record Level(string Label, int Order, Func<double[], GibbsEquations?> Build);

    /// <summary>
    /// Newton at each level in turn, warm-started from the previous level's r*, until r* changes by at most
    /// the quadrature tolerance: each new level takes at least one Newton step, so the change measures the
    /// difference between the two levels' solutions.
    /// </summary>
    private StationaryResult SolveWithLevels(string domain, IReadOnlyList<Level> levels, double[]? box, Func<double[], bool> normalizable)
    {
        var r = new double[_problem.SampleCount];
        double[]? previous = null;
        int total = 0;
        string previousLabel = "";
        double change = double.PositiveInfinity;
        NewtonOutcome? last = null;
        Level? lastLevel = null;
        foreach (var level in levels)
        {
            var equations = level.Build(r);
            if (equations is null) break; // the rule for the current tilt exceeds the node budget
            var outcome = Newton(equations, r, normalizable, minIterations: previous is null ? 0 : 1);
            total += outcome.Iterations;
            last = outcome;
            lastLevel = level;
            if (!outcome.Converged)
                return MakeResult(domain, outcome, total, level.Order, previous is null ? null : change, box, $"{outcome.Status} ({level.Label})");
            r = outcome.R;
            if (levels.Count == 1)
                return MakeResult(domain, outcome, total, level.Order, null, box,
                    string.Create(CultureInfo.InvariantCulture, $"converged: |F(r*)| = {outcome.ResidualNorm:E2} after {total} Newton iterations with {level.Label} (fixed; no quadrature error estimate)"));
            if (previous is not null)
            {
                change = MaxAbsDifference(r, previous);
                if (change <= _options.QuadratureTolerance * Math.Max(1, r.Max(Math.Abs)))
                    return MakeResult(domain, outcome, total, level.Order, change, box,
                        string.Create(CultureInfo.InvariantCulture, $"converged: |F(r*)| = {outcome.ResidualNorm:E2} after {total} Newton iterations; {level.Label} (change from {previousLabel}: {change:E2})"));
            }
            previous = (double[])r.Clone();
            previousLabel = level.Label;
        }
        if (last is null || lastLevel is null)
            return MakeResult(domain, new NewtonOutcome(false, "", r, 0, double.PositiveInfinity, 0, 0), 0, 0, null, box,
                "quadrature did not converge: even the coarsest rule for this tilt exceeds the node budget");
        return MakeResult(domain, last with { Converged = false }, total, lastLevel.Order, change, box,
            string.Create(CultureInfo.InvariantCulture, $"quadrature did not converge: r* still changes by {change:E2} at {lastLevel.Label}, the finest level within the node budget (tolerance {_options.QuadratureTolerance:E1}); the integrand (tilt e^(c̃²/2)) is too peaked"));
    }

    private StationaryResult MakeResult(string domain, NewtonOutcome o, int iterations, int order, double? quadratureError, double[]? box, string status) =>
        new(_problem, domain, o.Converged, status, o.R, o.LogZ, o.Kl, iterations, order, quadratureError, o.ResidualNorm, box);

    private sealed record NewtonOutcome(bool Converged, string Status, double[] R, int Iterations, double ResidualNorm, double LogZ, double Kl);

    /// <summary>
    /// Newton with backtracking on the residual norm: accept r + tδ when it is normalizable and
    /// |F(r + tδ)|₂ ≤ (1 − 10⁻⁴ t)|F(r)|₂, halving t down to 2⁻⁴⁰.
    /// </summary>
    private NewtonOutcome Newton(GibbsEquations eq, double[] start, Func<double[], bool> normalizable, int minIterations = 0)
    {
        int n = _problem.SampleCount;
        double tol = _options.Tolerance * Math.Max(1, _problem.Data.Y.ToArray().Max(Math.Abs));
        var r = (double[])start.Clone();
        if (!normalizable(r)) r = new double[n]; // c̃ = 0 is always normalizable
        var f = new double[n];
        var j = new double[n, n];
        eq.Evaluate(r, f, j, out double logZ, out double kl);
        var trialF = new double[n];
        var trialJ = new double[n, n];
        for (int it = 0; ; it++)
        {
            double norm = f.Max(Math.Abs);
            if (!double.IsFinite(norm) || !double.IsFinite(logZ))
                return new(false, "non-finite residuals or partition function (overflow in the tilt e^(c̃²/2))", r, it, norm, logZ, kl);
            if (norm <= tol && it >= minIterations) return new(true, "converged", r, it, norm, logZ, kl);
            if (it >= _options.MaxIterations)
                return new(false, string.Create(CultureInfo.InvariantCulture, $"no convergence within {_options.MaxIterations} Newton iterations (max|F| = {norm:E2} > {tol:E1})"), r, it, norm, logZ, kl);
            double[] step;
            try
            {
                var jm = Matrix<double>.Build.DenseOfArray(j);
                var chol = jm.Cholesky();
                if (chol.Determinant <= 0 || !double.IsFinite(chol.Determinant)) throw new ArgumentException("not SPD");
                step = chol.Solve(Vector<double>.Build.DenseOfArray(f)).Negate().ToArray();
                if (step.Any(s => !double.IsFinite(s))) throw new ArgumentException("non-finite step");
            }
            catch (ArgumentException)
            {
                return new(false, "singular Jacobian (not symmetric positive definite to working precision)", r, it, norm, logZ, kl);
            }
            if (norm <= tol)
            {
                // Already converged; a polishing step (|δ| ≤ |F|, since J ≥ I) taken without line search.
                for (int i = 0; i < n; i++) r[i] += step[i];
                eq.Evaluate(r, f, j, out logZ, out kl);
                continue;
            }
            double norm2 = Norm2(f), t = 1;
            bool accepted = false;
            var trial = new double[n];
            for (int half = 0; half <= 40; half++, t *= 0.5)
            {
                for (int i = 0; i < n; i++) trial[i] = r[i] + t * step[i];
                if (!normalizable(trial)) continue;
                eq.Evaluate(trial, trialF, trialJ, out double tz, out double tk);
                if (double.IsFinite(tz) && Norm2(trialF) <= (1 - 1e-4 * t) * norm2)
                {
                    (r, trial) = (trial, r);
                    Array.Copy(trialF, f, n);
                    Array.Copy(trialJ, j, n * n);
                    logZ = tz;
                    kl = tk;
                    accepted = true;
                    break;
                }
            }
            // No decrease is possible once F is at its round-off floor, which grows with the conditioning
            // (J = I + αβ(…), αβ = 2α²/(nλ)); then r is fixed to the size of the Newton step.
            if (!accepted && step.Max(Math.Abs) <= 1e-13 * Math.Max(1, r.Max(Math.Abs)))
                return new(true, "converged (residual at its round-off floor)", r, it + 1, norm, logZ, kl);
            if (!accepted)
                return new(false, string.Create(CultureInfo.InvariantCulture,
                    $"line search failed: no normalizable point with a smaller residual along the Newton direction (max|F| = {norm:E2})"), r, it + 1, norm, logZ, kl);
        }
    }

    private static double Norm2(double[] v) => Math.Sqrt(v.Sum(x => x * x));

    private static double MaxAbsDifference(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
}

/// <summary>The whole-space, box and grid fixed points side by side (docs/mathematics.md, stationary state).</summary>
public sealed record BoxComparison(StationaryResult Whole, StationaryResult Box, StationaryResult Grid)
{
    /// <summary>max_i |r*_i − r*_box,i|: what the box itself changes.</summary>
    public double Gap => Whole.Converged && Box.Converged ? MaxDiff(Whole.Residuals, Box.Residuals) : double.PositiveInfinity;

    /// <summary>max_i |r*_box,i − r*_grid,i|: the grid's discretization error of the box problem.</summary>
    public double GridError => Box.Converged && Grid.Converged ? MaxDiff(Box.Residuals, Grid.Residuals) : double.PositiveInfinity;

    /// <summary>A warning when the box changes r* by more than 10× the grid error (and more than 1e-10), else null.</summary>
    public string? Warning =>
        Gap > 10 * GridError && Gap > 1e-10
            ? string.Create(CultureInfo.InvariantCulture,
                $"the box changes the stationary residuals by {Gap:E2}, well above the grid error {GridError:E2}: p* puts visible mass outside the box; enlarge grid.halfWidth to approach the whole-space r*")
            : null;

    private static double MaxDiff(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
}
