using System.Globalization;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Tests.Model;

namespace FokkerPlanckNtk.Tests.Particles;

/// <summary>Particles in the full R^{d+1} against the reduced problem: projections onto S ⊕ u and the ⊥ moments.</summary>
public class ReducedParticleTests
{
    private static readonly double[][] Coefficients = [[0.6, 0.2], [-0.3, 0.7], [0.5, 0.5]];
    private static readonly double[] Targets = [0.4, -0.3, 0.6];

    internal static Problem Problem(Activation activation, int d, double alpha, double lambda, bool nonStandard)
    {
        var q = SpanProblems.Rotation(d, seed: 3);
        var data = SpanProblems.Data(q, Coefficients, Targets);
        var initial = nonStandard ? ReductionTests.NonStandardFactorized(q, 2) : InitialLaw.StandardGaussian(d + 1);
        return new Problem(activation, alpha, lambda, data, initial);
    }

    // Linear activation, d = 10, k = 2, non-standard factorized start, m = 4·10^4, η = 0.01, t = 1. The exact law of the
    // scheme in the mean-field limit is the Euler–Maruyama recursion of the Gaussian moments: for the projections onto
    // S ⊕ u the reduced problem's recursion, for θ_⊥ the closed form OrthogonalFactor.EulerMaruyama. The sample means and
    // covariances of the projections must lie within 4 SE of the former (15 moments), and the three ⊥ statistics within
    // |z| < 4 of the latter. Power: at η = 0.2, λη = 0.1, t = 4 the chain's variances exceed the continuous law's by
    // ≈ 5% (stationary variance 2/(2 − ηλ) = 1.053 instead of 1), which adds ≈ 8·0.05² = 0.02 to ‖ΔC‖_F², fifty of its
    // standard deviations (≈ 4e-4): against the continuous law the covariance statistic must see it (z > 10), against
    // the chain's own law it must not.
    [Test]
    public void ProjectionsAndPerpendicularMomentsMatchTheirExactLaws()
    {
        var problem = Problem(Activation.Linear, 10, 1.0, 0.5, nonStandard: true);
        var reduction = new ReducedProblem(problem);
        const double eta = 0.01;
        var system = new ParticleSystem(problem, 40_000, eta, seed: 5);
        system.AdvanceTo(1.0);
        var (mean, cov) = GaussianMoments.EulerMaruyama(reduction.Reduced, eta, system.Steps);
        var (worst, table) = new MomentCheck(SpanProjection.Coordinates(system, reduction)).Compare(mean, cov);
        TestContext.Out.WriteLine(table);
        Assert.That(worst, Is.LessThan(4), table);
        var perp = OrthogonalMoments.Measure(system, reduction, reduction.Orthogonal.EulerMaruyama(eta, system.Steps));
        TestContext.Out.WriteLine(perp);
        Assert.That(perp.WorstZ, Is.LessThan(4), perp.ToString());
        Assert.That(perp.Dimension, Is.EqualTo(8));

        var coarse = new ParticleSystem(problem, 40_000, 0.2, seed: 5);
        coarse.AdvanceTo(4.0);
        var biased = OrthogonalMoments.Measure(coarse, reduction, reduction.Orthogonal.At(4.0));
        var exact = OrthogonalMoments.Measure(coarse, reduction, reduction.Orthogonal.EulerMaruyama(0.2, coarse.Steps));
        TestContext.Out.WriteLine($"η = 0.2 against the continuous law: {biased}");
        TestContext.Out.WriteLine($"η = 0.2 against its own law: {exact}");
        Assert.That(biased.CovarianceZ, Is.GreaterThan(10));
        Assert.That(exact.WorstZ, Is.LessThan(4), exact.ToString());
    }

    [Test, Explicit("measurement: residual fluctuation across seeds in d = 50")]
    public void MeasureFluctuationInFiftyDimensions()
    {
        var problem = Problem(Activation.Tanh, 50, 2.0, 0.1, nonStandard: true);
        double[] times = [0.25, 0.5, 1.0];
        const int m = 5000, seeds = 16;
        var r = new double[seeds, times.Length, 3];
        var iid = new double[times.Length, 3];
        for (int s = 0; s < seeds; s++)
        {
            var system = new ParticleSystem(problem, m, 1e-3, seed: 100 + s);
            for (int t = 0; t < times.Length; t++)
            {
                system.AdvanceTo(times[t]);
                for (int i = 0; i < 3; i++) r[s, t, i] = system.Residuals[i];
                if (s == 0)
                    for (int i = 0; i < 3; i++) iid[t, i] = IidStandardError(system, i);
            }
        }
        for (int t = 0; t < times.Length; t++)
            for (int i = 0; i < 3; i++)
            {
                double mean = 0, sq = 0;
                for (int s = 0; s < seeds; s++) mean += r[s, t, i] / seeds;
                for (int s = 0; s < seeds; s++) sq += (r[s, t, i] - mean) * (r[s, t, i] - mean) / (seeds - 1);
                TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"t={times[t]} r{i + 1}: seed sd·√m = {Math.Sqrt(sq * m):F3}, iid sd(αuσ) = {iid[t, i] * Math.Sqrt(m):F3}"));
            }
    }

    /// <summary>sd(α u_j σ(θ_j·x_i))/√m: the standard error the residual would have if the particles were independent.</summary>
    internal static double IidStandardError(ParticleSystem system, int i)
    {
        var p = system.Problem;
        int d = p.Dimension, m = system.Count;
        var x = p.Data.X(i);
        double s = 0, s2 = 0;
        for (int j = 0; j < m; j++)
        {
            double dot = 0;
            for (int k = 0; k < d; k++) dot += system.Theta(k)[j] * x[k];
            double v = p.Alpha * system.U[j] * p.Activation.Value(dot);
            s += v;
            s2 += v * v;
        }
        double mean = s / m;
        return Math.Sqrt((s2 / m - mean * mean) / m);
    }
}

public class ReducedParticleAcceptanceTests
{
    // Acceptance (issue 13): tanh (α = 2, λ = 0.1), d = 50, inputs spanning k = 2, a factorized start with a non-standard
    // ⊥ part (48 dimensions), m = 10^5 particles in R^51 (η = 1e-3) against the reduced PDE on 48³ and 64³ cells (k + 1 = 3
    // axes), at t = 0.25, 0.5, 1.
    // Standard error of r_i^m: the particles interact through the residuals, whose feedback damps their fluctuation
    // well below the i.i.d. value sd(αuσ)/√m (measured here: 0.3–0.8 against 1.2, times m^{-1/2}), so it is measured:
    // the standard deviation over 16 seeds at m' = 5000, times √(m'/m) (the m^{-1/2} law of validation/particle-limit;
    // 16 seeds estimate it to ±18%). PDE reference: the 64³ value Richardson-extrapolated with 48³ (order 2), its error
    // taken as the full Richardson correction e_i. Test: |r_i^m − r_i*| ≤ 4·sqrt(SE_i² + e_i²) at every time, for i = 1..3;
    // the seed average at m' (SE/4) passes the same test. The η-bias (~0.14η ≈ 1.4e-4, validation/particle-limit) is a
    // tenth of SE. The ⊥ statistics against the chain's exact law: |z| < 4 at every time.
    // The PDE and the m = 10^5 particles run as fpntk solve and fpntk simulate do (RunSession); the particles' records
    // carry the residuals and the θ_⊥ statistics (orthogonal.csv).
    [Test, Category("Slow")]
    public void TanhInFiftyDimensionsMatchesTheReducedPde()
    {
        var problem = ReducedParticleTests.Problem(Activation.Tanh, 50, 2.0, 0.1, nonStandard: true);
        double[] times = [0.25, 0.5, 1.0];
        var coarse = PdeResiduals(problem, 48, times);
        var fine = PdeResiduals(problem, 64, times);
        const double ratio = 64.0 / 48;
        var pde = new double[times.Length][];
        var gridError = new double[times.Length][];
        for (int t = 0; t < times.Length; t++)
        {
            pde[t] = new double[3];
            gridError[t] = new double[3];
            for (int i = 0; i < 3; i++)
            {
                double correction = (fine[t][i] - coarse[t][i]) / (ratio * ratio - 1);
                pde[t][i] = fine[t][i] + correction;
                gridError[t][i] = Math.Abs(correction);
            }
        }

        const int small = 5000, seeds = 16, m = 100_000;
        var ensemble = new double[seeds][][];
        for (int s = 0; s < seeds; s++)
        {
            var system = new ParticleSystem(problem, small, 1e-3, seed: 100 + s);
            ensemble[s] = times.Select(t => { system.AdvanceTo(t); return system.Residuals.ToArray(); }).ToArray();
        }
        // The grid of a simulate run only carries the particles' binned measures and W2 to p0 (of their projections).
        var simulate = Simulations.ReducedRunTests.Configuration(problem, 24, 1.0, particles: m, step: 1e-3, outputTimes: times, seed: 7);
        var records = RunSession.InMemory(simulate, RunKind.Simulate).Execute().Particles!;
        TestContext.Out.WriteLine("| t | i | r (PDE, extrapolated) | grid error | r^m (m = 10^5) | SE | z | seed mean (m' = 5000) | z |");
        TestContext.Out.WriteLine("|---|---|---|---|---|---|---|---|---|");
        for (int t = 0; t < times.Length; t++)
        {
            var big = records[t + 1]; // records[0] is t = 0
            Assert.That(big.Time, Is.EqualTo(times[t]).Within(0.5e-3), "the particles stand at step round(t/η)");
            for (int i = 0; i < 3; i++)
            {
                var values = ensemble.Select(e => e[t][i]).ToArray();
                double mean = values.Average();
                double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (seeds - 1));
                double se = sd * Math.Sqrt((double)small / m), seMean = sd / Math.Sqrt(seeds);
                double z = (big.Residuals[i] - pde[t][i]) / Math.Sqrt(se * se + gridError[t][i] * gridError[t][i]);
                double zMean = (mean - pde[t][i]) / Math.Sqrt(seMean * seMean + gridError[t][i] * gridError[t][i]);
                TestContext.Out.WriteLine(FormattableString.Invariant(
                    $"| {times[t]} | {i + 1} | {pde[t][i]:F6} | {gridError[t][i]:E2} | {big.Residuals[i]:F6} | {se:E2} | {z:F2} | {mean:F6} | {zMean:F2} |"));
                Assert.That(Math.Abs(z), Is.LessThan(4), $"t = {times[t]}, r_{i + 1}");
                Assert.That(Math.Abs(zMean), Is.LessThan(4), $"t = {times[t]}, seed mean of r_{i + 1}");
            }
            var perp = big.Orthogonal!;
            Assert.That(perp.Dimension, Is.EqualTo(48));
            TestContext.Out.WriteLine($"t = {times[t]}: {perp}");
            Assert.That(perp.WorstZ, Is.LessThan(4), perp.ToString());
        }
    }

    private static double[][] PdeResiduals(Problem problem, int cells, double[] times)
    {
        var config = Simulations.ReducedRunTests.Configuration(problem, cells, 1.0, outputTimes: times);
        var records = RunSession.InMemory(config, RunKind.Solve).Execute().Pde!;
        return records.Skip(1).Select(r => r.Diagnostics.Residuals).ToArray();
    }
}
