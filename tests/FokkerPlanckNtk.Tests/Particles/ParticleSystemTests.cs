using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Tests.Particles;

public class ParticleSystemTests
{
    internal static readonly DataSet Data2 = new(
        [[0.3, 0.4], [0.8, -0.2], [-0.5, 0.5], [0.1, -0.9]], [0.5, -0.3, 0.2, 0.7]);

    private static InitialLaw Shifted(int d) => d == 1
        ? InitialLaw.Gaussian([0.8, -0.5], new[,] { { 0.6, 0.2 }, { 0.2, 1.5 } })
        : InitialLaw.Gaussian([0.8, -0.3, -0.5], new[,] { { 0.6, 0.1, 0.2 }, { 0.1, 0.9, -0.15 }, { 0.2, -0.15, 1.5 } });

    private static Problem LinearProblem(int d, double alpha) =>
        new(Activation.Linear, alpha, 0.3, d == 1 ? DataSet.Default : Data2, Shifted(d));

    // Acceptance: m = 10^5, t = 1, η = 1e-3. The exact law is the Gaussian of DESIGN.md §3 (the closed
    // form for OU, the moment ODE integrated by Dormand–Prince at rtol 1e-13 for the linear activation). The EM bias
    // at η = 1e-3 is ~λη/2 ≈ 1.5e-4 in the covariances (measured below), under a tenth of the standard
    // errors (~5e-3), so the sample moments must lie within 4 SE of the continuous law.
    [TestCase(1, 0.0), TestCase(1, 1.0), TestCase(2, 0.0), TestCase(2, 1.0)]
    public void SampleMomentsMatchExactGaussianAtTimeOne(int d, double alpha)
    {
        var problem = LinearProblem(d, alpha);
        var system = new ParticleSystem(problem, 100_000, 1e-3, seed: 7);
        system.AdvanceTo(1.0);
        Assert.That(system.Time, Is.EqualTo(1.0).Within(1e-12));
        var exact = alpha == 0
            ? GaussianMomentOde.OrnsteinUhlenbeck(problem.Initial, problem.Lambda, 1.0)
            : new GaussianMomentOde(problem).At(1.0);
        var (worst, table) = new MomentCheck(system).Compare(exact.Mean, exact.Covariance);
        Assert.That(worst, Is.LessThan(4), table);
        TestContext.Out.WriteLine(table);
    }

    // The residuals are the empirical network's: r_i = (α/m) Σ_j u_j σ(θ_j·x_i) − y_i, summed here by brute
    // force with the scalar activation. The kernels differ from Math.Tanh etc. by a few ulp and the sums by
    // their order: a relative error ~1e-15 of Σ|terms|, so 1e-13 of it is safe.
    [TestCase("tanh"), TestCase("sigmoid"), TestCase("erf"), TestCase("linear")]
    public void ResidualsEqualBruteForceSums(string activation)
    {
        var problem = new Problem(Activation.FromName(activation), 1.5, 0.2, Data2, Shifted(2));
        var system = new ParticleSystem(problem, 1300, 0.01, seed: 3); // 3 blocks, the last one partial
        system.Advance(3);
        var (r, scale) = BruteResiduals(system);
        for (int i = 0; i < r.Length; i++)
            Assert.That(system.Residuals[i], Is.EqualTo(r[i]).Within(1e-13 * scale[i]), $"r_{i + 1}");
        Assert.That(system.Loss, Is.EqualTo(r.Sum(v => v * v) / r.Length).Within(1e-12));
    }

    // One step against a scalar transcription of z ← z − η∇Ψ_m(z) + sqrt(2λη)ξ (DESIGN.md §2), with the same
    // normals (stream (seed, step, block)). Only round-off separates them: 1e-12 absolute on O(1) values.
    [TestCase("tanh", 2), TestCase("erf", 2), TestCase("sigmoid", 2), TestCase("linear", 2)]
    [TestCase("tanh", 1), TestCase("tanh", 3), TestCase("tanh", 4), TestCase("erf", 4), TestCase("sigmoid", 50), TestCase("linear", 7)]
    public void StepEqualsScalarEulerMaruyama(string activation, int dimension)
    {
        var problem = dimension == 2
            ? new Problem(Activation.FromName(activation), 1.5, 0.2, Data2, Shifted(2))
            : new Problem(Activation.FromName(activation), 1.5, 0.2, RandomData(5, dimension));
        const double eta = 0.01;
        var system = new ParticleSystem(problem, 1300, eta, seed: 11);
        system.Advance(2);
        var before = system.Positions();
        var r = system.Residuals.ToArray();
        long k = system.Steps;
        system.Step();
        var after = system.Positions();

        int d = problem.Dimension, dim = d + 1, n = problem.SampleCount, m = system.Count;
        var sigma = problem.Activation;
        double lambda = problem.Lambda, s = Math.Sqrt(2 * lambda * eta);
        for (int b = 0; b * ParticleSystem.BlockSize < m; b++)
        {
            int start = b * ParticleSystem.BlockSize, len = Math.Min(ParticleSystem.BlockSize, m - start);
            var xi = new double[ParticleNoise.Padded(dim * len)];
            ParticleNoise.Normals(ParticleNoise.Key(system.Seed, 1, k, b), xi);
            for (int jl = 0; jl < len; jl++)
            {
                int j = start + jl;
                var z = before.AsSpan(j * dim, dim);
                var grad = new double[dim];
                for (int i = 0; i < n; i++)
                {
                    var x = problem.Data.X(i);
                    double dot = 0;
                    for (int q = 0; q < d; q++) dot += z[q] * x[q];
                    double c = 2 * problem.Alpha / n * r[i];
                    for (int q = 0; q < d; q++) grad[q] += c * z[d] * sigma.D1(dot) * x[q];
                    grad[d] += c * sigma.Value(dot);
                }
                for (int q = 0; q < dim; q++)
                {
                    double expected = z[q] - eta * (grad[q] + lambda * z[q]) + s * xi[q * len + jl];
                    Assert.That(after[j * dim + q], Is.EqualTo(expected).Within(1e-12), $"particle {j}, coordinate {q}");
                }
            }
        }
    }

    // Initial positions: z = μ + Lξ from the initial law; m = 10^5 sample moments within 4 SE.
    [Test]
    public void InitialPositionsFollowTheInitialLaw()
    {
        var problem = LinearProblem(2, 1.0);
        var system = new ParticleSystem(problem, 100_000, 0.1, seed: 5);
        var (worst, table) = new MomentCheck(system).Compare(problem.Initial.Mean, problem.Initial.Covariance);
        Assert.That(worst, Is.LessThan(4), table);
    }

    /// <summary>n inputs in the unit ball of R^d and targets in [−1, 1] (fixed pseudo-random values).</summary>
    internal static DataSet RandomData(int n, int d)
    {
        var rng = new Random(2024 + d);
        var x = new List<IReadOnlyList<double>>();
        for (int i = 0; i < n; i++)
        {
            var row = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            double norm = Math.Sqrt(row.Sum(v => v * v));
            x.Add(row.Select(v => v / Math.Max(1, norm)).ToArray());
        }
        return new DataSet(x, Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray());
    }

    internal static (double[] R, double[] Scale) BruteResiduals(ParticleSystem system)
    {
        var p = system.Problem;
        int d = p.Dimension, dim = d + 1, m = system.Count;
        var z = system.Positions();
        var r = new double[p.SampleCount];
        var scale = new double[p.SampleCount];
        for (int i = 0; i < r.Length; i++)
        {
            var x = p.Data.X(i);
            double s = 0, a = 0;
            for (int j = 0; j < m; j++)
            {
                double dot = 0;
                for (int q = 0; q < d; q++) dot += z[j * dim + q] * x[q];
                double term = z[j * dim + d] * p.Activation.Value(dot);
                s += term;
                a += Math.Abs(term);
            }
            r[i] = p.Alpha * s / m - p.Data.Yi(i);
            scale[i] = p.Alpha * a / m + Math.Abs(p.Data.Yi(i));
        }
        return (r, scale);
    }
}
