namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>Laguerre cells in the plane: convex polygons in coordinates relative to their atom.</summary>
internal sealed class LaguerreCells2D(DensityBox box, double[] atoms) : LaguerreCells(box, atoms)
{
    /// <summary>Neighbours clipped first (nearest by distance), before the security search.</summary>
    private const int FirstNeighbours = 10;
    /// <summary>Candidates clipped per round of the security search of an open cell, and the rounds before all are clipped.</summary>
    private const int BatchSize = 32, MaxRounds = 8;

    /// <summary>Most nearest atoms clipped before the security search.</summary>
    private const int MaxNeighbours = 640;

    private sealed class Scratch2D : Scratch
    {
        public ConvexPolygon Cell = new(), Spare = new();
        public double[] Vertices = new double[32], Levels = new double[16], Keys = new double[64];
        // Per axis of the split: the remainder, its spare and the piece cut off.
        public readonly ConvexPolygon[] Rest = [new(), new()], RestSpare = [new(), new()], Part = [new(), new()];
    }

    protected override Scratch CreateScratch() => new Scratch2D();

    protected override (double Mass, double Cost) Integrate(int i, double[] psi, Scratch scratch, bool facets)
    {
        var s = (Scratch2D)scratch;
        double yx = Atoms[2 * i], yy = Atoms[2 * i + 1];
        var cell = s.Cell;
        cell.SetRectangle(Box.Lo[0] - yx, Box.Hi[0] - yx, Box.Lo[1] - yy, Box.Hi[1] - yy);

        // First clips: the cell's neighbours at the previous weights when known, else the nearest atoms, doubling their
        // number while the cell still reaches the box and beyond half the distance to the farthest of them (Voronoi's security
        // radius: a cell of a cloud's rim is still open after the first ten). Only then: with weights ψ ≠ 0 a closed cell sits
        // off its atom (the affine start shifts it by ~0.1|y|), fails that radius test for any number of neighbours and went
        // to 640 of them (10× the cost of an evaluation, 48 s at 10⁵ particles); the security search below closes it exactly.
        int near = Hint(i, s.Near);
        if (near < 3)
        {
            for (int k = Math.Min(FirstNeighbours, Count - 1); ; k = Math.Min(2 * k, Count - 1))
            {
                if (s.Near.Length < k) { s.Near = new int[2 * k]; s.NearDistance = new double[2 * k]; }
                near = Tree.Nearest(i, k, s.Near, s.NearDistance);
                for (int q = 0; q < near && cell.Count > 0; q++) ClipBy(ref cell, ref s.Spare, i, s.Near[q], psi);
                if (near == Count - 1 || near >= MaxNeighbours || cell.Count == 0 || !cell.TouchesBox() || 4 * cell.MaxRadius2() <= s.NearDistance[near - 1]) break;
            }
        }
        else
            for (int k = 0; k < near && cell.Count > 0; k++) ClipBy(ref cell, ref s.Spare, i, s.Near[k], psi);
        // Security: every atom that can still cut the cell (tested at its vertices). A cell left open by its first
        // clips (on the rim of a cloud, reaching to the box's corners) has many candidates: it is clipped by the nearest
        // few of them and queried again, which closes it in a few rounds (the candidates of a smaller cell are a subset).
        for (int round = 0; cell.Count > 0; round++)
        {
            int nv = cell.Count;
            if (s.Vertices.Length < 2 * nv) { s.Vertices = new double[4 * nv]; s.Levels = new double[2 * nv]; }
            for (int k = 0; k < nv; k++)
            {
                s.Vertices[2 * k] = cell.X[k] + yx;
                s.Vertices[2 * k + 1] = cell.Y[k] + yy;
                s.Levels[k] = cell.X[k] * cell.X[k] + cell.Y[k] * cell.Y[k] - psi[i];
            }
            int n = Tree.Cutting(i, s.Vertices.AsSpan(0, 2 * nv), s.Levels.AsSpan(0, nv), ref s.Candidates);
            if (n <= BatchSize || round == MaxRounds)
            {
                for (int k = 0; k < n && cell.Count > 0; k++) ClipBy(ref cell, ref s.Spare, i, s.Candidates[k], psi);
                break;
            }
            NearestFirst(i, s.Candidates.AsSpan(0, n), s);
            bool changed = false;
            for (int k = 0; k < BatchSize && cell.Count > 0; k++) changed |= ClipBy(ref cell, ref s.Spare, i, s.Candidates[k], psi);
            if (!changed) round = MaxRounds - 1;
        }
        s.Cell = cell;
        if (cell.Count < 3) return (0, 0);
        if (facets) AddFacets(cell, yx, yy, s.Facets);
        return Split(cell, 0, 0, yx, yy, s);
    }

    // Keep |x − y_i|² − ψ_i ≤ |x − y_j|² − ψ_j: in local coordinates z = x − y_i, 2 z·d ≤ |d|² + ψ_i − ψ_j with d = y_j − y_i.
    private bool ClipBy(ref ConvexPolygon cell, ref ConvexPolygon spare, int i, int j, double[] psi)
    {
        double dx = Atoms[2 * j] - Atoms[2 * i], dy = Atoms[2 * j + 1] - Atoms[2 * i + 1];
        double c = dx * dx + dy * dy + psi[i] - psi[j];
        if (!cell.Clip(2 * dx, 2 * dy, c, j, spare)) return false;
        (cell, spare) = (spare, cell);
        return true;
    }

    // Moves the BatchSize candidates nearest to atom i to the front (partial selection by squared distance).
    private void NearestFirst(int i, Span<int> candidates, Scratch2D s)
    {
        if (s.Keys.Length < candidates.Length) s.Keys = new double[2 * candidates.Length];
        var keys = s.Keys.AsSpan(0, candidates.Length);
        for (int k = 0; k < candidates.Length; k++)
        {
            int j = candidates[k];
            double dx = Atoms[2 * j] - Atoms[2 * i], dy = Atoms[2 * j + 1] - Atoms[2 * i + 1];
            keys[k] = dx * dx + dy * dy;
        }
        keys.Sort(candidates);
    }

    // Facet measures ∫ρ dσ: each bisector edge cut at the grid lines, every piece weighted by the density
    // of the cell holding its midpoint (an edge on a grid line takes the upper cell, the same from both sides).
    private void AddFacets(ConvexPolygon cell, double yx, double yy, FacetAccumulator f)
    {
        Span<double> cuts = stackalloc double[2 * (Box.Cells[0] + Box.Cells[1]) + 2 <= 512 ? 2 * (Box.Cells[0] + Box.Cells[1]) + 2 : 512];
        for (int k = 0; k < cell.Count; k++)
        {
            int tag = cell.Tag[k];
            if (tag < 0) continue;
            int l = k + 1 == cell.Count ? 0 : k + 1;
            double ax = cell.X[k] + yx, ay = cell.Y[k] + yy, bx = cell.X[l] + yx, by = cell.Y[l] + yy;
            double length = Math.Sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
            if (!(length > 0)) continue;
            int n = 0;
            cuts[n++] = 0;
            n = AddCrossings(cuts, n, ax, bx, 0);
            n = AddCrossings(cuts, n, ay, by, 1);
            cuts[n++] = 1;
            cuts[..n].Sort();
            double measure = 0;
            for (int q = 0; q + 1 < n; q++)
            {
                double t0 = cuts[q], t1 = cuts[q + 1];
                if (!(t1 > t0)) continue;
                double t = 0.5 * (t0 + t1);
                int c = Box.CellOf(0, ax + t * (bx - ax)) * Box.Strides[0] + Box.CellOf(1, ay + t * (by - ay)) * Box.Strides[1];
                measure += Box.Density[c] * (t1 - t0);
            }
            f.Add(tag, measure * length);
        }
    }

    // Parameters t in (0, 1) where the segment a → b crosses grid lines of an axis.
    private int AddCrossings(Span<double> cuts, int n, double a, double b, int axis)
    {
        if (a == b) return n;
        double lo = Math.Min(a, b), hi = Math.Max(a, b);
        int j0 = (int)Math.Floor((lo - Box.Lo[axis]) / Box.Spacing[axis]) + 1;
        int j1 = (int)Math.Ceiling((hi - Box.Lo[axis]) / Box.Spacing[axis]) - 1;
        j0 = Math.Max(j0, 1);
        j1 = Math.Min(j1, Box.Cells[axis] - 1);
        for (int j = j0; j <= j1 && n < cuts.Length - 1; j++)
        {
            double t = (Box.Edge(axis, j) - a) / (b - a);
            if (t > 0 && t < 1) cuts[n++] = t;
        }
        return n;
    }

    // Splits a piece of the cell along the grid lines of `axis` (0, then 1) and integrates each piece of one grid
    // cell with that cell's density; `index` is the flat index of the grid cell fixed by the axes before `axis`.
    private (double Mass, double Cost) Split(ConvexPolygon cell, int axis, int index, double yx, double yy, Scratch2D s)
    {
        if (cell.Count < 3) return (0, 0);
        if (axis == 2)
        {
            double rho = Box.Density[index];
            if (!(rho > 0)) return (0, 0);
            var (area, second) = cell.Moments();
            return (rho * area, rho * second);
        }
        double y = axis == 0 ? yx : yy;
        var (lo, hi) = cell.Range(axis);
        int c0 = Box.CellOf(axis, lo + y), c1 = Box.CellOf(axis, hi + y);
        int stride = Box.Strides[axis];
        if (c0 == c1) return Split(cell, axis + 1, index + c0 * stride, yx, yy, s);
        // Below the grid line z_axis ≤ line: normal (a, b); the remainder above it: (−a, −b).
        var (a, b, na, nb) = axis == 0 ? (1.0, 0.0, -1.0, 0.0) : (0.0, 1.0, 0.0, -1.0);
        double mass = 0, cost = 0;
        var rest = s.Rest[axis];
        rest.CopyFrom(cell);
        var part = s.Part[axis];
        for (int c = c0; c < c1; c++)
        {
            double line = Box.Edge(axis, c + 1) - y;
            if (!rest.Clip(a, b, line, ConvexPolygon.GridEdge, part)) part.CopyFrom(rest);
            var (m, k) = Split(part, axis + 1, index + c * stride, yx, yy, s);
            mass += m;
            cost += k;
            if (rest.Clip(na, nb, -line, ConvexPolygon.GridEdge, s.RestSpare[axis])) (rest, s.RestSpare[axis]) = (s.RestSpare[axis], rest);
        }
        var (mr, cr) = Split(rest, axis + 1, index + c1 * stride, yx, yy, s);
        s.Rest[axis] = rest;
        return (mass + mr, cost + cr);
    }
}
