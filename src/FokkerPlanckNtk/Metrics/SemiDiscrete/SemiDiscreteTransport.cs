using System.Diagnostics;
using System.Numerics.Tensors;

namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>Options of <see cref="SemiDiscreteTransport"/>.</summary>
public sealed record SemiDiscreteOptions
{
    /// <summary>Stop when Σ_i |m_i − ν_i| ≤ this times the total mass (cell masses against atom masses).</summary>
    public double MassTolerance { get; init; } = 1e-10;

    /// <summary>Also stop when three Newton steps together raised the dual Φ by less than this times |Φ| and the mass
    /// error is below <see cref="FrozenMassTolerance"/>: the value has stagnated though light tail cells still miss mass.</summary>
    public double ValueTolerance { get; init; } = 1e-6;

    /// <summary>Largest mass error (relative to the total) accepted with the value test of <see cref="ValueTolerance"/>: a
    /// solve stopped there is <see cref="TransportStatus.Optimal"/> at this tolerance (its message says so, and
    /// <see cref="SemiDiscreteResult.ValueGapEstimate"/> estimates what the value still lacks); above it the Newton goes on
    /// to <see cref="MassTolerance"/> or its cap. 1e-6: the tail crawl measured on 64²–128² grid densities
    /// (validation/transport/grid-densities.md); it was 1e-2, which let a stalled Newton report Optimal.</summary>
    public double FrozenMassTolerance { get; init; } = 1e-6;

    /// <summary>Cap on Newton steps (each needs one or more cell evaluations).</summary>
    public int MaxNewtonSteps { get; init; } = 200;

    /// <summary>Cap on cell evaluations (the cost unit of a solve: the starts, always made, and every Newton trial): the solve stops with
    /// <see cref="TransportStatus.IterationLimit"/> (its bracket still certified) when the next would exceed it. The facade
    /// derives it from its wall-time budget (<see cref="Wasserstein.ExceedsSemiDiscreteBudget"/>).</summary>
    public int MaxEvaluations { get; init; } = int.MaxValue;

    /// <summary>Wall-clock limit in seconds, checked where <see cref="MaxEvaluations"/> is (the same stop): a safety net for
    /// solves far slower than estimated; results then depend on the machine's speed (the message says so). ∞ by default.</summary>
    public double MaxSeconds { get; init; } = double.PositiveInfinity;

    /// <summary>Cap on conjugate-gradient iterations per Newton step.</summary>
    public int MaxCgIterations { get; init; } = 20000;

    /// <summary>Accept atoms outside the density's box (their cells are clipped to the box; the problem stays well posed).
    /// Off by default: a density that does not cover the atoms is usually a mistake, and the error names the atom.</summary>
    public bool AllowAtomsOutsideBox { get; init; }

    /// <summary>How Newton steps are damped (automatic: by the spread of the atoms' masses).</summary>
    public SemiDiscreteDamping Damping { get; init; }

    /// <summary>Precondition the Newton systems of the mass-floor damping by aggregation multigrid (else by their diagonal,
    /// as the trust-cap damping always is): off only to measure the diagonal one beside it.</summary>
    internal bool Multigrid { get; init; } = true;

    /// <summary>The options above at their defaults.</summary>
    public static SemiDiscreteOptions Default { get; } = new();
}

/// <summary>Damping of the semi-discrete Newton iteration.</summary>
public enum SemiDiscreteDamping
{
    /// <summary>Mass floor when the atoms' masses are within a factor 10⁴ of each other, else trust caps.</summary>
    Automatic,

    /// <summary>Kitagawa–Mérigot–Thibert: full Newton directions, a step is accepted when the dual rises (Armijo) and every
    /// cell keeps mass ≥ ε = ½ min(min_i m_i(ψ₀), min_i ν_i), from a start without empty cells. Globally convergent.</summary>
    MassFloor,

    /// <summary>Each Newton component capped at a trust factor times the squared distance to the nearest atom, cells below
    /// 10⁻³ of their atom's mass frozen: for atoms whose masses span many orders of magnitude (the mass floor is then
    /// vanishingly small and the direction is dominated by tail cells of tiny facet weight).</summary>
    TrustCaps,
}

/// <summary>The outcome of a semi-discrete solve: W2² with a certified bracket.</summary>
public sealed record SemiDiscreteResult
{
    /// <summary>The dual value Φ(ψ) at the final weights: a certified lower bound of W2² (exact integrals) and,
    /// since the error of Φ is quadratic in the error of ψ, the best estimate.</summary>
    public required double LowerSquared { get; init; }

    /// <summary>The cost of a feasible plan: the Laguerre map with the residual mass mismatch repaired
    /// (excess mass E moved at most the box's largest distance to an atom, D²·E).</summary>
    public required double UpperSquared { get; init; }

    /// <summary>The estimate of W2²: the dual value <see cref="LowerSquared"/>.</summary>
    public double W2Squared => LowerSquared;

    /// <summary>The estimate of W2 (√ of <see cref="W2Squared"/>, round-off below 0 read as 0).</summary>
    public double W2 => Math.Sqrt(Math.Max(0, LowerSquared));

    /// <summary>Certified lower end of the W2 bracket.</summary>
    public double Lower => Math.Sqrt(Math.Max(0, LowerSquared));

    /// <summary>Certified upper end of the W2 bracket.</summary>
    public double Upper => Math.Sqrt(Math.Max(0, UpperSquared));

    /// <summary>Σ_i |m_i − ν_i| at the final weights.</summary>
    public required double MassError { get; init; }

    /// <summary>Newton steps on the dual taken.</summary>
    public required int NewtonSteps { get; init; }

    /// <summary>Evaluations of the Laguerre cells (masses and costs), Armijo back-tracking included.</summary>
    public required int Evaluations { get; init; }

    /// <summary>Conjugate-gradient iterations over all Newton steps.</summary>
    public required long CgIterations { get; init; }

    /// <summary><see cref="TransportStatus.Optimal"/> exactly when the mass error is at most
    /// <see cref="SemiDiscreteOptions.MassTolerance"/> times the total, or the dual value stagnated with the mass error at most
    /// <see cref="SemiDiscreteOptions.FrozenMassTolerance"/> times the total; otherwise the solve stopped at a cap.</summary>
    public required TransportStatus Status { get; init; }

    /// <summary>The quadratic model's estimate ½ gᵀd of what the dual value still lacks (g the mass residual, d the Newton
    /// direction at the final weights) when the solve stopped on a stagnated value; 0 when it met the mass tolerance, NaN at a cap.
    /// An estimate, not a bound: the certified bracket is [<see cref="LowerSquared"/>, <see cref="UpperSquared"/>].</summary>
    public double ValueGapEstimate { get; init; }

    /// <summary>What happened, for logs: steps, evaluations, iterations, the final mass error, or why it stopped.</summary>
    public required string Message { get; init; }

    /// <summary>Wall-clock seconds of the solve.</summary>
    public required double Seconds { get; init; }

    /// <summary>ψ of the solved atoms (input atoms after dropping zero masses and merging duplicates, in <see cref="AtomIndex"/> order).</summary>
    internal double[] Potentials { get; init; } = [];

    /// <summary>For each solved atom, one input atom at its position.</summary>
    internal int[] AtomIndex { get; init; } = [];

    /// <summary>Cell integrals at the final weights (masses, Laguerre-map costs per solved atom).</summary>
    internal CellIntegrals? Cells { get; init; }
}

/// <summary>
/// Exact semi-discrete optimal transport, squared Euclidean cost, between a piecewise-constant density ρ on a
/// 2D or 3D grid and weighted atoms ν = Σ ν_i δ_{y_i}. The dual
/// Φ(ψ) = Σ ν_i ψ_i + ∫ min_i (|x − y_i|² − ψ_i) ρ(x) dx is concave; ∂Φ/∂ψ_i = ν_i − ρ(L_i(ψ)) with L_i the
/// Laguerre cells, and −∇²Φ is the graph Laplacian of the facet weights ∫_{L_i ∩ L_j} ρ / (2|y_i − y_j|).
/// Newton's method with direction by preconditioned CG on the Laplacian, damped in one of two ways
/// (<see cref="SemiDiscreteDamping"/>): for atoms of comparable masses (particles) as in Kitagawa, Mérigot &amp; Thibert
/// (2019): full Newton directions from a start where every cell holds mass, a step accepted when every cell keeps
/// mass ≥ ε and the mass error falls by 1 − τ/2 (globally convergent, quadratic at the end; measured: 6–13 steps from
/// 10³ to 10⁵ particles against a 128² density); where the atoms' masses span many orders of magnitude (cell-centre
/// atoms of Gaussian tails, the grid–grid method) ε is vanishingly small and the direction is dominated by cells of
/// tiny facet weight: each component is capped by a trust factor times the squared distance to the nearest atom and
/// steps are accepted by Armijo's rule on Φ. The dual value Φ(ψ) at any ψ is a lower bound of W2².
/// All integrals are exact for polygons (polyhedra), so the bracket [Φ(ψ), plan cost] is certified up to round-off.
/// </summary>
public static class SemiDiscreteTransport
{
    /// <summary>W2² between a grid density and atoms of the same dimension (2 or 3 axes), equal total masses.</summary>
    public static SemiDiscreteResult Solve(UniformGrid grid, ReadOnlySpan<double> density, AtomicMeasure atoms,
        SemiDiscreteOptions? options = null, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        options ??= SemiDiscreteOptions.Default;
        GridDensity.Validate(grid, density, "density");
        if (atoms.Dimension != grid.Dimension)
            throw new InputException($"{atoms.Name}.dimension", atoms.Dimension, $"must equal the grid dimension ({grid.Dimension})");
        if (grid.Dimension is not (2 or 3))
            throw new InputException("density.dimension", grid.Dimension, "semi-discrete transport is implemented for 2 and 3 axes");
        var box = new DensityBox(grid, density);
        if (!(box.TotalMass > 0)) throw new InputException("density", "all zero", "the density must have positive mass");
        MassBalance.RequireEqual("density", box.TotalMass, density.Length, atoms.Name, atoms.TotalMass, atoms.Count);
        if (!options.AllowAtomsOutsideBox) RequireInside(box, atoms);
        return Solve(box, atoms.Positions, atoms.Weights, options, progress, cancellation);
    }

    internal static void RequireInside(DensityBox box, AtomicMeasure atoms)
    {
        int d = box.Dimension, outside = 0, first = -1;
        var x = atoms.Positions;
        for (int i = 0; i < atoms.Count; i++)
            for (int k = 0; k < d; k++)
                if (x[i * d + k] < box.Lo[k] || x[i * d + k] > box.Hi[k])
                {
                    if (first < 0) first = i;
                    outside++;
                    break;
                }
        if (outside == 0) return;
        string boxText = string.Join(" × ", Enumerable.Range(0, d).Select(k => $"[{InputException.Format(box.Lo[k])}, {InputException.Format(box.Hi[k])}]"));
        throw new InputException($"{atoms.Name}.positions", $"{outside} of {atoms.Count} atoms outside the box",
            $"the density's grid {boxText} does not cover them (the first is atom {first}); use a grid that covers the particles");
    }

    internal static SemiDiscreteResult Solve(DensityBox box, ReadOnlySpan<double> positions, ReadOnlySpan<double> weights,
        SemiDiscreteOptions options, IProgress<double>? progress, CancellationToken cancellation, double[]? initialPsi = null)
    {
        var clock = Stopwatch.StartNew();
        int dim = box.Dimension;
        var (y, nu, index) = Prepare(positions, weights, dim, box.TotalMass);
        int n = nu.Length;
        var cells = LaguerreCells.Create(box, y);
        double total = box.TotalMass;
        double target = options.MassTolerance * total;
        int evaluations = 0;
        // The evaluation cap and the wall-clock limit: one stop, checked before each Newton step and each trial step.
        bool AtCap() => evaluations >= options.MaxEvaluations || clock.Elapsed.TotalSeconds > options.MaxSeconds;

        // Which damping (see the class comment): KMT's mass floor for atoms of comparable masses (particles), per-atom
        // trust caps where the atoms' masses span many orders of magnitude (cell-centre atoms of Gaussian tails).
        bool massFloor = options.Damping == SemiDiscreteDamping.MassFloor
            || (options.Damping == SemiDiscreteDamping.Automatic && TensorPrimitives.Max(nu) <= MassFloorSpread * TensorPrimitives.Min(nu));

        // Start: the given weights, else the better (higher dual value) of the separable start (exact for product
        // measures) and the affine start (exact for Gaussians).
        var current = new CellIntegrals(n);
        var trial = new CellIntegrals(n);
        double[] psi;
        double phi;
        if (initialPsi is not null)
        {
            psi = (double[])initialPsi.Clone();
            cells.Evaluate(psi, current, true, cancellation);
            evaluations++;
            phi = Dual(psi, nu, current);
        }
        else
        {
            psi = SeparableStart(box, y, nu);
            cells.Evaluate(psi, current, true, cancellation);
            phi = Dual(psi, nu, current);
            var affine = AffineStart(box, y, nu);
            // The separable start's neighbours as the affine start's first clips: an evaluation without them costs ~4 hinted
            // ones (measured at 10⁶ particles), and the security search makes the cells exact either way (particles only, so
            // that the grid–grid solves keep their starts bit for bit).
            cells.Evaluate(affine, trial, true, cancellation, massFloor ? current : null);
            evaluations += 2;
            double phiAffine = Dual(affine, nu, trial);
            if (phiAffine > phi) { psi = affine; phi = phiAffine; (current, trial) = (trial, current); }
        }
        // Damped Newton converges from any start whose cells all hold mass, and keeps every cell above
        // ε = ½ min(min_i m_i(ψ₀), min_i ν_i) (Kitagawa, Mérigot & Thibert): a start with empty cells is blended toward one
        // without (Voronoi cells, or the dilated diagram around the densest grid cell) until none is empty.
        if (massFloor && TensorPrimitives.Min(current.Mass) <= 0)
        {
            var safe = NonEmptyStart(box, y, cells, trial, cancellation, ref evaluations);
            var blend = new double[n];
            for (double lambda = 0.5; ; lambda = lambda > 1.0 / 64 ? 0.5 * lambda : 0)
            {
                for (int i = 0; i < n; i++) blend[i] = lambda * psi[i] + (1 - lambda) * safe[i];
                cells.Evaluate(blend, trial, true, cancellation);
                evaluations++;
                if (TensorPrimitives.Min(trial.Mass) > 0 || lambda == 0) break;
            }
            psi = blend;
            (current, trial) = (trial, current);
            phi = Dual(psi, nu, current);
        }
        double epsilon = massFloor ? 0.5 * Math.Min(TensorPrimitives.Min(current.Mass), TensorPrimitives.Min(nu)) : 0;

        // A Newton step moves the facets of cell i by about d_i/(2|y_i − y_j|); beyond a cell's size the linear model
        // says nothing (cells in the tails, of tiny facet weights, would get enormous steps), so each component is
        // capped at κ times the squared distance to the nearest atom, κ a trust factor doubled after every full step
        // and halved (down to 1) after a damped one.
        var cap = massFloor ? null : cells.NearestDistances2();
        double trust = 1;
        // The mass-floor Newton systems are Laplacians of the particles' facet graph: multigrid over the atom tree's boxes.
        var coarsening = massFloor && options.Multigrid ? AggregationMultigrid.Hierarchy(cells.Tree) : null;
        // KMT's step is the largest τ = 2^-k that passes the test; trying from 2τ of the last step instead of 1 keeps the
        // proof (every τ ≤ τ* passes, so an accepted τ stays ≥ min(τ₀, τ*/2) and the mass error still falls geometrically;
        // τ doubles back to 1 in the quadratic phase) and saves the trials that fail in the damped phase.
        double firstTau = 1;
        GraphLaplacian? previousLaplacian = null; // its arrays serve the next step's
        var g = new double[n];
        var frozen = new bool[n];
        var direction = new double[n];
        var trialPsi = new double[n];
        double error1 = Residual(nu, current.Mass, g, out _);
        double initialError = Math.Max(error1, target * 2);
        int steps = 0;
        long cgTotal = 0;
        double cgSeconds = 0;
        string message = "";
        var status = TransportStatus.Optimal;
        bool converged = false;
        double valueGap = 0;
        var history = new[] { double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity };
        while (error1 > target)
        {
            cancellation.ThrowIfCancellationRequested();
            if (steps == options.MaxNewtonSteps)
            {
                status = TransportStatus.IterationLimit;
                message = $"stopped after {steps} Newton steps (mass error {error1:G3})";
                break;
            }
            if (AtCap())
            {
                status = TransportStatus.IterationLimit;
                message = CapMessage(options, evaluations, steps, error1);
                break;
            }
            // Cells with less than 1e-3 of their mass are frozen in the Newton system (their tiny facet weights
            // would make the direction huge); an empty or frozen cell whose atom lacks mass grows by its capped
            // gradient step instead.
            bool anyFrozen = false;
            for (int i = 0; i < n; i++)
            {
                frozen[i] = !massFloor && current.Mass[i] < 1e-3 * nu[i];
                anyFrozen |= frozen[i];
            }
            long cgStart = Stopwatch.GetTimestamp();
            var laplacian = previousLaplacian = new GraphLaplacian(current, anyFrozen ? frozen : null, previousLaplacian);
            // Inexact Newton: the CG tolerance follows the mass error (superlinear convergence at the end).
            double forcing = Math.Clamp(Math.Sqrt(error1 / total), 1e-10, 0.1);
            // Rows of tiny mass need their own tolerance only where masses span orders of magnitude.
            var (cg, _) = laplacian.Solve(g, direction, massFloor ? default : nu, forcing, options.MaxCgIterations, cancellation, coarsening);
            cgSeconds += Stopwatch.GetElapsedTime(cgStart).TotalSeconds;
            // A component of free atoms is anchored to the frozen ones only through the facets of nearly empty cells, of
            // tiny weight: its constant mode has an eigenvalue far below the rest, and the direction is one huge shift
            // (the component's net mass error over that weight: round-off-sensitive, measured −312 ± 0.07 on the bulk of
            // a 32² density against a cap of 0.19) that the caps below turn into a plain offset: the masses did not move
            // for 20 steps. So that shift is removed (mass-weighted mean per component); the frozen atoms get their mass by
            // their own capped steps.
            laplacian.RemoveAnchoredMeans(direction, nu);
            cgTotal += cg;
            steps++;
            // Stagnation: three accepted steps that together raised Φ by less than the value tolerance. Where ρ spans many
            // orders of magnitude (Gaussian tails on a box) the mass error can stall in light cells (frozen below 1e-3 of
            // their atom's mass) while the value, a certified lower bound throughout, no longer moves.
            if (!massFloor && steps >= 3 && phi - history[steps % 3] <= options.ValueTolerance * Math.Abs(phi) && error1 <= options.FrozenMassTolerance * total)
            {
                converged = true;
                for (int i = 0; i < n; i++) valueGap += 0.5 * g[i] * direction[i];
                valueGap = Math.Max(0, valueGap);
                break;
            }
            history[steps % 3] = phi;
            double slope = 0;
            for (int i = 0; i < n; i++)
            {
                double limit = cap is null ? double.PositiveInfinity : trust * cap[i];
                direction[i] = frozen[i] ? (g[i] > 0 ? limit : 0) : Math.Clamp(direction[i], -limit, limit);
                slope += g[i] * direction[i];
            }
            if (!(slope > 0))
            {
                // Not an ascent direction after capping: the capped gradient step.
                slope = 0;
                for (int i = 0; i < n; i++)
                {
                    direction[i] = cap is null ? g[i] : Math.Sign(g[i]) * trust * cap[i] * Math.Min(1, Math.Abs(g[i]) / Math.Max(nu[i], double.Epsilon));
                    slope += g[i] * direction[i];
                }
            }
            // Armijo backtracking on the concave dual: every accepted step raises the certified lower bound.
            double tau = massFloor ? firstTau : 1;
            bool accepted = false;
            for (int halvings = 0; halvings < 30 && !AtCap();
                halvings++, tau *= 0.5)
            {
                for (int i = 0; i < n; i++) trialPsi[i] = psi[i] + tau * direction[i];
                cells.Evaluate(trialPsi, trial, true, cancellation, current);
                evaluations++;
                double trialPhi = Dual(trialPsi, nu, trial);
                // Mass floor (KMT): every cell keeps mass ≥ ε and the mass error falls by the factor 1 − τ/2 (well conditioned
                // near the optimum, where Φ is flat to round-off); trust caps: Armijo on Φ.
                bool ascent = massFloor
                    ? TensorPrimitives.Min(trial.Mass) >= epsilon && MassError(nu, trial.Mass) <= (1 - 0.5 * tau) * error1
                    : trialPhi >= phi + 1e-4 * tau * slope;
                if (ascent)
                {
                    (psi, trialPsi) = (trialPsi, psi);
                    (current, trial) = (trial, current);
                    phi = trialPhi;
                    error1 = Residual(nu, current.Mass, g, out _);
                    accepted = true;
                    trust = tau == 1 ? Math.Min(2 * trust, 1e8) : Math.Max(0.5 * trust, 1);
                    firstTau = Math.Min(1, 2 * tau);
                    break;
                }
            }
            if (!accepted && !massFloor && error1 <= options.FrozenMassTolerance * total)
            {
                // Φ is flat to round-off here (no Armijo step among 30 halvings) and the mass error is within the stated
                // tolerance of a stagnated value: the same stop as the value test above.
                converged = true;
                break;
            }
            if (!accepted)
            {
                status = TransportStatus.IterationLimit;
                message = AtCap()
                    ? CapMessage(options, evaluations, steps, error1)
                    : $"no ascent step found after {steps} Newton steps (mass error {error1:G3})";
                break;
            }
            Trace?.Invoke(FormattableString.Invariant($"step {steps}: mass error {error1:E3}, Φ {phi:G12}, τ {tau:G3}, trust {trust:G3}, {cg} CG iterations, {frozen.Count(f => f)} frozen, {evaluations} evaluations, {clock.Elapsed.TotalSeconds:F2} s ({cgSeconds:F2} s in CG)"));
            progress?.Report(Math.Clamp(Math.Log(initialError / error1) / Math.Log(initialError / target), 0, 1));
        }

        // Certificate: Φ(ψ) from below; from above the Laguerre map with the excess mass of over-full cells
        // (the part above ν_i, taken proportionally) sent to the under-full atoms at cost ≤ D² per unit mass.
        double lower = 0, kept = 0, excess = 0, deficit = 0, far = 0;
        for (int i = 0; i < n; i++)
        {
            double m = current.Mass[i], c = current.Cost[i];
            lower += c + psi[i] * (nu[i] - m);
            kept += m > nu[i] ? c * (nu[i] / m) : c;
            if (m > nu[i]) excess += m - nu[i];
            else deficit += nu[i] - m;
            far = Math.Max(far, box.FarthestDistance2(y.AsSpan(i * dim, dim)));
        }
        double upper = kept + far * Math.Max(excess, deficit);
        if (status == TransportStatus.Optimal)
            message = FormattableString.Invariant($"{steps} Newton steps, {evaluations} cell evaluations, {cgTotal} CG iterations; mass error {error1:G3}")
                + (converged ? FormattableString.Invariant($" ≤ {options.FrozenMassTolerance:G2} (stopped: the dual value stagnated; estimated value gap {valueGap:G2})")
                    : FormattableString.Invariant($" ≤ {options.MassTolerance:G2}"));
        else valueGap = double.NaN;
        return new SemiDiscreteResult
        {
            LowerSquared = lower,
            UpperSquared = Math.Max(upper, lower),
            MassError = error1,
            NewtonSteps = steps,
            Evaluations = evaluations,
            CgIterations = cgTotal,
            Status = status,
            ValueGapEstimate = valueGap,
            Message = message,
            Seconds = clock.Elapsed.TotalSeconds,
            Potentials = psi,
            AtomIndex = index,
            Cells = current,
        };
    }

    private static string CapMessage(SemiDiscreteOptions options, int evaluations, int steps, double error) =>
        evaluations >= options.MaxEvaluations
            ? $"stopped at the cap of {options.MaxEvaluations} cell evaluations after {steps} Newton steps (mass error {error:G3})"
            : FormattableString.Invariant($"stopped at the wall-clock limit of {options.MaxSeconds:G3} s after {steps} Newton steps, {evaluations} cell evaluations (mass error {error:G3}; depends on the machine's speed)");

    private const double MassFloorSpread = 1e4;

    /// <summary>One line per Newton step when set (benchmarks' --trace; never set by the library).</summary>
    internal static Action<string>? Trace;

    // Weights whose Laguerre cells all hold mass: ψ = 0 (each Voronoi cell holds a neighbourhood of its atom, which
    // has mass wherever ρ > 0 around the atoms), else ψ_i = (1 − 1/t)|y_i − c|², whose cells are the Voronoi cells
    // shrunk by t around the centre c of the densest grid cell: for t large every shrunk cell meets that grid cell.
    private static double[] NonEmptyStart(DensityBox box, double[] y, LaguerreCells cells, CellIntegrals result,
        CancellationToken cancellation, ref int evaluations)
    {
        int dim = box.Dimension, n = y.Length / dim;
        var psi = new double[n];
        cells.Evaluate(psi, result, false, cancellation);
        evaluations++;
        if (TensorPrimitives.Min(result.Mass) > 0) return psi;
        int densest = 0;
        for (int c = 1; c < box.Density.Length; c++) if (box.Density[c] > box.Density[densest]) densest = c;
        var centre = new double[dim];
        box.Grid.Center(densest, centre);
        double reach = 0, half = double.PositiveInfinity;
        for (int k = 0; k < dim; k++)
        {
            half = Math.Min(half, 0.5 * box.Spacing[k]);
            for (int i = 0; i < n; i++) reach = Math.Max(reach, Math.Abs(y[i * dim + k] - centre[k]));
        }
        for (double t = 2; ; t *= 2)
        {
            for (int i = 0; i < n; i++)
            {
                double r2 = 0;
                for (int k = 0; k < dim; k++) r2 += (y[i * dim + k] - centre[k]) * (y[i * dim + k] - centre[k]);
                psi[i] = (1 - 1 / t) * r2;
            }
            cells.Evaluate(psi, result, false, cancellation);
            evaluations++;
            if (TensorPrimitives.Min(result.Mass) > 0 || t > 4 * reach / half) return psi;
        }
    }

    // ψ_i = Σ_k ψ_k(y_ik), ψ_k the exact 1D semi-discrete potential between the k-th marginals (the density's is
    // piecewise constant, the atoms' a sum of point masses): exact for product measures, and it captures the
    // layers along the box's faces where the tails of ρ and ν differ, which damped Newton crosses slowly.
    private static double[] SeparableStart(DensityBox box, double[] y, double[] nu)
    {
        int dim = box.Dimension, n = nu.Length;
        var psi = new double[n];
        for (int k = 0; k < dim; k++)
        {
            int cells = box.Cells[k];
            var marginal = new double[cells];
            for (int c = 0; c < box.Density.Length; c++) marginal[c / box.Strides[k] % cells] += box.Density[c];
            double sum = 0;
            foreach (double v in marginal) sum += v;
            var x = new double[n];
            var order = new int[n];
            for (int i = 0; i < n; i++) { x[i] = y[i * dim + k]; order[i] = i; }
            Array.Sort((double[])x.Clone(), order);
            // Cumulative atom mass at each distinct coordinate; the boundary t between consecutive coordinates
            // is the density's quantile there (its CDF is piecewise linear).
            double level = 0, potential = 0, previous = double.NaN;
            int cell = 0;
            double below = 0; // marginal mass of the cells left of `cell`, as a fraction
            for (int r = 0; r < n; r++)
            {
                int i = order[r];
                if (r > 0 && x[i] != previous)
                {
                    double target = level;
                    while (cell < cells - 1 && below + marginal[cell] / sum < target) { below += marginal[cell] / sum; cell++; }
                    double share = marginal[cell] / sum;
                    double f = share > 0 ? Math.Clamp((target - below) / share, 0, 1) : 0;
                    double t = box.Edge(k, cell) + f * box.Spacing[k];
                    potential += (x[i] - previous) * (x[i] + previous - 2 * t);
                }
                psi[i] += potential;
                level += nu[i] / box.TotalMass;
                previous = x[i];
            }
        }
        return psi;
    }

    // ψ of the optimal affine map between the Gaussians with the moments of ρ and ν, T(x) = m_ν + A(x − m_ρ):
    // the Laguerre cells of ψ_i = |y_i|² − 2v(y_i), v(y) = m_ρ·y + ½(y − m_ν)ᵀA⁻¹(y − m_ν), are T⁻¹ of the atoms'
    // neighbourhoods (exact for Gaussians), which starts Newton close to the solution for the measures met here
    // (shifted, scaled, rotated bumps). A translation only when a covariance is singular.
    private static double[] AffineStart(DensityBox box, double[] y, double[] nu)
    {
        int dim = box.Dimension, n = nu.Length;
        var p = MeasureMoments.Of(box.Grid, box.Density);
        var q = MeasureMoments.Of(new AtomicMeasure(y, dim, nu));
        var map = MeasureMoments.AffineMap(p, q);
        var inverse = new double[dim, dim];
        if (map is null) for (int k = 0; k < dim; k++) inverse[k, k] = 1;
        else inverse = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(map).Inverse().ToArray();
        var psi = new double[n];
        var d = new double[dim];
        for (int i = 0; i < n; i++)
        {
            double v = 0, y2 = 0;
            for (int k = 0; k < dim; k++)
            {
                double yk = y[i * dim + k];
                d[k] = yk - q.Mean[k];
                v += p.Mean[k] * yk;
                y2 += yk * yk;
            }
            for (int a = 0; a < dim; a++)
                for (int b = 0; b < dim; b++) v += 0.5 * d[a] * inverse[a, b] * d[b];
            psi[i] = y2 - 2 * v;
        }
        return psi;
    }

    // Zero masses dropped, atoms at the same position merged (sorted lexicographically: the order is
    // deterministic), masses rescaled to the density's total (they agree within 1e-12 relative).
    private static (double[] Y, double[] Nu, int[] Index) Prepare(ReadOnlySpan<double> positions, ReadOnlySpan<double> weights, int dim, double total)
    {
        int m = weights.Length;
        var w = weights.ToArray();
        var order = Enumerable.Range(0, m).Where(i => w[i] > 0).ToArray();
        var pos = positions.ToArray();
        Array.Sort(order, (a, b) =>
        {
            for (int k = 0; k < dim; k++)
            {
                int c = pos[a * dim + k].CompareTo(pos[b * dim + k]);
                if (c != 0) return c;
            }
            return a.CompareTo(b);
        });
        var y = new List<double>(order.Length * dim);
        var nu = new List<double>(order.Length);
        var index = new List<int>(order.Length);
        double sum = 0;
        for (int r = 0; r < order.Length; r++)
        {
            int a = order[r];
            bool same = nu.Count > 0;
            for (int k = 0; k < dim && same; k++) same = pos[a * dim + k] == y[y.Count - dim + k];
            if (same) nu[^1] += weights[a];
            else
            {
                for (int k = 0; k < dim; k++) y.Add(pos[a * dim + k]);
                nu.Add(weights[a]);
                index.Add(a);
            }
            sum += weights[a];
        }
        var nuArray = nu.ToArray();
        for (int i = 0; i < nuArray.Length; i++) nuArray[i] *= total / sum;
        return (y.ToArray(), nuArray, index.ToArray());
    }

    private static double MassError(double[] nu, double[] mass)
    {
        double s = 0;
        for (int i = 0; i < nu.Length; i++) s += Math.Abs(nu[i] - mass[i]);
        return s;
    }

    private static double Residual(double[] nu, double[] mass, double[] g, out double norm2)
    {
        double s1 = 0, s2 = 0;
        for (int i = 0; i < nu.Length; i++)
        {
            g[i] = nu[i] - mass[i];
            s1 += Math.Abs(g[i]);
            s2 += g[i] * g[i];
        }
        norm2 = Math.Sqrt(s2);
        return s1;
    }

    private static double Dual(double[] psi, double[] nu, CellIntegrals cells)
    {
        double s = 0;
        for (int i = 0; i < psi.Length; i++) s += cells.Cost[i] + psi[i] * (nu[i] - cells.Mass[i]);
        return s;
    }
}
