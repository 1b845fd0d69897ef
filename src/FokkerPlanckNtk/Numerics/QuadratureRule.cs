namespace FokkerPlanckNtk.Numerics;

/// <summary>
/// A quadrature rule in R^k: <see cref="Count"/> nodes (row-major, <see cref="Dimension"/> coordinates each)
/// with weights, so that ∫ g dμ ≈ Σ_q w_q g(node_q) for the measure μ the rule was built for.
/// </summary>
public sealed class QuadratureRule
{
    private readonly double[] _nodes;
    private readonly double[] _weights;

    /// <summary>A rule from its nodes (row-major, <paramref name="dimension"/> coordinates each) and weights.</summary>
    public QuadratureRule(double[] nodes, double[] weights, int dimension)
    {
        if (dimension < 1 || nodes.Length != weights.Length * dimension)
            throw new ArgumentException($"{nodes.Length} node coordinates do not match {weights.Length} weights in dimension {dimension}");
        _nodes = nodes;
        _weights = weights;
        Dimension = dimension;
    }

    /// <summary>k, coordinates per node.</summary>
    public int Dimension { get; }

    /// <summary>The number of nodes.</summary>
    public int Count => _weights.Length;

    /// <summary>All nodes, row-major Count × Dimension.</summary>
    public ReadOnlySpan<double> Nodes => _nodes;

    /// <summary>w_q, in node order.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>Node q (k coordinates).</summary>
    public ReadOnlySpan<double> Node(int q) => _nodes.AsSpan(q * Dimension, Dimension);

    /// <summary>Σ_q w_q g(node_q), summed in node order.</summary>
    public double Integrate(Func<double[], double> g)
    {
        var z = new double[Dimension];
        double s = 0;
        for (int q = 0; q < Count; q++)
        {
            _nodes.AsSpan(q * Dimension, Dimension).CopyTo(z);
            s += _weights[q] * g(z);
        }
        return s;
    }

    /// <summary>The tensor product of one-dimensional rules (the first rule varies slowest).</summary>
    public static QuadratureRule Tensor(IReadOnlyList<QuadratureRule> axes)
    {
        if (axes.Count == 0 || axes.Any(a => a.Dimension != 1))
            throw new ArgumentException("a tensor rule needs at least one one-dimensional rule");
        int d = axes.Count;
        long count = axes.Aggregate(1L, (c, a) => c * a.Count);
        if (count > 50_000_000) throw new ArgumentException($"a tensor rule of {count} nodes is too large");
        var nodes = new double[count * d];
        var weights = new double[count];
        var index = new int[d];
        for (long q = 0; q < count; q++)
        {
            double w = 1;
            for (int k = 0; k < d; k++)
            {
                nodes[q * d + k] = axes[k]._nodes[index[k]];
                w *= axes[k]._weights[index[k]];
            }
            weights[q] = w;
            for (int k = d - 1; k >= 0; k--)
            {
                if (++index[k] < axes[k].Count) break;
                index[k] = 0;
            }
        }
        return new QuadratureRule(nodes, weights, d);
    }

    /// <summary>The same one-dimensional rule on every one of <paramref name="dimension"/> axes.</summary>
    public static QuadratureRule Tensor(QuadratureRule axis, int dimension) =>
        Tensor(Enumerable.Repeat(axis, dimension).ToArray());

    /// <summary>
    /// The rule pushed forward by z ↦ shift + L z (weights unchanged): a rule for N(0, I) becomes one for
    /// N(shift, L Lᵀ).
    /// </summary>
    public QuadratureRule Affine(ReadOnlySpan<double> shift, double[,] matrix)
    {
        int d = Dimension;
        if (shift.Length != d || matrix.GetLength(0) != d || matrix.GetLength(1) != d)
            throw new ArgumentException($"the affine map must be {d}-dimensional");
        var nodes = new double[_nodes.Length];
        for (int q = 0; q < Count; q++)
            for (int i = 0; i < d; i++)
            {
                double s = shift[i];
                for (int j = 0; j < d; j++) s += matrix[i, j] * _nodes[q * d + j];
                nodes[q * d + i] = s;
            }
        return new QuadratureRule(nodes, (double[])_weights.Clone(), d);
    }

    /// <summary>
    /// Orders tried, in this sequence, where a rule's order is chosen by measured convergence
    /// (successive results compared until they agree to the requested tolerance).
    /// </summary>
    internal static IReadOnlyList<int> ConvergenceOrders { get; } = [8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256];
}
