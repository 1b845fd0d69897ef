namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>Laguerre cells in the plane: convex polygons in coordinates relative to their atom.</summary>
internal sealed class LaguerreCells2D(DensityBox box, double[] atoms) : LaguerreCells(box, atoms)
{
    /// <summary>Neighbours clipped first (nearest by distance), before the security search.</summary>
    private const int FirstNeighbours = 10;

    private sealed class Scratch2D : Scratch
    {
        public ConvexPolygon Cell = new(), Spare = new();
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

        // First clips: the cell's neighbours at the previous weights when known, else the nearest atoms.
        int near = Hint(i, s.Near);
        if (near < 3) near = Tree.Nearest(i, Math.Min(FirstNeighbours, Count - 1), s.Near, s.NearDistance);
        for (int k = 0; k < near && cell.Count > 0; k++) ClipBy(ref cell, ref s.Spare, i, s.Near[k], psi);
        if (cell.Count > 0)
        {
            // Security: every atom that can still cut the ball around the cell's box centre.
            var (x0, x1) = cell.Range(0);
            var (y0, y1) = cell.Range(1);
            double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1);
            double r2 = 0;
            for (int k = 0; k < cell.Count; k++)
                r2 = Math.Max(r2, (cell.X[k] - cx) * (cell.X[k] - cx) + (cell.Y[k] - cy) * (cell.Y[k] - cy));
            Span<double> centre = [cx + yx, cy + yy];
            int n = Tree.Cutting(i, centre, Math.Sqrt(r2) * (1 + 1e-12), ref s.Candidates);
            for (int k = 0; k < n && cell.Count > 0; k++)
            {
                int j = s.Candidates[k];
                if (Array.IndexOf(s.Near, j, 0, near) >= 0) continue;
                ClipBy(ref cell, ref s.Spare, i, j, psi);
            }
        }
        s.Cell = cell;
        if (cell.Count < 3) return (0, 0);
        if (facets) AddFacets(cell, yx, yy, s.Facets);
        return Split(cell, 0, 0, yx, yy, s);
    }

    // Keep |x − y_i|² − ψ_i ≤ |x − y_j|² − ψ_j: in local coordinates z = x − y_i, 2 z·d ≤ |d|² + ψ_i − ψ_j with d = y_j − y_i.
    private void ClipBy(ref ConvexPolygon cell, ref ConvexPolygon spare, int i, int j, double[] psi)
    {
        double dx = Atoms[2 * j] - Atoms[2 * i], dy = Atoms[2 * j + 1] - Atoms[2 * i + 1];
        double c = dx * dx + dy * dy + psi[i] - psi[j];
        if (cell.Clip(2 * dx, 2 * dy, c, j, spare)) (cell, spare) = (spare, cell);
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
