namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>
/// A static k-d tree over atom positions (balanced median splits, leaves of at most <see cref="LeafSize"/>
/// atoms, a bounding box per node) with a per-node maximum of the dual weights ψ, refreshed in O(n) when ψ
/// changes. Two queries serve the Laguerre-cell construction: the k nearest atoms, and every atom j that
/// can still cut a cell, i.e. whose power function |x − y_j|² − ψ_j can fall below a threshold somewhere in
/// a ball (pruned per node by the box distance and the node's largest ψ, so a smooth ψ keeps the search local).
/// </summary>
internal sealed class AtomTree
{
    public const int LeafSize = 8;

    private readonly int _dim;
    private readonly int _count;
    private readonly double[] _points; // in tree order, row-major
    private readonly int[] _atom;      // tree order → atom index
    private readonly int[] _slot;      // atom index → tree order
    private readonly int _nodeCount;
    private readonly double[] _lo, _hi; // node bounding boxes (nodeCount × dim)
    private readonly double[] _maxPsi;  // node maxima of ψ
    private readonly double[] _psi;     // ψ in tree order

    public AtomTree(ReadOnlySpan<double> positions, int dim)
    {
        _dim = dim;
        _count = positions.Length / dim;
        _atom = new int[_count];
        for (int i = 0; i < _count; i++) _atom[i] = i;
        var source = positions.ToArray();
        int depth = 0;
        while ((_count >> depth) > LeafSize) depth++;
        _nodeCount = (2 << depth) - 1;
        _lo = new double[_nodeCount * dim];
        _hi = new double[_nodeCount * dim];
        _maxPsi = new double[_nodeCount];
        _psi = new double[_count];
        Build(source, 0, 0, _count, 0);
        _points = new double[_count * dim];
        _slot = new int[_count];
        for (int s = 0; s < _count; s++)
        {
            _slot[_atom[s]] = s;
            Array.Copy(source, _atom[s] * dim, _points, s * dim, dim);
        }
    }

    public int Count => _count;

    /// <summary>Depth of the leaves (the tree is balanced: every leaf holds ⌊n/2^depth⌋ or ⌈n/2^depth⌉ ≤ <see cref="LeafSize"/> atoms).</summary>
    public int Depth
    {
        get
        {
            int depth = 0;
            while ((_count >> depth) > LeafSize) depth++;
            return depth;
        }
    }

    /// <summary>
    /// Groups the atoms by their ancestor node at <paramref name="depth"/> (a leaf above it is its own group): spatially compact
    /// boxes of about n/2^depth atoms, numbered in tree order. Writes each atom's group to <paramref name="group"/>; returns the count.
    /// </summary>
    public int Groups(int depth, Span<int> group)
    {
        int count = 0;
        Assign(0, 0, _count, 0, depth, group, ref count);
        return count;
    }

    private void Assign(int node, int lo, int hi, int level, int depth, Span<int> group, ref int count)
    {
        if (level == depth || hi - lo <= LeafSize || 2 * node + 2 >= _nodeCount)
        {
            for (int s = lo; s < hi; s++) group[_atom[s]] = count;
            count++;
            return;
        }
        int mid = (lo + hi) >> 1;
        Assign(2 * node + 1, lo, mid, level + 1, depth, group, ref count);
        Assign(2 * node + 2, mid, hi, level + 1, depth, group, ref count);
    }

    /// <summary>ψ of an atom as last set.</summary>
    public double Weight(int atom) => _psi[_slot[atom]];

    /// <summary>Sets ψ (indexed by atom) and the node maxima.</summary>
    public void SetWeights(ReadOnlySpan<double> psi)
    {
        for (int s = 0; s < _count; s++) _psi[s] = psi[_atom[s]];
        RefreshMax(0, 0, _count);
    }

    private double RefreshMax(int node, int lo, int hi)
    {
        double m;
        if (hi - lo <= LeafSize || 2 * node + 2 >= _nodeCount)
        {
            m = double.NegativeInfinity;
            for (int s = lo; s < hi; s++) m = Math.Max(m, _psi[s]);
        }
        else
        {
            int mid = (lo + hi) >> 1;
            m = Math.Max(RefreshMax(2 * node + 1, lo, mid), RefreshMax(2 * node + 2, mid, hi));
        }
        _maxPsi[node] = m;
        return m;
    }

    private void Build(double[] x, int node, int lo, int hi, int level)
    {
        int d = _dim;
        for (int k = 0; k < d; k++)
        {
            double a = double.PositiveInfinity, b = double.NegativeInfinity;
            for (int s = lo; s < hi; s++)
            {
                double v = x[_atom[s] * d + k];
                if (v < a) a = v;
                if (v > b) b = v;
            }
            _lo[node * d + k] = a;
            _hi[node * d + k] = b;
        }
        if (hi - lo <= LeafSize || 2 * node + 2 >= _nodeCount) return;
        int axis = 0;
        double widest = -1;
        for (int k = 0; k < d; k++)
        {
            double w = _hi[node * d + k] - _lo[node * d + k];
            if (w > widest) { widest = w; axis = k; }
        }
        int mid = (lo + hi) >> 1;
        Select(x, lo, hi - 1, mid, axis);
        // The two halves are independent: build them in parallel near the root (deterministic: same splits).
        if (level < 3 && hi - lo > 1 << 15)
            Parallel.Invoke(Parallelism.Options,
                () => Build(x, 2 * node + 1, lo, mid, level + 1),
                () => Build(x, 2 * node + 2, mid, hi, level + 1));
        else
        {
            Build(x, 2 * node + 1, lo, mid, level + 1);
            Build(x, 2 * node + 2, mid, hi, level + 1);
        }
    }

    // Quickselect on _atom[lo..hi] by coordinate (ties by atom index, so the order is deterministic).
    private void Select(double[] x, int lo, int hi, int k, int axis)
    {
        int d = _dim;
        while (hi > lo)
        {
            int pivotAtom = _atom[(lo + hi) >> 1];
            double pv = x[pivotAtom * d + axis];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (Less(x, _atom[i], pivotAtom, pv, axis)) i++;
                while (Less(x, pivotAtom, _atom[j], pv, axis, pivotFirst: true)) j--;
                if (i <= j) { (_atom[i], _atom[j]) = (_atom[j], _atom[i]); i++; j--; }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return;
        }
    }

    private bool Less(double[] x, int a, int b, double pivotValue, int axis, bool pivotFirst = false)
    {
        if (pivotFirst)
        {
            double vb = x[b * _dim + axis];
            return pivotValue < vb || (pivotValue == vb && a < b);
        }
        double va = x[a * _dim + axis];
        return va < pivotValue || (va == pivotValue && a < b);
    }

    /// <summary>The atom nearest to atom <paramref name="self"/> first, up to <paramref name="k"/> atoms other than itself,
    /// written to <paramref name="result"/>; returns how many (fewer when the tree is smaller).</summary>
    public int Nearest(int self, int k, Span<int> result, Span<double> distance2)
    {
        int d = _dim;
        var q = _points.AsSpan(_slot[self] * d, d);
        int found = 0;
        int top = 0;
        Span<int> stack = stackalloc int[64];
        stack[top++] = 0;
        Span<int> rangeLo = stackalloc int[64], rangeHi = stackalloc int[64];
        rangeLo[0] = 0; rangeHi[0] = _count;
        while (top > 0)
        {
            top--;
            int node = stack[top], lo = rangeLo[top], hi = rangeHi[top];
            if (found == k && BoxDistance2(node, q) >= distance2[0]) continue;
            if (hi - lo <= LeafSize || 2 * node + 2 >= _nodeCount)
            {
                for (int s = lo; s < hi; s++)
                {
                    int atom = _atom[s];
                    if (atom == self) continue;
                    double r2 = 0;
                    for (int c = 0; c < d; c++) { double t = _points[s * d + c] - q[c]; r2 += t * t; }
                    if (found < k) { HeapPush(result, distance2, ref found, atom, r2); }
                    else if (r2 < distance2[0]) HeapReplace(result, distance2, found, atom, r2);
                }
                continue;
            }
            int mid = (lo + hi) >> 1;
            int left = 2 * node + 1, right = 2 * node + 2;
            double dl = BoxDistance2(left, q), dr = BoxDistance2(right, q);
            // Push the farther child first so the nearer one is visited next.
            if (dl <= dr)
            {
                stack[top] = right; rangeLo[top] = mid; rangeHi[top] = hi; top++;
                stack[top] = left; rangeLo[top] = lo; rangeHi[top] = mid; top++;
            }
            else
            {
                stack[top] = left; rangeLo[top] = lo; rangeHi[top] = mid; top++;
                stack[top] = right; rangeLo[top] = mid; rangeHi[top] = hi; top++;
            }
        }
        // Heap → ascending order.
        for (int n = found - 1; n > 0; n--)
        {
            (result[0], result[n]) = (result[n], result[0]);
            (distance2[0], distance2[n]) = (distance2[n], distance2[0]);
            SiftDown(result, distance2, 0, n);
        }
        return found;
    }

    /// <summary>
    /// Every atom j ≠ <paramref name="self"/> whose power function can undercut that of atom i = self somewhere in
    /// the ball B(c, ρ) (<paramref name="centre"/>, <paramref name="radius"/>): the difference
    /// f_j(x) = |x − y_j|² − ψ_j − |x − y_i|² + ψ_i is affine in x, so its minimum over the ball is
    /// f_j(c) − 2ρ|y_i − y_j| (the test per atom). A node is skipped when, with t = |c − y_j| ≥ the box distance
    /// D and |y_i − y_j| ≤ |y_i − c| + t, the bound (max(D − ρ, 0))² − ρ² − 2ρ|y_i − c| − max ψ_node shows
    /// f_j(c) − 2ρ|y_i − y_j| ≥ 0 for all its atoms. Written to <paramref name="result"/> (grown as needed); returns the count.
    /// </summary>
    public int Cutting(int self, ReadOnlySpan<double> centre, double radius, ref int[] result)
    {
        var yi = _points.AsSpan(_slot[self] * _dim, _dim);
        double e2 = 0;
        for (int c = 0; c < _dim; c++) { double t = yi[c] - centre[c]; e2 += t * t; }
        var filter = new BallFilter(centre, yi, radius, e2 - _psi[_slot[self]], 2 * radius * Math.Sqrt(e2) + radius * radius);
        return Walk(self, ref filter, ref result);
    }

    /// <summary>
    /// Every atom j ≠ <paramref name="self"/> that cuts the convex cell with the given <paramref name="vertices"/> (global
    /// coordinates, row-major) whose power levels are <paramref name="levels"/> (l_k = |v_k − y_i|² − ψ_i): the power
    /// difference |x − y_j|² − ψ_j − (|x − y_i|² − ψ_i) is affine, so j cuts the cell iff |v_k − y_j|² − ψ_j &lt; l_k at some
    /// vertex. A node is skipped when at every vertex its box distance² minus its largest ψ is ≥ l_k. Tighter than the
    /// ball of <see cref="Cutting(int, ReadOnlySpan{double}, double, ref int[])"/> for long cells (the tails of a cloud).
    /// Written to <paramref name="result"/> (grown as needed); returns the count.
    /// </summary>
    public int Cutting(int self, ReadOnlySpan<double> vertices, ReadOnlySpan<double> levels, ref int[] result)
    {
        var filter = new VertexFilter(vertices, levels);
        return Walk(self, ref filter, ref result);
    }

    // The tree walk of both cutting queries (the filter is a struct, so the JIT specializes the walk for each): a node's
    // subtree is entered when the filter says an atom in its box may cut, a leaf's atoms (but self) are kept when they cut.
    private interface ICutFilter
    {
        bool MayCut(AtomTree tree, int node);
        bool Cuts(AtomTree tree, int slot);
    }

    private int Walk<TFilter>(int self, scoped ref TFilter filter, ref int[] result) where TFilter : ICutFilter, allows ref struct
    {
        int found = 0;
        int top = 0;
        Span<int> stack = stackalloc int[64];
        Span<int> rangeLo = stackalloc int[64], rangeHi = stackalloc int[64];
        stack[top] = 0; rangeLo[top] = 0; rangeHi[top] = _count; top++;
        while (top > 0)
        {
            top--;
            int node = stack[top], lo = rangeLo[top], hi = rangeHi[top];
            if (!filter.MayCut(this, node)) continue;
            if (hi - lo <= LeafSize || 2 * node + 2 >= _nodeCount)
            {
                for (int s = lo; s < hi; s++)
                {
                    int atom = _atom[s];
                    if (atom == self || !filter.Cuts(this, s)) continue;
                    if (found == result.Length) Array.Resize(ref result, 2 * found);
                    result[found++] = atom;
                }
                continue;
            }
            int mid = (lo + hi) >> 1;
            stack[top] = 2 * node + 1; rangeLo[top] = lo; rangeHi[top] = mid; top++;
            stack[top] = 2 * node + 2; rangeLo[top] = mid; rangeHi[top] = hi; top++;
        }
        return found;
    }

    // The ball test of Cutting(self, centre, radius): threshold = |y_i − c|² − ψ_i, offset = 2ρ|y_i − c| + ρ².
    private readonly ref struct BallFilter(ReadOnlySpan<double> centre, ReadOnlySpan<double> yi, double radius, double threshold, double offset) : ICutFilter
    {
        private readonly ReadOnlySpan<double> _centre = centre, _yi = yi;

        public bool MayCut(AtomTree tree, int node)
        {
            double gap = Math.Max(0, Math.Sqrt(tree.BoxDistance2(node, _centre)) - radius);
            return !(gap * gap - offset - tree._maxPsi[node] >= threshold);
        }

        public bool Cuts(AtomTree tree, int slot)
        {
            int d = tree._dim;
            double c2 = 0, r2 = 0;
            for (int c = 0; c < d; c++)
            {
                double p = tree._points[slot * d + c];
                double t = p - _centre[c], u = p - _yi[c];
                c2 += t * t;
                r2 += u * u;
            }
            return !(c2 - tree._psi[slot] - threshold - 2 * radius * Math.Sqrt(r2) >= 0);
        }
    }

    // The vertex test of Cutting(self, vertices, levels): j cuts iff |v_k − y_j|² − ψ_j < l_k at some vertex k.
    private readonly ref struct VertexFilter(ReadOnlySpan<double> vertices, ReadOnlySpan<double> levels) : ICutFilter
    {
        private readonly ReadOnlySpan<double> _vertices = vertices, _levels = levels;

        public bool MayCut(AtomTree tree, int node)
        {
            int d = tree._dim;
            if (d == 2)
            {
                // The plane written out (the hot loop of a cell evaluation; the same arithmetic as BoxDistance2).
                double lx = tree._lo[2 * node], ly = tree._lo[2 * node + 1], hx = tree._hi[2 * node], hy = tree._hi[2 * node + 1];
                double top = tree._maxPsi[node];
                for (int k = 0; k < _levels.Length; k++)
                {
                    double vx = _vertices[2 * k], vy = _vertices[2 * k + 1];
                    double tx = vx < lx ? lx - vx : vx > hx ? vx - hx : 0, ty = vy < ly ? ly - vy : vy > hy ? vy - hy : 0;
                    if (tx * tx + ty * ty - top < _levels[k]) return true;
                }
                return false;
            }
            for (int k = 0; k < _levels.Length; k++)
                if (tree.BoxDistance2(node, _vertices.Slice(k * d, d)) - tree._maxPsi[node] < _levels[k]) return true;
            return false;
        }

        public bool Cuts(AtomTree tree, int slot)
        {
            int d = tree._dim;
            if (d == 2)
            {
                double px = tree._points[2 * slot], py = tree._points[2 * slot + 1], psi = tree._psi[slot];
                for (int k = 0; k < _levels.Length; k++)
                {
                    double tx = px - _vertices[2 * k], ty = py - _vertices[2 * k + 1];
                    if (tx * tx + ty * ty - psi < _levels[k]) return true;
                }
                return false;
            }
            for (int k = 0; k < _levels.Length; k++)
            {
                double r2 = 0;
                for (int c = 0; c < d; c++) { double t = tree._points[slot * d + c] - _vertices[k * d + c]; r2 += t * t; }
                if (r2 - tree._psi[slot] < _levels[k]) return true;
            }
            return false;
        }
    }

    private double BoxDistance2(int node, ReadOnlySpan<double> q)
    {
        double s = 0;
        int o = node * _dim;
        for (int c = 0; c < _dim; c++)
        {
            double v = q[c];
            double t = v < _lo[o + c] ? _lo[o + c] - v : v > _hi[o + c] ? v - _hi[o + c] : 0;
            s += t * t;
        }
        return s;
    }

    // Max-heap on distance (ties: larger atom index on top, so results do not depend on visiting order).
    private static bool Above(Span<int> id, Span<double> r2, int a, int b) => r2[a] > r2[b] || (r2[a] == r2[b] && id[a] > id[b]);

    private static void HeapPush(Span<int> id, Span<double> r2, ref int n, int atom, double dist2)
    {
        int i = n++;
        id[i] = atom; r2[i] = dist2;
        while (i > 0)
        {
            int p = (i - 1) >> 1;
            if (!Above(id, r2, i, p)) break;
            (id[i], id[p]) = (id[p], id[i]);
            (r2[i], r2[p]) = (r2[p], r2[i]);
            i = p;
        }
    }

    private static void HeapReplace(Span<int> id, Span<double> r2, int n, int atom, double dist2)
    {
        if (dist2 == r2[0] && atom > id[0]) return;
        id[0] = atom; r2[0] = dist2;
        SiftDown(id, r2, 0, n);
    }

    private static void SiftDown(Span<int> id, Span<double> r2, int i, int n)
    {
        while (true)
        {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < n && Above(id, r2, l, m)) m = l;
            if (r < n && Above(id, r2, r, m)) m = r;
            if (m == i) return;
            (id[i], id[m]) = (id[m], id[i]);
            (r2[i], r2[m]) = (r2[m], r2[i]);
            i = m;
        }
    }
}
