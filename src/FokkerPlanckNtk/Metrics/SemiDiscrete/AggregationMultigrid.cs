namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>
/// A V-cycle of aggregation multigrid for a weighted graph Laplacian (plus a positive diagonal shift), used as the
/// preconditioner of <see cref="GraphLaplacian.Solve"/>: the atoms are grouped by the boxes of their <see cref="AtomTree"/>
/// (leaves of 4–8 atoms, then every second tree level: about 4 groups into one, spatially compact, so each group's atoms are
/// Laguerre neighbours), the coarse operators are Galerkin products PᵀAP with P piecewise constant on the groups (again
/// graph Laplacians: the weights between groups summed), smoothed by damped Jacobi (ω = 2/3, one sweep before and after,
/// so the cycle is a symmetric positive definite operator, as conjugate gradients need) and solved exactly (Cholesky) on
/// the coarsest level of at most <see cref="CoarsestSize"/> groups. Every row is computed on its own and every sum runs in
/// a fixed order, so the result does not depend on the thread count. The diagonal preconditioner needs O(√n) iterations
/// per digit on these Laplacians (their condition grows like n); this cycle a count nearly independent of n.
/// </summary>
internal sealed class AggregationMultigrid
{
    /// <summary>Most groups solved directly.</summary>
    public const int CoarsestSize = 600;

    private const double Omega = 2.0 / 3;
    private const int Block = 4096;

    private readonly Level[] _levels;
    private readonly double[] _factor;

    /// <summary>The coarsening of the atoms of <paramref name="tree"/>: for each level the group (on the next level) of every
    /// entry of this level, level 0 being the atoms; empty when the atoms are few enough to need no multigrid.</summary>
    public static int[][] Hierarchy(AtomTree tree)
    {
        int n = tree.Count;
        if (n <= 4 * CoarsestSize) return [];
        var parents = new List<int[]>();
        var previous = Enumerable.Range(0, n).ToArray();
        var group = new int[n];
        for (int depth = tree.Depth; ; depth -= 2)
        {
            int count = tree.Groups(Math.Max(depth, 0), group);
            var parent = new int[parents.Count == 0 ? n : parents[^1].Max() + 1];
            for (int i = 0; i < n; i++) parent[previous[i]] = group[i];
            parents.Add(parent);
            (previous, group) = (group, previous);
            if (count <= CoarsestSize || depth <= 0) break;
        }
        return parents.ToArray();
    }

    /// <summary>The cycle for the operator (A x)_i = diagonal_i x_i − Σ_e weight_e x_column(e) over row i's entries
    /// start_i..start_(i+1) (weights ≥ 0, symmetric), coarsened by <paramref name="parents"/> (<see cref="Hierarchy"/>).</summary>
    public AggregationMultigrid(int[] start, int[] column, double[] weight, double[] diagonal, int[][] parents)
    {
        var levels = new List<Level> { new(start, column, weight, diagonal, coarse: false) };
        foreach (var parent in parents) levels.Add(levels[^1].Coarsen(parent));
        _levels = levels.ToArray();
        var last = _levels[^1];
        int m = last.Count;
        _factor = new double[m * m];
        for (int i = 0; i < m; i++)
        {
            // A relative shift of 1e-9 keeps the factorization definite where the Laplacian's constants (its null space,
            // shifted by only 1e-10 of the diagonal) meet round-off; a preconditioner may differ from the operator there.
            _factor[i * m + i] = last.Diagonal[i] * (1 + 1e-9);
            for (int e = last.Start[i]; e < last.Start[i + 1]; e++) _factor[i * m + last.Column[e]] -= last.Weight[e];
        }
        if (!Numerics.SmallSymmetric.Factor(_factor, m))
            throw new InvalidOperationException("the coarsest multigrid operator is not positive definite");
    }

    /// <summary>Levels including the finest.</summary>
    public int Levels => _levels.Length;

    /// <summary>z = M r, one V-cycle from z = 0.</summary>
    public void Apply(double[] r, double[] z) => Cycle(0, r, z);

    private void Cycle(int l, double[] b, double[] x)
    {
        var level = _levels[l];
        int n = level.Count;
        if (l == _levels.Length - 1)
        {
            Array.Copy(b, x, n);
            Numerics.SmallSymmetric.Solve(_factor, n, x.AsSpan(0, n));
            return;
        }
        var d = level.Diagonal;
        var r = level.Residual;
        ForBlocks(n, (i0, i1) => { for (int i = i0; i < i1; i++) x[i] = Omega * b[i] / d[i]; });
        level.ResidualOf(b, x, r);
        var next = _levels[l + 1];
        ForBlocks(next.Count, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                double s = 0;
                for (int k = next.MemberStart[c]; k < next.MemberStart[c + 1]; k++) s += r[next.Member[k]];
                next.Rhs[c] = s;
            }
        });
        Cycle(l + 1, next.Rhs, next.Solution);
        var parent = level.Parent!;
        ForBlocks(n, (i0, i1) => { for (int i = i0; i < i1; i++) x[i] += next.Solution[parent[i]]; });
        level.ResidualOf(b, x, r);
        ForBlocks(n, (i0, i1) => { for (int i = i0; i < i1; i++) x[i] += Omega * r[i] / d[i]; });
    }

    internal static void ForBlocks(int n, Action<int, int> body)
    {
        int blocks = (n + Block - 1) / Block;
        if (blocks <= 1) { body(0, n); return; }
        Parallel.For(0, blocks, Parallelism.Options, k => body(k * Block, Math.Min(n, (k + 1) * Block)));
    }

    // coarse: a level below the finest, which keeps its right-hand side and solution (the finest gets the caller's).
    private sealed class Level(int[] start, int[] column, double[] weight, double[] diagonal, bool coarse)
    {
        public int Count { get; } = diagonal.Length;
        public int[] Start { get; } = start;
        public int[] Column { get; } = column;
        public double[] Weight { get; } = weight;
        public double[] Diagonal { get; } = diagonal;
        public double[] Residual { get; } = new double[diagonal.Length];
        public double[] Rhs { get; } = coarse ? new double[diagonal.Length] : [];
        public double[] Solution { get; } = coarse ? new double[diagonal.Length] : [];

        /// <summary>This level's entry → the next level's group (null on the coarsest).</summary>
        public int[]? Parent { get; private set; }

        /// <summary>The entries of the finer level in each group of this one (CSR, in increasing order).</summary>
        public int[] MemberStart { get; private set; } = [];
        public int[] Member { get; private set; } = [];

        public void ResidualOf(double[] b, double[] x, double[] r) => ForBlocks(Count, (i0, i1) =>
        {
            for (int i = i0; i < i1; i++)
            {
                double s = b[i] - Diagonal[i] * x[i];
                for (int e = Start[i]; e < Start[i + 1]; e++) s += Weight[e] * x[Column[e]];
                r[i] = s;
            }
        });

        // PᵀAP for P piecewise constant on the groups: the weights between two groups summed, a group's diagonal its
        // members' diagonals less the weights inside it (so it is again a Laplacian plus the summed shift).
        public Level Coarsen(int[] parent)
        {
            Parent = parent;
            int nc = 0;
            foreach (int c in parent) nc = Math.Max(nc, c + 1);
            var memberStart = new int[nc + 1];
            foreach (int c in parent) memberStart[c + 1]++;
            for (int c = 0; c < nc; c++) memberStart[c + 1] += memberStart[c];
            var member = new int[Count];
            var fill = memberStart[..nc];
            for (int i = 0; i < Count; i++) member[fill[parent[i]]++] = i;
            var diag = new double[nc];
            var rowStart = new int[nc + 1];
            var columns = new List<int>(4 * nc);
            var weights = new List<double>(4 * nc);
            var slot = new int[nc];
            Array.Fill(slot, -1);
            var touched = new List<int>();
            for (int c = 0; c < nc; c++)
            {
                int first = columns.Count;
                double dc = 0;
                for (int k = memberStart[c]; k < memberStart[c + 1]; k++)
                {
                    int i = member[k];
                    dc += Diagonal[i];
                    for (int e = Start[i]; e < Start[i + 1]; e++)
                    {
                        int j = parent[Column[e]];
                        if (j == c) { dc -= Weight[e]; continue; }
                        if (slot[j] < 0) { slot[j] = columns.Count; columns.Add(j); weights.Add(0); touched.Add(j); }
                        weights[slot[j]] += Weight[e];
                    }
                }
                foreach (int j in touched) slot[j] = -1;
                touched.Clear();
                diag[c] = dc;
                rowStart[c + 1] = columns.Count;
                SortRow(columns, weights, first);
            }
            return new Level(rowStart, columns.ToArray(), weights.ToArray(), diag, coarse: true) { MemberStart = memberStart, Member = member };
        }

        private static void SortRow(List<int> columns, List<double> weights, int first)
        {
            int n = columns.Count - first;
            if (n < 2) return;
            var c = columns.GetRange(first, n).ToArray();
            var w = weights.GetRange(first, n).ToArray();
            Array.Sort(c, w);
            for (int k = 0; k < n; k++) { columns[first + k] = c[k]; weights[first + k] = w[k]; }
        }
    }
}
