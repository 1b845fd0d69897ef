using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Tests.Metrics;

/// <summary>
/// The sampling floor (<see cref="SamplingFloor"/>): samples of the piecewise-constant density, and the mean and standard
/// deviation of their W2 to the density, by the method the product uses (semi-discrete in 2D).
/// </summary>
public class SamplingFloorTests
{
    private static double[] Bump(UniformGrid grid)
    {
        var p = new double[grid.Count];
        var z = new double[2];
        for (int c = 0; c < grid.Count; c++)
        {
            grid.Center(c, z);
            p[c] = Math.Exp(-0.5 * ((z[0] - 0.3) * (z[0] - 0.3) / 1.2 + (z[1] + 0.2) * (z[1] + 0.2) / 0.8));
        }
        double mass = p.Sum() * grid.CellVolume;
        return p.Select(v => v / mass).ToArray();
    }

    // One sample y against the density: every plan moves all of the density to y, so W2² = |y − μ|² + tr Σ exactly (μ, Σ the
    // density's exact moments). The floor's mean and sd over R repetitions must be those of the R closed forms at the same
    // samples (drawn again from the same keys): round-off and the semi-discrete bracket, 1e-9 relative.
    [Test]
    public void OneSampleHasTheClosedFormOfAPointMass()
    {
        var grid = UniformGrid.Cube(2, 16, 3);
        var p = Bump(grid);
        var moments = MeasureMoments.Of(grid, p);
        double trace = moments.Covariance[0, 0] + moments.Covariance[1, 1];
        const int repetitions = 5;
        var exact = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            var y = SamplingFloor.Sample(grid, p, 1, ParticleNoise.Key(42, SamplingFloor.Stream, 7, r));
            double d2 = (y[0] - moments.Mean[0]) * (y[0] - moments.Mean[0]) + (y[1] - moments.Mean[1]) * (y[1] - moments.Mean[1]);
            exact[r] = Math.Sqrt(d2 + trace);
        }
        double mean = exact.Average();
        double sd = Math.Sqrt(exact.Sum(v => (v - mean) * (v - mean)) / (repetitions - 1));
        var floor = SamplingFloor.Measure(grid, p, 1, repetitions, 42, 7, W2Options.ProbabilityMeasures);
        Assert.That(floor.Mean, Is.EqualTo(mean).Within(1e-9 * mean));
        Assert.That(floor.Sd, Is.EqualTo(sd).Within(1e-9 * mean));
        Assert.That(floor.Sd, Is.GreaterThan(0), "distinct repetitions draw distinct samples");
    }

    // The samples follow the piecewise-constant density: their mean and covariance match its exact moments (cell-centre
    // moments plus Δ²/12 within the cells) within 5 standard errors (the sample mean's s.e. is √(Σ_kk/m); the sample
    // variance's is √(2/m) Σ_kk for a near-Gaussian law, 4th moment ≈ 3Σ²), and every sample lies in a cell of positive mass.
    [Test]
    public void SamplesFollowThePiecewiseConstantDensity()
    {
        var grid = UniformGrid.Cube(2, 32, 4);
        var p = Bump(grid);
        for (int c = 0; c < grid.Count; c++) if (c % 7 == 0) p[c] = 0; // holes the sampler must avoid
        double mass = p.Sum() * grid.CellVolume;
        p = p.Select(v => v / mass).ToArray();
        const int m = 40_000;
        var x = SamplingFloor.Sample(grid, p, m, ParticleNoise.Key(1, SamplingFloor.Stream, 0, 0));
        var exact = MeasureMoments.Of(grid, p);
        var sample = MeasureMoments.Of(new AtomicMeasure(x, 2));
        for (int k = 0; k < 2; k++)
        {
            double variance = exact.Covariance[k, k];
            Assert.That(sample.Mean[k], Is.EqualTo(exact.Mean[k]).Within(5 * Math.Sqrt(variance / m)), $"mean {k}");
            Assert.That(sample.Covariance[k, k], Is.EqualTo(variance).Within(5 * Math.Sqrt(2.0 / m) * variance), $"variance {k}");
        }
        var h = ParticleMeasures.Histogram(grid, x);
        for (int c = 0; c < grid.Count; c++) if (p[c] == 0) Assert.That(h[c], Is.Zero, $"cell {c} has no mass");
    }

    // An independent method on a small case: each repetition's samples (drawn again from the same keys) against the density
    // refined into r×r atoms per cell at the sub-cell centres, exact network simplex on all pairs. That atomic measure is
    // within h/(r√6) in W2 of the density (every sub-cell's uniform mass to its centre), so by the triangle inequality each
    // repetition, and hence the mean, agrees within h/(r√6) plus the semi-discrete bracket's half-width (≤ 1e-9).
    [Test]
    public void FloorAgreesWithTheNetworkSimplexOnRefinedAtoms()
    {
        var grid = UniformGrid.Cube(2, 4, 1);
        var p = Bump(grid);
        const int m = 40, repetitions = 4, r = 8;
        var floor = SamplingFloor.Measure(grid, p, m, repetitions, 5, 3, W2Options.ProbabilityMeasures);
        var x = new List<double>();
        var w = new List<double>();
        var lower = new double[2];
        double h = grid.Spacing(0);
        for (int c = 0; c < grid.Count; c++)
        {
            lower[0] = -1 + c / grid.Stride(0) * h;
            lower[1] = -1 + c % grid.Stride(0) * h;
            for (int a = 0; a < r; a++)
                for (int b = 0; b < r; b++)
                {
                    x.Add(lower[0] + (a + 0.5) * h / r);
                    x.Add(lower[1] + (b + 0.5) * h / r);
                    w.Add(p[c] * grid.CellVolume / (r * r));
                }
        }
        var refined = new AtomicMeasure(x.ToArray(), 2, w.ToArray(), "refined");
        double mean = 0;
        for (int k = 0; k < repetitions; k++)
        {
            var samples = new AtomicMeasure(SamplingFloor.Sample(grid, p, m, ParticleNoise.Key(5, SamplingFloor.Stream, 3, k)), 2, null, "samples");
            var exact = Wasserstein.Between(refined, samples, W2Options.ProbabilityMeasures);
            Assert.That(exact.Method, Is.EqualTo(Wasserstein.ExactSimplex));
            mean += exact.W2 / repetitions;
        }
        Assert.That(floor.Mean, Is.EqualTo(mean).Within(h / (r * Math.Sqrt(6)) + 1e-9));
    }

    // Keys (seed, stream, step, repetition) fix the samples: the same floor with one thread and with two.
    [Test]
    public void FloorDoesNotDependOnTheThreadCount()
    {
        var grid = UniformGrid.Cube(2, 16, 3);
        var p = Bump(grid);
        int saved = Parallelism.Threads;
        try
        {
            Parallelism.Threads = 1;
            var one = SamplingFloor.Measure(grid, p, 300, 3, 9, 11, W2Options.ProbabilityMeasures);
            Parallelism.Threads = 2;
            var two = SamplingFloor.Measure(grid, p, 300, 3, 9, 11, W2Options.ProbabilityMeasures);
            Assert.That((two.Mean, two.Sd), Is.EqualTo((one.Mean, one.Sd)));
        }
        finally { Parallelism.Threads = saved; }
    }

    // The product's path: a default `run` (here on 16² cells, 300 particles) records the floor at every output time, the
    // same numbers SamplingFloor gives for the PDE record's density, m, the default repetitions, particles.seed and the step.
    [Test]
    public void RunsRecordTheFloorAtEveryOutputTime()
    {
        var config = FokkerPlanckNtk.Configuration.RunConfiguration.Default with
        {
            Grid = new FokkerPlanckNtk.Configuration.GridSettings([16, 16], [7.0, 7.0]),
            Time = new FokkerPlanckNtk.Configuration.TimeSettings(0.1, [0.1], 0.5, FokkerPlanckNtk.FiniteVolume.StepperKind.Auto),
            Particles = new FokkerPlanckNtk.Configuration.ParticleSettings(300, 1e-2, 3),
            Output = FokkerPlanckNtk.Configuration.RunConfiguration.Default.Output with { DiagnosticsRows = 0, FloorRepetitions = 2 },
        };
        var run = FokkerPlanckNtk.Runs.RunSession.InMemory(config, FokkerPlanckNtk.Runs.RunKind.Run).Execute();
        var grid = config.Grid.ToGrid();
        for (int k = 0; k < run.Times.Length; k++)
        {
            var c = run.Comparison![k];
            var floor = SamplingFloor.Measure(grid, run.Pde![k].Density, 300, 2, 3,
                run.Particles![k].Steps, config.Output.W2Options);
            Assert.That((c.W2Floor, c.W2FloorSd), Is.EqualTo((floor.Mean, floor.Sd)), $"t = {run.Times[k]}");
            Assert.That(c.W2Floor, Is.GreaterThan(0));
        }
    }

    // Timing of the default run's floor (128² cells, p0, 10⁴ samples): not a test.
    [Test, Explicit]
    public void MeasureDefaultSize()
    {
        var grid = UniformGrid.Cube(2, 128, 7);
        var p = ParticleMeasures.DiscreteStandardGaussian(grid);
        var floor = SamplingFloor.Measure(grid, p, 10_000, 2, 1, 0, W2Options.ProbabilityMeasures);
        TestContext.Out.WriteLine($"floor {floor.Mean:G6} ± {floor.Sd:G2} in {floor.Seconds:F1} s ({floor.Seconds / 2:F1} s per repetition)");
    }
}
