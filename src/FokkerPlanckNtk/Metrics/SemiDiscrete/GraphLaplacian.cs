namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>
/// The negated Hessian of the semi-discrete dual: the weighted graph Laplacian
/// (L x)_i = Σ_j w_ij (x_i − x_j) with w_ij the symmetrized facet weights ∫_{L_i ∩ L_j} ρ dσ / (2|y_i − y_j|).
/// Symmetric positive semidefinite, constants in its null space (one per connected component of the facet graph).
/// Solved by conjugate gradients preconditioned with its diagonal; rows are split over threads in fixed
/// blocks and every reduction adds block sums in a fixed order, so results do not depend on the thread count.
/// </summary>
internal sealed class GraphLaplacian
{
    private const int Block = 4096;
    private const double RowTolerance = 1e-3;
    private readonly int _n;
    private readonly int[] _start;
    private readonly int[] _column;
    private readonly double[] _weight;
    private readonly double[] _diagonal;
    private readonly bool[]? _frozen;
    private readonly int[] _component;
    private readonly bool[] _anchored;
    // Scratch kept for the next Newton step's Laplacian (the arrays are ~10 n long: at 10⁶ atoms ~0.4 GB a step of garbage).
    private readonly int[] _count;
    private readonly double[] _dirichlet;
    private readonly double[][] _vectors;

    /// <summary>
    /// From the facet rows of one evaluation (each facet seen from both cells: the two weights are averaged).
    /// Atoms marked <paramref name="frozen"/> keep their value (d_i = 0): their rows are empty and a facet between
    /// a free and a frozen atom only adds to the free atom's diagonal (a Dirichlet condition). The arrays of
    /// <paramref name="reuse"/> (the previous step's Laplacian, not to be used afterwards) are taken over where large enough.
    /// </summary>
    public GraphLaplacian(CellIntegrals cells, bool[]? frozen = null, GraphLaplacian? reuse = null)
    {
        int n = _n = cells.Mass.Length;
        _frozen = frozen;
        var count = _count = Take(reuse?._count, n + 1);
        var dirichlet = _dirichlet = Take(reuse?._dirichlet, n);
        _vectors = reuse?._vectors ?? new double[VectorCount][];
        for (int i = 0; i < n; i++)
            for (int e = cells.FacetStart[i]; e < cells.FacetStart[i + 1]; e++)
            {
                int j = cells.FacetAtom[e];
                if (frozen is not null && (frozen[i] || frozen[j]))
                {
                    double w = 0.5 * cells.FacetWeight[e];
                    if (!frozen[i]) dirichlet[i] += w;
                    if (!frozen[j]) dirichlet[j] += w;
                    continue;
                }
                count[i + 1]++;
                count[j + 1]++;
            }
        for (int i = 0; i < n; i++) count[i + 1] += count[i];
        // Every facet in both rows, then each row sorted by column and its duplicates merged in place (a merged row is no
        // longer than the rows before it left room for, so it never overtakes its unread entries; deterministic sums).
        var fill = _start = Take(reuse?._start, n + 1);
        Array.Copy(count, fill, n);
        var col = _column = Take(reuse?._column, count[n]);
        var val = _weight = Take(reuse?._weight, count[n]);
        for (int i = 0; i < n; i++)
            for (int e = cells.FacetStart[i]; e < cells.FacetStart[i + 1]; e++)
            {
                int j = cells.FacetAtom[e];
                if (frozen is not null && (frozen[i] || frozen[j])) continue;
                double w = 0.5 * cells.FacetWeight[e];
                col[fill[i]] = j; val[fill[i]++] = w;
                col[fill[j]] = i; val[fill[j]++] = w;
            }
        _diagonal = Take(reuse?._diagonal, n);
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            int a = count[i], b = count[i + 1];
            Array.Sort(col, val, a, b - a);
            _start[i] = at;
            double diag = 0;
            for (int e = a; e < b; e++)
            {
                if (at > _start[i] && _column[at - 1] == col[e]) _weight[at - 1] += val[e];
                else { _column[at] = col[e]; _weight[at] = val[e]; at++; }
                diag += val[e];
            }
            _diagonal[i] = diag + dirichlet[i];
        }
        _start[n] = at;
        (_component, _anchored) = Components(dirichlet, Take(reuse?._component, n));
    }

    // An array of at least the length, zeroed: the given one when it is long enough, else a new one.
    private static T[] Take<T>(T[]? array, int length)
    {
        if (array is null || array.Length < length) return new T[length];
        Array.Clear(array, 0, length);
        return array;
    }

    private const int VectorCount = 10;

    // The k-th work vector of Solve (length ≥ n, contents undefined).
    private double[] Vector(int k) => _vectors[k] is { } v && v.Length >= _n ? v : _vectors[k] = new double[_n];

    // Connected components of the graph of positive weights among free atoms (labelled in order of their
    // smallest atom), and whether each touches a frozen atom by a positive weight (then its block is definite).
    private (int[] Component, bool[] Anchored) Components(double[] dirichlet, int[] label)
    {
        Array.Fill(label, -1, 0, _n);
        var anchored = new List<bool>();
        var stack = new Stack<int>();
        for (int root = 0; root < _n; root++)
        {
            if (label[root] >= 0 || (_frozen is not null && _frozen[root])) continue;
            int c = anchored.Count;
            bool anchor = false;
            label[root] = c;
            stack.Push(root);
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                anchor |= dirichlet[i] > 0;
                for (int e = _start[i]; e < _start[i + 1]; e++)
                {
                    int j = _column[e];
                    if (_weight[e] > 0 && label[j] < 0) { label[j] = c; stack.Push(j); }
                }
            }
            anchored.Add(anchor);
        }
        return (label, anchored.ToArray());
    }

    public int Count => _n;

    /// <summary>Number of stored off-diagonal entries.</summary>
    public int Entries => _start[_n];

    public void Multiply(ReadOnlySpan<double> x, Span<double> y)
    {
        var xs = x.ToArray();
        var ys = new double[_n];
        ForBlocks(i0 => { for (int i = i0; i < Math.Min(_n, i0 + Block); i++) ys[i] = Row(i, xs); });
        ys.CopyTo(y);
    }

    private double Row(int i, double[] x)
    {
        double s = _diagonal[i] * x[i];
        for (int e = _start[i]; e < _start[i + 1]; e++) s -= _weight[e] * x[_column[e]];
        return s;
    }

    /// <summary>
    /// Solves (L + εD) d = g approximately, D the diagonal of L and ε = 1e-10 (a relative shift that keeps the
    /// system definite when the facet graph is not connected without spoiling rows of tiny weight), g projected
    /// onto the mean-zero vectors first (without frozen atoms; with them, g is set to 0 on the frozen rows). Stops when the residual is below <paramref name="tolerance"/>·‖g‖₂ and
    /// below <paramref name="tolerance"/>·scale_i in every row (scale_i: the atom's mass, so that atoms of tiny
    /// mass are resolved too; an empty scale: the norm only), or after <paramref name="maxIterations"/>. Preconditioned by
    /// the diagonal, or, given the atoms' <paramref name="coarsening"/> (<see cref="AggregationMultigrid.Hierarchy"/>), by a
    /// multigrid V-cycle. Returns the iterations used and the relative residual reached.
    /// </summary>
    public (int Iterations, double Residual) Solve(ReadOnlySpan<double> g, Span<double> d, ReadOnlySpan<double> scale, double tolerance,
        int maxIterations, CancellationToken cancellation, int[][]? coarsening = null)
    {
        int n = _n;
        var b = Vector(0);
        g.CopyTo(b);
        // The block of a component that touches no frozen atom is singular (constants): its right-hand side is
        // projected onto the mean-zero vectors there (without this, the shift below would turn the component's
        // net mass error into a huge constant step). Frozen atoms keep their value.
        int components = _anchored.Length;
        var sum = new double[components];
        var size = new int[components];
        for (int i = 0; i < n; i++)
        {
            if (_component[i] < 0) { b[i] = 0; continue; }
            sum[_component[i]] += b[i];
            size[_component[i]]++;
        }
        for (int i = 0; i < n; i++)
            if (_component[i] >= 0 && !_anchored[_component[i]]) b[i] -= sum[_component[i]] / size[_component[i]];
        const double relativeShift = 1e-10;
        double[] shift = Vector(1), inv = Vector(2), bound = Vector(3);
        for (int i = 0; i < n; i++)
        {
            shift[i] = _diagonal[i] > 0 ? relativeShift * _diagonal[i] : 1;
            inv[i] = 1 / (_diagonal[i] + shift[i]);
            bound[i] = scale.IsEmpty ? double.PositiveInfinity : RowTolerance * scale[i];
        }
        AggregationMultigrid? multigrid = null;
        if (coarsening is { Length: > 0 })
        {
            var diagonal = new double[n];
            for (int i = 0; i < n; i++) diagonal[i] = _diagonal[i] + shift[i];
            multigrid = new AggregationMultigrid(_start, _column, _weight, diagonal, coarsening);
        }
        void Precondition(double[] r, double[] z)
        {
            if (multigrid is not null) multigrid.Apply(r, z);
            else for (int i = 0; i < n; i++) z[i] = inv[i] * r[i];
        }
        double[] x = Vector(4), r = Vector(5), z = Vector(6), p = Vector(7), q = Vector(8);
        Array.Clear(x, 0, n);
        Array.Copy(b, r, n);
        double bnorm = Math.Sqrt(Dot(b, b));
        if (!(bnorm > 0)) { d.Clear(); return (0, 0); }
        Precondition(r, z);
        Array.Copy(z, p, n);
        double rz = Dot(r, z);
        double residual = 1;
        int it = 0;
        while (it < maxIterations)
        {
            cancellation.ThrowIfCancellationRequested();
            ForBlocks(i0 => { for (int i = i0; i < Math.Min(n, i0 + Block); i++) q[i] = Row(i, p) + shift[i] * p[i]; });
            double pq = Dot(p, q);
            if (!(pq > 0)) break;
            double alpha = rz / pq;
            for (int i = 0; i < n; i++) { x[i] += alpha * p[i]; r[i] -= alpha * q[i]; }
            it++;
            residual = Math.Sqrt(Dot(r, r)) / bnorm;
            if (residual <= tolerance && WithinRows(r, bound, n)) break;
            Precondition(r, z);
            double rzNew = Dot(r, z);
            double beta = rzNew / rz;
            rz = rzNew;
            for (int i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
        }
        x.AsSpan(0, n).CopyTo(d);
        return (it, residual);
    }

    /// <summary>Subtracts from d, on every component anchored to frozen atoms, its mean weighted by <paramref name="weight"/>
    /// (the component's constant mode, which only the tiny weights of the facets to frozen atoms determine).</summary>
    public void RemoveAnchoredMeans(Span<double> d, ReadOnlySpan<double> weight)
    {
        int components = _anchored.Length;
        var sum = new double[components];
        var total = new double[components];
        for (int i = 0; i < _n; i++)
        {
            int c = _component[i];
            if (c < 0 || !_anchored[c]) continue;
            sum[c] += weight[i] * d[i];
            total[c] += weight[i];
        }
        for (int i = 0; i < _n; i++)
        {
            int c = _component[i];
            if (c >= 0 && _anchored[c] && total[c] > 0) d[i] -= sum[c] / total[c];
        }
    }

    private static bool WithinRows(double[] r, double[] bound, int n)
    {
        for (int i = 0; i < n; i++)
            if (Math.Abs(r[i]) > bound[i]) return false;
        return true;
    }

    private void ForBlocks(Action<int> body)
    {
        int blocks = (_n + Block - 1) / Block;
        if (blocks == 1) { body(0); return; }
        Parallel.For(0, blocks, Parallelism.Options, k => body(k * Block));
    }

    private double Dot(double[] a, double[] b)
    {
        int blocks = (_n + Block - 1) / Block;
        var partial = new double[blocks];
        ForBlocks(i0 =>
        {
            double s = 0;
            for (int i = i0; i < Math.Min(_n, i0 + Block); i++) s += a[i] * b[i];
            partial[i0 / Block] = s;
        });
        double total = 0;
        foreach (double v in partial) total += v;
        return total;
    }

}
