using System.Numerics;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// σ' computed from what the particle step already holds. For tanh, sigmoid and the linear activation
/// σ' is a function of σ, so one activation evaluation per (particle, sample) and step suffices; for
/// the others σ' is evaluated from θ·x into a table first and read as is.
/// </summary>
internal interface IDerivativeKernel
{
    static abstract Vector<double> D1(Vector<double> source);
    static abstract double D1(double source);
}

/// <summary>tanh' = 1 − tanh².</summary>
internal readonly struct TanhDerivative : IDerivativeKernel
{
    public static Vector<double> D1(Vector<double> s) => Vector<double>.One - s * s;
    public static double D1(double s) => 1 - s * s;
}

/// <summary>σ' = σ(1 − σ) for the logistic sigmoid.</summary>
internal readonly struct SigmoidDerivative : IDerivativeKernel
{
    public static Vector<double> D1(Vector<double> s) => s * (Vector<double>.One - s);
    public static double D1(double s) => s * (1 - s);
}

/// <summary>σ' = 1 for σ(s) = s.</summary>
internal readonly struct LinearDerivative : IDerivativeKernel
{
    public static Vector<double> D1(Vector<double> s) => Vector<double>.One;
    public static double D1(double s) => 1;
}

/// <summary>The source already holds σ'.</summary>
internal readonly struct TabulatedDerivative : IDerivativeKernel
{
    public static Vector<double> D1(Vector<double> s) => s;
    public static double D1(double s) => s;
}

internal enum DerivativeSource { Tanh, Sigmoid, Linear, Tabulated }

internal static class DerivativeKernels
{
    public static DerivativeSource For(Activation activation) => activation.Name switch
    {
        "tanh" => DerivativeSource.Tanh,
        "sigmoid" => DerivativeSource.Sigmoid,
        "linear" => DerivativeSource.Linear,
        _ => DerivativeSource.Tabulated,
    };
}
