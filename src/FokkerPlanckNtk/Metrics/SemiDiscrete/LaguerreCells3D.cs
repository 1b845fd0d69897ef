namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>Laguerre cells in space: convex polyhedra in coordinates relative to their atom.</summary>
internal sealed class LaguerreCells3D(DensityBox box, double[] atoms) : LaguerreCells(box, atoms)
{
    /// <summary>Neighbours clipped first (nearest by distance), before the security search: the 26 of a lattice.</summary>
    private const int FirstNeighbours = 26;
    /// <summary>Candidates clipped per round of the security search of a cell that reaches the box, and the rounds before all are clipped.</summary>
    private const int BatchSize = 32, MaxRounds = 8;

    private sealed class Scratch3D : Scratch
    {
        public Scratch3D(double tolerance)
        {
            Cell = new() { Tolerance = tolerance };
            Spare = new() { Tolerance = tolerance };
            for (int k = 0; k < 3; k++)
            {
                Rest[k] = new() { Tolerance = tolerance };
                RestSpare[k] = new() { Tolerance = tolerance };
                Slab[k] = new() { Tolerance = tolerance };
            }
        }

        public ConvexPolyhedron Cell, Spare;
        // Per axis of the split: the remainder, its spare and the slab cut off.
        public readonly ConvexPolyhedron[] Rest = new ConvexPolyhedron[3], RestSpare = new ConvexPolyhedron[3], Slab = new ConvexPolyhedron[3];
        public readonly SpacePolygon[] FaceRest = [new(), new(), new()], FaceSpare = [new(), new(), new()], FaceSlab = [new(), new(), new()];
        public readonly SpacePolygon Face = new();
        public double[] Vertices = new double[192], Levels = new double[64], Keys = new double[64];
    }

    // Round-off of local coordinates is ~1e-16 of the box size; a vertex closer than 1e-13 of it to a plane is on the plane.
    protected override Scratch CreateScratch() =>
        new Scratch3D(1e-13 * Math.Sqrt(Enumerable.Range(0, 3).Sum(k => (Box.Hi[k] - Box.Lo[k]) * (Box.Hi[k] - Box.Lo[k]))));

    protected override (double Mass, double Cost) Integrate(int i, double[] psi, Scratch scratch, bool facets)
    {
        var s = (Scratch3D)scratch;
        Span<double> y = [Atoms[3 * i], Atoms[3 * i + 1], Atoms[3 * i + 2]];
        var cell = s.Cell;
        cell.SetBox(Box.Lo[0] - y[0], Box.Hi[0] - y[0], Box.Lo[1] - y[1], Box.Hi[1] - y[1], Box.Lo[2] - y[2], Box.Hi[2] - y[2]);

        // First clips: the cell's neighbours at the previous weights when known, else the nearest atoms.
        int near = Hint(i, s.Near);
        if (near < 4) near = Tree.Nearest(i, Math.Min(FirstNeighbours, Count - 1), s.Near, s.NearDistance);
        for (int k = 0; k < near && !cell.IsEmpty; k++) ClipBy(ref cell, ref s.Spare, i, s.Near[k], psi);
        // Security, for a cell that still reaches the box (on the rim of a cloud of particles, running to the box's walls):
        // every atom that cuts it at a vertex, in rounds that clip the nearest few candidates and query again (the
        // candidates of a smaller cell are a subset). Its bounding ball would hold most of the cloud: with the ball test
        // alone the starts of 10⁵ particles against 32³ cells took 100 s (a rim cell clipped by every atom of the ball).
        for (int round = 0; !cell.IsEmpty && cell.TouchesBox(); round++)
        {
            int nv = cell.Vertices;
            if (s.Vertices.Length < 3 * nv) { s.Vertices = new double[6 * nv]; s.Levels = new double[2 * nv]; }
            for (int k = 0; k < nv; k++)
            {
                s.Vertices[3 * k] = cell.X[k] + y[0];
                s.Vertices[3 * k + 1] = cell.Y[k] + y[1];
                s.Vertices[3 * k + 2] = cell.Z[k] + y[2];
                s.Levels[k] = cell.X[k] * cell.X[k] + cell.Y[k] * cell.Y[k] + cell.Z[k] * cell.Z[k] - psi[i];
            }
            int n = Tree.Cutting(i, s.Vertices.AsSpan(0, 3 * nv), s.Levels.AsSpan(0, nv), ref s.Candidates);
            if (n <= BatchSize || round == MaxRounds)
            {
                for (int k = 0; k < n && !cell.IsEmpty; k++) ClipBy(ref cell, ref s.Spare, i, s.Candidates[k], psi);
                s.Cell = cell;
                return Finish(cell, y, s, facets);
            }
            NearestFirst(i, s.Candidates.AsSpan(0, n), s);
            bool changed = false;
            for (int k = 0; k < BatchSize && !cell.IsEmpty; k++) changed |= ClipBy(ref cell, ref s.Spare, i, s.Candidates[k], psi);
            if (!changed) round = MaxRounds - 1;
        }
        if (!cell.IsEmpty)
        {
            // Security of a closed cell: every atom that can still cut the ball around its bounding-box centre.
            var (x0, x1) = cell.Range(0);
            var (y0, y1) = cell.Range(1);
            var (z0, z1) = cell.Range(2);
            double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1), cz = 0.5 * (z0 + z1);
            double r2 = 0;
            for (int k = 0, n = cell.Vertices; k < n; k++)
            {
                double dx = cell.X[k] - cx, dy = cell.Y[k] - cy, dz = cell.Z[k] - cz;
                r2 = Math.Max(r2, dx * dx + dy * dy + dz * dz);
            }
            Span<double> centre = [cx + y[0], cy + y[1], cz + y[2]];
            int count = Tree.Cutting(i, centre, Math.Sqrt(r2) * (1 + 1e-12), ref s.Candidates);
            for (int k = 0; k < count && !cell.IsEmpty; k++)
            {
                int j = s.Candidates[k];
                if (Array.IndexOf(s.Near, j, 0, near) >= 0) continue;
                ClipBy(ref cell, ref s.Spare, i, j, psi);
            }
        }
        s.Cell = cell;
        return Finish(cell, y, s, facets);
    }

    // Mass and cost of a finished cell (facets when asked).
    private (double Mass, double Cost) Finish(ConvexPolyhedron cell, ReadOnlySpan<double> y, Scratch3D s, bool facets)
    {
        if (cell.IsEmpty || !(cell.Moments().Volume > 0)) return (0, 0);
        if (facets) AddFacets(cell, y, s);
        return Split(cell, 0, 0, y, s);
    }

    // Keep |x − y_i|² − ψ_i ≤ |x − y_j|² − ψ_j: in local coordinates z = x − y_i, 2 z·d ≤ |d|² + ψ_i − ψ_j with d = y_j − y_i.
    private bool ClipBy(ref ConvexPolyhedron cell, ref ConvexPolyhedron spare, int i, int j, double[] psi)
    {
        double dx = Atoms[3 * j] - Atoms[3 * i], dy = Atoms[3 * j + 1] - Atoms[3 * i + 1], dz = Atoms[3 * j + 2] - Atoms[3 * i + 2];
        double c = dx * dx + dy * dy + dz * dz + psi[i] - psi[j];
        if (!cell.Clip(2 * dx, 2 * dy, 2 * dz, c, j, spare)) return false;
        (cell, spare) = (spare, cell);
        return true;
    }

    // Moves the BatchSize candidates nearest to atom i to the front (sorted by squared distance).
    private void NearestFirst(int i, Span<int> candidates, Scratch3D s)
    {
        if (s.Keys.Length < candidates.Length) s.Keys = new double[2 * candidates.Length];
        var keys = s.Keys.AsSpan(0, candidates.Length);
        for (int k = 0; k < candidates.Length; k++)
        {
            int j = candidates[k];
            double dx = Atoms[3 * j] - Atoms[3 * i], dy = Atoms[3 * j + 1] - Atoms[3 * i + 1], dz = Atoms[3 * j + 2] - Atoms[3 * i + 2];
            keys[k] = dx * dx + dy * dy + dz * dz;
        }
        keys.Sort(candidates);
    }

    // Facet measures ∫ρ dσ: each bisector face split along the grid planes, every piece weighted by the density of the
    // grid cell holding its vertex centroid (a face on a grid plane takes the cell its round-off falls in; the
    // Laplacian averages the two sides).
    private void AddFacets(ConvexPolyhedron cell, ReadOnlySpan<double> y, Scratch3D s)
    {
        for (int f = 0; f < cell.Faces; f++)
        {
            int tag = cell.Tag[f];
            if (tag < 0) continue;
            s.Face.CopyFace(cell, f);
            double measure = SplitFace(s.Face, 0, y, s);
            s.Facets.Add(tag, measure);
        }
    }

    private double SplitFace(SpacePolygon face, int axis, ReadOnlySpan<double> y, Scratch3D s)
    {
        if (face.Count < 3) return 0;
        if (axis == 3)
        {
            double area = face.Area(out double cx, out double cy, out double cz);
            if (!(area > 0)) return 0;
            int c = Box.CellOf(0, cx + y[0]) * Box.Strides[0] + Box.CellOf(1, cy + y[1]) * Box.Strides[1] + Box.CellOf(2, cz + y[2]);
            return Box.Density[c] * area;
        }
        var (lo, hi) = face.Range(axis);
        int c0 = Box.CellOf(axis, lo + y[axis]), c1 = Box.CellOf(axis, hi + y[axis]);
        if (c0 == c1) return SplitFace(face, axis + 1, y, s);
        double sum = 0;
        var rest = s.FaceRest[axis];
        var spare = s.FaceSpare[axis];
        rest.CopyFrom(face);
        for (int col = c0; col < c1; col++)
        {
            double line = Box.Edge(axis, col + 1) - y[axis];
            var slab = s.FaceSlab[axis];
            if (!rest.Clip(axis, 1, line, slab)) slab.CopyFrom(rest);
            sum += SplitFace(slab, axis + 1, y, s);
            if (rest.Clip(axis, -1, line, spare)) (rest, spare) = (spare, rest);
        }
        sum += SplitFace(rest, axis + 1, y, s);
        s.FaceRest[axis] = rest;
        s.FaceSpare[axis] = spare;
        return sum;
    }

    // The cell split along the grid planes axis by axis (slabs, columns, pieces), each cut producing both sides in one
    // pass; each piece integrated with its cell's density.
    private (double Mass, double Cost) Split(ConvexPolyhedron cell, int axis, int index, ReadOnlySpan<double> y, Scratch3D s)
    {
        if (cell.IsEmpty) return (0, 0);
        if (axis == 3)
        {
            double rho = Box.Density[index];
            if (!(rho > 0)) return (0, 0);
            var (volume, second) = cell.Moments();
            return (rho * volume, rho * second);
        }
        var (lo, hi) = cell.Range(axis);
        int c0 = Box.CellOf(axis, lo + y[axis]), c1 = Box.CellOf(axis, hi + y[axis]);
        int stride = Box.Strides[axis];
        if (c0 == c1) return Split(cell, axis + 1, index + c0 * stride, y, s);
        double mass = 0, cost = 0;
        var rest = cell;
        var (free, spare) = (s.Rest[axis], s.RestSpare[axis]);
        var slab = s.Slab[axis];
        int col = c0;
        for (; col < c1; col++)
        {
            var side = rest.SplitAxis(axis, Box.Edge(axis, col + 1) - y[axis], slab, free);
            if (side == ConvexPolyhedron.Side.AllBelow) break;
            if (side == ConvexPolyhedron.Side.AllAbove) continue;
            var (m, c) = Split(slab, axis + 1, index + col * stride, y, s);
            mass += m;
            cost += c;
            rest = free;
            (free, spare) = (spare, free);
        }
        var (mr, cr) = Split(rest, axis + 1, index + col * stride, y, s);
        return (mass + mr, cost + cr);
    }
}
