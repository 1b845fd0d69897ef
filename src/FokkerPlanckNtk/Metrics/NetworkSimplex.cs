using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// Exact discrete optimal transport between weighted atom sets in R^k with the squared Euclidean cost,
/// by the primal network simplex on the complete bipartite graph (the method of LEMON and POT, written
/// for this cost):
/// <list type="bullet">
/// <item>arcs are implicit: arc e = i·m + j, its cost |x_i − y_j|² computed from the coordinates when
///   needed, so memory is O(n + m) (no cost matrix, no per-arc state);</item>
/// <item>block-search pivoting (blocks of √(nm) arcs, the most negative reduced cost of a block enters),
///   the reduced costs of a block evaluated with SIMD;</item>
/// <item>strongly feasible spanning trees (Cunningham's rule: the last blocking arc of the cycle
///   leaves), which excludes cycling on degenerate inputs (equal masses, repeated points, zeros);</item>
/// <item>a big-M artificial start (M = 2 × an upper bound of the costs, enough because every artificial
///   path i → root → j can be replaced by the cheaper arc i → j);</item>
/// <item>termination only after the potentials are recomputed from the tree and a full pass finds no
///   arc with a negative reduced cost beyond round-off; the returned certificate (gap, violation) is
///   computed independently in a last full pass.</item>
/// </list>
/// </summary>
public static partial class NetworkSimplex
{
    /// <summary>Relative tolerance of the entering test: an arc enters when its reduced cost is below
    /// −ε·max(|π_i|, |π_j|, c_ij) (ten units of round-off, as in LEMON).</summary>
    public const double Epsilon = 2.2204460492503131e-15;

    /// <summary>The default iteration cap: 10⁴ pivots per atom, far above the 5–50 per atom observed.</summary>
    public static long DefaultIterationLimit(int sourceCount, int targetCount) => 10_000L * (sourceCount + targetCount);

    /// <summary>
    /// Solves min Σ π_ij |x_i − y_j|² over plans with marginals a (source masses) and b (target masses).
    /// Totals must agree up to round-off (<see cref="MassBalance"/>; the target is then rescaled to the source total), or
    /// <paramref name="normalize"/> rescales both to 1. Zero masses are allowed.
    /// </summary>
    /// <param name="source">The source atoms and masses a.</param>
    /// <param name="target">The target atoms and masses b.</param>
    /// <param name="normalize">Rescale both to total mass 1 first.</param>
    /// <param name="maxIterations">Pivot cap (≤ 0: <see cref="DefaultIterationLimit"/>); when reached the
    /// status says so and the feasible plan at that point is returned.</param>
    /// <param name="cancellation">Observed every <see cref="Solver.CancellationInterval"/> pivots (Ctrl+C within a second).</param>
    public static TransportSolution Solve(AtomicMeasure source, AtomicMeasure target, bool normalize = false, long maxIterations = 0,
        CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        (source, target) = AtomicMeasure.Pair(source, target, normalize);
        long limit = maxIterations > 0 ? maxIterations : DefaultIterationLimit(source.Count, target.Count);
        var solver = new Solver(source, target);
        var status = solver.Run(limit, cancellation);
        return solver.Result(status, limit, clock, $"optimal after {solver.Iterations} pivots");
    }

    private struct TreeNode
    {
        public int Parent;
        public int FirstChild;
        public int NextSibling;
        public int PrevSibling;
        public int Size;     // nodes in the subtree rooted here
        public bool Up;      // the pred arc is directed child → parent
        public long Arc;     // pred arc: i·m + j, or −1 for the node's own artificial arc to the root
        public double Flow;  // flow on the pred arc (non-tree arcs carry none)
    }

    /// <summary>
    /// The simplex state: spanning tree, flows and potentials. Arcs are pairs (i, j) with identity
    /// i·n2 + j; the pricing domain is all pairs, or a restricted arc set (NetworkSimplex.Sparse.cs)
    /// that column generation enlarges between runs while the tree stays valid.
    /// </summary>
    internal sealed partial class Solver
    {
        private readonly int _n1, _n2, _k, _root;
        private readonly double[] _x;     // sources, n1 × k row-major
        private readonly double[] _y;     // targets, k × n2 (one row per axis: contiguous for SIMD)
        private readonly double[] _a, _b; // masses used (b rescaled to the total of a)
        private readonly TreeNode[] _nodes;
        private readonly double[] _pi;    // LEMON's convention: reduced cost c_e + π_source − π_target
        private readonly long _arcCount;
        private long _blockSize;
        private readonly double _artificialCost;
        private long _nextArc, _iterations;

        public Solver(AtomicMeasure source, AtomicMeasure target)
        {
            _n1 = source.Count;
            _n2 = target.Count;
            _k = source.Dimension;
            _root = _n1 + _n2;
            _x = source.Positions.ToArray();
            _y = new double[_k * _n2];
            var yp = target.Positions;
            for (int j = 0; j < _n2; j++)
                for (int c = 0; c < _k; c++) _y[c * _n2 + j] = yp[j * _k + c];
            _a = source.Weights.ToArray();
            double scale = source.TotalMass / target.TotalMass;
            _b = new double[_n2];
            for (int j = 0; j < _n2; j++) _b[j] = target.Weights[j] * scale;
            _arcCount = (long)_n1 * _n2;
            _blockSize = Math.Max(10, (long)Math.Sqrt(_arcCount));
            _artificialCost = CostBound() is var bound && bound > 0 ? 2 * bound : 1;
            _nodes = new TreeNode[_root + 1];
            _pi = new double[_root + 1];
            _nodes[_root] = new TreeNode { Parent = -1, FirstChild = -1, NextSibling = -1, PrevSibling = -1, Arc = -1, Size = _root + 1 };
            for (int u = _root - 1; u >= 0; u--)
            {
                double supply = u < _n1 ? _a[u] : -_b[u - _n1];
                // Strongly feasible start: zero-flow arcs point to the root.
                _nodes[u] = new TreeNode { Arc = -1, Size = 1, Up = supply >= 0, Flow = Math.Abs(supply), FirstChild = -1 };
                _pi[u] = supply >= 0 ? 0 : _artificialCost;
                Attach(u, _root);
            }
        }

        // (diameter of the bounding box of all points)² ≥ every cost.
        private double CostBound()
        {
            double bound = 0;
            for (int c = 0; c < _k; c++)
            {
                double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
                for (int i = 0; i < _n1; i++) { lo = Math.Min(lo, _x[i * _k + c]); hi = Math.Max(hi, _x[i * _k + c]); }
                for (int j = 0; j < _n2; j++) { lo = Math.Min(lo, _y[c * _n2 + j]); hi = Math.Max(hi, _y[c * _n2 + j]); }
                bound += (hi - lo) * (hi - lo);
            }
            return bound;
        }

        public long Iterations => _iterations;

        /// <summary>Pivots between two looks at the cancellation token (a power of two; pivots take microseconds).</summary>
        public const long CancellationInterval = 1024;

        /// <summary>Pivots until no arc of the pricing domain has a negative reduced cost beyond round-off
        /// (Optimal, or Infeasible when mass is left on artificial arcs) or the cap on the total number of
        /// pivots is reached. The potentials are fresh from the tree when it returns Optimal/Infeasible.</summary>
        public TransportStatus Run(long limit, CancellationToken cancellation = default)
        {
            bool fresh = false;
            while (true)
            {
                if ((_iterations & (CancellationInterval - 1)) == 0) cancellation.ThrowIfCancellationRequested();
                long e = FindEnteringArc();
                if (e < 0)
                {
                    if (fresh) return ArtificialFlow() > 1e-12 * TotalMass() ? TransportStatus.Infeasible : TransportStatus.Optimal;
                    // Confirm with potentials free of accumulated shifts before declaring optimality.
                    RecomputePotentials();
                    fresh = true;
                    continue;
                }
                if (_iterations == limit) return TransportStatus.IterationLimit;
                Pivot(e);
                _iterations++;
                fresh = false;
            }
        }

        private double TotalMass()
        {
            double s = 0;
            foreach (double v in _a) s += v;
            return s;
        }

        private double ArtificialFlow()
        {
            double s = 0;
            for (int u = 0; u < _root; u++) if (_nodes[u].Arc < 0) s += _nodes[u].Flow;
            return s;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private double Cost(int i, int j)
        {
            double acc = 0;
            for (int c = 0; c < _k; c++)
            {
                double d = _y[c * _n2 + j] - _x[i * _k + c];
                acc += d * d;
            }
            return acc;
        }

        private double Cost(long arc) => Cost((int)(arc / _n2), (int)(arc % _n2));

        private bool IsTreeArc(long arc) => _nodes[(int)(arc / _n2)].Arc == arc || _nodes[_n1 + (int)(arc % _n2)].Arc == arc;

        // Block search: scan blocks of arcs cyclically from where the last search stopped; after each
        // block, enter the best arc seen so far if its reduced cost is negative beyond round-off.
        private long FindEnteringArc() =>
            _columns is null ? FindEnteringArc(new AllPairs(this)) : FindEnteringArc(new RestrictedArcs(this, _rowStart!, _columns, _arcCosts!));

        /// <summary>
        /// The arcs the block search prices, as positions 0 .. Count − 1 grouped in rows (one row per source, its
        /// targets ascending): all pairs (position = arc identity i·n2 + j), or the restricted set of column generation
        /// (NetworkSimplex.Sparse.cs: position = index into the CSR arrays). A struct type argument, so that the JIT
        /// compiles the search once per layout with these members inlined (no indirect call in the hot loop).
        /// </summary>
        private interface IArcLayout
        {
            /// <summary>Positions in the pricing domain.</summary>
            long Count { get; }

            /// <summary>The row of position <paramref name="p"/> (p &lt; Count).</summary>
            int RowOf(long p);

            /// <summary>Moves <paramref name="row"/> to the row of position <paramref name="p"/> (at or after it) and returns how many positions of that row start at p.</summary>
            int RowRemainder(ref int row, long p);

            /// <summary>The target of position <paramref name="p"/> in row <paramref name="i"/>.</summary>
            int Target(int i, long p);

            /// <summary>c_ij of position <paramref name="p"/> in row <paramref name="i"/> (j = Target(i, p)).</summary>
            double Cost(int i, long p);

            /// <summary>The smallest reduced cost below <paramref name="best"/> of positions p0 .. p0 + length − 1 of row i, and its target.</summary>
            void Scan(int i, long p0, int length, ref double best, ref int bestTarget);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private long FindEnteringArc<TLayout>(TLayout layout) where TLayout : struct, IArcLayout
        {
            long total = layout.Count;
            double best = 0;
            long bestArc = -1;
            long p = _nextArc, remaining = total, count = _blockSize;
            int i = total == 0 ? 0 : layout.RowOf(p);
            while (remaining > 0)
            {
                int length = (int)Math.Min(Math.Min(layout.RowRemainder(ref i, p), count), remaining);
                ScanSegment(layout, i, p, length, ref best, ref bestArc);
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

        private double Scale(long arc)
        {
            int i = (int)(arc / _n2), j = (int)(arc % _n2);
            return Math.Max(Math.Max(Math.Abs(_pi[i]), Math.Abs(_pi[_n1 + j])), Cost(i, j));
        }

        // Reduced costs c_ij + π_i − π_j of one row's positions p0 .. p0 + length − 1; keeps the smallest below best.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ScanSegment<TLayout>(TLayout layout, int i, long p0, int length, ref double best, ref long bestArc)
            where TLayout : struct, IArcLayout
        {
            double segmentBest = best;
            int segmentArg = -1;
            layout.Scan(i, p0, length, ref segmentBest, ref segmentArg);
            if (segmentArg < 0) return;
            long arc = (long)i * _n2 + segmentArg;
            if (_nodes[i].Arc == arc || _nodes[_n1 + segmentArg].Arc == arc)
            {
                // A tree arc (reduced cost 0 up to round-off) came out smallest. If it is within round-off,
                // so is every arc of the segment (all are ≥ it): no candidate here. Otherwise rescan.
                if (segmentBest >= -Epsilon * Scale(arc)) return;
                segmentArg = -1;
                segmentBest = best;
                double piI = _pi[i];
                for (long p = p0, end = p0 + length; p < end; p++)
                {
                    int j = layout.Target(i, p);
                    double rc = layout.Cost(i, p) + piI - _pi[_n1 + j];
                    long e = (long)i * _n2 + j;
                    if (rc < segmentBest && _nodes[i].Arc != e && _nodes[_n1 + j].Arc != e) { segmentBest = rc; segmentArg = j; }
                }
                if (segmentArg < 0) return;
                arc = (long)i * _n2 + segmentArg;
            }
            best = segmentBest;
            bestArc = arc;
        }

        /// <summary>All n1·n2 pairs: position = arc identity i·n2 + j, costs computed from the coordinates (SIMD).</summary>
        private readonly struct AllPairs(Solver solver) : IArcLayout
        {
            public long Count => solver._arcCount;

            public int RowOf(long p) => (int)(p / solver._n2);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int RowRemainder(ref int row, long p)
            {
                row = (int)(p / solver._n2);
                return solver._n2 - (int)(p % solver._n2);
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int Target(int i, long p) => (int)(p - (long)i * solver._n2);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public double Cost(int i, long p) => solver.Cost(i, Target(i, p));

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Scan(int i, long p0, int length, ref double best, ref int bestTarget) =>
                solver.ScanTargets(i, Target(i, p0), length, ref best, ref bestTarget);
        }

        // Reduced costs of arcs (i, j0 .. j0 + length − 1), the SIMD loop for k = 2, 3 or any k, then the scalar tail.
        private void ScanTargets(int i, int j0, int length, ref double segmentBest, ref int segmentArg)
        {
            double piI = _pi[i];
            int end = j0 + length, j = j0;
            if (length >= Vector<double>.Count)
            {
                j = _k switch
                {
                    2 => ScanVector2(i, j0, end, ref segmentBest, ref segmentArg),
                    3 => ScanVector3(i, j0, end, ref segmentBest, ref segmentArg),
                    _ => ScanVectorAny(i, j0, end, ref segmentBest, ref segmentArg),
                };
            }
            for (; j < end; j++)
            {
                double rc = Cost(i, j) + piI - _pi[_n1 + j];
                if (rc < segmentBest) { segmentBest = rc; segmentArg = j; }
            }
        }

        // SIMD part of a segment scan; returns where the scalar tail starts. The arithmetic (order of the
        // operations included) is that of Cost, so a lane gives the same reduced cost as the scalar code.
        private int ScanVector2(int i, int j, int end, ref double segmentBest, ref int segmentArg)
        {
            ref double y0 = ref MemoryMarshal.GetArrayDataReference(_y);
            ref double y1 = ref Unsafe.Add(ref y0, _n2);
            ref double piTarget = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_pi), _n1);
            var x0 = new Vector<double>(_x[2 * i]);
            var x1 = new Vector<double>(_x[2 * i + 1]);
            var piI = new Vector<double>(_pi[i]);
            var vBest = new Vector<double>(segmentBest);
            var vArg = new Vector<long>(-1);
            var index = new Vector<long>(j) + Lanes;
            var step = new Vector<long>(Vector<double>.Count);
            for (; j <= end - Vector<double>.Count; j += Vector<double>.Count)
            {
                var d0 = Vector.LoadUnsafe(ref y0, (nuint)j) - x0;
                var d1 = Vector.LoadUnsafe(ref y1, (nuint)j) - x1;
                var rc = d0 * d0 + d1 * d1 + piI - Vector.LoadUnsafe(ref piTarget, (nuint)j);
                var less = Vector.LessThan(rc, vBest);
                vBest = Vector.ConditionalSelect(less, rc, vBest);
                vArg = Vector.ConditionalSelect(less, index, vArg);
                index += step;
            }
            Reduce(vBest, vArg, ref segmentBest, ref segmentArg);
            return j;
        }

        private int ScanVector3(int i, int j, int end, ref double segmentBest, ref int segmentArg)
        {
            ref double y0 = ref MemoryMarshal.GetArrayDataReference(_y);
            ref double y1 = ref Unsafe.Add(ref y0, _n2);
            ref double y2 = ref Unsafe.Add(ref y0, 2 * _n2);
            ref double piTarget = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_pi), _n1);
            var x0 = new Vector<double>(_x[3 * i]);
            var x1 = new Vector<double>(_x[3 * i + 1]);
            var x2 = new Vector<double>(_x[3 * i + 2]);
            var piI = new Vector<double>(_pi[i]);
            var vBest = new Vector<double>(segmentBest);
            var vArg = new Vector<long>(-1);
            var index = new Vector<long>(j) + Lanes;
            var step = new Vector<long>(Vector<double>.Count);
            for (; j <= end - Vector<double>.Count; j += Vector<double>.Count)
            {
                var d0 = Vector.LoadUnsafe(ref y0, (nuint)j) - x0;
                var d1 = Vector.LoadUnsafe(ref y1, (nuint)j) - x1;
                var d2 = Vector.LoadUnsafe(ref y2, (nuint)j) - x2;
                var rc = d0 * d0 + d1 * d1 + d2 * d2 + piI - Vector.LoadUnsafe(ref piTarget, (nuint)j);
                var less = Vector.LessThan(rc, vBest);
                vBest = Vector.ConditionalSelect(less, rc, vBest);
                vArg = Vector.ConditionalSelect(less, index, vArg);
                index += step;
            }
            Reduce(vBest, vArg, ref segmentBest, ref segmentArg);
            return j;
        }

        private int ScanVectorAny(int i, int j, int end, ref double segmentBest, ref int segmentArg)
        {
            ref double y = ref MemoryMarshal.GetArrayDataReference(_y);
            ref double piTarget = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_pi), _n1);
            var piI = new Vector<double>(_pi[i]);
            var vBest = new Vector<double>(segmentBest);
            var vArg = new Vector<long>(-1);
            var index = new Vector<long>(j) + Lanes;
            var step = new Vector<long>(Vector<double>.Count);
            for (; j <= end - Vector<double>.Count; j += Vector<double>.Count)
            {
                var acc = Vector<double>.Zero;
                for (int c = 0; c < _k; c++)
                {
                    var d = Vector.LoadUnsafe(ref y, (nuint)(c * _n2 + j)) - new Vector<double>(_x[i * _k + c]);
                    acc += d * d;
                }
                var rc = acc + piI - Vector.LoadUnsafe(ref piTarget, (nuint)j);
                var less = Vector.LessThan(rc, vBest);
                vBest = Vector.ConditionalSelect(less, rc, vBest);
                vArg = Vector.ConditionalSelect(less, index, vArg);
                index += step;
            }
            Reduce(vBest, vArg, ref segmentBest, ref segmentArg);
            return j;
        }

        // Smallest lane (lowest index among ties), if below the current best.
        private static void Reduce(Vector<double> vBest, Vector<long> vArg, ref double segmentBest, ref int segmentArg)
        {
            for (int l = 0; l < Vector<double>.Count; l++)
            {
                long arg = vArg[l];
                if (arg < 0) continue;
                double v = vBest[l];
                if (v < segmentBest || (v == segmentBest && arg < segmentArg))
                {
                    segmentBest = v;
                    segmentArg = (int)arg;
                }
            }
        }

        private static readonly Vector<long> Lanes = CreateLanes();

        private static Vector<long> CreateLanes()
        {
            var l = new long[Vector<long>.Count];
            for (int i = 0; i < l.Length; i++) l[i] = i;
            return new Vector<long>(l);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Pivot(long inArc)
        {
            int first = (int)(inArc / _n2), second = _n1 + (int)(inArc % _n2);
            var nodes = _nodes;

            // The cycle: the in-arc first → second, then the tree paths second → join → first. An ancestor
            // has a larger subtree, so the node with the smaller one is never the join (LEMON's rule).
            int u = first, v = second;
            while (u != v)
            {
                if (nodes[u].Size < nodes[v].Size) u = nodes[u].Parent;
                else v = nodes[v].Parent;
            }
            int join = u;

            // Leaving arc: the last blocking arc met when walking the cycle in its direction from the
            // join (down to first, then up from second): strict < on the first path walked upwards,
            // ≤ on the second. This keeps the tree strongly feasible.
            double delta = double.PositiveInfinity;
            int uOut = -1;
            bool onFirstSide = false;
            for (u = first; u != join; u = nodes[u].Parent)
            {
                double r = nodes[u].Up ? nodes[u].Flow : double.PositiveInfinity;
                if (r < delta) { delta = r; uOut = u; onFirstSide = true; }
            }
            for (u = second; u != join; u = nodes[u].Parent)
            {
                double r = nodes[u].Up ? double.PositiveInfinity : nodes[u].Flow;
                if (r <= delta) { delta = r; uOut = u; onFirstSide = false; }
            }
            if (uOut < 0) throw new InvalidOperationException("Network simplex: unbounded cycle (cannot happen with non-negative costs).");

            if (delta > 0)
            {
                for (u = first; u != join; u = nodes[u].Parent) nodes[u].Flow += nodes[u].Up ? -delta : delta;
                for (u = second; u != join; u = nodes[u].Parent) nodes[u].Flow += nodes[u].Up ? delta : -delta;
            }

            // The subtree below the leaving arc is cut off and hangs again from the in-arc: re-root it at
            // uIn by reversing the stem uIn … uOut, shifting each stem arc to the node above it.
            int uIn = onFirstSide ? first : second, vIn = onFirstSide ? second : first;
            int moved = nodes[uOut].Size;
            for (u = nodes[uOut].Parent; u != join; u = nodes[u].Parent) nodes[u].Size -= moved;
            for (u = vIn; u != join; u = nodes[u].Parent) nodes[u].Size += moved;
            int sizeBelow = 0; // old subtree size of the stem node below (now above)
            long carriedArc = inArc;
            bool carriedUp = uIn == first;
            double carriedFlow = delta;
            int newParent = vIn;
            u = uIn;
            while (true)
            {
                ref var node = ref nodes[u];
                int oldParent = node.Parent;
                long oldArc = node.Arc;
                bool oldUp = node.Up;
                double oldFlow = node.Flow;
                int oldSize = node.Size;
                node.Size = moved - sizeBelow; // all of the moved part except what now lies above
                sizeBelow = oldSize;
                Detach(u);
                Attach(u, newParent);
                node.Arc = carriedArc;
                node.Up = carriedUp;
                node.Flow = carriedFlow;
                if (u == uOut) break;
                carriedArc = oldArc;
                carriedUp = !oldUp;
                carriedFlow = oldFlow;
                newParent = u;
                u = oldParent;
            }

            // Reduced costs change only across the cut: shift the moved subtree by σ, or (potentials
            // matter up to a constant) the rest of the tree by −σ, whichever has fewer nodes.
            double cIn = Cost(inArc);
            double sigma = nodes[uIn].Up ? _pi[vIn] - _pi[uIn] - cIn : _pi[vIn] - _pi[uIn] + cIn;
            if (2 * moved <= _root + 1) ShiftSubtree(uIn, -1, sigma);
            else ShiftSubtree(_root, uIn, -sigma);
        }

        // Adds sigma to π over the subtree of top, leaving out the subtree of skip (−1: none).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ShiftSubtree(int top, int skip, double sigma)
        {
            var nodes = _nodes;
            var pi = _pi;
            int u = top;
            while (true)
            {
                pi[u] += sigma;
                int child = nodes[u].FirstChild;
                if (child >= 0 && child == skip) child = nodes[child].NextSibling;
                if (child >= 0) { u = child; continue; }
                while (true)
                {
                    if (u == top) return;
                    int next = nodes[u].NextSibling;
                    if (next >= 0 && next == skip) next = nodes[next].NextSibling;
                    if (next >= 0) { u = next; break; }
                    u = nodes[u].Parent;
                }
            }
        }

        // π from the tree alone (root 0, reduced cost 0 on every tree arc), in preorder.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RecomputePotentials()
        {
            var nodes = _nodes;
            _pi[_root] = 0;
            int u = nodes[_root].FirstChild;
            while (u >= 0)
            {
                ref var node = ref nodes[u];
                double c = node.Arc >= 0 ? Cost(node.Arc) : node.Up ? 0 : _artificialCost;
                _pi[u] = node.Up ? _pi[node.Parent] - c : _pi[node.Parent] + c;
                if (node.FirstChild >= 0) { u = node.FirstChild; continue; }
                while (u != _root && nodes[u].NextSibling < 0) u = nodes[u].Parent;
                if (u == _root) break;
                u = nodes[u].NextSibling;
            }
        }

        private void Detach(int u)
        {
            ref var node = ref _nodes[u];
            if (node.PrevSibling >= 0) _nodes[node.PrevSibling].NextSibling = node.NextSibling;
            else _nodes[node.Parent].FirstChild = node.NextSibling;
            if (node.NextSibling >= 0) _nodes[node.NextSibling].PrevSibling = node.PrevSibling;
        }

        private void Attach(int u, int parent)
        {
            ref var node = ref _nodes[u];
            node.Parent = parent;
            node.PrevSibling = -1;
            node.NextSibling = _nodes[parent].FirstChild;
            if (node.NextSibling >= 0) _nodes[node.NextSibling].PrevSibling = u;
            _nodes[parent].FirstChild = u;
        }

        /// <summary>The plan on the tree, the shifted duals and the certificate: max violation over ALL n1·n2
        /// pairs (whatever the pricing domain was). <paramref name="optimalMessage"/> describes an optimal end,
        /// <paramref name="capMessage"/> (default: the pivot cap) which cap stopped the solve.</summary>
        public TransportSolution Result(TransportStatus status, long limit, Stopwatch clock, string optimalMessage, string? capMessage = null)
        {
            var plan = new List<PlanEntry>(_root);
            double cost = 0;
            for (int u = 0; u < _root; u++)
            {
                var node = _nodes[u];
                if (node.Arc < 0 || !(node.Flow > 0)) continue;
                int i = (int)(node.Arc / _n2), j = (int)(node.Arc % _n2);
                plan.Add(new PlanEntry(i, j, node.Flow));
                cost += node.Flow * Cost(i, j);
            }
            plan.Sort((p, q) => p.Source != q.Source ? p.Source.CompareTo(q.Source) : p.Target.CompareTo(q.Target));

            // Duals φ_i = −π_i, ψ_j = π_j, shifted by a constant (φ + t, ψ − t leaves the dual objective
            // unchanged) so that both have the same weighted mean: smaller numbers, less cancellation.
            var phi = new double[_n1];
            var psi = new double[_n2];
            double meanPhi = 0, meanPsi = 0, mass = TotalMass();
            for (int i = 0; i < _n1; i++) { phi[i] = -_pi[i]; meanPhi += _a[i] * phi[i]; }
            for (int j = 0; j < _n2; j++) { psi[j] = _pi[_n1 + j]; meanPsi += _b[j] * psi[j]; }
            double t = (meanPsi - meanPhi) / (2 * mass);
            double dual = 0;
            for (int i = 0; i < _n1; i++) { phi[i] += t; dual += _a[i] * phi[i]; }
            for (int j = 0; j < _n2; j++) { psi[j] -= t; dual += _b[j] * psi[j]; }
            double violation = MaxViolation(phi, psi);

            string message = status switch
            {
                TransportStatus.Optimal => optimalMessage,
                TransportStatus.IterationLimit => $"{capMessage ?? $"iteration cap {limit} reached"} before optimality (max reduced-cost violation {violation:G3})",
                _ => $"infeasible: mass {ArtificialFlow():G3} of {mass:G6} could not be matched",
            };
            return new TransportSolution(status, message, cost, plan.ToArray(), phi, psi, dual, violation,
                _iterations, limit, clock.Elapsed.TotalSeconds);
        }

        // max_ij (φ_i + ψ_j − c_ij)⁺ over all pairs: an independent check of dual feasibility (threads
        // only for large problems: on small ones waking workers costs more than the pass). Each pair's
        // value is computed in the same order in every lane and the maximum is exact, so the result does
        // not depend on the thread count.
        private double MaxViolation(double[] phi, double[] psi)
        {
            var rowMax = new double[_n1];
            if (_arcCount < 1L << 22) for (int i = 0; i < _n1; i++) rowMax[i] = RowViolation(i, phi[i], psi);
            else Parallel.For(0, _n1, Parallelism.Options, i => rowMax[i] = RowViolation(i, phi[i], psi));
            return rowMax.Max();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private double RowViolation(int i, double phi, double[] psi)
        {
            int j = 0;
            double m = 0;
            if (_n2 >= Vector<double>.Count)
            {
                ref double y = ref MemoryMarshal.GetArrayDataReference(_y);
                ref double psiRef = ref MemoryMarshal.GetArrayDataReference(psi);
                var vPhi = new Vector<double>(phi);
                var vMax = Vector<double>.Zero;
                for (; j <= _n2 - Vector<double>.Count; j += Vector<double>.Count)
                {
                    var cost = Vector<double>.Zero;
                    for (int c = 0; c < _k; c++)
                    {
                        var d = Vector.LoadUnsafe(ref y, (nuint)(c * _n2 + j)) - new Vector<double>(_x[i * _k + c]);
                        cost += d * d;
                    }
                    vMax = Vector.Max(vMax, vPhi + Vector.LoadUnsafe(ref psiRef, (nuint)j) - cost);
                }
                for (int l = 0; l < Vector<double>.Count; l++) m = Math.Max(m, vMax[l]);
            }
            for (; j < _n2; j++) m = Math.Max(m, phi + psi[j] - Cost(i, j));
            return m;
        }
    }
}
