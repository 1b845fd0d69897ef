using System.Diagnostics;
using FokkerPlanckNtk.Metrics.SemiDiscrete;

namespace FokkerPlanckNtk.Metrics;

/// <summary>Options of <see cref="Wasserstein"/>.</summary>
public sealed record W2Options
{
    /// <summary>Largest n·m (pairs of atoms) solved exactly: up to <see cref="SparseTransportOptions.MaxDensePairs"/>
    /// of <see cref="Sparse"/> by the network simplex on all pairs, above it by column generation
    /// (<see cref="SparseTransport"/>). 2³¹ by default (46341² pairs; 128² vs 128² cells is 2.7·10⁸).
    /// Larger problems are solved on coarsened measures (a certified bracket).</summary>
    public long MaxExactPairs { get; init; } = 1L << 31;

    /// <summary>Largest n·m of the coarsened problem when the coarsened bracket is used (4096² by default).</summary>
    public long MaxCoarsePairs { get; init; } = 4096L * 4096;

    /// <summary>Largest n·m for the c-transform passes that tighten the lower bound of a coarsened
    /// solve (two passes over all pairs); above it only the triangle-inequality bound is used.</summary>
    public long MaxCertificatePairs { get; init; } = 1L << 30;

    /// <summary>Grid densities enter as atoms at their cell centres (the network simplex on atoms) even where the
    /// densities themselves can be transported (2D and 3D grids, same grid): the atomic method, on request.</summary>
    public bool Atomic { get; init; }

    /// <summary>Accept particles outside the grid's box in a grid-density-against-particles W2 (the density is zero there; the
    /// W2 stays exact). Off by default: a grid that does not cover the particles is usually a mistake, and the error says so.</summary>
    public bool ParticlesOutsideGrid { get; init; }

    /// <summary>Rescale both measures to total mass 1 (otherwise totals must agree up to round-off, <see cref="MassBalance"/>).</summary>
    public bool Normalize { get; init; }

    /// <summary>
    /// Wall-time budget of an exact solve in seconds: an exact solve whose estimate on this machine now
    /// (<see cref="Wasserstein.ExceedsExactBudget"/>: the idle-machine estimate over the CPU share a thread gets) exceeds it goes
    /// to the certified coarsened bracket instead, so that no diagnostic takes minutes, also under load. The W2 of grid densities
    /// are capped deterministically instead (the idle estimates, no clock and no load measurement: the same input gives the same
    /// result on any machine and load): the semi-discrete solve of a 2D or 3D grid density against particles by its idle estimate and
    /// a cap on its cell evaluations (<see cref="Wasserstein.ExceedsSemiDiscreteBudget"/>), whose fallback is the certified
    /// bracket from the cell-centre atoms (its atomic solve also decided by the idle estimate). For two grid
    /// densities (<see cref="GridTransport"/>) it caps the work of the solves in the idle cost model
    /// (<see cref="GridTransport.WorkCap"/>: no clock, no load measurement; a capped W2 is its certified bracket). 0 asks for
    /// the cheapest certified bracket everywhere.
    /// </summary>
    public double ExactSecondsBudget { get; init; } = 10;

    /// <summary>Observed by every long loop of the solvers (Ctrl+C/SIGTERM within a second or two).</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Pivot cap of the network simplex (0: its default), per scale of a column-generation solve.</summary>
    public long MaxIterations { get; init; }

    /// <summary>Column generation: arcs per source and round, the pricing-round cap, and the size up to which
    /// the network simplex runs on all pairs.</summary>
    public SparseTransportOptions Sparse { get; init; } = SparseTransportOptions.Default;

    /// <summary>The default options.</summary>
    public static W2Options Default { get; } = new();

    /// <summary>
    /// For measures that are probability measures by construction (a run's grid densities, whose mass is 1 up to
    /// the scheme's round-off drift, reported in pde.csv; particles of weight 1/m): compared as such, never refused.
    /// </summary>
    public static W2Options ProbabilityMeasures { get; } = new() { Normalize = true, ParticlesOutsideGrid = true };
}

/// <summary>
/// A W2 value with its provenance. <see cref="W2"/> is exact up to round-off when <see cref="ErrorBound"/>
/// is at round-off level; otherwise the true W2 lies in [W2 − ErrorBound, W2 + ErrorBound] (a certified
/// bracket, provided <see cref="Status"/> is Optimal).
/// </summary>
public sealed record W2Result(double W2, string Method, TransportStatus Status, double ErrorBound, double Seconds)
{
    /// <summary>W2² (of the reported value).</summary>
    public double W2Squared => W2 * W2;

    /// <summary>Certified lower end of the bracket.</summary>
    public double Lower => Math.Max(0, W2 - ErrorBound);

    /// <summary>W2 + ErrorBound: the top of the certified bracket.</summary>
    public double Upper => W2 + ErrorBound;

    /// <summary>Details in words (pivots, coarsening, status reason).</summary>
    public string Message { get; init; } = "";

    /// <summary>The certified lower end where <see cref="ErrorBound"/> is an a-posteriori estimate (NaN: <see cref="Lower"/> is certified).</summary>
    public double CertifiedLower { get; init; } = double.NaN;

    /// <summary>The certified upper end where <see cref="ErrorBound"/> is an a-posteriori estimate (NaN: <see cref="Upper"/> is certified).</summary>
    public double CertifiedUpper { get; init; } = double.NaN;

    /// <summary>The exact solution (plan, potentials) when one network simplex solve on the original atoms gave the value.</summary>
    public TransportSolution? Solution { get; init; }
}

/// <summary>Result of the Talagrand check W2(p, p0) ≤ sqrt(2 KL(p‖p0)) (transport inequality of the standard Gaussian).</summary>
public readonly record struct TalagrandCheck(double W2, double Kl, double Bound, bool Holds);

/// <summary>
/// W2 between the measures the project produces, choosing the method:
/// <list type="bullet">
/// <item>1D: exact quantile-function formula (<see cref="Transport1D"/>);</item>
/// <item>n·m ≤ <see cref="SparseTransportOptions.MaxDensePairs"/>: exact network simplex on all pairs;</item>
/// <item>n·m ≤ <see cref="W2Options.MaxExactPairs"/>: exact network simplex with column generation
///   (<see cref="SparseTransport"/>; blocks of 2^k grid cells for its coarse scales when a grid is given),
///   with the same certificate;</item>
/// <item>larger, or when column generation stops at a cap (the message says so): exact network simplex
///   between coarsened measures (lattice boxes aggregated into atoms at
///   their mass centroids), with a certified bracket: from above, the cost of the fine plan that spreads
///   each coarse pair over the product of its boxes, W2² ≤ W2c² + s_μ² + s_ν² (s² the within-box second
///   moments); from below, the better of the triangle inequality W2 ≥ W2c − s_μ − s_ν and the dual bound of
///   the coarse potentials made feasible on the fine atoms by c-transforms.</item>
/// </list>
/// Grid densities enter as atomic measures: one atom per cell at its centre with mass p_c·V. Their W2
/// is exact for those atoms; the atomic measure is within sqrt(Σ_k Δ_k²/12) in W2 of the
/// piecewise-constant density (move each cell's mass uniformly over the cell), so W2 between two
/// piecewise-constant densities differs from the reported value by at most twice that.
/// </summary>
public static class Wasserstein
{
    /// <summary>W2 between two atomic measures (the method is chosen as described on the class).</summary>
    public static W2Result Between(AtomicMeasure a, AtomicMeasure b, W2Options? options = null) =>
        Solve(a, b, null, options ?? W2Options.Default);

    /// <summary>
    /// Two densities on the same grid: in 2D up to <see cref="GridTransport.MaxCells"/> cells and in 3D up to
    /// <see cref="GridTransport.MaxCells3D"/> the W2 of the
    /// piecewise-constant densities (<see cref="GridTransport"/>, unless <see cref="W2Options.Atomic"/>), its work capped by
    /// <see cref="W2Options.ExactSecondsBudget"/> in the idle cost model (<see cref="GridTransport.WorkCap"/>: deterministic; a
    /// solve stopped there is written as its certified bracket); otherwise, or when asked, between their cell-centre atoms.
    /// </summary>
    public static W2Result Between(UniformGrid grid, ReadOnlySpan<double> p, ReadOnlySpan<double> q, W2Options? options = null)
    {
        options ??= W2Options.Default;
        if (!options.Atomic && GridTransport.Handles(grid))
            return GridTransport.Between(grid, p, q, options.Normalize, options.Cancellation,
                GridTransport.WorkCap(grid.Dimension, options.ExactSecondsBudget));
        return Solve(AtomicMeasure.FromGrid(grid, p, "p"), AtomicMeasure.FromGrid(grid, q, "q"), grid, options);
    }

    /// <summary>Densities on two grids of the same dimension.</summary>
    public static W2Result Between(UniformGrid gridP, ReadOnlySpan<double> p, UniformGrid gridQ, ReadOnlySpan<double> q, W2Options? options = null)
    {
        if (gridP.Dimension != gridQ.Dimension)
            throw new InputException("q.dimension", gridQ.Dimension, $"must equal the dimension of p ({gridP.Dimension})");
        if (gridP.Cells.SequenceEqual(gridQ.Cells) && gridP.HalfWidths.SequenceEqual(gridQ.HalfWidths))
            return Between(gridP, p, q, options);
        return Solve(AtomicMeasure.FromGrid(gridP, p, "p"), AtomicMeasure.FromGrid(gridQ, q, "q"), gridP, options ?? W2Options.Default);
    }

    /// <summary>
    /// A grid density against atoms (particles) in the same space. In 2D and 3D (unless <see cref="W2Options.Atomic"/>) the W2 of the
    /// piecewise-constant density: exact semi-discrete transport (<see cref="SemiDiscreteTransport"/>, a certified bracket at the
    /// stated mass tolerance) when its idle estimate fits <see cref="W2Options.ExactSecondsBudget"/>
    /// (<see cref="ExceedsSemiDiscreteBudget"/> with the cost model of the grid's dimension, <see cref="EstimatedSemiDiscreteCost"/>,
    /// which also caps its cell evaluations: deterministic, no clock, no load measurement; the default d = 2 run's 128³ cells
    /// against 10⁴ particles do not fit); otherwise, or when the solve stops at
    /// that cap, a certified bracket of the same W2 from the density's cell-centre atoms (<see cref="CellCentreBracket"/>,
    /// intersected with the stopped solve's bracket). Otherwise, or with <see cref="W2Options.Atomic"/>, the W2 between the
    /// density's cell-centre atoms and the particles.
    /// Particles outside the grid's box are refused unless <see cref="W2Options.ParticlesOutsideGrid"/>.
    /// </summary>
    public static W2Result Between(UniformGrid grid, ReadOnlySpan<double> density, AtomicMeasure particles, W2Options? options = null) =>
        Between(grid, density, particles, options ?? W2Options.Default, null);

    // maxEvaluations: the semi-discrete evaluation cap instead of the budget's (tests of the fallback).
    internal static W2Result Between(UniformGrid grid, ReadOnlySpan<double> density, AtomicMeasure particles, W2Options options, int? maxEvaluations)
    {
        if (grid.Dimension is not (2 or 3) || particles.Dimension != grid.Dimension || options.Atomic)
            return Solve(AtomicMeasure.FromGrid(grid, density, "density"), particles, grid, options);
        var clock = Stopwatch.StartNew();
        W2Result? stopped = null;
        string prefix;
        // A budget of 0 asks for the cheapest certified bracket (the coarsened atoms), e.g. for sweeps of many runs.
        if (ExceedsSemiDiscreteBudget(grid.Count, particles.Count, options.ExactSecondsBudget, out double estimate, out int cap, dimension: grid.Dimension))
            prefix = FormattableString.Invariant($"a semi-discrete solve would take ~{estimate:G2} s on idle cores (budget {options.ExactSecondsBudget:G3} s), ");
        else
        {
            var r = SemiDiscrete(grid, density, particles, options, maxEvaluations ?? cap);
            if (r.Status == TransportStatus.Optimal) return r;
            stopped = r;
            prefix = $"semi-discrete transport stopped ({r.Message}), ";
        }
        var bracket = CellCentreBracket(grid, density, particles, options, prefix);
        if (stopped is null) return bracket with { Seconds = clock.Elapsed.TotalSeconds };
        // Both brackets are certified: their intersection is.
        double lower = Math.Max(bracket.Lower, stopped.Lower), upper = Math.Max(lower, Math.Min(bracket.Upper, stopped.Upper));
        return new W2Result(0.5 * (lower + upper), bracket.Method, bracket.Status, 0.5 * (upper - lower), clock.Elapsed.TotalSeconds)
        {
            Message = FormattableString.Invariant($"W2 in [{lower:G8}, {upper:G8}] (the semi-discrete bracket [{stopped.Lower:G8}, {stopped.Upper:G8}] ∩ the cell-centre bracket [{bracket.Lower:G8}, {bracket.Upper:G8}]); {bracket.Message}"),
        };
    }

    /// <summary>Method name: semi-discrete transport between a piecewise-constant density and atoms.</summary>
    public const string SemiDiscreteMethod = "semi-discrete (piecewise-constant density against the atoms, exact), certified bracket";

    /// <summary>Start of the method name of <see cref="CellCentreBracket"/> (the fallback of the semi-discrete solve).</summary>
    public const string CellCentreMethod = "cell-centre atoms widened by the cell offset (fallback of the semi-discrete solve)";

    /// <summary>
    /// A certified bracket of the W2 between a grid density, taken as the piecewise-constant density, and atoms, from the
    /// density's cell-centre atoms: moving each cell's mass uniformly over the cell costs exactly s² = M Σ_k Δ_k²/12 (M the
    /// density's mass, 1 when normalized), so by the triangle inequality W2 ∈ [W2_atoms − s, W2_atoms + s], with W2_atoms
    /// itself exact or bracketed by the atomic methods within <see cref="W2Options.ExactSecondsBudget"/> (decided by the idle
    /// estimate alone, like the semi-discrete solve it replaces: the same bracket under any load).
    /// </summary>
    public static W2Result CellCentreBracket(UniformGrid grid, ReadOnlySpan<double> density, AtomicMeasure particles, W2Options? options = null, string prefix = "")
    {
        options ??= W2Options.Default;
        var clock = Stopwatch.StartNew();
        var atoms = Solve(AtomicMeasure.FromGrid(grid, density, "density"), particles, grid, options, idle: true);
        double offset2 = 0;
        for (int k = 0; k < grid.Dimension; k++) offset2 += grid.Spacing(k) * grid.Spacing(k) / 12;
        double s = Math.Sqrt((options.Normalize ? 1 : GridDensity.Mass(grid, density)) * offset2);
        double lower = Math.Max(0, atoms.Lower - s), upper = atoms.Upper + s;
        return new W2Result(0.5 * (lower + upper), $"{CellCentreMethod}: {atoms.Method}", atoms.Status, 0.5 * (upper - lower), clock.Elapsed.TotalSeconds)
        {
            Message = FormattableString.Invariant($"{prefix}W2 in [{lower:G8}, {upper:G8}] = the cell-centre atoms' [{atoms.Lower:G8}, {atoms.Upper:G8}] ± the cell offset {s:G6}; {atoms.Message}"),
        };
    }

    private static W2Result SemiDiscrete(UniformGrid grid, ReadOnlySpan<double> density, AtomicMeasure particles, W2Options options, int maxEvaluations)
    {
        var clock = Stopwatch.StartNew();
        GridDensity.Validate(grid, density, "density");
        double mass = GridDensity.Mass(grid, density);
        if (!(mass > 0)) throw new InputException("density", "all zero", "the density must have positive mass");
        if (!options.Normalize) MassBalance.RequireEqual("density", mass, density.Length, particles.Name, particles.TotalMass, particles.Count);
        // Solved between probability measures; W2 scales with the square root of the common mass.
        var p = new double[density.Length];
        for (int c = 0; c < p.Length; c++) p[c] = density[c] / mass;
        var w = new double[particles.Count];
        double total = particles.TotalMass;
        for (int i = 0; i < w.Length; i++) w[i] = particles.Weights[i] / total;
        var atoms = new AtomicMeasure(particles.Positions.ToArray(), particles.Dimension, w, particles.Name);
        var r = SemiDiscreteTransport.Solve(grid, p, atoms,
            SemiDiscreteOptions.Default with { AllowAtomsOutsideBox = options.ParticlesOutsideGrid, MaxEvaluations = maxEvaluations },
            null, options.Cancellation);
        double scale = Math.Sqrt(options.Normalize ? 1 : mass);
        double lower = scale * r.Lower, upper = scale * r.Upper;
        return new W2Result(0.5 * (lower + upper), SemiDiscreteMethod, r.Status, 0.5 * (upper - lower), clock.Elapsed.TotalSeconds)
        {
            Message = FormattableString.Invariant($"W2 in [{lower:G8}, {upper:G8}]; {r.Message}"),
        };
    }

    /// <summary>Two 1D measures (atoms or piecewise-constant cells): exact.</summary>
    public static W2Result Between(Measure1D a, Measure1D b, bool normalize = false)
    {
        var clock = Stopwatch.StartNew();
        double w2 = Transport1D.W2(a, b, normalize);
        return new W2Result(w2, Exact1D, TransportStatus.Optimal, 0, clock.Elapsed.TotalSeconds);
    }

    /// <summary>W2 ≤ sqrt(2 KL) for p0 = N(0, I); <paramref name="w2ErrorBound"/> is subtracted before comparing.</summary>
    public static TalagrandCheck Talagrand(double w2, double kl, double w2ErrorBound = 0)
    {
        double bound = kl >= 0 ? Math.Sqrt(2 * kl) : double.NaN;
        return new TalagrandCheck(w2, kl, bound, !double.IsNaN(bound) && w2 - w2ErrorBound <= bound);
    }

    /// <summary>
    /// Wall time of an exact solve by column generation on two idle cores, from measurements: ≈ 1.5 s for 128² cells
    /// against 10⁴ particles (2.6·10⁴ atoms), growing like (n + m)^2.7 (m = 5·10⁴ particles: ≈ 12 s). Under load every
    /// thread runs at its CPU share (<see cref="CpuShare"/>) and the wall time is this over the share:
    /// <see cref="ExceedsExactBudget"/>. Used to pick the method, never for results.
    /// </summary>
    public static double EstimatedExactSeconds(int n, int m) => 1.5 * Math.Pow((n + m) / 2.6e4, 2.7);

    /// <summary>The idle estimate over the CPU share a thread gets (in (0, 1]): the wall time of the exact solve under that load.</summary>
    public static double EstimatedExactSecondsAtShare(int n, int m, double cpuShare) => EstimatedExactSeconds(n, m) / cpuShare;

    /// <summary>
    /// Below this fraction of the budget the idle estimate decides alone (no probe): even at the smallest
    /// <see cref="CpuShare.Minimum"/> = 1/100 share the solve stays within budget, so small problems take the same method on
    /// any machine and load (reproducible files), and only solves that could exceed the budget pay the probe (20 ms of CPU).
    /// </summary>
    public const double ProbeFraction = CpuShare.Minimum;

    /// <summary>
    /// Whether an exact solve of <paramref name="n"/> × <paramref name="m"/> atoms would exceed <paramref name="budget"/> seconds
    /// of wall time on this machine now, and the estimate. The idle estimate decides where it is above the budget (no probe)
    /// or at most <see cref="ProbeFraction"/> of it; in between the CPU share is measured (<paramref name="cpuShare"/>,
    /// <see cref="CpuShare.Measure"/> by default) and the estimate is the idle one over the share. The idle estimate was
    /// measured on idle cores; under the load of several processes on two cores a thread gets 1/8 of a core or less, and an
    /// exact solve estimated at 1.5 s took 12 s and more.
    /// </summary>
    public static bool ExceedsExactBudget(int n, int m, double budget, out double estimate, Func<double>? cpuShare = null)
    {
        double idle = EstimatedExactSeconds(n, m);
        estimate = idle;
        if (estimate > budget) return true;
        if (estimate <= ProbeFraction * budget) return false;
        estimate = idle / (cpuShare ?? CpuShare.Measure)();
        return estimate > budget;
    }

    /// <summary>
    /// Cell evaluations (Laguerre cells of all atoms clipped to the grid, with the Newton step's conjugate gradients: the cost
    /// unit of a semi-discrete solve) of a solve of <paramref name="m"/> particles against a density on <paramref name="cells"/>
    /// grid cells, from measurements with the multigrid-preconditioned Newton (validation/transport/grid-particles.md): 9, 10, 12
    /// for 10⁴, 10⁵, 10⁶ particles against 128² cells, 20 for 10⁴ and 29 for 10⁵ against 8², 14 for 10⁵ against 16²:
    /// E = 9 + ½ √(m/cells), within 25 % of each but the last (+35 %, the safe side). Many particles per grid cell lengthen
    /// the damped phase (the starts miss the in-cell distribution).
    /// </summary>
    public static double EstimatedSemiDiscreteEvaluations(int cells, int m) =>
        9 + 0.5 * Math.Sqrt((double)m / cells);

    /// <summary>
    /// Wall time of one cell evaluation of a semi-discrete solve on two idle cores: linear in the atoms and the grid cells
    /// (each Laguerre cell is clipped by a few neighbours, then split along the grid lines it crosses), a cell of many particles
    /// per grid cell costing more (its tail cells are large): 5 µs × (cells + m (1 + 0.6 log₁₀(1 + m/cells))). Calibrated
    /// on runs under a load of 3–10 processes on the two cores (0.3 s for 10⁴ particles against 128², 0.27 s against 8²,
    /// 3.4 s for 10⁵ against 8²: twice this); re-measured with the multigrid Newton (wall time over evaluations at load 8–11:
    /// 0.37 s, 0.28 s, 1.5 s for 10⁵ against 128², 1.8 s against 16², 22 s for 10⁶ against 128², about twice this, and the
    /// CPU time per evaluation about this). Used to pick the method and cap the solve, never for results.
    /// </summary>
    public static double EstimatedSemiDiscreteEvaluationSeconds(int cells, int m) =>
        5e-6 * (cells + m * (1 + 0.6 * Math.Log10(1 + (double)m / cells)));

    /// <summary>The idle estimate of a semi-discrete solve: <see cref="EstimatedSemiDiscreteEvaluations"/> × <see cref="EstimatedSemiDiscreteEvaluationSeconds"/>.</summary>
    public static double EstimatedSemiDiscreteSeconds(int cells, int m) =>
        EstimatedSemiDiscreteEvaluations(cells, m) * EstimatedSemiDiscreteEvaluationSeconds(cells, m);

    /// <summary>
    /// Cell evaluations of a semi-discrete solve of <paramref name="m"/> particles against a density on <paramref name="cells"/>
    /// cells of a 3D grid (the d = 2 problems), from measurements (N(0, I₃) cells on [−7, 7]³ against its samples): 10 for
    /// 10³ particles against 16³, 32³ and 9 against 64³ cells, 10 for 10⁴ against 16³, 13 against 32³ and 64³, 43 for 10⁵
    /// against 32³ (validation/transport/grid-particles.md): E = 8.8 + m/2500, within 30 % of each.
    /// </summary>
    public static double EstimatedSemiDiscrete3DEvaluations(int cells, int m) => 8.8 + m / 2500.0;

    /// <summary>
    /// Wall time of one cell evaluation against a 3D grid density: linear in the grid cells (the polyhedra split along the
    /// grid planes) and in the atoms (each cell clipped by its ~26 neighbours and the security search): 1.2 µs × cells +
    /// 80 µs × m, from the solves above (wall time over evaluations, starts included) on the two cores under a load of 6–7
    /// processes: 0.12–0.29 s at 10³ particles (16³–64³), 0.70, 0.75, 1.02 s at 10⁴ (16³, 32³, 64³), and 4.0 s for the starts of
    /// 10⁴ against 128³, 11.7 s for those of 10⁵ against 64³ (a start costs more than a hinted evaluation); within a factor 1.7
    /// of each. The default d = 2 run (128³ cells, 10⁴ particles) is estimated at 42 s: over the 10 s budget, it gets the cell-centre bracket. Used to
    /// pick the method and cap the solve, never for results.
    /// </summary>
    public static double EstimatedSemiDiscrete3DEvaluationSeconds(int cells, int m) => 1.2e-6 * cells + 8e-5 * m;

    /// <summary>The idle estimate of a semi-discrete solve on a grid of <paramref name="dimension"/> axes (2 or 3): cell evaluations
    /// and seconds per evaluation (<see cref="EstimatedSemiDiscreteEvaluations"/> and <see cref="EstimatedSemiDiscreteEvaluationSeconds"/>
    /// in 2D, <see cref="EstimatedSemiDiscrete3DEvaluations"/> and <see cref="EstimatedSemiDiscrete3DEvaluationSeconds"/> in 3D).</summary>
    public static (double Evaluations, double EvaluationSeconds) EstimatedSemiDiscreteCost(int dimension, int cells, int m) => dimension == 3
        ? (EstimatedSemiDiscrete3DEvaluations(cells, m), EstimatedSemiDiscrete3DEvaluationSeconds(cells, m))
        : (EstimatedSemiDiscreteEvaluations(cells, m), EstimatedSemiDiscreteEvaluationSeconds(cells, m));

    /// <summary>
    /// Whether a semi-discrete solve of a grid density on <paramref name="cells"/> cells against <paramref name="m"/> atoms would
    /// exceed <paramref name="budget"/> seconds on two idle cores (<see cref="EstimatedSemiDiscreteCost"/> of the grid's
    /// <paramref name="dimension"/>), and, when it would
    /// not, the cap on its cell evaluations: the budget over the estimated seconds per evaluation, at least the estimated count;
    /// a solve that needs more stops there and the facade falls back to the certified cell-centre bracket. A pure function of the
    /// sizes and the budget: no CPU-share probe and no clock, so the same input gives the same method and result on any machine
    /// and under any load (a loaded machine only takes longer: under a share s of a core, up to the budget over s).
    /// </summary>
    public static bool ExceedsSemiDiscreteBudget(int cells, int m, double budget, out double estimate, out int maxEvaluations, int dimension = 2)
    {
        var (evaluations, perEvaluation) = EstimatedSemiDiscreteCost(dimension, cells, m);
        estimate = evaluations * perEvaluation;
        bool exceeds = estimate > budget;
        maxEvaluations = exceeds ? 0 : (int)Math.Min(int.MaxValue, Math.Max(Math.Ceiling(evaluations), Math.Floor(budget / perEvaluation)));
        return exceeds;
    }

    /// <summary>
    /// Wall time of the coarsened bracket (the method when an exact solve would exceed its budget): linear in the atoms
    /// (boxing them; the coarse solve is bounded), measured on two loaded cores: 3.5 s for two 3000² grid densities
    /// (1.8·10⁷ atoms), 21.9 s for two 5000² ones (5·10⁷ atoms). Used to announce a slow W2, never for results.
    /// </summary>
    public static double EstimatedCoarsenedSeconds(int n, int m) => 4e-7 * ((double)n + m);

    /// <summary>The estimated wall time of a W2 by the method <see cref="Between(AtomicMeasure, AtomicMeasure, W2Options?)"/> picks
    /// (on idle cores: used to announce a slow W2 before it starts).</summary>
    public static double EstimatedSeconds(int n, int m, W2Options options)
    {
        double exact = EstimatedExactSeconds(n, m);
        return exact > options.ExactSecondsBudget ? EstimatedCoarsenedSeconds(n, m) : exact;
    }

    /// <summary>Method name: exact transport in one dimension.</summary>
    public const string Exact1D = "exact 1D (quantile functions)";
    /// <summary>Method name: the network simplex on all pairs.</summary>
    public const string ExactSimplex = "network simplex (exact on the atoms)";
    /// <summary>Method name: the network simplex with column generation, certified over all pairs.</summary>
    public const string ExactColumnGeneration = "network simplex with multiscale column generation (exact on the atoms)";

    // idle: decide the exact budget by the idle estimate alone (no CPU-share probe), for the brackets of the density paths.
    private static W2Result Solve(AtomicMeasure a, AtomicMeasure b, UniformGrid? grid, W2Options options, bool idle = false)
    {
        var clock = Stopwatch.StartNew();
        if (options.MaxExactPairs < 1) throw new InputException("maxExactPairs", options.MaxExactPairs, "must be at least 1");
        (a, b) = AtomicMeasure.Pair(a, b, options.Normalize);
        if (a.Dimension == 1)
        {
            double w2 = Transport1D.W2(Measure1D.Atoms(a.Positions, a.Weights, a.Name), Measure1D.Atoms(b.Positions, b.Weights, b.Name));
            return new W2Result(w2, Exact1D, TransportStatus.Optimal, 0, clock.Elapsed.TotalSeconds);
        }
        long pairs = (long)a.Count * b.Count;
        if (pairs <= Math.Min(options.MaxExactPairs, options.Sparse.MaxDensePairs))
            return Exact(NetworkSimplex.Solve(a, b, maxIterations: options.MaxIterations, cancellation: options.Cancellation), ExactSimplex, a, clock);
        string prefix = "";
        if (ExceedsExactBudget(a.Count, b.Count, options.ExactSecondsBudget, out double estimate, idle ? () => 1 : null))
            prefix = FormattableString.Invariant($"an exact solve would take ~{estimate:G2} s (budget {options.ExactSecondsBudget:G3} s; {EstimatedExactSeconds(a.Count, b.Count):G2} s on idle cores), coarsened instead: ");
        else if (pairs <= options.MaxExactPairs)
        {
            var sparse = (options.MaxIterations > 0 ? options.Sparse with { MaxIterations = options.MaxIterations } : options.Sparse)
                with { Cancellation = options.Cancellation };
            double[]? origin = null, side = null;
            if (grid is not null && grid.Dimension == a.Dimension)
            {
                origin = grid.HalfWidths.Select(h => -h).ToArray();
                side = Enumerable.Range(0, grid.Dimension).Select(k => 2 * grid.Spacing(k)).ToArray();
            }
            var s = SparseTransport.Solve(a, b, false, sparse, origin, side);
            if (s.Status == TransportStatus.Optimal) return Exact(s, ExactColumnGeneration, a, clock);
            prefix = $"column generation stopped ({s.Message}), coarsened instead: ";
        }
        return SolveCoarsened(a, b, grid, options, prefix, clock);
    }

    // Certified: W2² ∈ [dual objective − violation·mass, plan cost].
    private static W2Result Exact(TransportSolution s, string method, AtomicMeasure a, Stopwatch clock)
    {
        double lower = Math.Sqrt(Math.Max(0, s.DualObjective - s.MaxViolation * a.TotalMass));
        return new W2Result(s.W2, method, s.Status, Math.Max(0, s.W2 - lower), clock.Elapsed.TotalSeconds)
        {
            Message = s.Message,
            Solution = s,
        };
    }

    private static W2Result SolveCoarsened(AtomicMeasure a, AtomicMeasure b, UniformGrid? grid, W2Options options, string prefix, Stopwatch clock)
    {
        var (origin, spacing, description) = ChooseLattice(a, b, grid, Math.Min(options.MaxExactPairs, options.MaxCoarsePairs));
        var ca = Coarsening.Apply(a, origin, spacing);
        var cb = Coarsening.Apply(b, origin, spacing);
        var s = NetworkSimplex.Solve(ca.Coarse, cb.Coarse, maxIterations: options.MaxIterations, cancellation: options.Cancellation);
        options.Cancellation.ThrowIfCancellationRequested();
        double w2c = s.W2, sa = Math.Sqrt(ca.SecondMoment), sb = Math.Sqrt(cb.SecondMoment);
        double upper = Math.Sqrt(s.Cost + ca.SecondMoment + cb.SecondMoment);
        double lower = Math.Max(0, w2c - sa - sb);
        string bound = "triangle inequality";
        if ((long)a.Count * b.Count <= options.MaxCertificatePairs && s.Status == TransportStatus.Optimal)
        {
            // The coarse source potentials at their centroids, c-transformed onto the fine targets and
            // back onto the fine sources: a dual-feasible pair on the fine problem.
            var psi = Coarsening.CTransform(ca.Coarse, s.SourcePotentials.ToArray(), b);
            var phi = Coarsening.CTransform(b, psi, a);
            double dual = 0;
            for (int i = 0; i < a.Count; i++) dual += a.Weights[i] * phi[i];
            for (int j = 0; j < b.Count; j++) dual += b.Weights[j] * psi[j];
            double dualLower = Math.Sqrt(Math.Max(0, dual));
            if (dualLower > lower) { lower = dualLower; bound = "dual (c-transformed coarse potentials)"; }
        }
        upper = Math.Max(upper, lower);
        string method = $"network simplex on coarsened measures ({description}; {ca.Coarse.Count} vs {cb.Coarse.Count} atoms), certified bracket";
        return new W2Result(0.5 * (lower + upper), method, s.Status, 0.5 * (upper - lower), clock.Elapsed.TotalSeconds)
        {
            Message = $"{prefix}{s.Message}; W2 in [{lower:G6}, {upper:G6}] (upper: fine plan from the coarse one; lower: {bound}); " +
                $"coarse W2 {w2c:G6}, within-box W2 bounds {sa:G3}, {sb:G3}",
        };
    }

    // The coarsest lattice refinement that fits: aligned with the grid (blocks of f^D cells) when one is
    // involved, else a uniform lattice over the joint bounding box.
    private static (double[] Origin, double[] Spacing, string Description) ChooseLattice(AtomicMeasure a, AtomicMeasure b, UniformGrid? grid, long maxPairs)
    {
        int k = a.Dimension;
        if (grid is not null && grid.Dimension == k)
        {
            var origin = grid.HalfWidths.Select(h => -h).ToArray();
            // A block of f^k cells holds the atoms of at most f^k cells, so a measure on c cells occupies at least ⌈c/f^k⌉
            // blocks: blocks that cannot fit are skipped uncounted (counting every f cost minutes and GBs on 5000² grids).
            double cellsA = Coarsening.OccupiedCells(a, grid), cellsB = Coarsening.OccupiedCells(b, grid);
            for (int f = 2; ; f++)
            {
                double perBlock = Math.Pow(f, k);
                if (Math.Ceiling(cellsA / perBlock) * Math.Ceiling(cellsB / perBlock) > maxPairs) continue;
                var spacing = Enumerable.Range(0, k).Select(c => f * grid.Spacing(c)).ToArray();
                if ((long)Coarsening.CountBoxes(a, origin, spacing) * Coarsening.CountBoxes(b, origin, spacing) <= maxPairs)
                    return (origin, spacing, $"blocks of {f}^{k} grid cells");
            }
        }
        var lo = new double[k];
        var hi = new double[k];
        Array.Fill(lo, double.PositiveInfinity);
        Array.Fill(hi, double.NegativeInfinity);
        foreach (var m in new[] { a, b })
            for (int i = 0; i < m.Count; i++)
                for (int c = 0; c < k; c++)
                {
                    lo[c] = Math.Min(lo[c], m.Positions[i * k + c]);
                    hi[c] = Math.Max(hi[c], m.Positions[i * k + c]);
                }
        for (int r = (int)Math.Max(1, Math.Floor(Math.Pow(Math.Sqrt(maxPairs), 1.0 / k))); ; r = Math.Max(1, r * 7 / 8))
        {
            var spacing = Enumerable.Range(0, k).Select(c => hi[c] > lo[c] ? (hi[c] - lo[c]) * (1 + 1e-12) / r : 1.0).ToArray();
            if (r == 1 || (long)Coarsening.CountBoxes(a, lo, spacing) * Coarsening.CountBoxes(b, lo, spacing) <= maxPairs)
                return (lo, spacing, $"lattice of {r}^{k} boxes");
        }
    }
}
