using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Tests.Support;

namespace FokkerPlanckNtk.Tests.Particles;

public class ReproducibilityTests
{
    private static Problem Problem2 => new(Activation.Tanh, 2.0, 0.1, ParticleSystemTests.Data2);

    private static ParticleSystem RunWith(int threads, int m, int steps, Problem problem, long seed = 42)
    {
        int saved = Parallelism.Threads;
        try
        {
            Parallelism.Threads = threads;
            var system = new ParticleSystem(problem, m, 0.01, seed);
            system.Advance(steps);
            return system;
        }
        finally { Parallelism.Threads = saved; }
    }

    private static long[] Bits(ReadOnlySpan<double> v)
    {
        var b = new long[v.Length];
        for (int i = 0; i < v.Length; i++) b[i] = BitConverter.DoubleToInt64Bits(v[i]);
        return b;
    }

    // Fixed blocks, per-block random streams and block sums combined in block order: the thread count
    // cannot change a bit.
    // d = 50 takes the large-d kernel (k-outer passes, noise drawn row by row); its last block is partial (5000 =
    // 9·512 + 392) and its rows are not multiples of the noise granularity.
    [TestCase(2), TestCase(50)]
    public void OneAndTwoThreadsGiveIdenticalBits(int d)
    {
        var problem = d == 2 ? Problem2 : new Problem(Activation.Tanh, 2.0, 0.1, ParticleSystemTests.RandomData(3, d));
        var one = RunWith(1, 5000, 30, problem);
        var two = RunWith(2, 5000, 30, problem);
        Assert.That(Bits(two.Positions()), Is.EqualTo(Bits(one.Positions())));
        Assert.That(Bits(two.Residuals), Is.EqualTo(Bits(one.Residuals)));
    }

    // The state is (positions, step index, seed): a restored system continues bit for bit.
    [TestCase(1), TestCase(50)]
    public void ResumeFromStateIsBitIdentical(int d)
    {
        var problem = d == 1 ? Problem.Default : new Problem(Activation.Erf, 2.0, 0.1, ParticleSystemTests.RandomData(3, d));
        var straight = RunWith(2, 3000, 20, problem);
        var first = RunWith(2, 3000, 10, problem);
        var resumed = new ParticleSystem(problem, first.Capture());
        Assert.That(Bits(resumed.Residuals), Is.EqualTo(Bits(first.Residuals)));
        resumed.Advance(10);
        Assert.That(resumed.Steps, Is.EqualTo(20));
        Assert.That(Bits(resumed.Positions()), Is.EqualTo(Bits(straight.Positions())));
        Assert.That(Bits(resumed.Residuals), Is.EqualTo(Bits(straight.Residuals)));
    }

    // The hot path allocates nothing: per-thread scratch is reused, the block delegates are cached, and on one
    // thread no Parallel.For runs (with more, only Parallel.For's own bookkeeping allocates).
    [TestCase("tanh", 2), TestCase("erf", 2), TestCase("tanh", 50), TestCase("erf", 50)]
    public void StepsAllocateNothingOnOneThread(string activation, int d)
    {
        var problem = new Problem(Activation.FromName(activation), 1.0, 0.1, d == 2 ? ParticleSystemTests.Data2 : ParticleSystemTests.RandomData(3, d));
        ParticleSystem? system = null;
        long bytes = Allocations.LeastOfWindows(() => (system = new ParticleSystem(problem, 3000, 0.01, 1)).Advance(2), () => system!.Advance(20));
        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public void DifferentSeedsGiveDifferentParticles()
    {
        var a = RunWith(1, 1000, 1, Problem.Default, seed: 1);
        var b = RunWith(1, 1000, 1, Problem.Default, seed: 2);
        Assert.That(a.Positions(), Is.Not.EqualTo(b.Positions()));
    }

    // Output times land on the nearest step: round(t/η), |kη − t| ≤ η/2.
    [Test]
    public void AdvanceToLandsOnTheNearestStep()
    {
        var s = new ParticleSystem(Problem.Default, 10, 0.3, 1);
        s.AdvanceTo(1.0); // 1/0.3 = 3.33 → 3 steps, t = 0.9
        Assert.That(s.Steps, Is.EqualTo(3));
        s.AdvanceTo(1.06); // 3.53 → 4 steps
        Assert.That(s.Steps, Is.EqualTo(4));
        Assert.That(s.Time, Is.EqualTo(1.2).Within(1e-15));
        var e = Assert.Throws<InputException>(() => s.AdvanceTo(0.5))!;
        Assert.That(e.Message, Does.StartWith("time = 0.5:"));
    }
}

public class BadInputTests
{
    private static InputException Fails(Action action) => Assert.Throws<InputException>(action)!;

    [TestCase(0), TestCase(-5)]
    public void CountBelowOne(int m)
    {
        var e = Fails(() => _ = new ParticleSystem(Problem.Default, m, 0.01, 1));
        Assert.That(e.Message, Does.StartWith($"particles.count = {m}:"));
    }

    [TestCase(0.0), TestCase(-0.1), TestCase(double.NaN), TestCase(double.PositiveInfinity)]
    public void StepNotPositive(double eta)
    {
        var e = Fails(() => _ = new ParticleSystem(Problem.Default, 10, eta, 1));
        Assert.That(e.Key, Is.EqualTo("particles.step"));
        Assert.That(e.Message, Does.StartWith($"particles.step = {InputException.Format(eta)}:"));
    }

    [TestCase(-1L), TestCase(1L << 53), TestCase(long.MaxValue)]
    public void SeedOutOfRange(long seed)
    {
        var e = Fails(() => _ = new ParticleSystem(Problem.Default, 10, 0.01, seed));
        Assert.That(e.Message, Does.StartWith($"particles.seed = {seed}:"));
        Assert.That(e.Message, Does.Contain("9007199254740991"));
    }

    [Test]
    public void LargestSeedIsAccepted() =>
        Assert.That(new ParticleSystem(Problem.Default, 10, 0.01, ParticleSystem.MaxSeed).Seed, Is.EqualTo(ParticleSystem.MaxSeed));

    // λη = 2.5 > 2: the Euler–Maruyama factor 1 − λη = −1.5 amplifies every step, so |z| passes the bound
    // 1e8 after ~45 steps; a numerical failure (not bad input) that says what, when, and the key that helps.
    [Test]
    public void ExplodingStepIsReported()
    {
        var s = new ParticleSystem(Problem.Default, 1000, 25, 1);
        var e = Assert.Throws<NumericalFailureException>(() => s.Advance(1000))!;
        Assert.That(e.Keys, Is.EqualTo(new[] { "particles.step" }));
        Assert.That(e.What, Is.EqualTo("the particles"));
        Assert.That(e.Step, Is.EqualTo(s.Steps));
        Assert.That(e.Message, Does.Contain("unstable at η = 25").And.Contain("smaller particles.step"));
        Assert.That(s.Steps, Is.LessThan(100));
    }

    [Test]
    public void StateOfTheWrongShape()
    {
        var state = new ParticleSystem(Problem.Default, 10, 0.01, 1).Capture();
        var e = Fails(() => _ = new ParticleSystem(Problem.Default, state with { Positions = new double[7] }));
        Assert.That(e.Key, Is.EqualTo("particles.state.positions"));
        var bad = (double[])state.Positions.Clone();
        bad[3] = double.NaN;
        e = Fails(() => _ = new ParticleSystem(Problem.Default, state with { Positions = bad }));
        Assert.That(e.Message, Does.StartWith("particles.state.positions[3] = NaN:"));
        var p2 = new Problem(Activation.Tanh, 1, 0.1, ParticleSystemTests.Data2);
        e = Fails(() => _ = new ParticleSystem(p2, state));
        Assert.That(e.Key, Is.EqualTo("particles.state.dimension"));
    }
}
