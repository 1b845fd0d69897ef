using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Tests.Metrics;

public class NetworkSimplexTests
{
    // Agreement with the independent exact methods: both sides are exact algorithms in floating point,
    // so they agree to round-off (measured: 3.0e-16 brute force, 2.7e-16 assignment, 1.8e-15 min-cost
    // flow, relative); the issue asks for 1e-9.
    private const double Agreement = 1e-9;

    [Test]
    public void MatchesBruteForceOnTinySets()
    {
        var random = new Random(101);
        double worst = 0;
        for (int trial = 0; trial < 100; trial++)
        {
            int n = 2 + trial % 5, k = 2 + trial % 2;
            var x = Points(random, n, k);
            var y = Points(random, n, k);
            if (trial % 2 == 0) RepeatSome(random, x, y, k);
            var solution = Solve(x, null, y, null, k);
            double expected = ReferenceSolvers.BruteForce(x, y, k);
            Assert.That(solution.Cost, Is.EqualTo(expected).Within(Agreement * (1 + expected)), $"trial {trial}");
            worst = Math.Max(worst, Math.Abs(solution.Cost - expected) / (1 + expected));
        }
        TestContext.Out.WriteLine($"largest relative difference {worst:E1}");
    }

    [Test]
    public void MatchesAssignmentSolverOnEqualWeights()
    {
        var random = new Random(202);
        double worst = 0;
        for (int trial = 0; trial < 100; trial++)
        {
            int n = 10 + trial % 31, k = 2 + trial % 2;
            double[] x, y;
            if (trial % 3 == 0)
            {
                // Lattice points: many equal costs, a highly degenerate problem.
                x = Lattice(random, n, k);
                y = Lattice(random, n, k);
            }
            else
            {
                x = Points(random, n, k);
                y = Points(random, n, k);
                RepeatSome(random, x, y, k);
            }
            var solution = Solve(x, null, y, null, k);
            double expected = ReferenceSolvers.Assignment(x, y, k);
            Assert.That(solution.Cost, Is.EqualTo(expected).Within(Agreement * (1 + expected)), $"trial {trial}");
            worst = Math.Max(worst, Math.Abs(solution.Cost - expected) / (1 + expected));
        }
        TestContext.Out.WriteLine($"largest relative difference {worst:E1}");
    }

    [Test]
    public void MatchesMinCostFlowOnWeightedSets()
    {
        var random = new Random(303);
        double worst = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            int n1 = 1 + random.Next(25), n2 = 1 + random.Next(25), k = 1 + trial % 4;
            var x = trial % 4 == 0 ? Lattice(random, n1, k) : Points(random, n1, k);
            var y = trial % 4 == 0 ? Lattice(random, n2, k) : Points(random, n2, k);
            if (trial % 2 == 1) RepeatSome(random, x, y, k);
            var a = Masses(random, n1, zeros: trial % 3 == 0);
            var b = Masses(random, n2, zeros: trial % 5 == 0);
            double sa = a.Sum(), sb = b.Sum();
            for (int j = 0; j < n2; j++) b[j] *= sa / sb;
            var solution = Solve(x, a, y, b, k);
            double expected = ReferenceSolvers.MinCostFlow(x, a, y, b, k);
            Assert.That(solution.Cost, Is.EqualTo(expected).Within(Agreement * (1 + expected)), $"trial {trial}");
            worst = Math.Max(worst, Math.Abs(solution.Cost - expected) / (1 + expected));
        }
        TestContext.Out.WriteLine($"largest relative difference {worst:E1}");
    }

    // The certificate: marginals of the plan equal the masses (round-off), the plan's cost is the
    // reported cost, dual feasibility holds to round-off, and the gap vanishes to round-off
    // (bounds: 1e-13 of the total mass, of the cost scale).
    [Test]
    public void PlanAndCertificateAreConsistent()
    {
        var random = new Random(404);
        for (int trial = 0; trial < 50; trial++)
        {
            int n1 = 5 + random.Next(60), n2 = 5 + random.Next(60), k = 2 + trial % 2;
            var x = Points(random, n1, k);
            var y = Points(random, n2, k);
            RepeatSome(random, x, y, k);
            var a = Masses(random, n1, zeros: true);
            var b = Masses(random, n2, zeros: trial % 2 == 0);
            var s = NetworkSimplex.Solve(new AtomicMeasure(x, k, a, "source"), new AtomicMeasure(y, k, b, "target"), normalize: true);
            Assert.That(s.Status, Is.EqualTo(TransportStatus.Optimal), s.Message);
            var rows = new double[n1];
            var cols = new double[n2];
            double cost = 0;
            Assert.That(s.Plan, Has.Count.LessThanOrEqualTo(n1 + n2 - 1));
            foreach (var p in s.Plan)
            {
                Assert.That(p.Mass, Is.GreaterThan(0));
                rows[p.Source] += p.Mass;
                cols[p.Target] += p.Mass;
                cost += p.Mass * ReferenceSolvers.SquaredDistance(x, p.Source, y, p.Target, k);
            }
            for (int i = 0; i < n1; i++) Assert.That(rows[i], Is.EqualTo(a[i] / a.Sum()).Within(1e-13));
            for (int j = 0; j < n2; j++) Assert.That(cols[j], Is.EqualTo(b[j] / b.Sum()).Within(1e-13));
            Assert.That(cost, Is.EqualTo(s.Cost).Within(1e-14 * (1 + cost)));
            Assert.That(s.MaxViolation, Is.LessThan(1e-13));
            Assert.That(Math.Abs(s.DualityGap), Is.LessThan(1e-13));
            foreach (var p in s.Plan)
                Assert.That(s.SourcePotentials[p.Source] + s.TargetPotentials[p.Target],
                    Is.EqualTo(ReferenceSolvers.SquaredDistance(x, p.Source, y, p.Target, k)).Within(1e-12));
        }
    }

    // Fully degenerate inputs: every atom at one point (all costs equal), a lattice against itself
    // (W2 = 0) and against a translate (W2² = |a|² exactly: the translation plan is optimal).
    [Test]
    public void DegenerateInputsTerminate()
    {
        var same = Enumerable.Repeat(new[] { 0.5, -0.5 }, 60).SelectMany(p => p).ToArray();
        var other = Enumerable.Repeat(new[] { 1.5, 1.5 }, 40).SelectMany(p => p).ToArray();
        var s = NetworkSimplex.Solve(new AtomicMeasure(same, 2), new AtomicMeasure(other, 2));
        Assert.That(s.Status, Is.EqualTo(TransportStatus.Optimal));
        Assert.That(s.Cost, Is.EqualTo(1 + 4).Within(1e-13));

        var lattice = new List<double>();
        for (int i = 0; i < 12; i++) for (int j = 0; j < 12; j++) lattice.AddRange([i, j]);
        var l = lattice.ToArray();
        var shifted = l.Select((v, idx) => v + (idx % 2 == 0 ? 1 : 0)).ToArray();
        var self = NetworkSimplex.Solve(new AtomicMeasure(l, 2), new AtomicMeasure(l, 2));
        Assert.That(self.Cost, Is.EqualTo(0).Within(1e-15));
        var moved = NetworkSimplex.Solve(new AtomicMeasure(l, 2), new AtomicMeasure(shifted, 2));
        Assert.That(moved.Status, Is.EqualTo(TransportStatus.Optimal));
        Assert.That(moved.Cost, Is.EqualTo(1).Within(1e-13));
    }

    [Test]
    public void IterationCapIsReportedNotSilent()
    {
        var random = new Random(505);
        var x = Points(random, 40, 2);
        var y = Points(random, 40, 2);
        var s = NetworkSimplex.Solve(new AtomicMeasure(x, 2), new AtomicMeasure(y, 2), maxIterations: 5);
        Assert.That(s.Status, Is.EqualTo(TransportStatus.IterationLimit));
        Assert.That(s.Iterations, Is.EqualTo(5));
        Assert.That(s.Message, Does.Contain("iteration cap 5"));
        Assert.That(s.MaxViolation, Is.GreaterThan(0));
        var full = NetworkSimplex.Solve(new AtomicMeasure(x, 2), new AtomicMeasure(y, 2));
        Assert.That(full.Status, Is.EqualTo(TransportStatus.Optimal));
        Assert.That(full.IterationLimit, Is.EqualTo(NetworkSimplex.DefaultIterationLimit(40, 40)));
    }

    [Test]
    public void BadInputIsNamed()
    {
        double[] p = [0, 0, 1, 1];
        Assert.That(() => NetworkSimplex.Solve(new AtomicMeasure(p, 2, [0.5, -0.5], "source"), new AtomicMeasure(p, 2)),
            Throws.TypeOf<InputException>().With.Message.StartsWith("source.weights[1] = -0.5: masses must be finite and non-negative"));
        Assert.That(() => new AtomicMeasure(p, 2, [double.NaN, 1], "target"),
            Throws.TypeOf<InputException>().With.Message.StartsWith("target.weights[0] = NaN"));
        Assert.That(() => new AtomicMeasure([], 2, null, "source"),
            Throws.TypeOf<InputException>().With.Message.StartsWith("source.positions = empty"));
        Assert.That(() => NetworkSimplex.Solve(new AtomicMeasure(p, 2, null, "source"), new AtomicMeasure(p, 1, null, "target")),
            Throws.TypeOf<InputException>().With.Message.StartsWith("target.dimension = 1: must equal the dimension of source (2)"));
        // Totals of 2 weights agree up to (2 + 2)u each (MassBalance): 4e-15 is not round-off.
        var heavy = new AtomicMeasure(p, 2, [0.5, 0.5 + 4e-15], "target");
        Assert.That(() => NetworkSimplex.Solve(new AtomicMeasure(p, 2, null, "source"), heavy),
            Throws.TypeOf<InputException>().With.Message.StartsWith("target.totalMass"));
        // Within round-off the totals count as equal: the target is rescaled to the source total, so
        // mass 0.5 − 0.5/(1 + δ) moves across the distance² 2 (δ = 2u, one ulp of 0.5 + 0.5).
        double delta = 2 * MassBalance.RoundOff;
        var close = new AtomicMeasure(p, 2, [0.5, 0.5 + delta], "target");
        Assert.That(NetworkSimplex.Solve(new AtomicMeasure(p, 2), close).Cost,
            Is.EqualTo(2 * (0.5 - 0.5 / (1 + delta))).Within(1e-30));
        var double2 = new AtomicMeasure([0, 0, 3, 4], 2, [2, 0], "target");
        Assert.That(NetworkSimplex.Solve(new AtomicMeasure(p, 2), double2, normalize: true).Cost, Is.EqualTo(0.5 * 2).Within(1e-15));
    }

    internal static TransportSolution Solve(double[] x, double[]? a, double[] y, double[]? b, int k)
    {
        var s = NetworkSimplex.Solve(new AtomicMeasure(x, k, a, "source"), new AtomicMeasure(y, k, b, "target"));
        Assert.That(s.Status, Is.EqualTo(TransportStatus.Optimal), s.Message);
        return s;
    }

    internal static double[] Points(Random random, int n, int k) =>
        Enumerable.Range(0, n * k).Select(_ => 4 * random.NextDouble() - 2).ToArray();

    internal static double[] Lattice(Random random, int n, int k) =>
        Enumerable.Range(0, n * k).Select(_ => (double)random.Next(4)).ToArray();

    // Copies some points within and across the two sets (repeated atoms).
    internal static void RepeatSome(Random random, double[] x, double[] y, int k)
    {
        int n1 = x.Length / k, n2 = y.Length / k;
        for (int r = 0; r < Math.Max(1, Math.Min(n1, n2) / 3); r++)
        {
            int i = random.Next(n1), j = random.Next(n2);
            Array.Copy(x, i * k, y, j * k, k);
            int i2 = random.Next(n1);
            Array.Copy(x, i * k, x, i2 * k, k);
        }
    }

    internal static double[] Masses(Random random, int n, bool zeros)
    {
        var m = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.3 ? 1.0 : random.NextDouble()).ToArray();
        if (zeros && n > 1) for (int r = 0; r < n / 3; r++) m[random.Next(n)] = 0;
        if (m.Sum() == 0) m[0] = 1;
        return m;
    }
}
