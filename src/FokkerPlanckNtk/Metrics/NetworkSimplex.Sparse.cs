using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FokkerPlanckNtk.Metrics;

public static partial class NetworkSimplex
{
    internal sealed partial class Solver
    {
        // Restricted pricing domain for column generation: the arcs of source i are (i, _columns[p]) for
        // p in [_rowStart[i], _rowStart[i + 1]), targets ascending. Null: all pairs (the dense solver).
        private int[]? _rowStart;
        private int[]? _columns;
        private double[]? _arcCosts; // c_ij of each arc, computed by Cost (the same bits as on the fly)

        /// <summary>Arcs in the restricted pricing domain (n1·n2 when unrestricted).</summary>
        public long ArcCount => _columns?.Length ?? _arcCount;

        /// <summary>
        /// Restricts pricing to the arc set (empty at first) enlarged by <paramref name="keys"/> (arc
        /// identities i·n2 + j, ascending; duplicates and arcs already present are ignored). Tree arcs must
        /// stay in the set, which holds because arcs are only ever added. Returns the number added.
        /// </summary>
        public int AddArcs(ReadOnlySpan<long> keys)
        {
            var oldStart = _rowStart ?? new int[_n1 + 1];
            var oldColumns = _columns ?? [];
            var start = new int[_n1 + 1];
            var columns = new int[oldColumns.Length + keys.Length];
            int count = 0, k = 0;
            for (int i = 0; i < _n1; i++)
            {
                start[i] = count;
                int p = oldStart[i], end = oldStart[i + 1];
                long rowBase = (long)i * _n2;
                // Merge the old row with the new keys of this row (both ascending).
                while (p < end || (k < keys.Length && keys[k] < rowBase + _n2))
                {
                    int j;
                    if (k >= keys.Length || keys[k] >= rowBase + _n2) j = oldColumns[p++];
                    else if (p >= end) j = (int)(keys[k++] - rowBase);
                    else
                    {
                        int jNew = (int)(keys[k] - rowBase), jOld = oldColumns[p];
                        if (jNew < jOld) { j = jNew; k++; }
                        else { j = jOld; p++; if (jNew == jOld) k++; }
                    }
                    if (count > start[i] && columns[count - 1] == j) continue;
                    columns[count++] = j;
                }
            }
            start[_n1] = count;
            int added = count - oldColumns.Length;
            _rowStart = start;
            _columns = count == columns.Length ? columns : columns[..count];
            _arcCosts = new double[count];
            for (int i = 0; i < _n1; i++)
                for (int p = start[i]; p < start[i + 1]; p++) _arcCosts[p] = Cost(i, _columns[p]);
            _blockSize = Math.Max(10, (long)Math.Sqrt(count));
            _nextArc = 0;
            return added;
        }

        /// <summary>The restricted arc set: row i holds positions start[i] .. start[i + 1] − 1, position p the arc (i, columns[p]) of cost costs[p].</summary>
        private readonly struct RestrictedArcs(Solver solver, int[] start, int[] columns, double[] costs) : IArcLayout
        {
            public long Count => columns.Length;

            // The last row i with start[i] ≤ p.
            public int RowOf(long p)
            {
                int lo = 0, hi = solver._n1 - 1;
                while (lo < hi)
                {
                    int mid = (lo + hi + 1) >> 1;
                    if (start[mid] <= p) lo = mid;
                    else hi = mid - 1;
                }
                return lo;
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int RowRemainder(ref int row, long p)
            {
                while (start[row + 1] == p) row++; // skip rows without arcs
                return (int)(start[row + 1] - p);
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int Target(int i, long p) => columns[p];

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public double Cost(int i, long p) => costs[p];

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Scan(int i, long p0, int length, ref double best, ref int bestTarget)
            {
                double piI = solver._pi[i];
                for (int p = (int)p0, end = p + length; p < end; p++)
                {
                    int j = columns[p];
                    double rc = costs[p] + piI - solver._pi[solver._n1 + j];
                    if (rc < best) { best = rc; bestTarget = j; }
                }
            }
        }

        private AtomBlocks? _sourceBlocks, _targetBlocks;

        /// <summary>
        /// Prices all n1·n2 pairs against the current potentials. Returns, as ascending arc identities, the
        /// pairs that fail the entering test of the simplex (the same arithmetic, bit for bit): per source
        /// up to <paramref name="perAtom"/> of most negative reduced cost, and the same per target (a few
        /// targets with badly determined potentials, e.g. tiny masses on zero-flow tree arcs, would
        /// otherwise fill every source's list). Empty: the tree is optimal for the complete problem.
        /// Both sides are grouped in blocks with bounding boxes; a block pair, and then a block for one
        /// atom, is skipped when a lower bound of its reduced costs is positive beyond round-off, which
        /// cannot skip a failing pair. Atoms are priced independently: no dependence on the thread count.
        /// </summary>
        public long[] PriceAllPairs(int perAtom)
        {
            if (_sourceBlocks is null || _targetBlocks is null)
            {
                var xAxisMajor = new double[_k * _n1];
                for (int i = 0; i < _n1; i++)
                    for (int c = 0; c < _k; c++) xAxisMajor[c * _n1 + i] = _x[i * _k + c];
                _sourceBlocks = new AtomBlocks(xAxisMajor, _n1, _k);
                _targetBlocks = new AtomBlocks(_y, _n2, _k);
            }
            var sourcePi = new BlockPotentials(_sourceBlocks, _pi, 0);
            var targetPi = new BlockPotentials(_targetBlocks, _pi, _n1);
            var bySource = PriceSide(_sourceBlocks, sourcePi, _targetBlocks, targetPi, true, perAtom);
            var byTarget = PriceSide(_targetBlocks, targetPi, _sourceBlocks, sourcePi, false, perAtom);
            var keys = new long[bySource.Length + byTarget.Length];
            bySource.CopyTo(keys, 0);
            byTarget.CopyTo(keys, bySource.Length);
            Array.Sort(keys);
            return keys;
        }

        // Potentials of one side in block order, with per-block min, max and max |π|.
        private sealed class BlockPotentials
        {
            public BlockPotentials(AtomBlocks blocks, double[] pi, int offset)
            {
                Values = new double[blocks.Order.Length];
                Min = new double[blocks.Count];
                Max = new double[blocks.Count];
                MaxAbs = new double[blocks.Count];
                for (int b = 0; b < blocks.Count; b++)
                {
                    double min = double.PositiveInfinity, max = double.NegativeInfinity, maxAbs = 0;
                    for (int t = blocks.Start[b]; t < blocks.Start[b + 1]; t++)
                    {
                        double v = Values[t] = pi[offset + blocks.Order[t]];
                        min = Math.Min(min, v);
                        max = Math.Max(max, v);
                        maxAbs = Math.Max(maxAbs, Math.Abs(v));
                    }
                    (Min[b], Max[b], MaxAbs[b]) = (min, max, maxAbs);
                }
            }

            public double[] Values { get; }
            public double[] Min { get; }
            public double[] Max { get; }
            public double[] MaxAbs { get; }
        }

        // For every atom of one side ("rows"), up to perRow atoms of the other side ("lanes") whose pair
        // fails the entering test, most negative first; returned as arc identities. The reduced cost is
        // c + π_source − π_target, so a pair's lower bound is dist² + min π_source − max π_target; a margin of
        // 1e-14 of the magnitudes covers the rounding of the bound and of the pair values.
        private long[] PriceSide(AtomBlocks rows, BlockPotentials rowPi, AtomBlocks lanes, BlockPotentials lanePi, bool rowsAreSources, int perRow)
        {
            int rowCount = rows.Order.Length;
            var found = new int[rowCount * perRow];
            var counts = new int[rowCount];
            void PriceRowBlock(int s)
            {
                Span<double> values = stackalloc double[perRow];
                Span<double> point = stackalloc double[_k];
                var blocks = new List<int>();
                for (int b = 0; b < lanes.Count; b++)
                {
                    double d2 = AtomBlocks.SquaredDistance(rows, s, lanes, b);
                    double low = rowsAreSources ? rowPi.Min[s] - lanePi.Max[b] : lanePi.Min[b] - rowPi.Max[s];
                    if (!(d2 + low > 1e-14 * (rowPi.MaxAbs[s] + lanePi.MaxAbs[b] + d2))) blocks.Add(b);
                }
                for (int r = rows.Start[s]; r < rows.Start[s + 1]; r++)
                {
                    for (int c = 0; c < _k; c++) point[c] = rows.Positions[c * rowCount + r];
                    double piRow = rowPi.Values[r];
                    var list = found.AsSpan(r * perRow, perRow);
                    int count = 0;
                    double cutoff = double.PositiveInfinity;
                    foreach (int b in blocks)
                    {
                        double d2 = lanes.SquaredDistance(b, point);
                        double low = rowsAreSources ? piRow - lanePi.Max[b] : lanePi.Min[b] - piRow;
                        if (d2 + low > 1e-14 * (Math.Abs(piRow) + lanePi.MaxAbs[b] + d2)) continue;
                        PriceBlock(point, piRow, lanes, lanePi.Values, lanes.Start[b], lanes.Start[b + 1], rowsAreSources,
                            values, list, ref count, ref cutoff);
                    }
                    counts[r] = count;
                }
            }
            if ((long)_n1 * _n2 < 1L << 22) for (int s = 0; s < rows.Count; s++) PriceRowBlock(s);
            else Parallel.For(0, rows.Count, Parallelism.Options, PriceRowBlock);
            int total = 0;
            foreach (int c in counts) total += c;
            var keys = new long[total];
            int n = 0;
            for (int r = 0; r < rowCount; r++)
            {
                long row = rows.Order[r];
                for (int l = 0; l < counts[r]; l++)
                    keys[n++] = rowsAreSources ? row * _n2 + found[r * perRow + l] : found[r * perRow + l] * (long)_n2 + row;
            }
            return keys;
        }

        // One row atom (point, potential) against lanes t0..t1 of a block: keeps the failing pairs of
        // smallest reduced cost (ties: lower lane index) in values/list. The test is the simplex's entering
        // test rc < −ε·max(|π_i|, |π_j|, c_ij) with the operations of Cost (d² is the same for d and −d) and
        // of the block scan, (c + π_source) − π_target.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PriceBlock(ReadOnlySpan<double> point, double piRow, AtomBlocks lanes, double[] lanePi, int t0, int t1,
            bool rowsAreSources, Span<double> values, Span<int> list, ref int count, ref double cutoff)
        {
            double[] positions = lanes.Positions;
            int[] order = lanes.Order;
            int laneCount = order.Length;
            int t = t0;
            if (t1 - t0 >= Vector<double>.Count)
            {
                ref double posRef = ref MemoryMarshal.GetArrayDataReference(positions);
                ref double piRef = ref MemoryMarshal.GetArrayDataReference(lanePi);
                var vPiRow = new Vector<double>(piRow);
                var vAbsPiRow = Vector.Abs(vPiRow);
                var vMinusEps = new Vector<double>(-Epsilon);
                var vCutoff = new Vector<double>(cutoff);
                for (; t <= t1 - Vector<double>.Count; t += Vector<double>.Count)
                {
                    var cost = Vector<double>.Zero;
                    for (int c = 0; c < _k; c++)
                    {
                        var d = Vector.LoadUnsafe(ref posRef, (nuint)(c * laneCount + t)) - new Vector<double>(point[c]);
                        cost += d * d;
                    }
                    var piLane = Vector.LoadUnsafe(ref piRef, (nuint)t);
                    var rc = rowsAreSources ? cost + vPiRow - piLane : cost + piLane - vPiRow;
                    var scale = Vector.Max(Vector.Max(vAbsPiRow, Vector.Abs(piLane)), cost);
                    var flagged = Vector.LessThan(rc, vMinusEps * scale) & Vector.LessThanOrEqual(rc, vCutoff);
                    if (flagged == Vector<long>.Zero) continue;
                    for (int l = 0; l < Vector<double>.Count; l++)
                        if (flagged[l] != 0) Insert(values, list, ref count, ref cutoff, rc[l], order[t + l]);
                    vCutoff = new Vector<double>(cutoff);
                }
            }
            for (; t < t1; t++)
            {
                double cost = 0;
                for (int c = 0; c < _k; c++)
                {
                    double d = positions[c * laneCount + t] - point[c];
                    cost += d * d;
                }
                double piLane = lanePi[t];
                double rc = rowsAreSources ? cost + piRow - piLane : cost + piLane - piRow;
                if (rc <= cutoff && rc < -Epsilon * Math.Max(Math.Max(Math.Abs(piRow), Math.Abs(piLane)), cost))
                    Insert(values, list, ref count, ref cutoff, rc, order[t]);
            }
        }

        // Sorted insertion by (value, lane) into a list of at most values.Length entries.
        private static void Insert(Span<double> values, Span<int> lanes, ref int count, ref double cutoff, double value, int lane)
        {
            int capacity = values.Length;
            if (count == capacity && (value > values[^1] || (value == values[^1] && lane > lanes[^1]))) return;
            int at = count < capacity ? count : capacity - 1;
            while (at > 0 && (values[at - 1] > value || (values[at - 1] == value && lanes[at - 1] > lane)))
            {
                values[at] = values[at - 1];
                lanes[at] = lanes[at - 1];
                at--;
            }
            values[at] = value;
            lanes[at] = lane;
            if (count < capacity) count++;
            if (count == capacity) cutoff = values[capacity - 1];
        }

        /// <summary>The real arcs of the spanning tree with their flows, zero flows included (no certificate pass).</summary>
        public List<PlanEntry> TreeArcs()
        {
            var arcs = new List<PlanEntry>(_root);
            for (int u = 0; u < _root; u++)
            {
                var node = _nodes[u];
                if (node.Arc >= 0) arcs.Add(new PlanEntry((int)(node.Arc / _n2), (int)(node.Arc % _n2), node.Flow));
            }
            return arcs;
        }
    }
}

/// <summary>
/// Atoms grouped into blocks of at most <see cref="LeafSize"/> by a k-d split (median of the
/// widest axis), each with its bounding box; positions copied in block order, axis-major, for SIMD.
/// </summary>
internal sealed class AtomBlocks
{
    public const int LeafSize = 64;

    public AtomBlocks(double[] y, int m, int k)
    {
        _k = k;
        Order = Enumerable.Range(0, m).ToArray();
        var starts = new List<int>();
        var lo = new List<double>();
        var hi = new List<double>();
        Split(y, m, 0, m, starts, lo, hi);
        starts.Add(m);
        Start = starts.ToArray();
        Lower = lo.ToArray();
        Upper = hi.ToArray();
        Positions = new double[k * m];
        for (int t = 0; t < m; t++)
            for (int c = 0; c < k; c++) Positions[c * m + t] = y[c * m + Order[t]];
    }

    private readonly int _k;

    public int Count => Start.Length - 1;

    /// <summary>Target index at each position; block b holds positions Start[b] .. Start[b + 1] − 1.</summary>
    public int[] Order { get; }

    public int[] Start { get; }

    /// <summary>Bounding boxes, Count × k.</summary>
    public double[] Lower { get; }

    public double[] Upper { get; }

    /// <summary>Target coordinates in block order, k × m (axis-major).</summary>
    public double[] Positions { get; }

    /// <summary>Squared distance between the bounding boxes of block s of one set and block t of another.</summary>
    public static double SquaredDistance(AtomBlocks first, int s, AtomBlocks second, int t)
    {
        int k = first._k;
        double d2 = 0;
        for (int c = 0; c < k; c++)
        {
            double gap = Math.Max(first.Lower[s * k + c] - second.Upper[t * k + c], second.Lower[t * k + c] - first.Upper[s * k + c]);
            if (gap > 0) d2 += gap * gap;
        }
        return d2;
    }

    /// <summary>Squared distance from x to the bounding box of block b (0 inside).</summary>
    public double SquaredDistance(int b, ReadOnlySpan<double> x)
    {
        double d2 = 0;
        for (int c = 0; c < _k; c++)
        {
            double lo = Lower[b * _k + c], hi = Upper[b * _k + c], v = x[c];
            double d = v < lo ? lo - v : v > hi ? v - hi : 0;
            d2 += d * d;
        }
        return d2;
    }

    private void Split(double[] y, int m, int from, int to, List<int> starts, List<double> lo, List<double> hi)
    {
        var box = new double[2 * _k];
        int widest = 0;
        for (int c = 0; c < _k; c++)
        {
            double a = double.PositiveInfinity, b = double.NegativeInfinity;
            for (int t = from; t < to; t++) { a = Math.Min(a, y[c * m + Order[t]]); b = Math.Max(b, y[c * m + Order[t]]); }
            box[c] = a;
            box[_k + c] = b;
            if (b - a > box[_k + widest] - box[widest]) widest = c;
        }
        if (to - from <= LeafSize || box[_k + widest] == box[widest])
        {
            starts.Add(from);
            lo.AddRange(box.AsSpan(0, _k));
            hi.AddRange(box.AsSpan(_k, _k));
            return;
        }
        int axis = widest;
        Order.AsSpan(from, to - from).Sort((p, q) =>
        {
            int c = y[axis * m + p].CompareTo(y[axis * m + q]);
            return c != 0 ? c : p.CompareTo(q);
        });
        int mid = (from + to) / 2;
        Split(y, m, from, mid, starts, lo, hi);
        Split(y, m, mid, to, starts, lo, hi);
    }
}
