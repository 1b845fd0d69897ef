using System.Diagnostics;
using FokkerPlanckNtk.Grids;

namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>Options of <see cref="SemiDiscreteTransport"/>.</summary>
public sealed record SemiDiscreteOptions
{
    /// <summary>Stop when Σ_i |m_i − ν_i| ≤ this times the total mass (cell masses against atom masses).</summary>
    public double MassTolerance { get; init; } = double.Parse(Environment.GetEnvironmentVariable("FPNTK_SD_TOL") ?? "1e-10", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Cap on Newton steps (each needs one or more cell evaluations).</summary>
    public int MaxNewtonSteps { get; init; } = 200;

    /// <summary>Cap on conjugate-gradient iterations per Newton step.</summary>
    public int MaxCgIterations { get; init; } = 20000;

    /// <summary>Accept atoms outside the density's box (their cells are clipped to the box; the problem stays well posed).
    /// Off by default: a density that does not cover the atoms is usually a mistake, and the error names the atom.</summary>
    public bool AllowAtomsOutsideBox { get; init; }

    public static SemiDiscreteOptions Default { get; } = new();
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

    public double W2Squared => LowerSquared;
    public double W2 => Math.Sqrt(Math.Max(0, LowerSquared));
    public double Lower => Math.Sqrt(Math.Max(0, LowerSquared));
    public double Upper => Math.Sqrt(Math.Max(0, UpperSquared));

    /// <summary>Σ_i |m_i − ν_i| at the final weights.</summary>
    public required double MassError { get; init; }

    public required int NewtonSteps { get; init; }
    public required int Evaluations { get; init; }
    public required long CgIterations { get; init; }
    public required TransportStatus Status { get; init; }
    public required string Message { get; init; }
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
/// Damped Newton (Kitagawa, Mérigot &amp; Thibert 2019): direction by preconditioned CG on the Laplacian, step halved
/// until every cell keeps at least ε₀ = ½ min(min ν_i, min m_i(ψ₀)) and the mass error falls by the factor (1 − τ/2);
/// globally convergent (quadratically at the end) when the set where ρ &gt; 0 is connected.
/// All integrals are exact for polygons (polyhedra), so the bracket [Φ(ψ), plan cost] is certified up to round-off.
/// </summary>
public static class SemiDiscreteTransport
{
    private static readonly double Theta = double.Parse(Environment.GetEnvironmentVariable("FPNTK_SD_THETA") ?? "0.5", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly int Variant = int.Parse(Environment.GetEnvironmentVariable("FPNTK_SD_VARIANT") ?? "0");
    private static readonly int Variant2 = int.Parse(Environment.GetEnvironmentVariable("FPNTK_SD_START") ?? "0");
    private static readonly bool Trace = Environment.GetEnvironmentVariable("FPNTK_SD_TRACE") == "1";
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
        AtomicMeasure.RequireEqualMass("density", box.TotalMass, atoms.Name, atoms.TotalMass);
        if (!options.AllowAtomsOutsideBox) RequireInside(box, atoms);
        return Solve(box, atoms.Positions, atoms.Weights, options, progress, cancellation);
    }

    internal static void RequireInside(DensityBox box, AtomicMeasure atoms)
    {
        int d = box.Dimension;
        var x = atoms.Positions;
        for (int i = 0; i < atoms.Count; i++)
            for (int k = 0; k < d; k++)
                if (x[i * d + k] < box.Lo[k] || x[i * d + k] > box.Hi[k])
                    throw new InputException($"{atoms.Name}.positions[{i}][{k}]", x[i * d + k],
                        $"lies outside the density's box [{InputException.Format(box.Lo[k])}, {InputException.Format(box.Hi[k])}]: the grid does not cover the atoms");
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

        var psi = initialPsi is null ? (Variant2 == 1 ? AffineStart(box, y, nu) : SeparableStart(box, y, nu)) : (double[])initialPsi.Clone();
        var current = new CellIntegrals(n);
        int evaluations = 0;
        cells.Evaluate(psi, current, true, cancellation);
        evaluations++;
        // Globalization (Kitagawa–Mérigot–Thibert, made progressive): a step is accepted when the mass error
        // falls by (1 − τ/2) and every guarded cell keeps at least its threshold ε_i = ½ min(ν_i, m_i) (m_i when
        // it became guarded). An atom is guarded once the atoms lighter than it weigh more than 1% of the current
        // mass error (lighter ones hardly affect the step, and their cells, where ρ jumps between grid cells,
        // would block it); until then its cell must only keep a positive mass, and atoms that together weigh
        // less than a quarter of the tolerance are not constrained at all (the certificate's repair term covers
        // whatever mass they miss).
        double freeFloor = LightAtomFloor(nu, 0.25 * target);
        var threshold = new double[n];
        Array.Fill(threshold, -1);
        var alive = new bool[n];
        for (int i = 0; i < n; i++) alive[i] = nu[i] >= freeFloor;
        // Starts, in order: the affine map's ψ, then scaled down towards the Voronoi diagram (ψ = 0), then the
        // compressed diagram, until every cell that must stay alive has mass.
        void ReviveEmpty()
        {
            for (int pass = 0; pass < 3 && MinWhere(current.Mass, alive) <= 0; pass++)
            {
                if (!Revive(cells, box, y, nu, psi, current, alive, 0)) break;
                cells.Evaluate(psi, current, true, cancellation, current);
                evaluations++;
            }
        }
        ReviveEmpty();
        if (initialPsi is null && MinWhere(current.Mass, alive) <= 0)
        {
            var start = (double[])psi.Clone();
            for (int halving = 1; halving <= 4 && MinWhere(current.Mass, alive) <= 0; halving++)
            {
                double f = halving == 4 ? 0 : Math.Pow(0.5, halving);
                for (int i = 0; i < n; i++) psi[i] = f * start[i];
                cells.Evaluate(psi, current, true, cancellation);
                evaluations++;
                ReviveEmpty();
            }
        }
        if (MinWhere(current.Mass, alive) <= 0) evaluations += Compress(box, y, cells, psi, current, alive, cancellation);
        var scale = new double[n];
        for (int i = 0; i < n; i++) scale[i] = Math.Max(nu[i], freeFloor);
        var g = new double[n];
        var frozen = new bool[n];
        var direction = new double[n];
        var trialPsi = new double[n];
        var trial = new CellIntegrals(n);
        double error1 = Residual(nu, current.Mass, g, out double error2);
        double initialError = Math.Max(error1, target * 2);
        int steps = 0;
        long cgTotal = 0;
        string message = "";
        var status = TransportStatus.Optimal;
        while (error1 > target)
        {
            cancellation.ThrowIfCancellationRequested();
            double guardFloor = Variant == 4 ? freeFloor : LightAtomFloor(nu, Math.Max(0.25 * target, 0.01 * error1));
            for (int i = 0; i < n; i++)
                if (threshold[i] < 0 && nu[i] >= guardFloor) { threshold[i] = Theta * Math.Min(nu[i], current.Mass[i]); if (Trace && threshold[i] == 0) Console.Error.WriteLine($"zero threshold atom {i} nu {nu[i]:E3} m {current.Mass[i]:E3} alive {alive[i]}"); }
            if (steps == options.MaxNewtonSteps)
            {
                status = TransportStatus.IterationLimit;
                message = $"stopped after {steps} Newton steps";
                break;
            }
            // Cells with less than 1e-3 of their mass (vanished or slivers, light atoms only: the guarded ones
            // keep their thresholds) are frozen in the Newton system: their tiny facet weights would make the
            // direction huge. They are revived after the step.
            bool anyFrozen = false;
            for (int i = 0; i < n; i++)
            {
                frozen[i] = (!alive[i] && current.Mass[i] <= nu[i]) || current.Mass[i] < 1e-3 * nu[i];
                anyFrozen |= frozen[i];
            }
            var laplacian = new GraphLaplacian(current, anyFrozen ? frozen : null);
            // Inexact Newton: the CG tolerance follows the mass error (quadratic convergence at the end).
            double forcing = Environment.GetEnvironmentVariable("FPNTK_SD_FORCING") is string fs ? double.Parse(fs, System.Globalization.CultureInfo.InvariantCulture) : Math.Clamp(Math.Sqrt(error1 / total), 1e-10, 0.1);
            var (cg, cgRes) = laplacian.Solve(g, direction, scale, forcing, options.MaxCgIterations, cancellation);
            if (Trace) Console.Error.WriteLine($"step {steps} err1 {error1:E3} err2 {error2:E3} cg {cg} res {cgRes:E2} guardFloor {guardFloor:E2}");
            cgTotal += cg;
            steps++;
            double tau = 1;
            bool accepted = false;
            double phi = Dual(psi, nu, current), slope = 0;
            for (int i = 0; i < n; i++) slope += g[i] * direction[i];
            for (int halvings = 0; halvings < 40; halvings++, tau *= 0.5)
            {
                for (int i = 0; i < n; i++) trialPsi[i] = psi[i] + tau * direction[i];
                cells.Evaluate(trialPsi, trial, true, cancellation, current);
                evaluations++;
                var trialG = new double[n];
                double t1 = Residual(nu, trial.Mass, trialG, out double t2);
                if (Trace)
                {
                    int w = -1; double wr = double.PositiveInfinity;
                    for (int i = 0; i < n; i++) if (threshold[i] >= 0 && trial.Mass[i] / threshold[i] < wr) { wr = trial.Mass[i] / threshold[i]; w = i; }
                    Console.Error.WriteLine($"   tau {tau} sum-total {trial.Mass.Sum() - total:E2} t1 {t1:E3} t2 {t2:E3} worst {w} ratio {wr:E2} nu {(w >= 0 ? nu[w] : 0):E2} m {(w >= 0 ? trial.Mass[w] : 0):E2} m0 {(w >= 0 ? current.Mass[w] : 0):E2} y=({(w >= 0 ? y[w * dim] : 0):F2},{(w >= 0 ? y[w * dim + 1] : 0):F2}) d={(w >= 0 ? direction[w] : 0):E2}");
                }
                bool ok = Variant is 2 or 3 or 5
                    ? Dual(trialPsi, nu, trial) >= phi + 1e-4 * tau * slope || t2 <= (1 - tau / 2) * error2
                    : t2 <= (1 - tau / 2) * error2 && Admissible(trial.Mass, threshold);
                if (ok)
                {
                    (psi, trialPsi) = (trialPsi, psi);
                    (current, trial) = (trial, current);
                    g = trialG;
                    error1 = t1;
                    error2 = t2;
                    accepted = true;
                    break;
                }
            }
            if (accepted && Variant != 4 && Revive(cells, box, y, nu, psi, current, alive, 1e-3))
            {
                cells.Evaluate(psi, current, true, cancellation, current);
                evaluations++;
                error1 = Residual(nu, current.Mass, g, out error2);
            }
            if (!accepted)
            {
                status = TransportStatus.IterationLimit;
                message = $"the Newton step could not be damped enough after {steps} steps (mass error {error1:G3})";
                break;
            }
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
            message = $"{steps} Newton steps, {evaluations} cell evaluations, {cgTotal} CG iterations; mass error {error1:G3}";
        return new SemiDiscreteResult
        {
            LowerSquared = lower,
            UpperSquared = Math.Max(upper, lower),
            MassError = error1,
            NewtonSteps = steps,
            Evaluations = evaluations,
            CgIterations = cgTotal,
            Status = status,
            Message = message,
            Seconds = clock.Elapsed.TotalSeconds,
            Potentials = psi,
            AtomIndex = index,
            Cells = current,
        };
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

    // A start where every cell has mass: with ψ_i = (1 − λ)|y_i − c|² the Laguerre cells are the Voronoi
    // cells scaled by λ about c, so for λ·max|y_i − c| below the distance from c (the centre of the densest
    // grid cell) to that cell's boundary, every cell owns a piece of that cell. λ is halved from ½ until
    // every cell has mass, ending at that guaranteed value.
    private static int Compress(DensityBox box, double[] y, LaguerreCells cells, double[] psi, CellIntegrals result, bool[] alive,
        CancellationToken cancellation)
    {
        int dim = box.Dimension, n = psi.Length;
        int densest = 0;
        for (int c = 1; c < box.Density.Length; c++) if (box.Density[c] > box.Density[densest]) densest = c;
        var centre = new double[dim];
        double halfWidth = double.PositiveInfinity;
        for (int k = 0; k < dim; k++)
        {
            int j = densest / box.Strides[k] % box.Cells[k];
            centre[k] = box.Lo[k] + (j + 0.5) * box.Spacing[k];
            halfWidth = Math.Min(halfWidth, 0.5 * box.Spacing[k]);
        }
        double reach = 0;
        var r2 = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int k = 0; k < dim; k++) { double t = y[i * dim + k] - centre[k]; s += t * t; }
            r2[i] = s;
            reach = Math.Max(reach, Math.Sqrt(s));
        }
        double guaranteed = 0.9 * halfWidth / Math.Max(reach, 1e-300);
        int evaluations = 0;
        for (double lambda = 0.5; ; lambda *= 0.5)
        {
            lambda = Math.Max(lambda, Math.Min(guaranteed, 0.5));
            for (int i = 0; i < n; i++) psi[i] = (1 - lambda) * r2[i];
            cells.Evaluate(psi, result, true, cancellation);
            evaluations++;
            if (MinWhere(result.Mass, alive) > 0 || lambda <= guaranteed) return evaluations;
        }
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

    // A light atom whose cell vanished or became a sliver (allowed, see above) gets ψ_i just above the power envelope of the
    // others at y_i, max_j (ψ_j − |y_i − y_j|²), plus κ_i = ν_i/(π ρ(y_i)): its cell then contains a small
    // neighbourhood of y_i again (about the mass ν_i where the envelope is flat), so Newton sees it.
    private static bool Revive(LaguerreCells cells, DensityBox box, double[] y, double[] nu, double[] psi, CellIntegrals current, bool[] alive,
        double fraction)
    {
        int dim = box.Dimension;
        bool any = false;
        var revived = new List<(int Atom, double Psi)>();
        for (int i = 0; i < nu.Length; i++)
        {
            if (!alive[i] || current.Mass[i] > fraction * nu[i]) continue;
            int c = 0;
            for (int k = 0; k < dim; k++) c += box.CellOf(k, y[i * dim + k]) * box.Strides[k];
            double rho = box.Density[c];
            if (!(rho > 0)) continue;
            revived.Add((i, cells.Envelope(i) + nu[i] / (Math.PI * rho)));
        }
        foreach (var (atom, value) in revived)
        {
            if (value > psi[atom]) { psi[atom] = value; any = true; }
        }
        return any;
    }

    // The largest mass ν* such that the atoms lighter than ν* weigh at most `budget` together.
    private static double LightAtomFloor(double[] nu, double budget)
    {
        var sorted = (double[])nu.Clone();
        Array.Sort(sorted);
        double sum = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            sum += sorted[i];
            if (sum > budget) return sorted[i];
        }
        return double.PositiveInfinity;
    }

    private static double MinWhere(double[] a, bool[] where)
    {
        double m = double.PositiveInfinity;
        for (int i = 0; i < a.Length; i++) if (where[i]) m = Math.Min(m, a[i]);
        return m;
    }

    private static double Dual(double[] psi, double[] nu, CellIntegrals cells)
    {
        double s = 0;
        for (int i = 0; i < psi.Length; i++) s += cells.Cost[i] + psi[i] * (nu[i] - cells.Mass[i]);
        return s;
    }

    private static bool Admissible(double[] mass, double[] threshold)
    {
        for (int i = 0; i < mass.Length; i++)
            if (threshold[i] >= 0 && mass[i] < threshold[i]) return false;
        return true;
    }

    private static double Min(double[] a)
    {
        double m = double.PositiveInfinity;
        foreach (double v in a) m = Math.Min(m, v);
        return m;
    }
}
