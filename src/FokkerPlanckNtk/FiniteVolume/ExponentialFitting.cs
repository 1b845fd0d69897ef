using System.Numerics;
using System.Runtime.InteropServices;

namespace FokkerPlanckNtk.FiniteVolume;

/// <summary>
/// The Scharfetter–Gummel face flux F = s·[B(w) p_a − B(−w) p_b] with the Bernoulli function
/// B(w) = w/(eʷ − 1), evaluated from w and E = eʷ without overflow or cancellation:
/// B(w) from a Taylor series for |w| &lt; 0.1 (where w/(E−1) would lose digits), else w/(E − 1);
/// B(−w) = B(w) + w on the series branch and B(w)·E otherwise (both exact identities).
/// </summary>
internal static class ExponentialFitting
{
    /// <summary>|w| below which the series is used; its first omitted term is &lt; 3e-18 there.</summary>
    internal const double SeriesThreshold = 0.1;

    /// <summary>E is clamped here so that B(w)·E never becomes 0·∞ (the limit is B(−w) → w).</summary>
    private const double MaxExp = 1e300;

    /// <summary>B(w) for one argument (tests and cold paths).</summary>
    public static double B(double w)
    {
        if (Math.Abs(w) < SeriesThreshold) return Series(w);
        double e = Math.Min(Math.Exp(w), MaxExp);
        return w / (e - 1);
    }

    private static double Series(double w)
    {
        double w2 = w * w;
        return 1 - 0.5 * w + w2 * (1.0 / 12 + w2 * (-1.0 / 720 + w2 * (1.0 / 30240 - w2 * (1.0 / 1209600))));
    }

    /// <summary>
    /// f_j = scale·(B(w_j) pa_j − B(−w_j) pb_j) with e_j = exp(w_j) given. When <paramref name="bPlus"/> is
    /// not empty, B(w_j) and B(−w_j) are also written (the positivity bound needs them).
    /// </summary>
    public static void Fluxes(ReadOnlySpan<double> w, ReadOnlySpan<double> e, ReadOnlySpan<double> pa,
        ReadOnlySpan<double> pb, double scale, Span<double> f, Span<double> bPlus, Span<double> bMinus)
    {
        int n = w.Length;
        bool withCoefficients = !bPlus.IsEmpty;
        int j = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vw = MemoryMarshal.Cast<double, Vector<double>>(w);
            var ve = MemoryMarshal.Cast<double, Vector<double>>(e);
            var va = MemoryMarshal.Cast<double, Vector<double>>(pa[..n]);
            var vb = MemoryMarshal.Cast<double, Vector<double>>(pb[..n]);
            var vf = MemoryMarshal.Cast<double, Vector<double>>(f[..n]);
            var threshold = new Vector<double>(SeriesThreshold);
            var maxExp = new Vector<double>(MaxExp);
            var one = Vector<double>.One;
            var vs = new Vector<double>(scale);
            for (int k = 0; k < vw.Length; k++)
            {
                var x = vw[k];
                var x2 = x * x;
                var series = one - new Vector<double>(0.5) * x
                    + x2 * (new Vector<double>(1.0 / 12) + x2 * (new Vector<double>(-1.0 / 720)
                    + x2 * (new Vector<double>(1.0 / 30240) - x2 * new Vector<double>(1.0 / 1209600))));
                var ex = Vector.Min(ve[k], maxExp);
                var t = x / (ex - one);
                var small = Vector.LessThan(Vector.Abs(x), threshold);
                var bp = Vector.ConditionalSelect(small, series, t);
                var bm = Vector.ConditionalSelect(small, series + x, t * ex);
                vf[k] = vs * (bp * va[k] - bm * vb[k]);
                if (withCoefficients)
                {
                    bp.CopyTo(bPlus.Slice(k * Vector<double>.Count));
                    bm.CopyTo(bMinus.Slice(k * Vector<double>.Count));
                }
            }
            j = vw.Length * Vector<double>.Count;
        }
        for (; j < n; j++)
        {
            double x = w[j], bp, bm;
            if (Math.Abs(x) < SeriesThreshold) { bp = Series(x); bm = bp + x; }
            else
            {
                double ex = Math.Min(e[j], MaxExp);
                bp = x / (ex - 1);
                bm = bp * ex;
            }
            f[j] = scale * (bp * pa[j] - bm * pb[j]);
            if (withCoefficients) { bPlus[j] = bp; bMinus[j] = bm; }
        }
    }
}
