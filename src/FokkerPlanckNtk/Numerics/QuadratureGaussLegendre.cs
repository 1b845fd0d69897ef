using MathNet.Numerics.Integration;

namespace FokkerPlanckNtk.Numerics;

/// <summary>Gauss–Legendre rules (MathNet's nodes and weights) on intervals and boxes.</summary>
public static class GaussLegendre
{
    /// <summary>The order-N rule for Lebesgue measure on [a, b]: exact for polynomials of degree ≤ 2N − 1.</summary>
    public static QuadratureRule Interval(int order, double a, double b)
    {
        if (order < 1) throw new ArgumentOutOfRangeException(nameof(order), order, "Gauss–Legendre order must be >= 1");
        var rule = new GaussLegendreRule(a, b, order);
        return new QuadratureRule((double[])rule.Abscissas.Clone(), (double[])rule.Weights.Clone(), 1);
    }

    /// <summary>The tensor rule on the box Π_k [−B_k, B_k] with order N per axis.</summary>
    public static QuadratureRule Box(int order, IReadOnlyList<double> halfWidths) =>
        QuadratureRule.Tensor(halfWidths.Select(b => Interval(order, -b, b)).ToArray());
}
