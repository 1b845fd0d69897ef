using System.Diagnostics;

namespace FokkerPlanckNtk.Metrics;

/// <summary>Options of <see cref="SparseTransport"/>. The caps are counts, not times, so that results are reproducible.</summary>
public sealed record SparseTransportOptions
{
    /// <summary>Pairs added per atom (each source and each target) and pricing round: its violating pairs
    /// of most negative reduced cost.</summary>
    public int ArcsPerAtom { get; init; } = 4;

    /// <summary>Pricing rounds (passes over all pairs) per scale; reaching the cap ends the solve with
    /// status IterationLimit and says so.</summary>
    public int MaxRounds { get; init; } = 50;

    /// <summary>Scales with at most this many pairs are solved by the network simplex on all pairs (the
    /// coarsest scale, and problems that are small from the start).</summary>
    public long MaxDensePairs { get; init; } = 1L << 18;

    /// <summary>Pivot cap per scale (≤ 0: <see cref="NetworkSimplex.DefaultIterationLimit"/> of that scale).</summary>
    public long MaxIterations { get; init; }

    /// <summary>Observed by the simplex runs and between pricing rounds.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>The default options.</summary>
    public static SparseTransportOptions Default { get; } = new();
}

/// <summary>
/// Exact discrete optimal transport (squared Euclidean cost) for large atom sets: the network simplex of
/// <see cref="NetworkSimplex"/> on a sparse arc set that column generation enlarges until the optimum
/// of the restricted problem is optimal for all n·m pairs.
/// <list type="number">
/// <item>Multiscale start: both measures are aggregated on a lattice of boxes (2× the atom spacing, or
///   blocks of 2^k grid cells) into atoms at the box mass centroids, recursively, down to a scale solved
///   on all pairs. The fine arc set starts as the coarse spanning tree refined: all fine pairs of every
///   box pair on a coarse tree arc (a north-west-corner staircase where a box pair holds more than 256
///   fine pairs), so the restricted problem is feasible; atoms left without an arc get one to their
///   nearest neighbour.</item>
/// <item>Column generation: solve the restricted problem (warm: the tree of the previous round is kept),
///   price all n·m pairs against its potentials on the fly (SIMD, block bounds, threads over fixed
///   blocks), add per source and per target the pairs of most negative reduced cost that fail the
///   simplex's entering test, repeat until no pair fails it.</item>
/// </list>
/// The end state is the network simplex's own optimality condition over the complete bipartite graph, so
/// the value is the dense solver's (the same big-M problem, exact up to round-off); the returned
/// certificate (max violation over all pairs, duality gap) is computed in a last independent pass.
/// Atoms are priced independently and merged in index order: results do not depend on the thread count.
/// </summary>
public static class SparseTransport
{
    /// <summary>NW-corner splitting replaces the full product of two boxes above this many fine pairs.</summary>
    private const int MaxProductArcs = 256;

    /// <summary>
    /// Solves min Σ π_ij |x_i − y_j|² over plans with marginals the source and target masses; the
    /// totals must agree up to round-off (<see cref="MassBalance"/>) unless <paramref name="normalize"/>.
    /// </summary>
    public static TransportSolution Solve(AtomicMeasure source, AtomicMeasure target, bool normalize = false, SparseTransportOptions? options = null) =>
        Solve(source, target, normalize, options, null, null);

    /// <summary>As <see cref="Solve(AtomicMeasure, AtomicMeasure, bool, SparseTransportOptions?)"/>, with
    /// the boxes of the first aggregation given (origin and box side per axis), e.g. blocks of 2^k grid
    /// cells; coarser scales double the side.</summary>
    internal static TransportSolution Solve(AtomicMeasure source, AtomicMeasure target, bool normalize,
        SparseTransportOptions? options, double[]? origin, double[]? boxSide)
    {
        var clock = Stopwatch.StartNew();
        options ??= SparseTransportOptions.Default;
        InputException.RequireAtLeast("arcsPerAtom", options.ArcsPerAtom, 1);
        InputException.RequireAtLeast("maxRounds", options.MaxRounds, 1);
        if (options.MaxDensePairs < 1) throw new InputException("maxDensePairs", options.MaxDensePairs, "must be at least 1");
        (source, target) = AtomicMeasure.Pair(source, target, normalize);
        if (origin is null || boxSide is null) (origin, boxSide) = AtomLattice(source, target);
        var scales = new List<ScaleReport>();
        var (solver, status, limit) = SolveScale(source, target, origin, boxSide, options, scales);
        var finest = scales[^1];
        string summary = string.Join("; ", scales.Select(s => s.ToString()));
        string optimal = scales.Count == 1
            ? $"optimal after {solver.Iterations} pivots (all pairs)"
            : $"optimal after {finest.Rounds} pricing rounds over all {source.Count}×{target.Count} pairs, {finest.Arcs} arcs, {solver.Iterations} pivots (scales, coarse to fine: {summary})";
        string? cap = finest.RoundCapReached
            ? $"pricing round cap {options.MaxRounds} reached with {finest.Arcs} arcs (scales: {summary})"
            : null;
        return solver.Result(status, limit, clock, optimal, cap);
    }

    private sealed record ScaleReport(int Sources, int Targets, long Arcs, int Rounds, long Pivots, double Seconds, double PricingSeconds, bool RoundCapReached)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Sources}×{Targets}: {(Rounds == 0 ? "all pairs" : $"{Arcs} arcs, {Rounds} rounds")}, {Pivots} pivots, {Seconds:F3} s{(Rounds == 0 ? "" : $" ({PricingSeconds:F3} s pricing)")}");
    }

    // One scale: the coarser scales first (recursively), then column generation from the refined tree.
    private static (NetworkSimplex.Solver Solver, TransportStatus Status, long Limit) SolveScale(AtomicMeasure a, AtomicMeasure b,
        double[] origin, double[] boxSide, SparseTransportOptions options, List<ScaleReport> scales)
    {
        long pairs = (long)a.Count * b.Count;
        long limit = options.MaxIterations > 0 ? options.MaxIterations : NetworkSimplex.DefaultIterationLimit(a.Count, b.Count);
        if (pairs <= options.MaxDensePairs)
        {
            var clock = Stopwatch.StartNew();
            var dense = new NetworkSimplex.Solver(a, b);
            var denseStatus = dense.Run(limit, options.Cancellation);
            scales.Add(new ScaleReport(a.Count, b.Count, pairs, 0, dense.Iterations, clock.Elapsed.TotalSeconds, 0, false));
            return (dense, denseStatus, limit);
        }

        // Boxes wide enough to at least halve the number of pairs (atoms may be sparse on the lattice).
        var side = (double[])boxSide.Clone();
        Coarsening ca, cb;
        while (true)
        {
            ca = Coarsening.Apply(a, origin, side);
            cb = Coarsening.Apply(b, origin, side);
            if ((long)ca.Coarse.Count * cb.Coarse.Count <= pairs / 2) break;
            for (int c = 0; c < side.Length; c++) side[c] *= 2;
        }
        var coarseSide = side.Select(h => 2 * h).ToArray();
        var (coarse, _, _) = SolveScale(ca.Coarse, cb.Coarse, origin, coarseSide, options, scales);

        var watch = Stopwatch.StartNew();
        var solver = new NetworkSimplex.Solver(a, b);
        solver.AddArcs(AttachOrphans(Refine(coarse.TreeArcs(), ca, cb, a, b), a, b));
        TransportStatus status;
        int round = 0;
        bool capReached = false;
        double pricingSeconds = 0;
        while (true)
        {
            status = solver.Run(limit, options.Cancellation);
            if (status == TransportStatus.IterationLimit) break;
            options.Cancellation.ThrowIfCancellationRequested();
            var pricing = Stopwatch.StartNew();
            var candidates = solver.PriceAllPairs(options.ArcsPerAtom);
            pricingSeconds += pricing.Elapsed.TotalSeconds;
            round++;
            // Nothing fails the entering test: optimal for all pairs. Candidates already in the set can
            // only come from round-off at the threshold; the certificate pass reports what is left.
            if (candidates.Length == 0 || solver.AddArcs(candidates) == 0) break;
            if (round == options.MaxRounds)
            {
                status = TransportStatus.IterationLimit;
                capReached = true;
                break;
            }
        }
        scales.Add(new ScaleReport(a.Count, b.Count, solver.ArcCount, round, solver.Iterations, watch.Elapsed.TotalSeconds, pricingSeconds, capReached));
        return (solver, status, limit);
    }

    // The fine arcs under the coarse tree: every fine pair of each coarse pair (B, B') on a tree arc, or,
    // for large boxes, the north-west-corner staircase of the fine masses scaled to the coarse flow
    // (a_i·f/a_B against b_j·f/b_B'), which is feasible with |B| + |B'| − 1 arcs. Zero-flow tree arcs
    // count too: they carry the dual structure of degenerate parts (tiny masses whose flow was absorbed).
    private static long[] Refine(List<PlanEntry> tree, Coarsening ca, Coarsening cb, AtomicMeasure a, AtomicMeasure b)
    {
        var (startA, membersA) = Members(ca.CoarseIndex, ca.Coarse.Count, a.Weights);
        var (startB, membersB) = Members(cb.CoarseIndex, cb.Coarse.Count, b.Weights);
        long n2 = b.Count;
        var keys = new List<long>();
        foreach (var entry in tree)
        {
            var sources = membersA.AsSpan(startA[entry.Source], startA[entry.Source + 1] - startA[entry.Source]);
            var targets = membersB.AsSpan(startB[entry.Target], startB[entry.Target + 1] - startB[entry.Target]);
            if ((long)sources.Length * targets.Length <= MaxProductArcs)
            {
                foreach (int i in sources)
                    foreach (int j in targets) keys.Add(i * n2 + j);
                continue;
            }
            double scaleA = entry.Mass / ca.Coarse.Weights[entry.Source], scaleB = entry.Mass / cb.Coarse.Weights[entry.Target];
            int s = 0, t = 0;
            double leftA = a.Weights[sources[0]] * scaleA, leftB = b.Weights[targets[0]] * scaleB;
            while (true)
            {
                keys.Add(sources[s] * n2 + targets[t]);
                if (s == sources.Length - 1 && t == targets.Length - 1) break;
                // Advance the side that runs out first (the other one at the end of its list).
                if (t == targets.Length - 1 || (s < sources.Length - 1 && leftA <= leftB))
                {
                    leftB -= leftA;
                    leftA = a.Weights[sources[++s]] * scaleA;
                }
                else
                {
                    leftA -= leftB;
                    leftB = b.Weights[targets[++t]] * scaleB;
                }
            }
        }
        var result = keys.ToArray();
        Array.Sort(result);
        return result;
    }

    // Every atom without an arc (zero masses, boxes left out of the coarse tree) gets one to its nearest
    // atom on the other side. Otherwise it hangs from the artificial root with a big-M potential, and
    // every source would price it as its most violated pair, round after round.
    private static long[] AttachOrphans(long[] keys, AtomicMeasure a, AtomicMeasure b)
    {
        long n2 = b.Count;
        var hasRow = new bool[a.Count];
        var hasColumn = new bool[b.Count];
        foreach (long key in keys)
        {
            hasRow[key / n2] = true;
            hasColumn[key % n2] = true;
        }
        var extra = new List<long>();
        for (int i = 0; i < a.Count; i++)
            if (!hasRow[i]) extra.Add(i * n2 + Nearest(a, i, b));
        for (int j = 0; j < b.Count; j++)
            if (!hasColumn[j]) extra.Add(Nearest(b, j, a) * n2 + j);
        if (extra.Count == 0) return keys;
        var all = keys.Concat(extra).ToArray();
        Array.Sort(all);
        return all;
    }

    // The atom of `to` nearest to atom i of `from` (lowest index among ties).
    private static int Nearest(AtomicMeasure from, int i, AtomicMeasure to)
    {
        int k = from.Dimension, best = 0;
        double bestDistance = double.PositiveInfinity;
        var x = from.Position(i);
        var y = to.Positions;
        for (int j = 0; j < to.Count; j++)
        {
            double d2 = 0;
            for (int c = 0; c < k; c++)
            {
                double d = y[j * k + c] - x[c];
                d2 += d * d;
            }
            if (d2 < bestDistance) { bestDistance = d2; best = j; }
        }
        return best;
    }

    // Atoms of positive mass grouped by coarse atom (CSR), in index order.
    private static (int[] Start, int[] Members) Members(int[] coarseIndex, int coarseCount, ReadOnlySpan<double> weights)
    {
        var start = new int[coarseCount + 1];
        for (int i = 0; i < coarseIndex.Length; i++)
            if (coarseIndex[i] >= 0 && weights[i] > 0) start[coarseIndex[i] + 1]++;
        for (int c = 0; c < coarseCount; c++) start[c + 1] += start[c];
        var next = start[..coarseCount];
        var members = new int[start[coarseCount]];
        for (int i = 0; i < coarseIndex.Length; i++)
            if (coarseIndex[i] >= 0 && weights[i] > 0) members[next[coarseIndex[i]]++] = i;
        return (start, members);
    }

    // Boxes of side 2h with h the typical atom spacing (the joint bounding box's volume per atom of the
    // larger measure, over the axes the atoms spread along), shifted by h/2 so that lattice-aligned atoms
    // (grid cell centres) do not sit on box faces.
    private static (double[] Origin, double[] Side) AtomLattice(AtomicMeasure a, AtomicMeasure b)
    {
        int k = a.Dimension;
        var lo = new double[k];
        var hi = new double[k];
        Array.Fill(lo, double.PositiveInfinity);
        Array.Fill(hi, double.NegativeInfinity);
        foreach (var m in new[] { a, b })
        {
            var pos = m.Positions;
            for (int i = 0; i < m.Count; i++)
                for (int c = 0; c < k; c++)
                {
                    lo[c] = Math.Min(lo[c], pos[i * k + c]);
                    hi[c] = Math.Max(hi[c], pos[i * k + c]);
                }
        }
        double logVolume = 0;
        int spread = 0;
        for (int c = 0; c < k; c++)
            if (hi[c] > lo[c]) { logVolume += Math.Log(hi[c] - lo[c]); spread++; }
        double h = spread == 0 ? 1 : Math.Exp((logVolume - Math.Log(Math.Max(a.Count, b.Count))) / spread);
        var origin = lo.Select(v => v - 0.5 * h).ToArray();
        var side = Enumerable.Repeat(2 * h, k).ToArray();
        return (origin, side);
    }
}
