using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Numerics;
using MathNet.Numerics;

namespace FokkerPlanckNtk.Tests.Metrics;

public class Transport1DTests
{
    // Uniform[0,1] vs Uniform[a, a+2]: quantiles τ and a + 2τ, W2² = ∫₀¹ (a + τ)² dτ = a² + a + 1/3.
    [Test]
    public void UniformCellsMatchClosedForm()
    {
        const double a = 0.37;
        var u = Measure1D.Cells([0.0], [1.0], [1.0]);
        // The wide one split into unequal cells: the merged breakpoints must not matter.
        var v = Measure1D.Cells([a + 0.5, a, a + 1.25], [a + 1.25, a + 0.5, a + 2], [0.375, 0.25, 0.375]);
        Assert.That(Transport1D.W2Squared(u, v), Is.EqualTo(a * a + a + 1.0 / 3).Within(1e-15));
        // A cell against the atom at its centre: W2² = Δ²/12, the bound quoted for grid measures.
        var atom = Measure1D.Atoms([0.5], [1.0]);
        Assert.That(Transport1D.W2Squared(u, atom), Is.EqualTo(1.0 / 12).Within(1e-16));
    }

    // Equal-weight atoms: brute force over all 7! assignments is an independent exact method.
    [Test]
    public void EqualWeightAtomsMatchBruteForce()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = 7;
            var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 4 - 2).ToArray();
            var y = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 3 - 1).ToArray();
            if (trial % 3 == 0) y[1] = y[4] = x[2]; // repeated points
            double best = double.PositiveInfinity;
            foreach (var perm in Permutations(n))
            {
                double cost = 0;
                for (int i = 0; i < n; i++) cost += (x[i] - y[perm[i]]) * (x[i] - y[perm[i]]);
                best = Math.Min(best, cost / n);
            }
            Assert.That(Transport1D.W2Squared(x, default, y, default), Is.EqualTo(best).Within(1e-13 * (1 + best)));
        }
    }

    // Weights that are multiples of 1/6 (zeros included) equal an equal-weight set with repeated atoms:
    // brute force over 6! assignments of the replicated set.
    [Test]
    public void WeightedAtomsMatchReplicatedBruteForce()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            var (x, wx, xs) = Replicated(random);
            var (y, wy, ys) = Replicated(random);
            double best = double.PositiveInfinity;
            foreach (var perm in Permutations(6))
            {
                double cost = 0;
                for (int i = 0; i < 6; i++) cost += (xs[i] - ys[perm[i]]) * (xs[i] - ys[perm[i]]);
                best = Math.Min(best, cost / 6);
            }
            Assert.That(Transport1D.W2Squared(x, wx, y, wy), Is.EqualTo(best).Within(1e-13 * (1 + best)));
        }
    }

    // N(μ, s²) discretized by its exact cell masses on a uniform grid of [−B, B]: the piecewise-linear
    // CDF interpolates the true one to O(h²), so W2 to the exact Gaussian (whose W2 to the other
    // Gaussian is |δμ|² + (s1−s2)²) converges at second order. Measured orders 1.97, 1.99, 2.00.
    [Test]
    public void GridDensityConvergesToGaussianClosedFormAtSecondOrder()
    {
        double m1 = 0.3, s1 = 1.0, m2 = -0.4, s2 = 1.4;
        double exact = Math.Sqrt((m1 - m2) * (m1 - m2) + (s1 - s2) * (s1 - s2));
        var errors = new List<double>();
        foreach (int n in new[] { 50, 100, 200, 400 })
        {
            var p = GaussianCells(m1, s1, n);
            var q = GaussianCells(m2, s2, n);
            errors.Add(Math.Abs(Transport1D.W2(p, q, normalize: true) - exact));
        }
        for (int i = 1; i < errors.Count; i++)
            Assert.That(Math.Log2(errors[i - 1] / errors[i]), Is.EqualTo(2).Within(0.1), string.Join(", ", errors));
        Assert.That(errors[^1], Is.LessThan(2.5e-5)); // measured 2.39e-5 at h = 0.045 (1.48e-3 at h = 0.36)
    }

    // The marginal of a product grid density along one axis is the 1D density of that factor.
    [Test]
    public void MarginalsOfProductDensity()
    {
        var grid = new UniformGrid([30, 20], [3.0, 2.0]);
        var fx = grid.Centers(0).ToArray().Select(x => Math.Exp(-x * x)).ToArray();
        var fy = grid.Centers(1).ToArray().Select(y => 1 + 0.5 * Math.Sin(y)).ToArray();
        double norm = fx.Sum() * fy.Sum() * grid.CellVolume;
        var p = new double[grid.Count];
        for (int i = 0; i < 30; i++) for (int j = 0; j < 20; j++) p[i * 20 + j] = fx[i] * fy[j] / norm;
        var mx = GridDensity.MarginalMasses(grid, p, 0);
        for (int i = 0; i < 30; i++) Assert.That(mx[i], Is.EqualTo(fx[i] / fx.Sum()).Within(1e-15));
        // Against atoms at the x-centres with the same masses, the atomic marginal distance is 0.
        var positions = new double[60];
        for (int i = 0; i < 30; i++) { positions[2 * i] = grid.Centers(0)[i]; positions[2 * i + 1] = 0; }
        var atoms = new AtomicMeasure(positions, 2, mx.ToArray());
        Assert.That(Transport1D.MarginalW2Squared(grid, p, atoms, 0, normalize: true), Is.EqualTo(0).Within(1e-15));
        // Cells vs their centre atoms: every cell of width Δ contributes its mass × Δ²/12.
        double h = grid.Spacing(0);
        Assert.That(Transport1D.MarginalW2Squared(grid, p, atoms, 0, GridMeasure.PiecewiseConstant, normalize: true),
            Is.EqualTo(h * h / 12).Within(1e-14));
    }

    // Sliced W2 of a translate: each projection is a translate by ω·a, so the value is mean_l (ω_l·a)²
    // over the method's own directions; identical for any thread count.
    [Test]
    public void SlicedW2OfTranslateAndThreadInvariance()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 300).Select(_ => random.NextDouble()).ToArray();
        double[] shift = [0.3, -0.7, 0.2];
        var y = x.Select((v, i) => v + shift[i % 3]).ToArray();
        var a = new AtomicMeasure(x, 3);
        var b = new AtomicMeasure(y, 3);
        var omega = Transport1D.Directions(3, 64, 42);
        double expected = 0;
        for (int l = 0; l < 64; l++)
        {
            double s = omega[3 * l] * shift[0] + omega[3 * l + 1] * shift[1] + omega[3 * l + 2] * shift[2];
            expected += s * s / 64;
        }
        int saved = Parallelism.Threads;
        try
        {
            Parallelism.Threads = 1;
            double one = Transport1D.SlicedW2Squared(a, b, 64, 42);
            Parallelism.Threads = 2;
            double two = Transport1D.SlicedW2Squared(a, b, 64, 42);
            Assert.That(two, Is.EqualTo(one));
            Assert.That(one, Is.EqualTo(expected).Within(1e-13));
        }
        finally { Parallelism.Threads = saved; }
    }

    [Test]
    public void BadInputIsNamed()
    {
        Assert.That(() => Transport1D.W2Squared([0.0, 1.0], [0.5, -0.5], [0.0], default),
            Throws.TypeOf<InputException>().With.Message.StartsWith("source.weights[1] = -0.5"));
        Assert.That(() => Transport1D.W2Squared([0.0, 1.0], [0.5, 0.5], [0.0], [1.0 + 1e-9]),
            Throws.TypeOf<InputException>().With.Message.StartsWith("target.totalMass"));
        Assert.That(Transport1D.W2Squared([0.0, 1.0], [0.5, 0.5], [0.0], [2.0], normalize: true), Is.EqualTo(0.5).Within(1e-16));
        Assert.That(() => Transport1D.W2Squared([], default, [0.0], default),
            Throws.TypeOf<InputException>().With.Message.StartsWith("source.positions = empty"));
        Assert.That(() => Measure1D.Cells([0.0, 0.5], [1.0, 2.0], [1.0, 1.0]),
            Throws.TypeOf<InputException>().With.Message.Contains("must not overlap"));
        Assert.That(() => Measure1D.Cells([0.0], [0.0], [1.0]), Throws.TypeOf<InputException>().With.Message.Contains("right > left"));
    }

    private static Measure1D GaussianCells(double mean, double sd, int n)
    {
        const double b = 9;
        var edges = Enumerable.Range(0, n + 1).Select(i => -b + 2 * b * i / n).ToArray();
        var mass = new double[n];
        for (int i = 0; i < n; i++)
            mass[i] = 0.5 * (SpecialFunctions.Erf((edges[i + 1] - mean) / (sd * Math.Sqrt(2))) - SpecialFunctions.Erf((edges[i] - mean) / (sd * Math.Sqrt(2))));
        return Measure1D.FromEdges(edges, mass);
    }

    private static (double[] X, double[] W, double[] Replicated) Replicated(Random random)
    {
        var x = Enumerable.Range(0, 4).Select(_ => random.NextDouble() * 2).ToArray();
        var counts = new int[4];
        for (int k = 0; k < 6; k++) counts[random.Next(3)]++; // atom 3 keeps zero mass
        var rep = new List<double>();
        for (int i = 0; i < 4; i++) for (int c = 0; c < counts[i]; c++) rep.Add(x[i]);
        return (x, counts.Select(c => c / 6.0).ToArray(), rep.ToArray());
    }

    internal static IEnumerable<int[]> Permutations(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        var c = new int[n];
        yield return (int[])p.Clone();
        int i = 0;
        while (i < n)
        {
            if (c[i] < i)
            {
                if (i % 2 == 0) (p[0], p[i]) = (p[i], p[0]);
                else (p[c[i]], p[i]) = (p[i], p[c[i]]);
                yield return (int[])p.Clone();
                c[i]++;
                i = 0;
            }
            else { c[i] = 0; i++; }
        }
    }
}
