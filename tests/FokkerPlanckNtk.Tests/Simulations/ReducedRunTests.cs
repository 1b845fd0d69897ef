using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Tests.FiniteVolume;

namespace FokkerPlanckNtk.Tests.Simulations;

/// <summary>Runs (the path of fpntk run/solve/simulate) on inputs in R^10 spanning k = 2 dimensions, against exact answers in R^11.</summary>
public class ReducedRunTests
{
    /// <summary>The run configuration of a problem on a cube of N^(k+1) cells, outputs at t = 0 and <paramref name="end"/>.</summary>
    internal static RunConfiguration Configuration(Problem problem, int cells, double end, int particles = 2000, double step = 1e-3,
        ReductionOptions? reduction = null, double[]? outputTimes = null, long seed = 5)
    {
        var settings = new ProblemSettings(problem.Activation, problem.Alpha, problem.Lambda, problem.Data, problem.Initial)
        {
            Reduction = reduction ?? ReductionOptions.Default,
        };
        int axes = settings.ToReducedProblem().GridDimension;
        return RunConfiguration.Default with
        {
            Problem = settings,
            Grid = new GridSettings(Enumerable.Repeat(cells, axes).ToArray(), Enumerable.Repeat(7.0, axes).ToArray()),
            Time = new TimeSettings(end, outputTimes ?? [end], 0.5, FokkerPlanckNtk.FiniteVolume.StepperKind.Auto),
            Particles = new ParticleSettings(particles, step, seed),
        };
    }

    // Acceptance (issue 13) through the run: linear activation, d = 10, k = 2, a non-standard factorized initial Gaussian
    // (⊥ part: 8 dimensions, shifted mean, variances 0.5–1.4, correlated). Exact reference: the Gaussian moment ODE
    // integrated in the full 11 dimensions (DormandPrince, 1e-13).
    // - PDE on the reduced 20³ grid: the residuals, KL(p_t‖p0) and χ²(p_t‖p0) of the full problem (KL and χ² composed
    //   from the grid's and the ⊥ factor's) within 1.25 × the reduced grid's own error at 20³, measured for this problem
    //   (validation/span-reduction: max|dr| 5.5e-3, KL 7.2e-3, χ² 4.3e-2, each order 2.0 to 60³, no floor).
    // - Particles in R^11 (m = 2000, η = 1e-3): each r_i^m within 4 standard errors of the exact r_i, the SE from the
    //   particles' own α·sd(u_j θ_j·x_i)/√m (i.i.d. formula; the particles' feedback only lowers the fluctuation) plus the
    //   Euler–Maruyama bias O(η) taken as η·max|dr/dt| ≲ 1e-3 (negligible here).
    // - θ_⊥ of the particles: the three z-scores of orthogonal moments against the chain's exact law, |z| < 4.5.
    [Test]
    public void LinearInTenDimensionsMatchesTheFullMomentOde()
    {
        var problem = ReducedPdeTests.LinearTenDimensional(nonStandard: true);
        var config = Configuration(problem, 20, 1.0);
        var session = RunSession.InMemory(config, RunKind.Run);
        Assert.That(session.Reduction.GridDimension, Is.EqualTo(3));
        var results = session.Execute();
        var ode = new GaussianMomentOde(problem);
        var exact = ode.At(1.0);
        var rExact = ode.Residuals(exact);
        var p0 = GaussianLaw.Standard(11);

        var pde = results.Pde![^1];
        double dr = pde.Diagnostics.Residuals.Zip(rExact, (a, b) => Math.Abs(a - b)).Max();
        double klError = Math.Abs(pde.Diagnostics.KlP0 - GaussianDistances.KullbackLeibler(exact, p0));
        double chi2Exact = GaussianDistances.ChiSquared(exact, p0);
        double chi2Error = Math.Abs(pde.Diagnostics.Chi2P0 - chi2Exact);
        TestContext.Out.WriteLine(FormattableString.Invariant(
            $"PDE 20³: max|dr| {dr:E3}, KL error {klError:E3}, χ² {pde.Diagnostics.Chi2P0:G6} vs {chi2Exact:G6} (error {chi2Error:E3})"));
        Assert.That(dr, Is.LessThan(1.25 * 5.51e-3));
        Assert.That(klError, Is.LessThan(1.25 * 7.25e-3));
        Assert.That(chi2Error, Is.LessThan(1.25 * 4.26e-2), "χ²: measured 4.26e-2 at 20³, order 2.0 to 60³");

        var particles = results.Particles![^1];
        Assert.That(particles.Positions, Has.Length.EqualTo(2000 * 3), "the projections (ζ_1, ζ_2, u)");
        var inputs = session.Reduction.Reduced.Data;
        for (int i = 0; i < 3; i++)
        {
            var x = inputs.X(i).ToArray();
            var values = Enumerable.Range(0, 2000).Select(j =>
                problem.Alpha * particles.Positions[3 * j + 2] * (particles.Positions[3 * j] * x[0] + particles.Positions[3 * j + 1] * x[1])).ToArray();
            double mean = values.Average(), se = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) / values.Length);
            double z = (particles.Residuals[i] - rExact[i]) / se;
            TestContext.Out.WriteLine(FormattableString.Invariant($"r_{i + 1}: particles {particles.Residuals[i]:F5}, exact {rExact[i]:F5}, SE {se:E2}, z {z:F2}"));
            Assert.That(Math.Abs(particles.Residuals[i] - rExact[i]), Is.LessThan(4 * se + 1e-3));
        }
        foreach (var record in results.Particles!)
        {
            var o = record.Orthogonal!;
            TestContext.Out.WriteLine(FormattableString.Invariant($"t = {record.Time}: θ_⊥ z = {o.MeanZ:F2}, {o.CovarianceZ:F2}, {o.CrossZ:F2}"));
            Assert.That(o.Dimension, Is.EqualTo(8));
            Assert.That(o.WorstZ, Is.LessThan(4.5));
        }
        Assert.That(results.Comparison![^1].MaxResidualDifference, Is.EqualTo(
            pde.Diagnostics.Residuals.Zip(particles.Residuals, (a, b) => Math.Abs(a - b)).Max()));
    }

    // The W2 of the run's records is the full problem's: W2²(p_t, p0) = W2²(q_t, p0 on S ⊕ u) + W2²_⊥ (W2² adds over
    // orthogonal factors; FactorDistances, tested against the Gaussian closed forms in ReductionTests). Here the q-part
    // is recomputed from the record's own density on the reduced grid (the facade's W2 of the piecewise-constant densities
    // on this 3D grid against the discrete p0 of the same grid, deterministic), so the record must equal the composition to round-off; for the particles the
    // ⊥ part is the Euler–Maruyama chain's exact law. The ⊥ part is far from p0 (W2²_⊥ > 0.05), so the test sees it.
    [Test]
    public void W2OfTheRecordsAddsTheOrthogonalFactor()
    {
        var problem = ReducedPdeTests.LinearTenDimensional(nonStandard: true);
        var config = Configuration(problem, 18, 0.5, particles: 400, step: 1e-2);
        var session = RunSession.InMemory(config, RunKind.Run);
        var results = session.Execute();
        var reduction = session.Reduction;
        var grid = config.Grid.ToGrid();
        var reference = FokkerPlanckNtk.Particles.ParticleMeasures.DiscreteStandardGaussian(grid);
        var pde = results.Pde![^1];
        double perp = reduction.Orthogonal.At(pde.Time).DistancesToStandard().W2Squared;
        Assert.That(perp, Is.GreaterThan(0.05));
        var q = Wasserstein.Between(grid, pde.Density, reference, W2Options.ProbabilityMeasures);
        Assert.That(q.Method, Does.StartWith(FokkerPlanckNtk.Metrics.SemiDiscrete.GridTransport.Method), "the W2 of the densities (or its certified bracket at the work cap)");
        Assert.That(pde.W2P0.Value, Is.EqualTo(Math.Sqrt(q.W2 * q.W2 + perp)).Within(1e-9));
        Assert.That(pde.W2P0.Method, Does.Contain("θ_⊥"));

        var particles = results.Particles![^1];
        double chain = reduction.ParticleOrthogonalDistances(config.Particles.Step, particles.Steps).W2Squared;
        var atoms = FokkerPlanckNtk.Particles.ParticleMeasures.Atoms(particles.Positions, 3);
        var m = Wasserstein.Between(grid, reference, atoms, W2Options.ProbabilityMeasures);
        Assert.That(particles.W2P0.Value, Is.EqualTo(Math.Sqrt(m.W2 * m.W2 + chain)).Within(1e-9));
    }

    // The spectral solver on the reduced problem (k + 1 = 3 axes, within its d ≤ 2): linear activation, d = 10, k = 2,
    // p0 start, against the moment ODE in 11 dimensions. Measured max|dr| at t = 1: 2.9e-10 with 8 or 12 Hermite modes
    // per axis at the default time tolerance τ = 1e-8 (8 vs 12 modes differ by 6e-12: the basis is converged and the
    // error is the time integration's). So the error must follow τ: at τ = 1e-10 it falls at least tenfold (no floor
    // from the reduction), and it stays below 10τ·t at both.
    [Test]
    public void SpectralSolverOnTheSpanMatchesTheFullMomentOde()
    {
        var problem = ReducedPdeTests.LinearTenDimensional(nonStandard: false);
        var ode = new GaussianMomentOde(problem);
        var exact = ode.Residuals(ode.At(1.0));
        double Error(int modes, double tolerance)
        {
            var config = Configuration(problem, 16, 1.0) with { Solver = new SolverSettings(SolverSettings.SpectralKind, [modes, modes, modes]) };
            config = config with { Time = config.Time with { Tolerance = tolerance } };
            var r = RunSession.InMemory(config, RunKind.Solve).Execute().Pde![^1].Diagnostics.Residuals;
            return r.Zip(exact, (a, b) => Math.Abs(a - b)).Max();
        }
        double loose = Error(12, 1e-8), tight = Error(12, 1e-10);
        TestContext.Out.WriteLine(FormattableString.Invariant($"spectral max|dr|, 12 modes: τ = 1e-8 {loose:E3}, τ = 1e-10 {tight:E3}"));
        Assert.That(loose, Is.LessThan(1e-7));
        Assert.That(tight, Is.LessThan(1e-9));
        Assert.That(tight, Is.LessThan(0.1 * loose));
    }

    // A reduced run's particle records keep their θ_⊥ statistics through a checkpoint (the record codec), so a resumed
    // run writes the same orthogonal.csv.
    [Test]
    public void OrthogonalStatisticsSurviveTheCheckpointCodec()
    {
        var problem = ReducedPdeTests.LinearTenDimensional(nonStandard: true);
        var config = Configuration(problem, 12, 0.05, particles: 200, step: 1e-2);
        var record = RunSession.InMemory(config, RunKind.Simulate).Execute().Particles![^1];
        var codec = RecordCodecs.For<FokkerPlanckNtk.Particles.ParticleRecord>()!;
        var archive = new ArrayArchive();
        codec.Save(record, archive);
        var back = codec.Load(archive);
        Assert.That(back.Orthogonal, Is.EqualTo(record.Orthogonal));
        Assert.That(back.Positions, Is.EqualTo(record.Positions));
        Assert.That(back.W2P0, Is.EqualTo(record.W2P0));
    }
}
