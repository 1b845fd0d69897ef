using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Tests.Trust;

/// <summary>
/// Issue 9's scale suite: the product's commands at the sizes users run (validation/scale/run.sh measures the
/// same cases for wall time and peak memory; the table is validation/scale/README.md). Each must complete with
/// every output time, its files, and W2 columns that are numbers or brackets (never NaN).
/// </summary>
[Category("Slow")]
[NonParallelizable]
public class ScaleTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-scale-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    private string Run(string table, params string[] args)
    {
        string outDir = Path.Combine(_dir, "o");
        var (code, _, error) = Cli.CommandLineTests.Fpntk([.. args, "--out", outDir]);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(RunManifest.Read(outDir).Status, Is.EqualTo(RunManifest.Completed));
        var csv = File.ReadAllText(Path.Combine(outDir, table));
        Assert.That(csv, Does.Not.Contain("NaN"));
        Assert.That(CsvTable.Read(Path.Combine(outDir, table)).Rows, Has.Count.EqualTo(11), "t = 0 and the 10 default output times");
        return outDir;
    }

    [TestCase(100_000, "0.5")]
    [TestCase(1_000_000, "0.1")]
    public void SimulateAtScale(int m, string end) =>
        Run("particles.csv", "simulate", $"--particles:count={m}", $"--time:end={end}", "--output:plots=false");

    [Test]
    public void RunOn128SquaredWith1e5Particles() =>
        Run("comparison.csv", "run", "--grid:cells=128", "--particles:count=100000", "--time:end=0.5");

    [Test]
    public void SolveD2On64Cubed()
    {
        string dir = Run("pde.csv", "solve", "--config", Path.Combine(TestContext.CurrentContext.TestDirectory, "..", "..", "..", "..", "..",
            "validation", "scale", "d2.json"), "--grid:cells=64", "--time:end=0.5", "--output:plots=false");
        var pde = CsvTable.Read(Path.Combine(dir, "pde.csv"));
        var lower = pde.Column("w2_p0_lower");
        var upper = pde.Column("w2_p0_upper");
        for (int k = 0; k < lower.Length; k++) Assert.That(lower[k], Is.LessThanOrEqualTo(upper[k]));
    }

    [Test]
    public void SolveD3On32ToTheFourth() =>
        Run("pde.csv", "solve", "--config", Path.Combine(TestContext.CurrentContext.TestDirectory, "..", "..", "..", "..", "..",
            "validation", "scale", "d3.json"), "--grid:cells=32", "--time:end=0.25", "--output:plots=false");
}
