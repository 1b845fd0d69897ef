namespace FokkerPlanckNtk.Model;

/// <summary>
/// σ(θ_q·x) and σ'(θ_q·x) on a set of nodes θ_q (count × d, row-major) for a set of inputs x: the table every
/// evaluation of the network over θ is built from (grid cell centres, quadrature nodes, particles). The
/// projections θ·x are summed in axis order, the activation evaluated a whole row at a time, so every caller
/// gets the same numbers for the same nodes. (The particle step has its own structure-of-arrays SIMD form of
/// the projections, <c>ParticleSystem.Project</c>, with the same arithmetic.)
/// </summary>
public static class ActivationTable
{
    /// <summary>s_q = θ_q·x = Σ_k θ_qk x_k (in axis order) for nodes count × d.</summary>
    public static void Projections(ReadOnlySpan<double> nodes, ReadOnlySpan<double> x, Span<double> s)
    {
        int d = x.Length, count = s.Length;
        if (nodes.Length != count * d) throw new ArgumentException($"{nodes.Length} node coordinates for {count} nodes of dimension {d}", nameof(nodes));
        for (int q = 0; q < count; q++)
        {
            double dot = 0;
            for (int k = 0; k < d; k++) dot += nodes[q * d + k] * x[k];
            s[q] = dot;
        }
    }

    /// <summary>
    /// Rows i = 0..inputs−1 of σ(θ_q·x_i) into <paramref name="sigma"/> and of σ'(θ_q·x_i) into
    /// <paramref name="sigmaPrime"/> (each inputs × count, row i contiguous; either may be empty).
    /// </summary>
    public static void Fill(Activation activation, ReadOnlySpan<double> nodes, int count, IReadOnlyList<double[]> inputs,
        Span<double> sigma, Span<double> sigmaPrime)
    {
        var s = new double[count];
        for (int i = 0; i < inputs.Count; i++)
        {
            Projections(nodes, inputs[i], s);
            if (!sigma.IsEmpty) activation.Value(s, sigma.Slice(i * count, count));
            if (!sigmaPrime.IsEmpty) activation.D1(s, sigmaPrime.Slice(i * count, count));
        }
    }

    /// <summary>The data inputs x_i as rows (for <see cref="Fill"/>).</summary>
    public static IReadOnlyList<double[]> Inputs(DataSet data) => Enumerable.Range(0, data.Count).Select(i => data.X(i).ToArray()).ToArray();

    /// <summary>σ(θ_q·x_i) for every sample i and node q: n × count, row i contiguous.</summary>
    public static double[] Sigma(Problem problem, ReadOnlySpan<double> nodes, int count)
    {
        var table = new double[problem.SampleCount * count];
        Fill(problem.Activation, nodes, count, Inputs(problem.Data), table, default);
        return table;
    }

    /// <summary>σ'(θ_q·x_i) for every sample i and node q: n × count, row i contiguous.</summary>
    public static double[] SigmaPrime(Problem problem, ReadOnlySpan<double> nodes, int count)
    {
        var table = new double[problem.SampleCount * count];
        Fill(problem.Activation, nodes, count, Inputs(problem.Data), default, table);
        return table;
    }
}
