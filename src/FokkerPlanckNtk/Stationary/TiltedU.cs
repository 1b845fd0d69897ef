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
    /// cancellation: P = φ(a)(R(a) − D R(b)) with D = φ(b)/φ(a) = e^{−2Bc}.
    /// </summary>
    public sealed class Truncated(double halfWidth) : TiltedU
    {
        private static readonly double LogSqrt2Pi = 0.5 * Math.Log(2 * Math.PI);

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
            }
            else
            {
                double p = 1 - UpperTail(b) - UpperTail(-a);
                double pa = Phi(a), pb = Phi(b);
                logP = Math.Log(p);
                ev = (pa - pb) / p;
                ev2 = 1 + (a * pa - b * pb) / p;
            }
            logZ = 0.5 * cc * cc + logP;
            double m = ev - cc;
            mean = reflect ? -m : m;
            variance = Math.Max(0, ev2 - ev * ev);
        }

        private static double Phi(double x) => Math.Exp(-0.5 * x * x - LogSqrt2Pi);

        private static double UpperTail(double x) => 0.5 * SpecialFunctions.Erfc(x / Math.Sqrt(2));

        /// <summary>R(x) = Φc(x)/φ(x) = √(π/2) erfcx(x/√2), x ≥ 0.</summary>
        internal static double MillsRatio(double x) => Math.Sqrt(Math.PI / 2) * ScaledErfc(x / Math.Sqrt(2));

        /// <summary>
        /// erfcx(x) = e^{x²} erfc(x) for x ≥ 0: directly (with x² split exactly by an FMA, so e^{x²} carries
        /// no amplified rounding) while erfc is a normal double, else the asymptotic series
        /// (1/(x√π)) Σ_k (−1)^k (2k−1)!!/(2x²)^k, whose 10th term is below 1e-16 for x > 26.
        /// </summary>
        internal static double ScaledErfc(double x)
        {
            if (x <= 26)
            {
                double hi = x * x, lo = Math.FusedMultiplyAdd(x, x, -hi);
                return Math.Exp(hi) * (1 + lo) * SpecialFunctions.Erfc(x);
            }
            double t = 1 / (2 * x * x), term = 1, sum = 1;
            for (int k = 1; k <= 10; k++)
            {
                term *= -(2 * k - 1) * t;
                sum += term;
            }
            return sum / (x * Math.Sqrt(Math.PI));
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
