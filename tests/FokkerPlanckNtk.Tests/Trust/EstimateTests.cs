using System.Diagnostics;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Tests.Trust;

/// <summary>Issue 9, defects 3, 5 and 6: up-front estimates (memory, steps, η-stability) and cancellable transport.</summary>
public class EstimateTests
{
    private static RunConfiguration With(params (string Key, string Value)[] values) =>
        RunConfiguration.Read(new ConfigurationTree(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))));

    // Defect 5: a grid that cannot fit is refused before anything is allocated (well under a second).
    [Test]
    public void HugeGridIsRefusedAtOnce()
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InputException>(() => ResourceEstimate.RequireMemory(With(("grid:cells", "12000")), "solve"))!;
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(1));
        Assert.That(e.Message, Does.Contain("GB").And.Contain("grid.cells"));
        Assert.DoesNotThrow(() => ResourceEstimate.RequireMemory(RunConfiguration.Default, "run"));
    }

    // Defect 5: α = 1e6 makes the residual feedback (2α²/n)λ_max(H) ~ 1e11 stiff: the explicit step is ~5e-12.
    [Test]
    public void AbsurdStepCountIsAnnounced()
    {
        var config = With(("problem:alpha", "1e6"), ("grid:cells", "16"), ("time:end", "0.01"), ("time:stepper", "ssprk3"));
        var solver = new FokkerPlanckNtk.FiniteVolume.PdeSolver(new FokkerPlanckNtk.FiniteVolume.FiniteVolumeModel(config.Problem.ToProblem(), config.Grid.ToGrid()), config.Time.ToSolverOptions());
        var warning = ResourceEstimate.StepWarning(solver, config);
        Assert.That(warning, Does.Contain("the PDE needs about").And.Contain("problem.alpha = 1E+06"));
        Assert.That(ResourceEstimate.StepWarning(new FokkerPlanckNtk.FiniteVolume.PdeSolver(new FokkerPlanckNtk.FiniteVolume.FiniteVolumeModel(
            RunConfiguration.Default.Problem.ToProblem(), UniformGrid.Cube(2, 16, 7))), RunConfiguration.Default), Is.Null);
    }

    // Defect 6: ηλ alone is 1 at η = 10 (the particles freeze); with the feedback the step diverges: refused.
    [Test]
    public void UnstableParticleStepIsRefusedAndABiasedOneWarned()
    {
        Assert.That(() => ParticleStability.Check(With(("particles:step", "10"))),
            Throws.TypeOf<InputException>().With.Message.Contains("particles.step = 10"));
        double l = ParticleStability.Lipschitz(RunConfiguration.Default);
        Assert.That(l, Is.GreaterThan(0.1), "at least λ");
        Assert.That(ParticleStability.Check(With(("particles:step", (0.5 / l).ToString("R", System.Globalization.CultureInfo.InvariantCulture)))),
            Does.Contain("bias"));
        Assert.That(ParticleStability.Check(RunConfiguration.Default), Is.Null, "the default step is accurate");
    }

    // Defect 3: a cancelled token stops the transport solvers within a pivot interval.
    [Test]
    public void TransportObservesCancellation()
    {
        var random = new Random(5);
        var x = Enumerable.Range(0, 2 * 3000).Select(_ => random.NextDouble()).ToArray();
        var y = Enumerable.Range(0, 2 * 3000).Select(_ => random.NextDouble() + 0.5).ToArray();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var options = W2Options.Default with { Cancellation = cancelled.Token };
        Assert.That(() => Wasserstein.Between(new AtomicMeasure(x, 2), new AtomicMeasure(y, 2), options), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(() => NetworkSimplex.Solve(new AtomicMeasure(x[..200], 2), new AtomicMeasure(y[..200], 2), cancellation: cancelled.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }

    // Defect 3: the method follows the cost estimate: 128² cells against 10⁵ particles is not solved exactly.
    [Test]
    public void CostEstimatePicksTheMethod()
    {
        Assert.That(Wasserstein.EstimatedExactSeconds(128 * 128, 10_000), Is.LessThan(W2Options.Default.ExactSecondsBudget));
        Assert.That(Wasserstein.EstimatedExactSeconds(128 * 128, 100_000), Is.GreaterThan(W2Options.Default.ExactSecondsBudget));
    }
}
