using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Tests.Cli;

namespace FokkerPlanckNtk.Tests.Metrics;

/// <summary>
/// The coarsened W2 at the particle counts users run (m = 10⁵..10⁶ of weight 1/m) on coarse grids (8², 16²): box masses are
/// sums of up to m/k rounded weights, so their totals are compared with the allowance of those m terms, not of the k boxes.
/// </summary>
public class CoarseningTests
{
    private const double U = MassBalance.RoundOff;

    /// <summary>m samples of N(0, I₂) (Box–Muller, seeded), weight 1/m each.</summary>
    internal static AtomicMeasure GaussianParticles(int m, int seed)
    {
        var random = new Random(seed);
        var x = new double[2 * m];
        for (int i = 0; i < x.Length; i += 2)
        {
            // Box–Muller: two N(0, 1) coordinates per pair of uniforms.
            double r = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())), a = 2 * Math.PI * random.NextDouble();
            x[i] = r * Math.Cos(a);
            x[i + 1] = r * Math.Sin(a);
        }
        return new AtomicMeasure(x, 2, name: "particles");
    }

    /// <summary>The cell values of N(0, I₂), normalized to mass 1 on the grid.</summary>
    internal static double[] StandardGaussianCells(UniformGrid grid)
    {
        var p = grid.Sample(z => Math.Exp(-0.5 * (z[0] * z[0] + z[1] * z[1])));
        double norm = p.Sum() * grid.CellVolume;
        return p.Select(v => v / norm).ToArray();
    }

    // (particles m, cells per axis): the sweep's sizes and ten times more, on the two coarse grids it failed on.
    private static readonly object[] Sizes = [new object[] { 100_000, 8 }, new object[] { 100_000, 16 }, new object[] { 1_000_000, 8 }, new object[] { 1_000_000, 16 }];

    // A box mass is a Neumaier sum (error ≤ 2u|S| + O(n u²), Higham §4.3) and the coarse total a compensated sum of the boxes
    // (2u), the fine total a compensated sum of the weights (2u): the two totals differ by at most 6u (+ O(m u²) = 1e-26 here).
    // A naive box sum of 10⁵ weights 1/m was off by 1260u (the sweep's failure: 1 + 2.8e-13).
    [TestCaseSource(nameof(Sizes))]
    public void CoarseTotalIsTheFineTotalUpToCompensatedRoundOff(int m, int cells)
    {
        var grid = UniformGrid.Cube(2, cells, 7);
        var particles = GaussianParticles(m, seed: 1);
        foreach (int f in new[] { 1, 2, 4 })
        {
            double[] origin = [-7, -7], side = [f * grid.Spacing(0), f * grid.Spacing(1)];
            var coarse = Coarsening.Apply(particles, origin, side).Coarse;
            Assert.That(Math.Abs(coarse.TotalMass - particles.TotalMass), Is.LessThanOrEqualTo(6 * U * particles.TotalMass), $"blocks of {f}²");
            Assert.That(coarse.RoundedTerms, Is.EqualTo(m + 2), "the coarse measure keeps the m terms' allowance (+2u for the box sums)");

            // The coarse pair of the W2 solve: a grid density against the particles, both coarsened on the same boxes.
            var density = Coarsening.Apply(AtomicMeasure.FromGrid(grid, StandardGaussianCells(grid)).Normalized(), origin, side).Coarse;
            Assert.DoesNotThrow(() => AtomicMeasure.Pair(density, coarse, normalize: false));
        }
    }

    // The facade's path of `fpntk simulate`'s w2_p0 (a 10⁵..10⁶-particle W2 goes to the coarsened bracket on these grids):
    // no refusal, and the certified bracket is consistent with Gelbrich's lower bound W2 ≥ Bures distance of the moments
    // (a theorem for any two measures), computed here from the atoms the solver sees.
    [TestCaseSource(nameof(Sizes))]
    public void ParticlesAgainstACoarseGridGetACertifiedBracket(int m, int cells)
    {
        var grid = UniformGrid.Cube(2, cells, 7);
        var particles = GaussianParticles(m, seed: 1);
        var density = StandardGaussianCells(grid);
        var options = W2Options.ProbabilityMeasures with { Atomic = true };
        var r = Wasserstein.Between(grid, density, particles, options);
        Assert.That(r.Status, Is.EqualTo(TransportStatus.Optimal), r.Message);
        Assert.That(r.Lower, Is.LessThanOrEqualTo(r.Upper));
        double gelbrich = Math.Sqrt(MeasureMoments.BuresSquared(MeasureMoments.Of(AtomicMeasure.FromGrid(grid, density)), MeasureMoments.Of(particles)));
        Assert.That(r.Upper, Is.GreaterThanOrEqualTo(gelbrich * (1 - 1e-12)), r.Message);
    }

    // The sweep's reproduction: `fpntk simulate` with 10⁵ particles on 8² and 16² grids, η = 0.05, seed 1, t ≤ 1 (exit 2 before).
    [TestCase(8)]
    [TestCase(16)]
    public void SimulateWithManyParticlesOnACoarseGridCompletes(int cells)
    {
        string dir = Directory.CreateTempSubdirectory("fpntk-coarsening-").FullName;
        try
        {
            var (code, _, error) = CommandLineTests.Fpntk("simulate", $"--grid:cells={cells}", "--particles:count=100000", "--particles:step=0.05",
                "--particles:seed=1", "--time:end=1", "--output:plots=false", "--out", Path.Combine(dir, "s"));
            Assert.That(code, Is.EqualTo(0), error);
            var table = FokkerPlanckNtk.IO.CsvTable.Read(Path.Combine(dir, "s", "particles.csv"));
            Assert.That(table.Column("w2_p0_upper").All(double.IsFinite), Is.True);
        }
        finally { Directory.Delete(dir, true); }
    }
}
