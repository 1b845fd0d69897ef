using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Tests.Simulations;

public class SimulationTests
{
    private static readonly UniformGrid Grid = UniformGrid.Cube(2, 24, 7);

    private static PdeModel Pde() => new(Problem.Default, Grid);

    private static ParticleModel Particles() => new(Problem.Default, new ParticleOptions(Count: 600, Step: 0.01, Seed: 4));

    [Test]
    public void ScheduledTimesAreEveryCallbacksTimesAndTheStopTime()
    {
        var simulation = new Simulation(2);
        simulation.Callbacks.Add(new Callback(new TimeInterval(0.5), _ => { }));
        simulation.Callbacks.Add(new Callback(new SpecifiedTimes(0.3, 1.0, 7), _ => { }));
        simulation.Callbacks.Add(new Callback(new IterationInterval(3), _ => { }));
        Assert.That(simulation.ScheduledTimes, Is.EqualTo(new[] { 0, 0.3, 0.5, 1, 1.5, 2 }));
        Assert.That(new Simulation(1).ScheduledTimes, Is.EqualTo(new[] { 1.0 }), "the stop time is always scheduled");
    }

    // k·Δ, not a running sum: 0.1·30 is one ulp above 3 and still counts as the stop time (relative 1e-12).
    [Test]
    public void TimeIntervalEndsExactlyAtTheStopTime()
    {
        var times = new TimeInterval(0.1).Times(3);
        Assert.That(times, Has.Count.EqualTo(31));
        Assert.That(times[^1], Is.EqualTo(3.0));
        Assert.That(times[7], Is.EqualTo(7 * 0.1));
    }

    // At a scheduled time every model stands there (the PDE exactly, the particles at step round(t/η)), then the
    // callbacks run in the order they were added; step callbacks run after steps only.
    [Test]
    public void CallbacksRunInOrderWithEveryModelAtTheScheduledTime()
    {
        var (pde, particles) = (Pde(), Particles());
        var simulation = new Simulation(0.25, pde, particles);
        var log = new List<string>();
        var times = new SpecifiedTimes(0, 0.1, 0.25);
        simulation.Callbacks.Add(new Callback(times, s => log.Add($"a {s.Time} {pde.Time} {particles.Steps}")));
        simulation.Callbacks.Add(new Callback(times, s => log.Add($"b {s.Time}")));
        long stepsSeen = 0;
        simulation.Callbacks.Add(new Callback(new IterationInterval(5, "particles"), s =>
        {
            Assert.That(s.SteppingModel, Is.SameAs(particles));
            Assert.That(particles.Steps % 5, Is.Zero);
            stepsSeen++;
        }));
        simulation.Run();
        Assert.That(log, Is.EqualTo(new[] { "a 0 0 0", "b 0", "a 0.1 0.1 10", "b 0.1", "a 0.25 0.25 25", "b 0.25" }));
        Assert.That(stepsSeen, Is.EqualTo(5), "particle steps 5, 10, …, 25");
        Assert.That(simulation.TimesDone, Is.EqualTo(3));
    }

    /// <summary>PDE and particle series with a comparison, as the run builds them.</summary>
    private static (Simulation Simulation, TimeSeries<PdeRecord> Pde, TimeSeries<ParticleRecord> Particles, TimeSeries<ComparisonRecord> Comparison) Build(
        Checkpointer? checkpointer)
    {
        var (pde, particles) = (Pde(), Particles());
        var simulation = new Simulation(0.4, pde, particles) { Checkpointer = checkpointer };
        var times = new TimeInterval(0.1);
        var p = simulation.Record("pde", times, () => pde.Record());
        var m = simulation.Record("particles", times, () => particles.Record(Grid));
        var c = simulation.Record("comparison", times, () => ComparisonRecord.Between(p[^1], m[^1], Grid));
        return (simulation, p, m, c);
    }

    // A run cancelled in the middle (checkpoint written by the cancellation) and picked up by a new simulation ends
    // with records bit-identical to an uninterrupted run's: models and series restart from the checkpoint exactly.
    [Test]
    public void PickupAfterCancellationIsBitIdentical()
    {
        string dir = Directory.CreateTempSubdirectory("fpntk-pickup-").FullName;
        try
        {
            var reference = Build(null);
            reference.Simulation.Run();

            var interrupted = Build(new Checkpointer(dir));
            using var cancel = new CancellationTokenSource();
            interrupted.Simulation.Callbacks.Add(new Callback(new IterationInterval(17, "particles"), _ => cancel.Cancel()));
            Assert.That(() => interrupted.Simulation.Run(cancellation: cancel.Token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(interrupted.Pde.Count, Is.InRange(1, 4), "cancelled in the middle");

            var resumed = Build(new Checkpointer(dir));
            resumed.Simulation.Run(pickup: true);
            Assert.That(resumed.Pde.Select(r => r.Density), Is.EqualTo(reference.Pde.Select(r => r.Density)));
            Assert.That(resumed.Pde.Select(r => r.Diagnostics.Residuals), Is.EqualTo(reference.Pde.Select(r => r.Diagnostics.Residuals)));
            Assert.That(resumed.Particles.Select(r => r.Positions), Is.EqualTo(reference.Particles.Select(r => r.Positions)));
            Assert.That(resumed.Comparison.ToArray(), Is.EqualTo(reference.Comparison.ToArray()));
            Assert.That(resumed.Pde.Times, Is.EqualTo(reference.Pde.Times));
        }
        finally { Directory.Delete(dir, true); }
    }

    // The density the solver returns is a copy: held at t = 0.5, it is unchanged after the solver advances to t = 1
    // (before, it was the live buffer that the next steps swapped and overwrote).
    [Test]
    public void DensityIsACopyThatLaterStepsDoNotChange()
    {
        var solver = new PdeSolver(new FiniteVolumeModel(Problem.Default, Grid));
        solver.AdvanceTo(0.5);
        var held = solver.Density;
        var copy = (double[])held.Clone();
        solver.AdvanceTo(1);
        Assert.That(held, Is.EqualTo(copy));
        Assert.That(solver.Density.Zip(held, (a, b) => Math.Abs(a - b)).Max(), Is.GreaterThan(1e-6), "the solution did move");
    }

    // A run needs no folder: in memory it returns the same typed results a folder run writes.
    [Test]
    public void RunsInMemoryWithoutAFolder()
    {
        var config = RunConfiguration.Read(new ConfigurationTree(new Dictionary<string, string?>
        {
            ["grid:cells"] = "24", ["particles:count"] = "500", ["particles:step"] = "0.01", ["time:end"] = "0.2",
            ["time:outputTimes:0"] = "0.1",
        }));
        var results = RunSession.InMemory(config, RunKind.Run).Execute();
        Assert.That(results.Times, Is.EqualTo(new[] { 0, 0.1, 0.2 }));
        Assert.That(results.Pde, Has.Count.EqualTo(3));
        Assert.That(results.Particles, Has.Count.EqualTo(3));
        Assert.That(results.Comparison, Has.Count.EqualTo(3));
        Assert.That(results.Ntk![0].Residuals, Is.EqualTo(new[] { -0.2, -0.6, 0.3, -0.4 }).Within(1e-12), "r(0) = −y for p0 (quadrature round-off)");
        Assert.That(results.Pde![2].Diagnostics.Time, Is.EqualTo(0.2));
    }

    // time.stepper = auto resolves per problem (feedback rate (2α²/n)λ_max(H) against 10× the transport rate at
    // t = 0, and it grows like α²): the default problem (α = 2) runs ssprk3, α = 1024 the implicit-feedback stepper.
    // The manifest records what the solver resolved, and keeps it across a resume.
    [TestCase(2.0, "ssprk3")]
    [TestCase(1024.0, "implicitfeedback")]
    public void TheManifestRecordsTheResolvedStepper(double alpha, string expected)
    {
        string dir = Path.Combine(Path.GetTempPath(), "fpntk-stepper-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = RunConfiguration.Read(new ConfigurationTree(new Dictionary<string, string?>
            {
                ["grid:cells"] = "16", ["time:end"] = "0.001", ["problem:alpha"] = alpha.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
            Assert.That(config.Time.Stepper, Is.EqualTo(StepperKind.Auto));
            var session = RunSession.Start(config, RunKind.Solve, dir);
            Assert.That(session.Stepper, Is.EqualTo(expected));
            Assert.That(FokkerPlanckNtk.IO.RunManifest.Read(dir).Resolved["time.stepper"], Is.EqualTo(expected));
            Assert.That(session.Execute().Stepper, Is.EqualTo(expected));
            Assert.That(RunSession.Resume(dir).Stepper, Is.EqualTo(expected), "a resumed run resolves the same way");
            Assert.That(FokkerPlanckNtk.IO.RunManifest.Read(dir).Resolved["time.stepper"], Is.EqualTo(expected));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }
}
