using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// Aggregation of an atomic measure into the boxes of a lattice: each non-empty box becomes one atom at
/// the mass centroid of its atoms. Sending every atom to its box centroid is a coupling, so
/// W2(μ, μ_coarse)² ≤ Σ_i w_i |x_i − c_box(i)|² (the within-box second moment), computed exactly.
/// A box mass is the compensated sum of its atoms' masses (error 2u, Higham §4.3; a naive sum of 10⁵ terms
/// can be off by 10⁵u), and the coarse measure keeps the fine one's round-off allowance
/// (<see cref="AtomicMeasure.RoundedTerms"/>): its masses are made of the same n rounded weights, so
/// comparing its total with the (n_coarse + 2)u of its k boxes would refuse totals that are equal up to round-off.
/// </summary>
internal sealed class Coarsening
{
    private Coarsening(AtomicMeasure coarse, double secondMoment, int[] coarseIndex)
    {
        Coarse = coarse;
        SecondMoment = secondMoment;
        CoarseIndex = coarseIndex;
    }

    public AtomicMeasure Coarse { get; }

    /// <summary>For each atom, the coarse atom of its box (−1 when the box has no mass).</summary>
    public int[] CoarseIndex { get; }

    /// <summary>Σ_i w_i |x_i − c_box(i)|² ≥ W2(μ, μ_coarse)².</summary>
    public double SecondMoment { get; }

    /// <summary>Boxes [o + n·h, o + (n+1)·h) per axis.</summary>
    public static Coarsening Apply(AtomicMeasure m, ReadOnlySpan<double> origin, ReadOnlySpan<double> spacing)
    {
        int k = m.Dimension, n = m.Count;
        var keys = BoxKeys(m, origin, spacing);
        var boxOf = new int[n];
        var ids = new Dictionary<long, int>();
        var mass = new List<CompensatedSum>();
        var sum = new List<double>();
        var pos = m.Positions;
        var w = m.Weights;
        for (int i = 0; i < n; i++)
        {
            if (!ids.TryGetValue(keys[i], out int id))
            {
                id = ids.Count;
                ids.Add(keys[i], id);
                mass.Add(default);
                for (int c = 0; c < k; c++) sum.Add(0);
            }
            boxOf[i] = id;
            CollectionsMarshal.AsSpan(mass)[id].Add(w[i]);
            for (int c = 0; c < k; c++) sum[id * k + c] += w[i] * pos[i * k + c];
        }
        // Keep boxes of positive mass; renumber.
        var newId = new int[ids.Count];
        var positions = new List<double>();
        var weights = new List<double>();
        for (int b = 0; b < ids.Count; b++)
        {
            double boxMass = mass[b].Value;
            if (!(boxMass > 0)) { newId[b] = -1; continue; }
            newId[b] = weights.Count;
            weights.Add(boxMass);
            for (int c = 0; c < k; c++) positions.Add(sum[b * k + c] / boxMass);
        }
        double moment = 0;
        for (int i = 0; i < n; i++)
        {
            int b = boxOf[i] = newId[boxOf[i]];
            if (b < 0) continue;
            double s = 0;
            for (int c = 0; c < k; c++)
            {
                double d = pos[i * k + c] - positions[b * k + c];
                s += d * d;
            }
            moment += w[i] * s;
        }
        // The box sums add 2u to the fine measure's allowance (n + 2)u: (n + 4)u.
        var coarse = new AtomicMeasure(positions.ToArray(), k, weights.ToArray(), m.Name + " (coarsened)") { RoundedTerms = m.RoundedTerms + 2 };
        return new Coarsening(coarse, moment, boxOf);
    }

    /// <summary>Number of cells of <paramref name="grid"/> that hold an atom of <paramref name="m"/> (atoms outside the grid are not counted).</summary>
    public static int OccupiedCells(AtomicMeasure m, Grids.UniformGrid grid)
    {
        int k = m.Dimension, count = 0;
        var occupied = new bool[grid.Count];
        var pos = m.Positions;
        for (int i = 0; i < m.Count; i++)
        {
            int index = 0;
            bool inside = true;
            for (int c = 0; c < k && inside; c++)
            {
                double cell = Math.Floor((pos[i * k + c] + grid.HalfWidths[c]) / grid.Spacing(c));
                inside = cell >= 0 && cell < grid.Cells[c];
                index += inside ? (int)cell * grid.Stride(c) : 0;
            }
            if (inside && !occupied[index]) { occupied[index] = true; count++; }
        }
        return count;
    }

    /// <summary>Number of non-empty boxes of the lattice that <paramref name="m"/> occupies.</summary>
    public static int CountBoxes(AtomicMeasure m, ReadOnlySpan<double> origin, ReadOnlySpan<double> spacing) =>
        new HashSet<long>(BoxKeys(m, origin, spacing)).Count;

    private static long[] BoxKeys(AtomicMeasure m, ReadOnlySpan<double> origin, ReadOnlySpan<double> spacing)
    {
        int k = m.Dimension, n = m.Count;
        var pos = m.Positions;
        var keys = new long[n];
        for (int i = 0; i < n; i++)
        {
            // Mixed-radix key with 2^(63/k) slots per axis, enough for any lattice the solver can use.
            long key = 0;
            int bits = 63 / k;
            long half = 1L << (bits - 1);
            for (int c = 0; c < k; c++)
            {
                long index = (long)Math.Floor((pos[i * k + c] - origin[c]) / spacing[c]);
                key = (key << bits) | (long)(Math.Clamp(index, -half, half - 1) + half);
            }
            keys[i] = key;
        }
        return keys;
    }

    /// <summary>
    /// The c-transform ψ_j = min_i (|x_i − y_j|² − φ_i): with φ it is dual feasible, so
    /// Σ a_i φ_i + Σ b_j ψ_j is a lower bound on W2². Exact arithmetic order per j; parallel over j.
    /// </summary>
    public static double[] CTransform(AtomicMeasure x, ReadOnlySpan<double> phi, AtomicMeasure y)
    {
        int n1 = x.Count, n2 = y.Count, k = x.Dimension;
        var xs = new double[k * n1]; // one row per axis, for SIMD over i
        var px = x.Positions;
        for (int i = 0; i < n1; i++)
            for (int c = 0; c < k; c++) xs[c * n1 + i] = px[i * k + c];
        var yp = y.Positions.ToArray();
        var phiArray = phi.ToArray();
        var psi = new double[n2];
        Parallel.For(0, n2, Parallelism.Options, j => psi[j] = MinOverSources(xs, n1, k, phiArray, yp, j));
        return psi;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double MinOverSources(double[] xs, int n1, int k, double[] phi, double[] yp, int j)
    {
        int w = Vector<double>.Count, i = 0;
        var vMin = new Vector<double>(double.PositiveInfinity);
        for (; i <= n1 - w; i += w)
        {
            var acc = Vector<double>.Zero;
            for (int c = 0; c < k; c++)
            {
                var d = new Vector<double>(xs, c * n1 + i) - new Vector<double>(yp[j * k + c]);
                acc += d * d;
            }
            vMin = Vector.Min(vMin, acc - new Vector<double>(phi, i));
        }
        double min = double.PositiveInfinity;
        for (int l = 0; l < w; l++) min = Math.Min(min, vMin[l]);
        for (; i < n1; i++)
        {
            double acc = 0;
            for (int c = 0; c < k; c++)
            {
                double d = xs[c * n1 + i] - yp[j * k + c];
                acc += d * d;
            }
            min = Math.Min(min, acc - phi[i]);
        }
        return min;
    }
}
