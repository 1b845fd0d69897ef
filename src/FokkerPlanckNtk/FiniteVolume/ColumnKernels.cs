using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FokkerPlanckNtk.FiniteVolume;

/// <summary>
/// The fused per-column loops of the scheme. Along a u-column Ψ is linear in u apart from a fixed
/// quadratic, so the face exponentials are a per-column factor times a fixed table (u faces) or a
/// geometric sequence (θ faces): no exp per face, one division per face (B(w) = w/(E − 1)).
/// </summary>
internal static class ColumnKernels
{
    private static readonly int Lanes = Vector<double>.Count;

    /// <summary>An unchecked vector load: every caller's loop bound keeps i + Lanes within the span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Load(ReadOnlySpan<double> span, int i) =>
        Vector.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)i);

    /// <summary>
    /// Scharfetter–Gummel flux and coefficients of one vector of faces (see <see cref="ExponentialFitting"/>):
    /// B(w) by series for |w| &lt; 0.1, else w/(E − 1); B(−w) = B(w) + w or B(w)·E.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Face(Vector<double> w, Vector<double> e, Vector<double> pa, Vector<double> pb)
    {
        e = Vector.Min(e, new Vector<double>(1e300));
        var t = w / (e - Vector<double>.One);
        var small = Vector.LessThan(Vector.Abs(w), new Vector<double>(ExponentialFitting.SeriesThreshold));
        if (small == Vector<long>.Zero) return t * (pa - e * pb); // no lane near w = 0: skip the series
        var w2 = w * w;
        var series = Vector<double>.One - new Vector<double>(0.5) * w
            + w2 * (new Vector<double>(1.0 / 12) + w2 * (new Vector<double>(-1.0 / 720)
            + w2 * (new Vector<double>(1.0 / 30240) - w2 * new Vector<double>(1.0 / 1209600))));
        var bp = Vector.ConditionalSelect(small, series, t);
        var bm = Vector.ConditionalSelect(small, series + w, t * e);
        return bp * pa - bm * pb;
    }

    /// <summary>
    /// u faces of one column: f[j+1] = scale·(B(w_j) p_j − B(−w_j) p_{j+1}) for j = 0..N_u−2 with
    /// w_j = shift + faceShift_j and E_j = expShift·faceExp_j; f[0] = f[N_u] = 0 (zero-flux walls).
    /// </summary>
    public static void UFaces(ReadOnlySpan<double> p, double shift, double expShift, ReadOnlySpan<double> faceShift,
        ReadOnlySpan<double> faceExp, double scale, Span<double> f)
    {
        int faces = p.Length - 1;
        // The vector loop loads without bounds checks: check the lengths once.
        if (faceShift.Length < faces || faceExp.Length < faces || f.Length < p.Length + 1) throw new ArgumentException("span lengths");
        f[0] = 0;
        f[faces + 1] = 0;
        var vshift = new Vector<double>(shift);
        var vexp = new Vector<double>(expShift);
        var vscale = new Vector<double>(scale);
        int j = 0;
        for (; j + Lanes <= faces; j += Lanes)
        {
            var flux = Face(vshift + Load(faceShift, j), vexp * Load(faceExp, j),
                Load(p, j), Load(p, j + 1));
            (vscale * flux).StoreUnsafe(ref MemoryMarshal.GetReference(f), (nuint)(j + 1));
        }
        for (; j < faces; j++)
        {
            double w = shift + faceShift[j];
            ExponentialFitting.Scalar(w, expShift * faceExp[j], out double bp, out double bm);
            f[j + 1] = scale * (bp * p[j] - bm * p[j + 1]);
        }
    }

    /// <summary>
    /// The lanes' terms first·ratio^l (l &lt; Lanes, by repeated multiplication as in the scalar tail; written through
    /// <paramref name="scratch"/>, the caller's stack buffer of Lanes values, so that this inlines) and
    /// <paramref name="stride"/> = ratio^Lanes, the factor from one vector of terms to the next.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> GeometricLanes(double first, double ratio, Span<double> scratch, out Vector<double> stride)
    {
        double g = first, s = 1;
        for (int l = 0; l < Lanes; l++) { scratch[l] = g; g *= ratio; s *= ratio; }
        stride = new Vector<double>(s);
        return new Vector<double>(scratch);
    }

    /// <summary>
    /// Faces between column a and its upper neighbour b: f_j = scale·(B(w_j) pa_j − B(−w_j) pb_j) with
    /// w_j = δ·u_j + β and E_j = first·ratio^j generated as a vector geometric sequence.
    /// </summary>
    public static void CrossFaces(ReadOnlySpan<double> pa, ReadOnlySpan<double> pb, ReadOnlySpan<double> u,
        double delta, double beta, double first, double ratio, double scale, Span<double> f)
    {
        int n = pa.Length;
        if (pb.Length < n || u.Length < n || f.Length < n) throw new ArgumentException("span lengths");
        var vdelta = new Vector<double>(delta);
        var vbeta = new Vector<double>(beta);
        var vscale = new Vector<double>(scale);
        var ev = GeometricLanes(first, ratio, stackalloc double[Lanes], out var vstride);
        int j = 0;
        for (; j + Lanes <= n; j += Lanes)
        {
            var flux = Face(vdelta * Load(u, j) + vbeta, ev,
                Load(pa, j), Load(pb, j));
            (vscale * flux).StoreUnsafe(ref MemoryMarshal.GetReference(f), (nuint)j);
            ev *= vstride;
        }
        double e = j < n ? ev[0] : 0;
        for (; j < n; j++)
        {
            ExponentialFitting.Scalar(delta * u[j] + beta, e, out double bp, out double bm);
            f[j] = scale * (bp * pa[j] - bm * pb[j]);
            e *= ratio;
        }
    }

    /// <summary>
    /// f_j = scale·(B(w_j) pa_j − B(−w_j) pb_j) with E_j = e^{w_j} given: the per-face-exponential path, used when the
    /// exponents are too large for the product forms of <see cref="UFaces"/> and <see cref="CrossFaces"/>.
    /// </summary>
    public static void Fluxes(ReadOnlySpan<double> w, ReadOnlySpan<double> e, ReadOnlySpan<double> pa, ReadOnlySpan<double> pb,
        double scale, Span<double> f)
    {
        int n = w.Length;
        if (e.Length < n || pa.Length < n || pb.Length < n || f.Length < n) throw new ArgumentException("span lengths");
        var vscale = new Vector<double>(scale);
        int j = 0;
        for (; j + Lanes <= n; j += Lanes)
            (vscale * Face(Load(w, j), Load(e, j), Load(pa, j), Load(pb, j))).StoreUnsafe(ref MemoryMarshal.GetReference(f), (nuint)j);
        for (; j < n; j++)
        {
            ExponentialFitting.Scalar(w[j], e[j], out double bp, out double bm);
            f[j] = scale * (bp * pa[j] - bm * pb[j]);
        }
    }

    /// <summary>
    /// Sums over one set of faces of the fluxes and of their derivatives in w (the implicit-feedback stepper's
    /// residual equations need only these sums, no stored fluxes): flux = Σ_j g_j (B(w_j) pa_j − B(−w_j) pb_j),
    /// slope = Σ_j h_j (B'(w_j) pa_j + B'(−w_j) pb_j) = Σ_j h_j ∂/∂w_j (B(w_j) pa_j − B(−w_j) pb_j), with the
    /// weights g = weight, h = weight² (all 1 when <paramref name="weight"/> is empty) and E_j = e^{w_j} given.
    /// B' = B(w)(1 − B(−w))/w, by series for |w| &lt; 0.1; B' ≤ 0, so slope ≤ 0 for non-negative densities.
    /// </summary>
    public static void FaceSums(ReadOnlySpan<double> w, ReadOnlySpan<double> e, ReadOnlySpan<double> pa,
        ReadOnlySpan<double> pb, ReadOnlySpan<double> weight, out double flux, out double slope)
    {
        int n = w.Length;
        bool weighted = !weight.IsEmpty;
        if (e.Length < n || pa.Length < n || pb.Length < n || (weighted && weight.Length < n)) throw new ArgumentException("span lengths");
        var sf = Vector<double>.Zero;
        var ss = Vector<double>.Zero;
        int j = 0;
        for (; j + Lanes <= n; j += Lanes)
        {
            FaceDerivatives(Load(w, j), Load(e, j), out var bp, out var bm, out var dp, out var dm);
            var a = Load(pa, j);
            var b = Load(pb, j);
            var f = bp * a - bm * b;
            var d = dp * a + dm * b;
            if (weighted)
            {
                var g = Load(weight, j);
                f *= g;
                d *= g * g;
            }
            sf += f;
            ss += d;
        }
        double sumF = Vector.Sum(sf), sumS = Vector.Sum(ss);
        for (; j < n; j++)
        {
            ExponentialFitting.Scalar(w[j], e[j], out double bp, out double bm);
            ExponentialFitting.Derivatives(w[j], bp, bm, out double dp, out double dm);
            double g = weighted ? weight[j] : 1;
            sumF += g * (bp * pa[j] - bm * pb[j]);
            sumS += g * g * (dp * pa[j] + dm * pb[j]);
        }
        flux = sumF;
        slope = sumS;
    }

    /// <summary>
    /// <see cref="FaceSums"/> over the u faces of one column, with w_j = shift + faceShift_j and E_j = expShift·faceExp_j
    /// generated in the loop (as <see cref="UFaces"/> does): no scratch arrays.
    /// </summary>
    public static void UFaceSums(ReadOnlySpan<double> p, double shift, double expShift, ReadOnlySpan<double> faceShift,
        ReadOnlySpan<double> faceExp, out double flux, out double slope)
    {
        int faces = p.Length - 1;
        if (faceShift.Length < faces || faceExp.Length < faces) throw new ArgumentException("span lengths");
        var vshift = new Vector<double>(shift);
        var vexp = new Vector<double>(expShift);
        var sf = Vector<double>.Zero;
        var ss = Vector<double>.Zero;
        int j = 0;
        for (; j + Lanes <= faces; j += Lanes)
        {
            FaceDerivatives(vshift + Load(faceShift, j), vexp * Load(faceExp, j), out var bp, out var bm, out var dp, out var dm);
            var a = Load(p, j);
            var b = Load(p, j + 1);
            sf += bp * a - bm * b;
            ss += dp * a + dm * b;
        }
        double sumF = Vector.Sum(sf), sumS = Vector.Sum(ss);
        for (; j < faces; j++)
        {
            double w = shift + faceShift[j];
            ExponentialFitting.Scalar(w, expShift * faceExp[j], out double bp, out double bm);
            ExponentialFitting.Derivatives(w, bp, bm, out double dp, out double dm);
            sumF += bp * p[j] - bm * p[j + 1];
            sumS += dp * p[j] + dm * p[j + 1];
        }
        flux = sumF;
        slope = sumS;
    }

    /// <summary>
    /// <see cref="FaceSums"/> over the faces between columns a and b weighted by u_j (slope by u_j²), with
    /// w_j = δ·u_j + β and E_j = first·ratio^j generated in the loop by the chains of <see cref="CrossFaces"/>.
    /// </summary>
    public static void CrossFaceSums(ReadOnlySpan<double> pa, ReadOnlySpan<double> pb, ReadOnlySpan<double> u,
        double delta, double beta, double first, double ratio, out double flux, out double slope)
    {
        int n = pa.Length;
        if (pb.Length < n || u.Length < n) throw new ArgumentException("span lengths");
        var vdelta = new Vector<double>(delta);
        var vbeta = new Vector<double>(beta);
        var ev = GeometricLanes(first, ratio, stackalloc double[Lanes], out var vstride);
        var sf = Vector<double>.Zero;
        var ss = Vector<double>.Zero;
        int j = 0;
        for (; j + Lanes <= n; j += Lanes)
        {
            var uj = Load(u, j);
            FaceDerivatives(vdelta * uj + vbeta, ev, out var bp, out var bm, out var dp, out var dm);
            var a = Load(pa, j);
            var b = Load(pb, j);
            sf += uj * (bp * a - bm * b);
            ss += uj * uj * (dp * a + dm * b);
            ev *= vstride;
        }
        double sumF = Vector.Sum(sf), sumS = Vector.Sum(ss);
        double e = j < n ? ev[0] : 0;
        for (; j < n; j++)
        {
            double w = delta * u[j] + beta;
            ExponentialFitting.Scalar(w, e, out double bp, out double bm);
            ExponentialFitting.Derivatives(w, bp, bm, out double dp, out double dm);
            sumF += u[j] * (bp * pa[j] - bm * pb[j]);
            sumS += u[j] * u[j] * (dp * pa[j] + dm * pb[j]);
            e *= ratio;
        }
        flux = sumF;
        slope = sumS;
    }

    /// <summary>B(±w) and B'(±w) of one vector of faces (the vector form of <see cref="ExponentialFitting"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FaceDerivatives(Vector<double> w, Vector<double> e, out Vector<double> bp, out Vector<double> bm,
        out Vector<double> dp, out Vector<double> dm)
    {
        e = Vector.Min(e, new Vector<double>(1e300));
        bp = w / (e - Vector<double>.One);
        bm = bp * e;
        var inverse = Vector<double>.One / w;
        dp = bp * (Vector<double>.One - bm) * inverse;
        dm = -(bm * (Vector<double>.One - bp)) * inverse;
        var small = Vector.LessThan(Vector.Abs(w), new Vector<double>(ExponentialFitting.SeriesThreshold));
        if (small == Vector<long>.Zero) return;
        var w2 = w * w;
        var series = Vector<double>.One - new Vector<double>(0.5) * w
            + w2 * (new Vector<double>(1.0 / 12) + w2 * (new Vector<double>(-1.0 / 720)
            + w2 * (new Vector<double>(1.0 / 30240) - w2 * new Vector<double>(1.0 / 1209600))));
        // B'(w) = −½ + w/6 − w³/180 + w⁵/5040 − w⁷/151200: even part −½, odd part w·q(w²).
        var odd = w * (new Vector<double>(1.0 / 6) + w2 * (new Vector<double>(-1.0 / 180)
            + w2 * (new Vector<double>(1.0 / 5040) - w2 * new Vector<double>(1.0 / 151200))));
        var half = new Vector<double>(-0.5);
        bp = Vector.ConditionalSelect(small, series, bp);
        bm = Vector.ConditionalSelect(small, series + w, bm);
        dp = Vector.ConditionalSelect(small, half + odd, dp);
        dm = Vector.ConditionalSelect(small, half - odd, dm);
    }

    /// <summary>Σ_j |a_j − b_j|.</summary>
    public static double L1Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length;
        if (b.Length < n) throw new ArgumentException("span lengths");
        var s = Vector<double>.Zero;
        int j = 0;
        for (; j + Lanes <= n; j += Lanes) s += Vector.Abs(Load(a, j) - Load(b, j));
        double sum = Vector.Sum(s);
        for (; j < n; j++) sum += Math.Abs(a[j] - b[j]);
        return sum;
    }

    /// <summary>Σ p, Σ u·p, Σ u²·p over a column, in the same summation order as <see cref="Update"/>.</summary>
    public static void Moments(ReadOnlySpan<double> p, ReadOnlySpan<double> u, ReadOnlySpan<double> u2,
        out double m0, out double m1, out double m2)
    {
        if (u.Length < p.Length || u2.Length < p.Length) throw new ArgumentException("span lengths");
        var s0 = Vector<double>.Zero;
        var s1 = Vector<double>.Zero;
        var s2 = Vector<double>.Zero;
        int j = 0;
        for (; j + Lanes <= p.Length; j += Lanes)
        {
            var v = Load(p, j);
            s0 += v;
            s1 += v * Load(u, j);
            s2 += v * Load(u2, j);
        }
        double sum0 = Vector.Sum(s0), sum1 = Vector.Sum(s1), sum2 = Vector.Sum(s2);
        for (; j < p.Length; j++) { sum0 += p[j]; sum1 += p[j] * u[j]; sum2 += p[j] * u2[j]; }
        m0 = sum0;
        m1 = sum1;
        m2 = sum2;
    }

    /// <summary>
    /// out = a·(s + dt·L(s)) + b·p on one column, where L(s)_j = (fu_j − fu_{j+1})/Δu + Σ_k (below_k,j − above_k,j)/Δ_k,
    /// and the u-moments Σ out, Σ u·out, Σ u²·out (unscaled). Returns min(out) (NaN propagates).
    /// </summary>
    public static double Update(ReadOnlySpan<double> s, ReadOnlySpan<double> p, double a, double b, double dt,
        ReadOnlySpan<double> fu, double invDu, ReadOnlySpan<double> above0, ReadOnlySpan<double> below0, double inv0,
        ReadOnlySpan<double> above1, ReadOnlySpan<double> below1, double inv1,
        ReadOnlySpan<double> above2, ReadOnlySpan<double> below2, double inv2,
        ReadOnlySpan<double> u, ReadOnlySpan<double> u2, Span<double> output,
        out double m0, out double m1, out double m2)
    {
        int n = s.Length;
        int axes = above2.IsEmpty ? above1.IsEmpty ? 1 : 2 : 3;
        if (p.Length < n || fu.Length < n + 1 || u.Length < n || u2.Length < n || output.Length < n
            || above0.Length < n || below0.Length < n
            || (axes > 1 && (above1.Length < n || below1.Length < n)) || (axes > 2 && (above2.Length < n || below2.Length < n)))
            throw new ArgumentException("span lengths");
        var va = new Vector<double>(a);
        var vb = new Vector<double>(b);
        var vdt = new Vector<double>(dt);
        var vdu = new Vector<double>(invDu);
        var v0 = new Vector<double>(inv0);
        var v1 = new Vector<double>(inv1);
        var v2 = new Vector<double>(inv2);
        var s0 = Vector<double>.Zero;
        var s1 = Vector<double>.Zero;
        var s2 = Vector<double>.Zero;
        var vmin = new Vector<double>(double.PositiveInfinity);
        int j = 0;
        for (; j + Lanes <= n; j += Lanes)
        {
            var rhs = (Load(fu, j) - Load(fu, j + 1)) * vdu
                + (Load(below0, j) - Load(above0, j)) * v0;
            if (axes > 1) rhs += (Load(below1, j) - Load(above1, j)) * v1;
            if (axes > 2) rhs += (Load(below2, j) - Load(above2, j)) * v2;
            var result = va * (Load(s, j) + vdt * rhs) + vb * Load(p, j);
            result.StoreUnsafe(ref MemoryMarshal.GetReference(output), (nuint)j);
            s0 += result;
            s1 += result * Load(u, j);
            s2 += result * Load(u2, j);
            // NaN-propagating minimum: a NaN lane stays NaN.
            vmin = Vector.ConditionalSelect(Vector.Equals(result, result), Vector.Min(vmin, result), result);
        }
        double sum0 = Vector.Sum(s0), sum1 = Vector.Sum(s1), sum2 = Vector.Sum(s2);
        double min = double.PositiveInfinity;
        for (int l = 0; l < Lanes; l++) min = double.IsNaN(vmin[l]) || double.IsNaN(min) ? double.NaN : Math.Min(min, vmin[l]);
        for (; j < n; j++)
        {
            double rhs = (fu[j] - fu[j + 1]) * invDu + (below0[j] - above0[j]) * inv0;
            if (axes > 1) rhs += (below1[j] - above1[j]) * inv1;
            if (axes > 2) rhs += (below2[j] - above2[j]) * inv2;
            double result = a * (s[j] + dt * rhs) + b * p[j];
            output[j] = result;
            sum0 += result;
            sum1 += result * u[j];
            sum2 += result * u2[j];
            min = double.IsNaN(result) || double.IsNaN(min) ? double.NaN : Math.Min(min, result);
        }
        m0 = sum0;
        m1 = sum1;
        m2 = sum2;
        return min;
    }
}
