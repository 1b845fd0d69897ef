using System.Numerics.Tensors;
using MathNet.Numerics;

namespace FokkerPlanckNtk.Model;

/// <summary>
/// An activation σ with its first three derivatives and the constants G1..G5 of Assumption 4.2
/// (sup|σ|, sup|σ'|, sup|σ''|, sup|(sσ'(s))'|, sup|σ'''|).
/// </summary>
public abstract class Activation
{
    private ActivationConstants? _constants;

    /// <summary>The name used in configurations: <c>tanh</c>, <c>sigmoid</c>, <c>erf</c> or <c>linear</c>.</summary>
    public abstract string Name { get; }

    /// <summary>False for the linear activation: its constants are infinite, Theorem 4.4 does not apply.</summary>
    public virtual bool IsBounded => true;

    /// <summary>σ(s).</summary>
    public abstract double Value(double s);

    /// <summary>σ'(s).</summary>
    public abstract double D1(double s);

    /// <summary>σ''(s).</summary>
    public abstract double D2(double s);

    /// <summary>σ'''(s).</summary>
    public abstract double D3(double s);

    /// <summary>σ(s) elementwise; overridden with SIMD kernels where one exists.</summary>
    public virtual void Value(ReadOnlySpan<double> s, Span<double> result)
    {
        for (int i = 0; i < s.Length; i++) result[i] = Value(s[i]);
    }

    /// <summary>σ'(s) elementwise.</summary>
    public virtual void D1(ReadOnlySpan<double> s, Span<double> result)
    {
        for (int i = 0; i < s.Length; i++) result[i] = D1(s[i]);
    }

    /// <summary>G1..G5 and G = max of them (Assumption 4.2), computed once.</summary>
    public ActivationConstants Constants => _constants ??= ActivationConstants.Compute(this);

    /// <summary>The <see cref="Name"/>.</summary>
    public override string ToString() => Name;

    /// <summary>σ(s) = tanh s; σ' = 1 − σ², σ'' = −2σ(1 − σ²), σ''' = −2(1 − σ²)(1 − 3σ²).</summary>
    public static Activation Tanh { get; } = new TanhActivation();

    /// <summary>σ(s) = 1/(1 + e^{−s}); σ' = σ(1 − σ), σ'' = σ'(1 − 2σ), σ''' = σ'(1 − 6σ').</summary>
    public static Activation Sigmoid { get; } = new SigmoidActivation();

    /// <summary>σ(s) = erf(s) = (2/√π) ∫₀^s e^{−r²} dr; σ' = (2/√π) e^{−s²}, σ'' = −2s σ', σ''' = (4s² − 2) σ'.</summary>
    public static Activation Erf { get; } = new ErfActivation();

    /// <summary>σ(s) = s; unbounded, so G1..G5 are infinite and Theorem 4.4 does not apply.</summary>
    public static Activation Linear { get; } = new LinearActivation();

    /// <summary>The names <see cref="FromName"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["tanh", "sigmoid", "erf", "linear"];

    /// <summary>The activation named in a configuration (case-insensitive).</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="key">The configuration key named in the error message.</param>
    /// <exception cref="InputException">Any other name.</exception>
    public static Activation FromName(string? name, string key = "problem.activation") =>
        name?.Trim().ToLowerInvariant() switch
        {
            "tanh" => Tanh,
            "sigmoid" => Sigmoid,
            "erf" => Erf,
            "linear" => Linear,
            _ => throw new InputException(key, name, $"unknown activation; allowed: {string.Join(", ", Names)}"),
        };

    private sealed class TanhActivation : Activation
    {
        public override string Name => "tanh";
        public override double Value(double s) => Math.Tanh(s);
        public override double D1(double s) { double t = Math.Tanh(s); return 1 - t * t; }
        public override double D2(double s) { double t = Math.Tanh(s); return -2 * t * (1 - t * t); }
        public override double D3(double s) { double t = Math.Tanh(s), q = 1 - t * t; return -2 * q * (1 - 3 * t * t); }
        public override void Value(ReadOnlySpan<double> s, Span<double> result) => TensorPrimitives.Tanh(s, result);
        public override void D1(ReadOnlySpan<double> s, Span<double> result)
        {
            TensorPrimitives.Tanh(s, result);
            for (int i = 0; i < result.Length; i++) result[i] = 1 - result[i] * result[i];
        }
    }

    private sealed class SigmoidActivation : Activation
    {
        public override string Name => "sigmoid";
        public override double Value(double s) => s >= 0 ? 1 / (1 + Math.Exp(-s)) : Math.Exp(s) / (1 + Math.Exp(s));
        public override double D1(double s) { double g = Value(s); return g * (1 - g); }
        public override double D2(double s) { double g = Value(s); return g * (1 - g) * (1 - 2 * g); }
        public override double D3(double s) { double g = Value(s), q = g * (1 - g); return q * (1 - 6 * q); }
        public override void Value(ReadOnlySpan<double> s, Span<double> result) => TensorPrimitives.Sigmoid(s, result);
    }

    /// <summary>σ(s) = erf(s), σ'(s) = 2/√π e^{−s²}.</summary>
    private sealed class ErfActivation : Activation
    {
        private const double TwoOverSqrtPi = 1.1283791670955126;
        public override string Name => "erf";
        public override double Value(double s) => SpecialFunctions.Erf(s);
        public override double D1(double s) => TwoOverSqrtPi * Math.Exp(-s * s);
        public override double D2(double s) => -2 * s * D1(s);
        public override double D3(double s) => (4 * s * s - 2) * D1(s);
    }

    private sealed class LinearActivation : Activation
    {
        public override string Name => "linear";
        public override bool IsBounded => false;
        public override double Value(double s) => s;
        public override double D1(double s) => 1;
        public override double D2(double s) => 0;
        public override double D3(double s) => 0;
        public override void Value(ReadOnlySpan<double> s, Span<double> result) => s.CopyTo(result);
        public override void D1(ReadOnlySpan<double> s, Span<double> result) => result.Fill(1);
    }
}

/// <summary>The constants of Assumption 4.2; infinite for an unbounded activation.</summary>
/// <param name="G1">sup |σ(s)|.</param>
/// <param name="G2">sup |σ'(s)|.</param>
/// <param name="G3">sup |σ''(s)|.</param>
/// <param name="G4">sup |(s σ'(s))'| = sup |σ'(s) + s σ''(s)|.</param>
/// <param name="G5">sup |σ'''(s)|.</param>
public sealed record ActivationConstants(double G1, double G2, double G3, double G4, double G5)
{
    /// <summary>G = max(G1, …, G5).</summary>
    public double G => Math.Max(Math.Max(Math.Max(G1, G2), Math.Max(G3, G4)), G5);

    /// <summary>
    /// Suprema by a dense scan of [−40, 40] refined with golden-section search around the best sample
    /// (each function is smooth and decays to a constant, so the sup is attained inside the interval).
    /// </summary>
    internal static ActivationConstants Compute(Activation a)
    {
        if (!a.IsBounded)
            return new(double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity,
                       double.PositiveInfinity, double.PositiveInfinity);
        return new(
            Sup(s => Math.Abs(a.Value(s))),
            Sup(s => Math.Abs(a.D1(s))),
            Sup(s => Math.Abs(a.D2(s))),
            Sup(s => Math.Abs(a.D1(s) + s * a.D2(s))),
            Sup(s => Math.Abs(a.D3(s))));
    }

    private static double Sup(Func<double, double> f)
    {
        const double lo = -40, hi = 40;
        const int samples = 80001;
        double h = (hi - lo) / (samples - 1), best = double.NegativeInfinity, bestS = lo;
        for (int k = 0; k < samples; k++)
        {
            double s = lo + k * h, v = f(s);
            if (v > best) { best = v; bestS = s; }
        }
        // Golden-section refinement on [bestS − h, bestS + h].
        double a = bestS - h, b = bestS + h, g = (Math.Sqrt(5) - 1) / 2;
        double c = b - g * (b - a), d = a + g * (b - a), fc = f(c), fd = f(d);
        for (int it = 0; it < 100 && b - a > 1e-15 * (1 + Math.Abs(bestS)); it++)
        {
            if (fc > fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c); }
            else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d); }
        }
        return Math.Max(best, Math.Max(fc, fd));
    }
}
