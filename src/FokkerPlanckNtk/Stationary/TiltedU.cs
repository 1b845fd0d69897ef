using MathNet.Numerics;

namespace FokkerPlanckNtk.Stationary;

/// <summary>
/// The u-part of the Gibbs state on one θ column: the measure φ(u) e^{−u c} du (φ the standard normal
/// density) over the u-domain, summarized by its log-mass log Z_u(c), mean μ(c) and variance v(c)
/// (the tilted law of u given θ, with c = c̃(θ)). In c it is an exponential family with statistic −u:
/// d log Z_u/dc = −μ and dμ/dc = −v, which the Newton Jacobian uses.
/// </summary>
internal abstract class TiltedU
{
    public abstract void Evaluate(double c, out double logZ, out double mean, out double variance);

    /// <summary>The whole line: u | θ ~ N(−c, 1), Z_u = e^{c²/2}.</summary>
    public sealed class Line : TiltedU
    {
        public override void Evaluate(double c, out double logZ, out double mean, out double variance)
        {
            logZ = 0.5 * c * c;
            mean = -c;
            variance = 1;
        }
    }

    /// <summary>
    /// u ∈ [−B, B]: N(−c, 1) truncated. With v = u + c on [a, b] = [c − B, c + B]:
    /// Z_u = e^{c²/2} (Φ(b) − Φ(a)), E[v] = (φ(a) − φ(b))/P, E[v²] = 1 + (aφ(a) − bφ(b))/P.
    /// In a tail (a ≥ 0, or b ≤ 0 by reflection) the Mills ratio R(x) = Φc(x)/φ(x) avoids underflow and
    /// cancellation: P = φ(a)(R(a) − D R(b)) with D = φ(b)/φ(a) = e^{−2Bc}. Deep in the tail (a ≥ 10) the
    /// variance ≈ 1/a² would lose log10(a²) digits in E[v²] − E[v]², so it comes from asymptotic series.
    /// </summary>
    public sealed class Truncated(double halfWidth) : TiltedU
    {
        private static readonly double LogSqrt2Pi = 0.5 * Math.Log(2 * Math.PI);

        /// <summary>Beyond this a, R(a) and the tail variance come from their asymptotic series (error &lt; e^{−a²/2}).</summary>
        internal const double SeriesThreshold = 10;

        public double HalfWidth { get; } = halfWidth;

        public override void Evaluate(double c, out double logZ, out double mean, out double variance)
        {
            double bw = HalfWidth;
            bool reflect = c < 0; // by symmetry work with c ≥ 0 and flip the mean
            double cc = Math.Abs(c);
            double a = cc - bw, b = cc + bw;
            double ev, ev2, logP;
            if (a >= 0)
            {
                double d = Math.Exp(-2 * bw * cc);
                double ra = MillsRatio(a), rb = MillsRatio(b);
                double den = ra - d * rb;
                logP = -0.5 * a * a - LogSqrt2Pi + Math.Log(den);
                ev = (1 - d) / den;
                ev2 = 1 + (a - b * d) / den;
                variance = a >= SeriesThreshold && d * rb <= 1e-17 * ra ? OneSidedTailVariance(a) : Math.Max(0, ev2 - ev * ev);
            }
            else
            {
                double p = 1 - UpperTail(b) - UpperTail(-a);
                double pa = Phi(a), pb = Phi(b);
                logP = Math.Log(p);
                ev = (pa - pb) / p;
                ev2 = 1 + (a * pa - b * pb) / p;
                variance = Math.Max(0, ev2 - ev * ev);
            }
            logZ = 0.5 * cc * cc + logP;
            double m = ev - cc;
            mean = reflect ? -m : m;
        }

        private static double Phi(double x) => Math.Exp(-0.5 * x * x - LogSqrt2Pi);

        private static double UpperTail(double x) => 0.5 * SpecialFunctions.Erfc(x / Math.Sqrt(2));

        /// <summary>
        /// R(x) = Φc(x)/φ(x) = √(π/2) erfcx(x/√2), x ≥ 0; for x ≥ 10 the asymptotic series
        /// R = (1/x) Σ_k (−1)^k (2k−1)!!/x^{2k}, summed to its smallest term (&lt; e^{−x²/2} relative).
        /// </summary>
        internal static double MillsRatio(double x)
        {
            if (x < SeriesThreshold) return Math.Sqrt(Math.PI / 2) * ScaledErfc(x / Math.Sqrt(2));
            var (s, _, _) = TailSeries(x);
            return s / x;
        }

        /// <summary>
        /// Var(v) for v ~ N(0,1) conditioned on v ≥ a (a ≥ 10), without cancellation: with R = S/a,
        /// T = a²(1 − S) and U = a²(1 − T) (all three asymptotic series), Var = 1 − λ(λ − a), λ = 1/R, equals
        /// ((U − 2T)/a² + T²/a⁴)/S².
        /// </summary>
        internal static double OneSidedTailVariance(double a)
        {
            var (s, t, u) = TailSeries(a);
            double a2 = a * a;
            return ((u - 2 * t) / a2 + t * t / (a2 * a2)) / (s * s);
        }

        /// <summary>
        /// S = Σ_{k≥0} (−1)^k (2k−1)!!/a^{2k}, T = a²(1 − S) = Σ_{k≥1} (−1)^{k+1}(2k−1)!!/a^{2k−2},
        /// U = a²(1 − T) = Σ_{k≥2} (−1)^k (2k−1)!!/a^{2k−4}, each stopped at its smallest term.
        /// </summary>
        private static (double S, double T, double U) TailSeries(double a)
        {
            double inv = 1 / (a * a), term = 1, s = 1, t = 0, u = 0;
            for (int k = 1; k < 200; k++)
            {
                double next = -term * (2 * k - 1) * inv; // (−1)^k (2k−1)!!/a^{2k}
                if (Math.Abs(next) >= Math.Abs(term) && k > 2) break;
                term = next;
                s += term;
                t -= term * a * a;
                if (k >= 2) u += term * a * a * a * a;
                if (Math.Abs(term) < 1e-18) break;
            }
            return (s, t, u);
        }

        /// <summary>erfcx(x) = e^{x²} erfc(x) for 0 ≤ x ≤ 8, with x² split exactly by an FMA so e^{x²} carries no amplified rounding.</summary>
        internal static double ScaledErfc(double x)
        {
            double hi = x * x, lo = Math.FusedMultiplyAdd(x, x, -hi);
            return Math.Exp(hi) * (1 + lo) * SpecialFunctions.Erfc(x);
        }
    }

    /// <summary>
    /// The grid's u-cells (centres u_k, width Δu): Z_u = Σ_k φ(u_k) e^{−u_k c} Δu, the midpoint rule the
    /// finite-volume scheme uses, so the fixed point built on it is the scheme's own steady state.
    /// </summary>
    public sealed class Discrete(double[] centers, double spacing) : TiltedU
    {
        private static readonly double LogSqrt2Pi = 0.5 * Math.Log(2 * Math.PI);

        public override void Evaluate(double c, out double logZ, out double mean, out double variance)
        {
            var u = centers;
            double max = double.NegativeInfinity;
            for (int k = 0; k < u.Length; k++) max = Math.Max(max, -u[k] * (0.5 * u[k] + c));
            // Moments about a shift near the mean (−c clamped to the column) keep the variance free of cancellation.
            double shift = Math.Clamp(-c, u[0], u[^1]);
            double s0 = 0, s1 = 0, s2 = 0;
            for (int k = 0; k < u.Length; k++)
            {
                double e = Math.Exp(-u[k] * (0.5 * u[k] + c) - max), du = u[k] - shift;
                s0 += e;
                s1 += e * du;
                s2 += e * du * du;
            }
            double m1 = s1 / s0;
            mean = shift + m1;
            variance = Math.Max(0, s2 / s0 - m1 * m1);
            logZ = max + Math.Log(s0 * spacing) - LogSqrt2Pi;
        }
    }
}
