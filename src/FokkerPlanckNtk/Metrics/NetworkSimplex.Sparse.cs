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
            _blockSize = Math.Max(10, (long)Math.Sqrt(count));
            _nextArc = 0;
            return added;
        }

        // Block search over the restricted set (the dense search's rules, positions instead of pairs).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private long FindEnteringSparseArc()
        {
            int[] start = _rowStart!;
            long total = _columns!.Length;
            if (total == 0) return -1;
            double best = 0;
            long bestArc = -1;
            long p = _nextArc, remaining = total, count = _blockSize;
            int i = RowOfPosition((int)p);
            while (remaining > 0)
            {
                while (start[i + 1] == p) i++;
                int length = (int)Math.Min(Math.Min(start[i + 1] - p, count), remaining);
                ScanSparseSegment(i, (int)p, length, ref best, ref bestArc);
                p += length;
                if (p == total) { p = 0; i = 0; }
                remaining -= length;
                count -= length;
                if (count == 0)
                {
                    if (bestArc >= 0 && best < -Epsilon * Scale(bestArc)) { _nextArc = p; return bestArc; }
                    count = _blockSize;
                }
            }
            if (bestArc >= 0 && best < -Epsilon * Scale(bestArc)) { _nextArc = p; return bestArc; }
            return -1;
        }

        // The source row that owns arc position p (p < total): the last i with start[i] ≤ p.
        private int RowOfPosition(int p)
        {
            int lo = 0, hi = _n1 - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >> 1;
                if (_rowStart![mid] <= p) lo = mid;
                else hi = mid - 1;
            }
            return lo;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ScanSparseSegment(int i, int p0, int length, ref double best, ref long bestArc)
        {
            int[] columns = _columns!;
            double piI = _pi[i];
            double segmentBest = best;
            int segmentArg = -1;
            int end = p0 + length;
            for (int p = p0; p < end; p++)
            {
                int j = columns[p];
                double rc = Cost(i, j) + piI - _pi[_n1 + j];
                if (rc < segmentBest) { segmentBest = rc; segmentArg = j; }
            }
            if (segmentArg < 0) return;
            long arc = (long)i * _n2 + segmentArg;
            if (_nodes[i].Arc == arc || _nodes[_n1 + segmentArg].Arc == arc)
            {
                // As in the dense scan: a tree arc within round-off means no candidate in this segment.
                if (segmentBest >= -Epsilon * Scale(arc)) return;
                segmentArg = -1;
                segmentBest = best;
                for (int p = p0; p < end; p++)
                {
                    int j = columns[p];
                    double rc = Cost(i, j) + piI - _pi[_n1 + j];
                    long e = (long)i * _n2 + j;
                    if (rc < segmentBest && _nodes[i].Arc != e && _nodes[_n1 + j].Arc != e) { segmentBest = rc; segmentArg = j; }
                }
                if (segmentArg < 0) return;
                arc = (long)i * _n2 + segmentArg;
            }
            best = segmentBest;
            bestArc = arc;
        }

        private AtomBlocks? _sourceBlocks, _targetBlocks;

        /// <summary>
        /// Prices all n1·n2 pairs against the current potentials and returns, per source, up to
        /// <paramref name="perSource"/> pairs of most negative reduced cost that fail the entering test of
        /// the simplex (the same arithmetic, bit for bit), as ascending arc identities. Empty: the tree is
        /// optimal for the complete problem. Sources and targets are grouped in blocks with bounding boxes;
        /// a block pair, and then a block for one source, is skipped when a lower bound of its reduced
        /// costs is positive beyond round-off, which cannot skip a failing pair. Rows are independent:
        /// the result does not depend on the thread count.
        /// </summary>
        public long[] PriceAllPairs(int perSource)
        {
            if (_targetBlocks is null)
            {
                var xAxisMajor = new double[_k * _n1];
                for (int i = 0; i < _n1; i++)
                    for (int c = 0; c < _k; c++) xAxisMajor[c * _n1 + i] = _x[i * _k + c];
                _sourceBlocks = new AtomBlocks(xAxisMajor, _n1, _k);
                _targetBlocks = new AtomBlocks(_y, _n2, _k);
            }
            var sources = _sourceBlocks!;
            var targets = _targetBlocks;
            // Target potentials in block order; per block max π and max |π| (targets), min π (sources).
            var pi = new double[_n2];
            var targetMax = new double[targets.Count];
            var targetMaxAbs = new double[targets.Count];
            for (int b = 0; b < targets.Count; b++)
            {
                double max = double.NegativeInfinity, maxAbs = 0;
                for (int t = targets.Start[b]; t < targets.Start[b + 1]; t++)
                {
                    double v = pi[t] = _pi[_n1 + targets.Order[t]];
                    max = Math.Max(max, v);
                    maxAbs = Math.Max(maxAbs, Math.Abs(v));
                }
                targetMax[b] = max;
                targetMaxAbs[b] = maxAbs;
            }

            var found = new long[(long)_n1 * perSource];
            var counts = new int[_n1];
            void PriceSourceBlock(int s)
            {
                Span<double> values = stackalloc double[perSource];
                double minPi = double.PositiveInfinity, maxAbsPi = 0;
                for (int r = sources.Start[s]; r < sources.Start[s + 1]; r++)
                {
                    minPi = Math.Min(minPi, _pi[sources.Order[r]]);
                    maxAbsPi = Math.Max(maxAbsPi, Math.Abs(_pi[sources.Order[r]]));
                }
                // Target blocks that may hold a failing pair for some source of this block. Every pair has
                // reduced cost ≥ dist² + min π_i − max π_j (exactly); a margin of 1e-14 of the magnitudes
                // covers the rounding of the bound and of the pair values.
                var candidates = new List<int>();
                for (int b = 0; b < targets.Count; b++)
                {
                    double d2 = AtomBlocks.SquaredDistance(sources, s, targets, b);
                    if (!(d2 + minPi - targetMax[b] > 1e-14 * (maxAbsPi + targetMaxAbs[b] + d2))) candidates.Add(b);
                }
                for (int r = sources.Start[s]; r < sources.Start[s + 1]; r++)
                {
                    int i = sources.Order[r];
                    var list = found.AsSpan(i * perSource, perSource);
                    int count = 0;
                    double cutoff = double.PositiveInfinity;
                    double piI = _pi[i], absPiI = Math.Abs(piI);
                    var x = _x.AsSpan(i * _k, _k);
                    foreach (int b in candidates)
                    {
                        double d2 = targets.SquaredDistance(b, x);
                        if (d2 + piI - targetMax[b] > 1e-14 * (absPiI + targetMaxAbs[b] + d2)) continue;
                        PriceBlock(i, targets, pi, targets.Start[b], targets.Start[b + 1], values, list, ref count, ref cutoff);
                    }
                    counts[i] = count;
                }
            }
            if ((long)_n1 * _n2 < 1L << 22) for (int s = 0; s < sources.Count; s++) PriceSourceBlock(s);
            else Parallel.For(0, sources.Count, Parallelism.Options, PriceSourceBlock);
            int total = 0;
            foreach (int c in counts) total += c;
            var keys = new long[total];
            int n = 0;
            for (int i = 0; i < _n1; i++)
                for (int r = 0; r < counts[i]; r++) keys[n++] = (long)i * _n2 + found[i * perSource + r];
            Array.Sort(keys);
            return keys;
        }

        // Block targets t0..t1 (in block order) of row i: keeps the failing pairs of smallest reduced cost
        // (ties: lower j) in values/targets. The test is the simplex's entering test
        // rc < −ε·max(|π_i|, |π_j|, c_ij), computed with the operations of Cost and the block scan.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PriceBlock(int i, AtomBlocks blocks, double[] pi, int t0, int t1,
            Span<double> values, Span<long> targets, ref int count, ref double cutoff)
        {
            double[] y = blocks.Positions;
            int[] order = blocks.Order;
            double piI = _pi[i];
            int t = t0;
            if (t1 - t0 >= Vector<double>.Count)
            {
                ref double yRef = ref MemoryMarshal.GetArrayDataReference(y);
                ref double piRef = ref MemoryMarshal.GetArrayDataReference(pi);
                var vPiI = new Vector<double>(piI);
                var vAbsPiI = Vector.Abs(vPiI);
                var vMinusEps = new Vector<double>(-Epsilon);
                var vCutoff = new Vector<double>(cutoff);
                for (; t <= t1 - Vector<double>.Count; t += Vector<double>.Count)
                {
                    var cost = Vector<double>.Zero;
                    for (int c = 0; c < _k; c++)
                    {
                        var d = Vector.LoadUnsafe(ref yRef, (nuint)(c * _n2 + t)) - new Vector<double>(_x[i * _k + c]);
                        cost += d * d;
                    }
                    var piJ = Vector.LoadUnsafe(ref piRef, (nuint)t);
                    var rc = cost + vPiI - piJ;
                    var scale = Vector.Max(Vector.Max(vAbsPiI, Vector.Abs(piJ)), cost);
                    var flagged = Vector.LessThan(rc, vMinusEps * scale) & Vector.LessThanOrEqual(rc, vCutoff);
                    if (flagged == Vector<long>.Zero) continue;
                    for (int l = 0; l < Vector<double>.Count; l++)
                        if (flagged[l] != 0) Insert(values, targets, ref count, ref cutoff, rc[l], order[t + l]);
                    vCutoff = new Vector<double>(cutoff);
                }
            }
            for (; t < t1; t++)
            {
                int j = order[t];
                double cost = Cost(i, j), piJ = pi[t];
                double rc = cost + piI - piJ;
                if (rc <= cutoff && rc < -Epsilon * Math.Max(Math.Max(Math.Abs(piI), Math.Abs(piJ)), cost))
                    Insert(values, targets, ref count, ref cutoff, rc, j);
            }
        }

        // Sorted insertion by (value, target) into a list of at most values.Length entries.
        private static void Insert(Span<double> values, Span<long> targets, ref int count, ref double cutoff, double value, int target)
        {
            int capacity = values.Length;
            if (count == capacity && (value > values[^1] || (value == values[^1] && target > targets[^1]))) return;
            int at = count < capacity ? count : capacity - 1;
            while (at > 0 && (values[at - 1] > value || (values[at - 1] == value && targets[at - 1] > target)))
            {
                values[at] = values[at - 1];
                targets[at] = targets[at - 1];
                at--;
            }
            values[at] = value;
            targets[at] = target;
            if (count < capacity) count++;
            if (count == capacity) cutoff = values[capacity - 1];
        }

        /// <summary>The plan's positive entries on tree arcs (no certificate pass).</summary>
        public List<PlanEntry> PlanEntries()
        {
            var plan = new List<PlanEntry>(_root);
            for (int u = 0; u < _root; u++)
            {
                var node = _nodes[u];
                if (node.Arc < 0 || !(node.Flow > 0)) continue;
                plan.Add(new PlanEntry((int)(node.Arc / _n2), (int)(node.Arc % _n2), node.Flow));
            }
            return plan;
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
