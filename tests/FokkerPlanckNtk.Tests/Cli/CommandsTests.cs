using System.Text.Json;
using FokkerPlanckNtk.Cli;
using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Tests.Cli;

/// <summary>The analysis commands end to end on small problems: files and JSON of INTERFACE.md.</summary>
public class CommandsTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-commands-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    private static (int Code, string Output, string Error) Fpntk(params string[] args) => CommandLineTests.Fpntk(args);

    [Test]
    public void StationaryWritesTheContractJson()
    {
        var (code, output, error) = Fpntk("stationary", "--grid:cells=24", "--output:plots=false", "--out", _dir + "/s");
        Assert.That(code, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "s", "stationary.json")));
        var root = json.RootElement;
        Assert.That(root.GetProperty("converged").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("residuals").GetArrayLength(), Is.EqualTo(4));
        // The file's own numbers are consistent: loss = mean r², free energy = loss + λ KL (λ = 0.1).
        var r = root.GetProperty("residuals").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.That(root.GetProperty("loss").GetDouble(), Is.EqualTo(r.Average(v => v * v)).Within(1e-15));
        Assert.That(root.GetProperty("free_energy").GetDouble(),
            Is.EqualTo(root.GetProperty("loss").GetDouble() + 0.1 * root.GetProperty("kl_p0").GetDouble()).Within(1e-15));
        Assert.That(root.GetProperty("iterations").GetInt32(), Is.GreaterThan(0));
        Assert.That(output, Does.Contain("stationary state (whole space)"));
        Assert.That(RunManifest.Read(Path.Combine(_dir, "s")).Status, Is.EqualTo(RunManifest.Completed));
    }

    // w2_bounds.csv: grid_atomic = sqrt(Σ_k Δ_k²/12) from the grid (Δ = 14/24 here), talagrand = sqrt(2 kl_p0)
    // from pde.csv, and Talagrand's inequality holds against the bracket at every output time (a theorem for
    // the standard Gaussian p0; the bracket makes the check valid for the atomic grid measures).
    [Test]
    public void SolveChecksTalagrandAgainstTheGridBracket()
    {
        var (code, _, error) = Fpntk("solve", "--grid:cells=24", "--time:end=0.5", "--output:plots=false", "--out", _dir + "/t");
        Assert.That(code, Is.EqualTo(0), error);
        var bounds = CsvTable.Read(Path.Combine(_dir, "t", "w2_bounds.csv"));
        var pde = CsvTable.Read(Path.Combine(_dir, "t", "pde.csv"));
        double delta = 14.0 / 24;
        for (int k = 0; k < bounds.Rows.Count; k++)
        {
            Assert.That(bounds.Column("grid_atomic")[k], Is.EqualTo(Math.Sqrt(2 * delta * delta / 12)).Within(1e-15));
            Assert.That(bounds.Column("talagrand")[k], Is.EqualTo(Math.Sqrt(2 * pde.Column("kl_p0")[k])).Within(1e-15));
            Assert.That(bounds.Column("talagrand_holds")[k], Is.EqualTo(1));
        }
    }

    [Test]
    public void NtkWritesSpectrumAndPrediction()
    {
        var (code, _, error) = Fpntk("ntk", "--output:plots=false", "--out", _dir + "/n");
        Assert.That(code, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "n", "ntk.json")));
        var eigen = json.RootElement.GetProperty("eigenvalues").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.That(eigen, Has.Length.EqualTo(4));
        Assert.That(eigen, Is.Ordered);
        var ntk = CsvTable.Read(Path.Combine(_dir, "n", "ntk.csv"));
        // At t = 0 the prediction is r(0) = −y for p0 (f(p0, ·) = 0): exact up to the quadrature (~1e-13).
        Assert.That(ntk.Rows[0][3..], Is.EqualTo(new[] { -0.2, -0.6, 0.3, -0.4 }).Within(1e-12));
        Assert.That(ntk.Column("loss"), Is.Ordered.Descending);
    }

    // INTERFACE.md: w2 --json prints one object with w2, w2_squared, kl, chi2, method, status, seconds.
    [Test]
    public void W2PrintsTheContractJson()
    {
        File.WriteAllText(Path.Combine(_dir, "a.csv"), "x1\n0\n1\n");
        File.WriteAllText(Path.Combine(_dir, "b.csv"), "x1\n0.5\n1.5\n");
        var (code, output, error) = Fpntk("w2", Path.Combine(_dir, "a.csv"), Path.Combine(_dir, "b.csv"), "--json");
        Assert.That(code, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        foreach (var key in new[] { "w2", "w2_squared", "kl", "chi2", "method", "status", "seconds" })
            Assert.That(root.TryGetProperty(key, out _), Is.True, key);
        // Two equal-weight atoms shifted by 0.5: W2 = 0.5 exactly (sorted matching).
        Assert.That(root.GetProperty("w2").GetDouble(), Is.EqualTo(0.5).Within(1e-15));
        Assert.That(root.GetProperty("kl").ValueKind, Is.EqualTo(JsonValueKind.Null), "KL is undefined between different atoms");
        var missing = Fpntk("w2", Path.Combine(_dir, "a.csv"), Path.Combine(_dir, "none.csv"));
        Assert.That(missing.Code, Is.EqualTo(FpntkCommandLine.InputError));
        Assert.That(missing.Error, Does.Contain("none.csv"));
    }

    [Test]
    public void SimulateWritesParticleFiles()
    {
        var (code, _, error) = Fpntk("simulate", "--particles:count=300", "--time:end=0.05", "--time:outputTimes:0=0.02",
            "--grid:cells=16", "--output:plots=false", "--out", _dir + "/m");
        Assert.That(code, Is.EqualTo(0), error);
        var particles = CsvTable.Read(Path.Combine(_dir, "m", "particles.csv"));
        Assert.That(particles.Columns, Is.EqualTo(new[] { "t", "loss", "kl_p0", "chi2_p0", "w2_p0", "r1", "r2", "r3", "r4", "w2_p0_lower", "w2_p0_upper" }));
        Assert.That(particles.Column("t"), Is.EqualTo(new[] { 0, 0.02, 0.05 }));
        Assert.That(File.Exists(Path.Combine(_dir, "m", "pde.csv")), Is.False);
        var snapshots = SnapshotFile.Read(Path.Combine(_dir, "m", "snapshots.h5"));
        Assert.That(snapshots.ParticlePositions[2], Has.Length.EqualTo(300 * 2));
    }

    [Test]
    public void ReferenceWritesALoadableFile()
    {
        var (code, output, error) = Fpntk("reference", "--grid:cells=16", "--time:end=0.1", "--out", _dir + "/r");
        Assert.That(code, Is.EqualTo(0), error);
        var reference = ReferenceSolution.Load(Path.Combine(_dir, "r", "reference.json"));
        Assert.That(reference.Grid.Cells, Is.EqualTo(new[] { 32, 32 }));
        Assert.That(output, Does.Contain("reference.json"));
    }

    [Test]
    public void StudyListsTheLibraryStudies()
    {
        var (code, output, _) = Fpntk("study");
        Assert.That(code, Is.EqualTo(0));
        foreach (var study in StudyCommand.Discover()) Assert.That(output, Does.Contain(study.Name));
        Assert.That(StudyCommand.Discover().Select(s => s.Name), Does.Contain("grid-convergence"));
        Assert.That(Fpntk("study", "no-such-study").Code, Is.Not.EqualTo(0));
    }
}
