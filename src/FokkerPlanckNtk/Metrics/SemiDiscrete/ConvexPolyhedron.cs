namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>
/// A convex polyhedron as a list of planar faces, each a vertex loop counter-clockwise seen from outside and
/// tagged with what made it: the atom whose power bisector it lies on (≥ 0), <see cref="BoxFace"/> or
/// <see cref="GridFace"/>. Vertices are stored per face (a vertex shared by k faces is stored k times): clipping
/// then needs no adjacency, each face is clipped as a polygon and the cut points close the new face. Coordinates
/// are local (relative to the atom that owns the cell), which keeps |x − y|² accurate. Vertices on a clipping plane
/// count as inside; the integrals are exact for polyhedra.
/// </summary>
internal sealed class ConvexPolyhedron
{
    public const int BoxFace = -1;
    public const int GridFace = -2;

    public double[] X = new double[64], Y = new double[64], Z = new double[64];

    /// <summary>Face f has the vertices Start[f]..Start[f + 1).</summary>
    public int[] Start = new int[17];

    public int[] Tag = new int[16];

    public int Faces;

    // Cut points of the last clip (the new face before ordering), with their angles.
    private double[] _cx = new double[16], _cy = new double[16], _cz = new double[16], _angle = new double[16];

    public bool IsEmpty => Faces == 0;

    public int Vertices => Start[Faces];

    /// <summary>Whether a face of the box is left (the cell reaches the box's boundary).</summary>
    public bool TouchesBox()
    {
        for (int f = 0; f < Faces; f++)
            if (Tag[f] == BoxFace) return true;
        return false;
    }

    public void SetBox(double x0, double x1, double y0, double y1, double z0, double z1)
    {
        Faces = 0;
        Start[0] = 0;
        // Outward normals −x, +x, −y, +y, −z, +z.
        AddQuad(x0, y0, z0, x0, y0, z1, x0, y1, z1, x0, y1, z0);
        AddQuad(x1, y0, z0, x1, y1, z0, x1, y1, z1, x1, y0, z1);
        AddQuad(x0, y0, z0, x1, y0, z0, x1, y0, z1, x0, y0, z1);
        AddQuad(x0, y1, z0, x0, y1, z1, x1, y1, z1, x1, y1, z0);
        AddQuad(x0, y0, z0, x0, y1, z0, x1, y1, z0, x1, y0, z0);
        AddQuad(x0, y0, z1, x1, y0, z1, x1, y1, z1, x0, y1, z1);
    }

    private void AddQuad(double ax, double ay, double az, double bx, double by, double bz,
        double cx, double cy, double cz, double dx, double dy, double dz)
    {
        int v = Start[Faces];
        X[v] = ax; Y[v] = ay; Z[v] = az;
        X[v + 1] = bx; Y[v + 1] = by; Z[v + 1] = bz;
        X[v + 2] = cx; Y[v + 2] = cy; Z[v + 2] = cz;
        X[v + 3] = dx; Y[v + 3] = dy; Z[v + 3] = dz;
        Tag[Faces] = BoxFace;
        Start[++Faces] = v + 4;
    }

    public void CopyFrom(ConvexPolyhedron p)
    {
        int n = p.Vertices;
        Reserve(n, p.Faces);
        Array.Copy(p.X, X, n);
        Array.Copy(p.Y, Y, n);
        Array.Copy(p.Z, Z, n);
        Array.Copy(p.Start, Start, p.Faces + 1);
        Array.Copy(p.Tag, Tag, p.Faces);
        Faces = p.Faces;
    }

    private void Reserve(int vertices, int faces)
    {
        ScratchArrays.Reserve(vertices, ref X, ref Y, ref Z);
        if (faces + 1 > Tag.Length)
        {
            int size = Math.Max(faces + 1, 2 * Tag.Length);
            Array.Resize(ref Tag, size);
            Array.Resize(ref Start, size + 1);
        }
    }

    /// <summary>Distances below this count as zero when classifying vertices against a plane (set by the owner from the
    /// problem's length scale): round-off must not cut slivers off a vertex that lies on the plane, as happens all the
    /// time on lattices of atoms (eight cells at every vertex).</summary>
    public double Tolerance = 1e-13;

    /// <summary>
    /// Writes this ∩ {a·x + b·y + c·z ≤ d} to <paramref name="output"/> (the new face tagged <paramref name="tag"/>);
    /// returns false when nothing was cut off (then <paramref name="output"/> is untouched). An empty result has no faces.
    /// </summary>
    public bool Clip(double a, double b, double c, double d, int tag, ConvexPolyhedron output)
    {
        var side = Cut(a, b, c, d, tag, output, null);
        if (side == Side.AllAbove) { output.Faces = 0; output.Start[0] = 0; }
        return side != Side.AllBelow;
    }

    /// <summary>Outcome of <see cref="Cut"/>.</summary>
    public enum Side { Both, AllBelow, AllAbove }

    /// <summary>Splits along the grid plane x_axis = <paramref name="value"/> (both parts; see <see cref="Cut"/>).</summary>
    public Side SplitAxis(int axis, double value, ConvexPolyhedron below, ConvexPolyhedron above) =>
        Cut(axis == 0 ? 1 : 0, axis == 1 ? 1 : 0, axis == 2 ? 1 : 0, value, GridFace, below, above);

    /// <summary>
    /// Cuts along the plane a·x + b·y + c·z = d in one pass: the part below into <paramref name="below"/> and, when given, the
    /// part above into <paramref name="above"/> (both get the cut as a face tagged <paramref name="tag"/>). Vertices within
    /// <see cref="Tolerance"/> of the plane are on it. When no vertex lies strictly on one side nothing is written and the
    /// side holding the polyhedron is returned.
    /// </summary>
    public Side Cut(double a, double b, double c, double d, int tag, ConvexPolyhedron below, ConvexPolyhedron? above)
    {
        int total = Vertices;
        if (_state.Length < total) { _state = new sbyte[Math.Max(total, 2 * _state.Length)]; _distance = new double[_state.Length]; }
        double tolerance = Tolerance * Math.Sqrt(a * a + b * b + c * c);
        bool anyBelow = false, anyAbove = false;
        for (int k = 0; k < total; k++)
        {
            double s = a * X[k] + b * Y[k] + c * Z[k] - d;
            _distance[k] = s;
            sbyte state = s > tolerance ? (sbyte)1 : s < -tolerance ? (sbyte)-1 : (sbyte)0;
            _state[k] = state;
            anyBelow |= state < 0;
            anyAbove |= state > 0;
        }
        if (!anyAbove) return Side.AllBelow;
        if (!anyBelow) return Side.AllAbove;
        // Each face gains at most one vertex, and the cut collects at most two points per face plus the vertices on the plane.
        below.Reserve(total + 3 * Faces + 2, Faces + 1);
        above?.Reserve(total + 3 * Faces + 2, Faces + 1);
        below.Faces = 0;
        below.Start[0] = 0;
        if (above is not null) { above.Faces = 0; above.Start[0] = 0; }
        int cuts = 0, mb = 0, ma = 0;
        for (int f = 0; f < Faces; f++)
        {
            int first = Start[f], end = Start[f + 1];
            int beginB = mb, beginA = ma;
            int p = end - 1;
            for (int q = first; q < end; p = q, q++)
            {
                int sp = _state[p], sq = _state[q];
                if (sp * sq < 0)
                {
                    double t = _distance[p] / (_distance[p] - _distance[q]);
                    double rx = X[p] + t * (X[q] - X[p]), ry = Y[p] + t * (Y[q] - Y[p]), rz = Z[p] + t * (Z[q] - Z[p]);
                    below.X[mb] = rx; below.Y[mb] = ry; below.Z[mb] = rz; mb++;
                    if (above is not null) { above.X[ma] = rx; above.Y[ma] = ry; above.Z[ma] = rz; ma++; }
                    AddCut(ref cuts, rx, ry, rz);
                }
                if (sq <= 0) { below.X[mb] = X[q]; below.Y[mb] = Y[q]; below.Z[mb] = Z[q]; mb++; }
                if (sq >= 0 && above is not null) { above.X[ma] = X[q]; above.Y[ma] = Y[q]; above.Z[ma] = Z[q]; ma++; }
                if (sq == 0) AddCut(ref cuts, X[q], Y[q], Z[q]);
            }
            if (mb - beginB >= 3) { below.Tag[below.Faces] = Tag[f]; below.Start[++below.Faces] = mb; }
            else mb = beginB;
            if (above is null) continue;
            if (ma - beginA >= 3) { above.Tag[above.Faces] = Tag[f]; above.Start[++above.Faces] = ma; }
            else ma = beginA;
        }
        if (below.Faces > 0) below.AddCap(_cx, _cy, _cz, _angle, cuts, a, b, c, tag, Tolerance);
        if (below.Faces < 4) { below.Faces = 0; below.Start[0] = 0; }
        if (above is not null)
        {
            if (above.Faces > 0) above.AddCap(_cx, _cy, _cz, _angle, cuts, -a, -b, -c, tag, Tolerance);
            if (above.Faces < 4) { above.Faces = 0; above.Start[0] = 0; }
        }
        return Side.Both;
    }

    private sbyte[] _state = new sbyte[64];
    private double[] _distance = new double[64];

    private void AddCut(ref int cuts, double x, double y, double z)
    {
        if (cuts == _cx.Length) GrowCuts();
        _cx[cuts] = x; _cy[cuts] = y; _cz[cuts] = z; cuts++;
    }

    private void GrowCuts()
    {
        int size = 2 * _cx.Length;
        Array.Resize(ref _cx, size);
        Array.Resize(ref _cy, size);
        Array.Resize(ref _cz, size);
        Array.Resize(ref _angle, size);
    }

    // The new face: the cut points (crossings, each met from the two faces sharing its edge, and vertices on the plane,
    // met from every face holding them: all on the boundary of the section) ordered by angle around their centroid in
    // the plane, counter-clockwise about the outward normal (a, b, c), points closer than the tolerance merged.
    private void AddCap(double[] px, double[] py, double[] pz, double[] angle, int n, double a, double b, double c, int tag, double tolerance)
    {
        if (n < 3) return;
        double mx = 0, my = 0, mz = 0;
        for (int k = 0; k < n; k++) { mx += px[k]; my += py[k]; mz += pz[k]; }
        mx /= n; my /= n; mz /= n;
        // u ⟂ n, v = n × u: (u, v, n) is right-handed, so increasing angle is counter-clockwise seen from outside.
        double norm = Math.Sqrt(a * a + b * b + c * c);
        double nx = a / norm, ny = b / norm, nz = c / norm;
        double ux, uy, uz;
        if (Math.Abs(nx) <= Math.Abs(ny) && Math.Abs(nx) <= Math.Abs(nz)) { ux = 0; uy = nz; uz = -ny; }
        else if (Math.Abs(ny) <= Math.Abs(nz)) { ux = -nz; uy = 0; uz = nx; }
        else { ux = ny; uy = -nx; uz = 0; }
        double un = Math.Sqrt(ux * ux + uy * uy + uz * uz);
        ux /= un; uy /= un; uz /= un;
        double vx = ny * uz - nz * uy, vy = nz * ux - nx * uz, vz = nx * uy - ny * ux;
        double radius2 = 0;
        for (int k = 0; k < n; k++)
        {
            double dx = px[k] - mx, dy = py[k] - my, dz = pz[k] - mz;
            angle[k] = Math.Atan2(dx * vx + dy * vy + dz * vz, dx * ux + dy * uy + dz * uz);
            radius2 = Math.Max(radius2, dx * dx + dy * dy + dz * dz);
        }
        // Insertion sort (a handful of points).
        for (int k = 1; k < n; k++)
        {
            double t = angle[k], x = px[k], y = py[k], z = pz[k];
            int j = k - 1;
            for (; j >= 0 && angle[j] > t; j--)
            {
                angle[j + 1] = angle[j]; px[j + 1] = px[j]; py[j + 1] = py[j]; pz[j + 1] = pz[j];
            }
            angle[j + 1] = t; px[j + 1] = x; py[j + 1] = y; pz[j + 1] = z;
        }
        double tolerance2 = Math.Max(1e-24 * radius2, tolerance * tolerance);
        int v = Start[Faces];
        int begin = v;
        for (int k = 0; k < n; k++)
        {
            if (v > begin && Distance2(X[v - 1], Y[v - 1], Z[v - 1], px[k], py[k], pz[k]) <= tolerance2) continue;
            X[v] = px[k]; Y[v] = py[k]; Z[v] = pz[k]; v++;
        }
        while (v - begin > 1 && Distance2(X[v - 1], Y[v - 1], Z[v - 1], X[begin], Y[begin], Z[begin]) <= tolerance2) v--;
        if (v - begin < 3) return;
        Tag[Faces] = tag;
        Start[++Faces] = v;
    }

    private static double Distance2(double ax, double ay, double az, double bx, double by, double bz) =>
        (ax - bx) * (ax - bx) + (ay - by) * (ay - by) + (az - bz) * (az - bz);

    public (double Min, double Max) Range(int axis)
    {
        var v = axis == 0 ? X : axis == 1 ? Y : Z;
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int k = 0, n = Vertices; k < n; k++) { lo = Math.Min(lo, v[k]); hi = Math.Max(hi, v[k]); }
        return (lo, hi);
    }

    /// <summary>
    /// Volume and ∫|x|² (exact): the faces fanned into triangles, each the base of a tetrahedron with apex at the
    /// origin, signed volume V = det(a, b, c)/6 and ∫|x|² = V (|a|² + |b|² + |c|² + a·b + a·c + b·c)/10.
    /// </summary>
    public (double Volume, double SecondMoment) Moments()
    {
        double volume = 0, second = 0;
        for (int f = 0; f < Faces; f++)
        {
            int s = Start[f], e = Start[f + 1];
            double ax = X[s], ay = Y[s], az = Z[s];
            double a2 = ax * ax + ay * ay + az * az;
            for (int k = s + 1; k + 1 < e; k++)
            {
                double bx = X[k], by = Y[k], bz = Z[k], cx = X[k + 1], cy = Y[k + 1], cz = Z[k + 1];
                double det = ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
                volume += det;
                second += det * (a2 + bx * bx + by * by + bz * bz + cx * cx + cy * cy + cz * cz
                    + ax * bx + ay * by + az * bz + ax * cx + ay * cy + az * cz + bx * cx + by * cy + bz * cz);
            }
        }
        return (volume / 6, second / 60);
    }
}

/// <summary>A planar polygon in space (one face of a <see cref="ConvexPolyhedron"/>), clipped by axis planes to split it along grid lines.</summary>
internal sealed class SpacePolygon
{
    public double[] X = new double[16], Y = new double[16], Z = new double[16];
    public int Count;

    public void CopyFace(ConvexPolyhedron p, int face)
    {
        int s = p.Start[face], n = p.Start[face + 1] - s;
        Reserve(n);
        Array.Copy(p.X, s, X, 0, n);
        Array.Copy(p.Y, s, Y, 0, n);
        Array.Copy(p.Z, s, Z, 0, n);
        Count = n;
    }

    public void CopyFrom(SpacePolygon p)
    {
        Reserve(p.Count);
        Array.Copy(p.X, X, p.Count);
        Array.Copy(p.Y, Y, p.Count);
        Array.Copy(p.Z, Z, p.Count);
        Count = p.Count;
    }

    private void Reserve(int n) => ScratchArrays.Reserve(n, ref X, ref Y, ref Z);

    public double[] Axis(int axis) => axis == 0 ? X : axis == 1 ? Y : Z;

    public (double Min, double Max) Range(int axis)
    {
        var v = Axis(axis);
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int k = 0; k < Count; k++) { lo = Math.Min(lo, v[k]); hi = Math.Max(hi, v[k]); }
        return (lo, hi);
    }

    /// <summary>this ∩ {sign·x_axis ≤ sign·value} into <paramref name="output"/>; false (output untouched) when nothing is cut off.</summary>
    public bool Clip(int axis, double sign, double value, SpacePolygon output)
    {
        var v = Axis(axis);
        bool anyOut = false;
        for (int k = 0; k < Count; k++)
            if (sign * (v[k] - value) > 0) { anyOut = true; break; }
        if (!anyOut) return false;
        output.Reserve(Count + 2);
        int m = 0;
        int last = Count - 1;
        double px = X[last], py = Y[last], pz = Z[last];
        double sp = sign * (v[last] - value);
        for (int k = 0; k < Count; k++)
        {
            double qx = X[k], qy = Y[k], qz = Z[k];
            double sq = sign * (v[k] - value);
            if ((sp <= 0) != (sq <= 0))
            {
                double t = sp / (sp - sq);
                output.X[m] = px + t * (qx - px); output.Y[m] = py + t * (qy - py); output.Z[m] = pz + t * (qz - pz); m++;
            }
            if (sq <= 0) { output.X[m] = qx; output.Y[m] = qy; output.Z[m] = qz; m++; }
            px = qx; py = qy; pz = qz; sp = sq;
        }
        output.Count = m;
        return true;
    }

    /// <summary>Area (half the norm of Σ v_k × v_{k+1}) and the vertex centroid.</summary>
    public double Area(out double cx, out double cy, out double cz)
    {
        double sx = 0, sy = 0, sz = 0;
        cx = cy = cz = 0;
        if (Count == 0) return 0;
        int last = Count - 1;
        double px = X[last], py = Y[last], pz = Z[last];
        for (int k = 0; k < Count; k++)
        {
            double qx = X[k], qy = Y[k], qz = Z[k];
            sx += py * qz - pz * qy;
            sy += pz * qx - px * qz;
            sz += px * qy - py * qx;
            cx += qx; cy += qy; cz += qz;
            px = qx; py = qy; pz = qz;
        }
        cx /= Count; cy /= Count; cz /= Count;
        return Count < 3 ? 0 : 0.5 * Math.Sqrt(sx * sx + sy * sy + sz * sz);
    }
}
