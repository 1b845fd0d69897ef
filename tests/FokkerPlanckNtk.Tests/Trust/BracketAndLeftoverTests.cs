using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Runs;

namespace FokkerPlanckNtk.Tests.Trust;

/// <summary>
/// Issue 9, defects 10, 7 and 8: a W2 known only as a wide bracket is written as a bracket (empty value, lower and
/// upper columns; never NaN); disk-full errors are named as such; unfinished files of killed processes are removed.
/// </summary>
public class BracketAndLeftoverTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-bracket-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    // The case of the issue: on 64³ w2_p0 read 0.291 ± 0.291 at t = 0 (truly 0).
    [Test]
    public void WideBracketsAreNotNumbers()
    {
        var wide = new W2Value(0.291, 0.291, "coarsened");
        Assert.That(wide.IsNumber, Is.False);
        Assert.That(double.IsNaN(wide.Shown), Is.True);
        Assert.That((wide.Lower, wide.Upper), Is.EqualTo((0.0, 0.582)));
        Assert.That(new W2Value(0.5, 0.004, "coarsened").Shown, Is.EqualTo(0.5), "a bracket within 1 % is a number");
        Assert.That(new W2Value(0, 0, "exact").Shown, Is.EqualTo(0), "exact zero");
    }

    [Test]
    public void PdeTableWritesTheBracket()
    {
        double[] r = [0, 0, 0, 0];
        PdeRecord Record(double t, W2Value w2) => new(new PdeDiagnostics(t, 1, 1, 0, 0, 1, 0, 0, r), 0, [], w2);
        var table = RunTables.Pde([0, 1], [Record(0, new W2Value(0.291, 0.291, "coarsened")), Record(1, new W2Value(0.4, 0.001, "coarsened"))]);
        string path = Path.Combine(_dir, "pde.csv");
        table.Write(path);
        var lines = File.ReadAllLines(path);
        Assert.That(lines[0], Does.EndWith(",w2_p0_lower,w2_p0_upper"));
        Assert.That(lines[1].Split(',')[5], Is.Empty, "w2_p0 is empty where only the bracket is known");
        Assert.That(lines[1], Does.EndWith(",0,0.582"));
        Assert.That(lines[2].Split(',')[5], Is.EqualTo("0.4"));
        Assert.That(File.ReadAllText(path), Does.Not.Contain("NaN"));
        var back = CsvTable.Read(path);
        Assert.That(double.IsNaN(back.Column("w2_p0")[0]), Is.True, "an empty field reads back as missing");
    }

    // w2 --json: a wide bracket is null with a reason, and the bracket itself (w2_lower, w2_upper).
    [Test]
    public void W2JsonShowsTheBracket()
    {
        var report = new FokkerPlanckNtk.Metrics.DistanceReport(0.0488, 0.0488 * 0.0488, null, null, "coarsened", "optimal", 1) { ErrorBound = 0.0488 };
        using var json = System.Text.Json.JsonDocument.Parse(report.ToJson());
        Assert.That(json.RootElement.GetProperty("w2").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
        Assert.That(json.RootElement.GetProperty("w2_reason").GetString(), Does.Contain("bracket"));
        Assert.That(json.RootElement.GetProperty("w2_upper").GetDouble(), Is.EqualTo(0.0976));
        Assert.That(report.ToString(), Does.Contain("W2       in [0, 0.0976] (certified bracket)"));
    }

    // ENOSPC is recognized by its errno (28 on Linux) and by the system message.
    [Test]
    public void DiskFullIsRecognized()
    {
        Assert.That(AtomicFile.IsDiskFull(new IOException("No space left on device : '/x'", 28)), Is.True);
        Assert.That(AtomicFile.IsDiskFull(new IOException("permission denied", 13)), Is.False);
    }

    // Defect 8: a kill -9 during a write leaves NAME.partial-PID; resuming removes it.
    [Test]
    public void ResumeRemovesUnfinishedFiles()
    {
        string run = Path.Combine(_dir, "run");
        var (code, _, error) = Cli.CommandLineTests.Fpntk("solve", "--grid:cells=16", "--time:end=0.05", "--output:plots=false", "--out", run);
        Assert.That(code, Is.EqualTo(0), error);
        // Make it look killed during the final write: manifest running, a stale partial file of another process.
        var manifest = RunManifest.Read(run);
        (manifest with { Status = RunManifest.Running }).Write(run);
        File.WriteAllText(Path.Combine(run, "snapshots.h5" + AtomicFile.PartialMarker + "99999"), "half");
        Directory.CreateDirectory(Path.Combine(run, RunSession.CheckpointFolder));
        var resumed = Cli.CommandLineTests.Fpntk("resume", run);
        Assert.That(resumed.Code, Is.EqualTo(0), resumed.Error);
        Assert.That(Directory.GetFiles(run, "*" + AtomicFile.PartialMarker + "*", SearchOption.AllDirectories), Is.Empty);
        Assert.That(resumed.Error, Does.Contain("removed 1 unfinished file").And.Contain("restarts from t = 0"));
    }
}
