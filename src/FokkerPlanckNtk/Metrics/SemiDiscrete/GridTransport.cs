using System.Diagnostics;

namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>
/// W2 between two piecewise-constant densities p, q on the same 2D or 3D grid (the densities, not cell-centre atoms).
/// <para>
/// Each density is transported exactly (semi-discrete, <see cref="SemiDiscreteTransport"/>) onto the other's
/// cell-centre atoms q̂, p̂: A = W2²(p, q̂), B = W2²(q, p̂). Replacing q by q̂ adds its quantization energy
/// Q = M Σ_k Δ_k²/12 (each cell's uniform mass to its centre, exact) plus a cross term 2∫(T(x) − x)·(centre − T(x)),
/// first order in the grid and of opposite sign in A and B (the inverse map has the opposite deformation), so
/// W2² ≈ (A + B)/2 − Q with an error O(Δ²) relative (measured order 2: validation/transport).
/// </para>
/// <para>
/// Certified bracket: from below, Gelbrich's bound (Bures distance of the exact moments of the two densities)
/// and the triangle inequality √A₋ − √Q (A₋ the dual value, a lower bound of A); from above √A₊ + √Q (A₊ a
/// feasible plan's cost). The reported error is an a-posteriori estimate: the difference to the same estimate on
/// the 2^d-block-coarsened grid (three times the Richardson estimate for order 2: measured ratios of successive errors
/// are 4 ± 0.5, but not monotone in every case), never leaving the certified bracket. Tests validate it against
/// exact values.
/// </para>
/// </summary>
public static class GridTransport
{
    /// <summary>Method name in results and output files.</summary>
    public const string Method = "semi-discrete, densities (piecewise constant) against cell-centre atoms, symmetrized";

    /// <summary>Largest grid (cells) the facade sends here: 2 × 128² (about 5 s and 0.1 GB at 128² on two cores; the time
    /// grows faster than the cell count, and larger grids take the atomic path with its time budget).</summary>
    public const int MaxCells = 2 * 128 * 128;

    /// <summary>Largest 3D grid (cells) the facade sends here: 32³ (Laguerre polyhedra; measured cost in
    /// validation/transport/grid-densities-3d.md); larger 3D grids take the atomic path.</summary>
    public const int MaxCells3D = 32 * 32 * 32;

    /// <summary>Whether the facade's grid–grid W2 uses this method for the grid (2D up to <see cref="MaxCells"/>, 3D up to <see cref="MaxCells3D"/>).</summary>
    public static bool Handles(UniformGrid grid) =>
        grid.Dimension switch { 2 => grid.Count <= MaxCells, 3 => grid.Count <= MaxCells3D, _ => false };

    /// <summary>Newton steps per semi-discrete solve before the bracket is reported as it stands.</summary>
    public const int MaxNewtonSteps = 60;

    /// <summary>Smallest cell count per axis of the coarsened grid used for the error estimate.</summary>
    private const int MinCoarseCells = 8;

    /// <summary>
    /// The cost model of the work cap: wall seconds on two idle cores per unit of work, one cell evaluation of one grid cell
    /// (the Laguerre cells of a level's atoms clipped to its grid: masses, costs, facets; the Newton step's conjugate gradients
    /// ride along), in 2D and 3D. Calibrated on the process CPU time per unit, which the load hardly changes (measured at load
    /// 11–21, one thread and two alike, validation/transport/grid-densities.md "Work cap"): 2D 8–16 µs (Gaussian cases at 128²,
    /// the α = 1024 product path's converged W2 16 µs, its crawling tail 20 µs), 3D 36–69 µs (32³, more for larger
    /// displacements); the rate is half a typical CPU rate (two cores). Used to cap the work, never for results.
    /// </summary>
    public static double SecondsPerCellEvaluation(int dimension) => dimension == 3 ? SecondsPerCellEvaluation3D : SecondsPerCellEvaluation2D;

    private const double SecondsPerCellEvaluation2D = 6e-6, SecondsPerCellEvaluation3D = 2.5e-5;

    /// <summary>
    /// The work cap (cell evaluations × cells, <see cref="SecondsPerCellEvaluation"/>) of a W2 whose time budget is
    /// <paramref name="budgetSeconds"/> on idle cores: the facade's <see cref="W2Options.ExactSecondsBudget"/> (output.w2Seconds)
    /// for grid densities. Deterministic: the same input gives the same result on any machine and under any load (a loaded
    /// machine takes longer, it does not change the result). ∞ for an infinite budget; 0 for 0 (the starts only: the cheapest
    /// certified bracket).
    /// </summary>
    public static double WorkCap(int dimension, double budgetSeconds) =>
        budgetSeconds >= double.MaxValue ? double.PositiveInfinity : Math.Max(0, budgetSeconds) / SecondsPerCellEvaluation(dimension);

    /// <summary>Share of the work cap that the levels below the finest (starts and error estimate) may spend together.</summary>
    private const double CoarseShare = 0.5;

    /// <summary>Method name of a result stopped by the work cap: the certified bracket alone.</summary>
    public const string CappedMethod = Method + "; capped by the work budget (output.w2Seconds): certified bracket";

    /// <summary>
    /// W2 between two densities on one 2D or 3D grid; totals must agree up to round-off unless <paramref name="normalize"/>.
    /// <paramref name="maxWork"/> caps the work of all the semi-discrete solves together, in cell evaluations × cells
    /// (<see cref="WorkCap"/>; ∞: no cap): the levels below the finest may spend <see cref="CoarseShare"/> of it, the finest what
    /// is left, each solve stopping (status <see cref="TransportStatus.IterationLimit"/>) where its next evaluation would pass
    /// the cap (the starts are always made). When the cap stopped any solve the result is the certified bracket of the finest
    /// level, [max(Gelbrich, √A₋ − √Q), min(√A₊, √B₊) + √Q], as value ± half-width (method <see cref="CappedMethod"/>): never an
    /// unvalidated estimate. No wall clock enters the result.
    /// </summary>
    public static W2Result Between(UniformGrid grid, ReadOnlySpan<double> p, ReadOnlySpan<double> q, bool normalize = false,
        CancellationToken cancellation = default, double maxWork = double.PositiveInfinity)
    {
        var clock = Stopwatch.StartNew();
        if (grid.Dimension is not (2 or 3))
            throw new InputException("density.dimension", grid.Dimension, "W2 of grid densities by semi-discrete transport is implemented for 2 and 3 axes");
        if (!(maxWork >= 0)) throw new InputException("maxWork", maxWork, "must be a number of cell evaluations ≥ 0 (∞: no cap)");
        GridDensity.Validate(grid, p, "p");
        GridDensity.Validate(grid, q, "q");
        double massP = GridDensity.Mass(grid, p), massQ = GridDensity.Mass(grid, q);
        if (!(massP > 0)) throw new InputException("p", "all zero", "the density must have positive mass");
        if (!(massQ > 0)) throw new InputException("q", "all zero", "the density must have positive mass");
        if (!normalize) MassBalance.RequireEqual("p", massP, p.Length, "q", massQ, q.Length);
        // Solved as probability measures; W2 scales with the square root of the common mass.
        var pn = Scaled(p, 1 / massP);
        var qn = Scaled(q, 1 / massQ);
        double mass = normalize ? 1 : massP;

        // Coarse to fine: each level's potentials, interpolated, start the next finer level (a cold start far from the
        // solution costs the damped Newton tens of steps: 60 without convergence on a 64² product-path density at α = 1024,
        // against a few per level from the coarser one); the level below the finest gives the error estimate.
        var work = new Work(maxWork);
        var fine = Hierarchy(grid, pn, qn, work, true, cancellation);
        var coarse = fine.Coarser;
        double value = Math.Sqrt(Math.Max(0, fine.Squared));
        double lower = fine.Lower, upper = fine.Upper;
        double scale = Math.Sqrt(mass);
        string workText = double.IsPositiveInfinity(maxWork)
            ? FormattableString.Invariant($"work {work.Used:G3} cell evaluations × cells")
            : FormattableString.Invariant($"work {work.Used:G3} of the cap {maxWork:G3} cell evaluations × cells");
        if (work.Capped)
            return new W2Result(scale * 0.5 * (lower + upper), CappedMethod, TransportStatus.IterationLimit, scale * 0.5 * (upper - lower), clock.Elapsed.TotalSeconds)
            {
                CertifiedLower = scale * lower,
                CertifiedUpper = scale * upper,
                Message = FormattableString.Invariant(
                    $"stopped by the work cap ({workText}): certified W2 in [{scale * lower:G6}, {scale * upper:G6}] (lower: {fine.LowerReason}); {fine.Details}"),
            };
        double error;
        string how;
        if (coarse is { } c2)
        {
            double coarseValue = Math.Sqrt(Math.Max(0, c2.Squared));
            error = Math.Abs(value - coarseValue);
            how = FormattableString.Invariant($"error estimate |W2_h − W2_2h| (W2_2h = {coarseValue:G6})");
        }
        else
        {
            error = Math.Max(value - lower, upper - value);
            how = "grid too small to coarsen: the certified bracket";
        }
        // The Newton stops (if any) leave the estimate below the exact symmetrized value by at most the duality gaps; a
        // stop on a stagnated value (mass error within FrozenMassTolerance) by about the quadratic model's estimate.
        if (fine.Gap > 0) error += fine.Gap / (2 * Math.Max(value, Math.Sqrt(fine.Gap)));
        if (fine.ValueGap > 0) error += fine.ValueGap / (2 * Math.Max(value, Math.Sqrt(fine.ValueGap)));
        value = Math.Clamp(value, lower, upper);
        error = Math.Min(error, Math.Max(value - lower, upper - value));
        var status = fine.Converged ? TransportStatus.Optimal : TransportStatus.IterationLimit;
        return new W2Result(scale * value, Method, status, scale * error, clock.Elapsed.TotalSeconds)
        {
            CertifiedLower = scale * lower,
            CertifiedUpper = scale * upper,
            Message = FormattableString.Invariant(
                $"W2 ≈ {scale * value:G6} ± {scale * error:G2} ({how}); certified W2 in [{scale * lower:G6}, {scale * upper:G6}] (lower: {fine.LowerReason}); {workText}; {fine.Details}"),
        };
    }

    // The work cap shared by the solves of one call (cell evaluations × cells), spent coarse to fine: the coarse levels
    // together up to CoarseShare of it, the finest level what is left, the two directions of a level one after the other.
    private sealed class Work(double cap)
    {
        public double Used { get; private set; }
        private double _coarseUsed;

        /// <summary>Whether the cap stopped a solve.</summary>
        public bool Capped { get; private set; }

        // The evaluation cap of the next solve on a grid of `cells` cells.
        public int Evaluations(int cells, bool finest)
        {
            if (double.IsPositiveInfinity(cap)) return int.MaxValue;
            double left = finest ? cap - Used : Math.Min(cap - Used, CoarseShare * cap - _coarseUsed);
            return (int)Math.Clamp(Math.Floor(left / cells), 0, int.MaxValue);
        }

        public void Spend(SemiDiscreteResult r, int cells, int cap, bool finest)
        {
            double spent = (double)r.Evaluations * cells;
            Used += spent;
            if (!finest) _coarseUsed += spent;
            // Stopped where the next evaluation would pass the cap (not at the Newton step cap or on its own).
            if (r.Status != TransportStatus.Optimal && r.Evaluations >= cap) Capped = true;
        }
    }

    private sealed record Symmetrized(double Squared, double Lower, double Upper, double Gap, double ValueGap, bool Converged,
        string LowerReason, string Details, UniformGrid Grid, double[] PsiA, double[] PsiB)
    {
        /// <summary>The level below (2^d-block averages), when the grid could be coarsened.</summary>
        public Symmetrized? Coarser { get; init; }
    }

    // The estimate on this grid, started from the estimate on the 2^d-block-coarsened grid (itself computed the same way)
    // while every axis has an even count of at least 2 MinCoarseCells.
    private static Symmetrized Hierarchy(UniformGrid grid, double[] p, double[] q, Work work, bool finest, CancellationToken cancellation)
    {
        Symmetrized? coarse = null;
        if (grid.Cells.All(c => c % 2 == 0 && c / 2 >= MinCoarseCells))
        {
            var coarseGrid = new UniformGrid(grid.Cells.Select(c => c / 2).ToArray(), grid.HalfWidths.ToArray());
            coarse = Hierarchy(coarseGrid, Coarsen(grid, p), Coarsen(grid, q), work, false, cancellation);
        }
        return Estimate(grid, p, q, coarse, work, finest, cancellation) with { Coarser = coarse };
    }

    // (A + B)/2 − Q with its certified bracket, for probability densities.
    private static Symmetrized Estimate(UniformGrid grid, double[] p, double[] q, Symmetrized? coarse, Work work, bool finest, CancellationToken cancellation)
    {
        var options = SemiDiscreteOptions.Default with { MaxNewtonSteps = MaxNewtonSteps };
        int capA = work.Evaluations(grid.Count, finest);
        var (a, psiA) = Solve(grid, p, q, options with { MaxEvaluations = capA }, coarse is null ? null : Refine(coarse.Grid, coarse.PsiA, grid), cancellation);
        work.Spend(a, grid.Count, capA, finest);
        int capB = work.Evaluations(grid.Count, finest);
        var (b, psiB) = Solve(grid, q, p, options with { MaxEvaluations = capB }, coarse is null ? null : Refine(coarse.Grid, coarse.PsiB, grid), cancellation);
        work.Spend(b, grid.Count, capB, finest);
        double quantization = 0;
        for (int k = 0; k < grid.Dimension; k++) quantization += grid.Spacing(k) * grid.Spacing(k) / 12;
        double squared = 0.5 * (a.LowerSquared + b.LowerSquared) - quantization;
        double gelbrich = Math.Sqrt(MeasureMoments.BuresSquared(MeasureMoments.Of(grid, p), MeasureMoments.Of(grid, q)));
        double sq = Math.Sqrt(quantization);
        double triangle = Math.Max(Math.Sqrt(a.LowerSquared), Math.Sqrt(b.LowerSquared)) - sq;
        double lower = Math.Max(gelbrich, triangle);
        double upper = Math.Min(Math.Sqrt(a.UpperSquared), Math.Sqrt(b.UpperSquared)) + sq;
        double gap = 0.5 * (a.UpperSquared - a.LowerSquared + b.UpperSquared - b.LowerSquared);
        bool converged = a.Status == TransportStatus.Optimal && b.Status == TransportStatus.Optimal;
        double valueGap = converged ? 0.5 * (a.ValueGapEstimate + b.ValueGapEstimate) : 0;
        return new Symmetrized(squared, Math.Max(0, lower), Math.Max(upper, lower), converged ? 0 : gap, valueGap, converged,
            gelbrich >= triangle ? "Gelbrich (moments)" : "triangle inequality",
            $"p → q atoms: {a.Message}; q → p atoms: {b.Message}", grid, psiA, psiB);
    }

    // One semi-discrete problem against the cell-centre atoms of `atomsDensity`; ψ returned per grid cell (NaN where
    // the cell is empty). A start per grid cell is used where given.
    private static (SemiDiscreteResult Result, double[] Psi) Solve(UniformGrid grid, double[] density, double[] atomsDensity,
        SemiDiscreteOptions options, double[]? start, CancellationToken cancellation)
    {
        var atoms = AtomicMeasure.FromGrid(grid, atomsDensity, "q");
        // FromGrid lists the cells of positive mass in grid order, which is the lexicographic order the solver keeps.
        var cellOf = Enumerable.Range(0, grid.Count).Where(c => atomsDensity[c] > 0).ToArray();
        double[]? initial = null;
        if (start is not null)
        {
            initial = cellOf.Select(c => start[c]).ToArray();
            if (initial.Any(double.IsNaN)) initial = null;
        }
        var result = SemiDiscreteTransport.Solve(new DensityBox(grid, density), atoms.Positions, atoms.Weights, options, null, cancellation, initial);
        var psi = new double[grid.Count];
        Array.Fill(psi, double.NaN);
        for (int k = 0; k < result.AtomIndex.Length; k++) psi[cellOf[result.AtomIndex[k]]] = result.Potentials[k];
        return (result, psi);
    }

    // ψ of the coarse cells interpolated (multilinear between coarse centres, constant beyond the outer ones) at the
    // fine cell centres; NaN where a needed coarse cell had no atom (the fine solve then starts on its own).
    private static double[] Refine(UniformGrid coarse, double[] psi, UniformGrid fine)
    {
        int dim = fine.Dimension;
        var result = new double[fine.Count];
        var z = new double[dim];
        var lower = new int[dim];
        var fraction = new double[dim];
        for (int c = 0; c < fine.Count; c++)
        {
            fine.Center(c, z);
            for (int k = 0; k < dim; k++)
            {
                int n = coarse.Cells[k];
                double u = Math.Clamp((z[k] + coarse.HalfWidths[k]) / coarse.Spacing(k) - 0.5, 0, n - 1);
                lower[k] = Math.Min((int)u, n - 2);
                fraction[k] = u - lower[k];
            }
            double sum = 0;
            for (int corner = 0; corner < 1 << dim; corner++)
            {
                double weight = 1;
                int index = 0;
                for (int k = 0; k < dim; k++)
                {
                    int up = (corner >> k) & 1;
                    weight *= up == 1 ? fraction[k] : 1 - fraction[k];
                    index += (lower[k] + up) * coarse.Stride(k);
                }
                if (weight != 0) sum += weight * psi[index];
            }
            result[c] = sum;
        }
        return result;
    }

    private static double[] Scaled(ReadOnlySpan<double> p, double factor)
    {
        var result = new double[p.Length];
        for (int i = 0; i < p.Length; i++) result[i] = p[i] * factor;
        return result;
    }

    // Averages of 2^d blocks (the same box, half the cells per axis).
    private static double[] Coarsen(UniformGrid grid, double[] p)
    {
        int dim = grid.Dimension;
        var coarse = new UniformGrid(grid.Cells.Select(c => c / 2).ToArray(), grid.HalfWidths.ToArray());
        var result = new double[coarse.Count];
        double share = 1.0 / (1 << dim);
        var index = new int[dim];
        for (int c = 0; c < grid.Count; c++)
        {
            int rest = c, target = 0;
            for (int k = 0; k < dim; k++)
            {
                index[k] = rest / grid.Stride(k);
                rest -= index[k] * grid.Stride(k);
                target += index[k] / 2 * coarse.Stride(k);
            }
            result[target] += share * p[c];
        }
        return result;
    }
}
