using System.Numerics.Tensors;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// Particles that run in the full R^{d+1} seen in the coordinates of a <see cref="ReducedProblem"/>: their
/// projections (Bᵀθ_j, u_j) onto S ⊕ u are samples of q_t, the law the reduced PDE computes, so every
/// particle-vs-PDE measure (<see cref="ParticleMeasures"/>) applies to them unchanged; the rest, θ_⊥, is checked
/// against its closed form by <see cref="OrthogonalMoments"/>.
/// </summary>
public static class SpanProjection
{
    /// <summary>The coordinates (ζ_1..ζ_k, u) of every particle, one array per axis (θ-coordinates ζ_a = b_a·θ).</summary>
    public static double[][] Coordinates(ParticleSystem system, ReducedProblem reduction)
    {
        RequireMatch(system, reduction);
        int d = system.Dimension - 1, k = reduction.Span.Dimension;
        var axes = new double[k + 1][];
        if (reduction.IsIdentity)
        {
            for (int a = 0; a <= k; a++) axes[a] = system.Coordinate(a).ToArray();
            return axes;
        }
        Parallel.For(0, k, Parallelism.Options, a =>
        {
            var b = reduction.Span.BasisVector(a);
            var z = new double[system.Count];
            for (int i = 0; i < d; i++)
                if (b[i] != 0) TensorPrimitives.MultiplyAdd(system.Theta(i), b[i], z, z);
            axes[a] = z;
        });
        axes[k] = system.U.ToArray();
        return axes;
    }

    /// <summary>The projections as equal-weight atoms in R^{k+1} (the layout of the reduced grid: ζ axes first, u last).</summary>
    public static AtomicMeasure Atoms(ParticleSystem system, ReducedProblem reduction) => reduction.IsIdentity
        ? ParticleMeasures.Atoms(system)
        : new AtomicMeasure(Positions(system, reduction), reduction.GridDimension, name: "particles (projected onto S ⊕ u)");

    /// <summary>The projections (ζ_1..ζ_k, u) of every particle, m × (k + 1) row-major (the layout of <see cref="ParticleSystem.Positions"/>).</summary>
    public static double[] Positions(ParticleSystem system, ReducedProblem reduction)
    {
        if (reduction.IsIdentity) return system.Positions();
        var axes = Coordinates(system, reduction);
        int dim = axes.Length, m = system.Count;
        var z = new double[m * dim];
        for (int j = 0; j < m; j++)
            for (int a = 0; a < dim; a++) z[j * dim + a] = axes[a][j];
        return z;
    }

    internal static void RequireMatch(ParticleSystem system, ReducedProblem reduction)
    {
        if (system.Dimension != reduction.Full.Dimension + 1)
            throw new ArgumentException($"the particles live in R^{system.Dimension}, the problem in R^{reduction.Full.Dimension + 1}");
    }
}
