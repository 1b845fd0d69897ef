namespace FokkerPlanckNtk.Tests.Metrics;

/// <summary>
/// Independent exact transport solvers for tests only (nothing shared with the library's solver):
/// brute force over permutations, the Hungarian method (Jonker–Volgenant shortest augmenting paths)
/// for equal-weight sets, and successive shortest paths (min-cost flow) for weighted sets.
/// </summary>
internal static class ReferenceSolvers
{
    public static double SquaredDistance(double[] x, int i, double[] y, int j, int k)
    {
        double s = 0;
        for (int c = 0; c < k; c++) { double d = x[i * k + c] - y[j * k + c]; s += d * d; }
        return s;
    }

    /// <summary>min over permutations σ of (1/n) Σ |x_i − y_σ(i)|².</summary>
    public static double BruteForce(double[] x, double[] y, int k)
    {
        int n = x.Length / k;
        double best = double.PositiveInfinity;
        foreach (var p in Transport1DTests.Permutations(n))
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += SquaredDistance(x, i, y, p[i], k);
            best = Math.Min(best, s / n);
        }
        return best;
    }

    /// <summary>The optimal assignment cost (1/n) Σ c_{iσ(i)} by the O(n³) Hungarian method with potentials.</summary>
    public static double Assignment(double[] x, double[] y, int k)
    {
        int n = x.Length / k;
        // 1-based arrays as in the classical formulation; column 0 is a virtual start.
        var u = new double[n + 1];
        var v = new double[n + 1];
        var match = new int[n + 1]; // match[j] = row assigned to column j
        var way = new int[n + 1];
        for (int i = 1; i <= n; i++)
        {
            match[0] = i;
            int j0 = 0;
            var minv = Enumerable.Repeat(double.PositiveInfinity, n + 1).ToArray();
            var used = new bool[n + 1];
            do
            {
                used[j0] = true;
                int i0 = match[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= n; j++)
                {
                    if (used[j]) continue;
                    double cur = SquaredDistance(x, i0 - 1, y, j - 1, k) - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= n; j++)
                {
                    if (used[j]) { u[match[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (match[j0] != 0);
            do { int j1 = way[j0]; match[j0] = match[j1]; j0 = j1; } while (j0 != 0);
        }
        double cost = 0;
        for (int j = 1; j <= n; j++) cost += SquaredDistance(x, match[j] - 1, y, j - 1, k);
        return cost / n;
    }

    /// <summary>
    /// Min-cost transport by successive shortest paths: Dijkstra with Johnson potentials on the residual
    /// graph (forward arcs i → j uncapacitated, backward arcs j → i holding the current flow), augmenting
    /// from the sources with supply left to the nearest sink with demand left.
    /// </summary>
    public static double MinCostFlow(double[] x, double[] a, double[] y, double[] b, int k)
    {
        int n1 = a.Length, n2 = b.Length, n = n1 + n2;
        var supply = (double[])a.Clone();
        var demand = (double[])b.Clone();
        var flow = new double[n1, n2];
        var cost = new double[n1, n2];
        for (int i = 0; i < n1; i++) for (int j = 0; j < n2; j++) cost[i, j] = SquaredDistance(x, i, y, j, k);
        var potential = new double[n];
        double total = a.Sum(), tiny = 1e-15 * total;
        while (supply.Sum() > tiny && demand.Sum() > tiny)
        {
            var dist = Enumerable.Repeat(double.PositiveInfinity, n).ToArray();
            var prev = Enumerable.Repeat(-1, n).ToArray();
            var done = new bool[n];
            for (int i = 0; i < n1; i++) if (supply[i] > tiny) dist[i] = 0;
            for (int step = 0; step < n; step++)
            {
                int v = -1;
                for (int w = 0; w < n; w++) if (!done[w] && (v < 0 || dist[w] < dist[v])) v = w;
                if (v < 0 || double.IsPositiveInfinity(dist[v])) break;
                done[v] = true;
                if (v < n1)
                {
                    for (int j = 0; j < n2; j++)
                    {
                        double d = dist[v] + Math.Max(0, cost[v, j] + potential[v] - potential[n1 + j]);
                        if (d < dist[n1 + j]) { dist[n1 + j] = d; prev[n1 + j] = v; }
                    }
                }
                else
                {
                    int j = v - n1;
                    for (int i = 0; i < n1; i++)
                    {
                        if (!(flow[i, j] > 0)) continue;
                        double d = dist[v] + Math.Max(0, -cost[i, j] + potential[v] - potential[i]);
                        if (d < dist[i]) { dist[i] = d; prev[i] = v; }
                    }
                }
            }
            int sink = -1;
            for (int j = 0; j < n2; j++)
                if (demand[j] > tiny && !double.IsPositiveInfinity(dist[n1 + j]) && (sink < 0 || dist[n1 + j] < dist[n1 + sink])) sink = j;
            if (sink < 0) throw new InvalidOperationException("no augmenting path");
            double maxD = dist.Where(double.IsFinite).Max();
            for (int w = 0; w < n; w++) potential[w] += double.IsFinite(dist[w]) ? dist[w] : maxD;
            // Bottleneck along the path.
            double amount = demand[sink];
            int node = n1 + sink;
            while (prev[node] >= 0)
            {
                int p = prev[node];
                if (node < n1) amount = Math.Min(amount, flow[node, p - n1]); // backward arc p(sink) → node(source)
                node = p;
            }
            amount = Math.Min(amount, supply[node]);
            supply[node] -= amount;
            demand[sink] -= amount;
            node = n1 + sink;
            while (prev[node] >= 0)
            {
                int p = prev[node];
                if (node >= n1) flow[p, node - n1] += amount;
                else flow[node, p - n1] -= amount;
                node = p;
            }
        }
        double result = 0;
        for (int i = 0; i < n1; i++) for (int j = 0; j < n2; j++) result += flow[i, j] * cost[i, j];
        return result;
    }
}
