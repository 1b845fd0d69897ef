namespace FokkerPlanckNtk.Metrics.SemiDiscrete;

/// <summary>
/// A convex polygon (counter-clockwise vertices) whose edges carry a tag: the atom whose bisector made
/// the edge (≥ 0), <see cref="BoxEdge"/> or <see cref="GridEdge"/>. Coordinates are local (relative to the
/// atom that owns the cell), which keeps |x − y|² accurate. Clipping by a half-plane is Sutherland–Hodgman
/// (a vertex on the line counts as inside); the integrals are exact for polygons.
/// </summary>
internal sealed class ConvexPolygon
{
    public const int BoxEdge = -1;
    public const int GridEdge = -2;

    public double[] X = new double[16];
    public double[] Y = new double[16];

    /// <summary>Tag of the edge from vertex k to vertex k + 1.</summary>
    public int[] Tag = new int[16];

    public int Count;

    public void SetRectangle(double x0, double x1, double y0, double y1)
    {
        Count = 4;
        X[0] = x0; Y[0] = y0;
        X[1] = x1; Y[1] = y0;
        X[2] = x1; Y[2] = y1;
        X[3] = x0; Y[3] = y1;
        Tag[0] = Tag[1] = Tag[2] = Tag[3] = BoxEdge;
    }

    public void CopyFrom(ConvexPolygon p)
    {
        Reserve(p.Count);
        Count = p.Count;
        Array.Copy(p.X, X, Count);
        Array.Copy(p.Y, Y, Count);
        Array.Copy(p.Tag, Tag, Count);
    }

    private void Reserve(int n) => ScratchArrays.Reserve(n, ref X, ref Y, ref Tag);

    /// <summary>
    /// Writes this ∩ {a·x + b·y ≤ c} to <paramref name="output"/> (the new edge tagged <paramref name="tag"/>);
    /// returns false when nothing was cut off (then <paramref name="output"/> is untouched).
    /// </summary>
    public bool Clip(double a, double b, double c, int tag, ConvexPolygon output)
    {
        int n = Count;
        bool anyOut = false;
        for (int k = 0; k < n; k++)
            if (a * X[k] + b * Y[k] > c) { anyOut = true; break; }
        if (!anyOut) return false;
        output.Reserve(n + 2);
        int m = 0;
        double px = X[n - 1], py = Y[n - 1];
        double sp = a * px + b * py - c;
        int ptag = Tag[n - 1];
        for (int k = 0; k < n; k++)
        {
            double qx = X[k], qy = Y[k];
            double sq = a * qx + b * qy - c;
            // Edge P → Q carries ptag.
            if (sp <= 0)
            {
                if (sq > 0)
                {
                    double t = sp / (sp - sq);
                    output.X[m] = px + t * (qx - px); output.Y[m] = py + t * (qy - py); output.Tag[m] = tag; m++;
                }
            }
            else if (sq <= 0)
            {
                double t = sp / (sp - sq);
                output.X[m] = px + t * (qx - px); output.Y[m] = py + t * (qy - py); output.Tag[m] = ptag; m++;
            }
            if (sq <= 0) { output.X[m] = qx; output.Y[m] = qy; output.Tag[m] = Tag[k]; m++; }
            px = qx; py = qy; sp = sq; ptag = Tag[k];
        }
        output.Count = m;
        return true;
    }

    /// <summary>Whether an edge of the polygon lies on the box's boundary.</summary>
    public bool TouchesBox()
    {
        for (int k = 0; k < Count; k++) if (Tag[k] == BoxEdge) return true;
        return false;
    }

    /// <summary>Largest |x|² over the vertices (the squared radius of the cell around its atom).</summary>
    public double MaxRadius2()
    {
        double r = 0;
        for (int k = 0; k < Count; k++) r = Math.Max(r, X[k] * X[k] + Y[k] * Y[k]);
        return r;
    }

    public (double Min, double Max) Range(int axis)
    {
        var v = axis == 0 ? X : Y;
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int k = 0; k < Count; k++) { lo = Math.Min(lo, v[k]); hi = Math.Max(hi, v[k]); }
        return (lo, hi);
    }

    /// <summary>Area and ∫|x|² (exact: sums over edges of the divergence-theorem forms).</summary>
    public (double Area, double SecondMoment) Moments()
    {
        double a = 0, m = 0;
        int n = Count;
        if (n < 3) return (0, 0);
        double px = X[n - 1], py = Y[n - 1];
        for (int k = 0; k < n; k++)
        {
            double qx = X[k], qy = Y[k];
            double cross = px * qy - qx * py;
            a += cross;
            m += cross * (px * px + px * qx + qx * qx + py * py + py * qy + qy * qy);
            px = qx; py = qy;
        }
        return (0.5 * a, m / 12);
    }

    /// <summary>Length of edge k (from vertex k to k + 1).</summary>
    public double EdgeLength(int k)
    {
        int l = k + 1 == Count ? 0 : k + 1;
        double dx = X[l] - X[k], dy = Y[l] - Y[k];
        return Math.Sqrt(dx * dx + dy * dy);
    }
}
