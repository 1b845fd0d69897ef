using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Tests.Trust;

/// <summary>
/// Issue 9, defect 4: a truncation of the initial law far below the grid's own discretization error is a recorded
/// warning (manifest, report, log), not a refusal; above it, or above grid.maxOutsideMass, a refusal.
/// </summary>
public class TruncationTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-truncation-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    // N((1, −0.5), diag(0.5, 2)) on [−8, 8]²: P(u < −8) = Φ(−7.5/√2) = 5.7e-8 is lost, while 32 cells per axis
    // (Δ = 0.5) have a discretization error Σ (Δ/σ)²/24 = (0.5 + 0.125)/24 = 0.026.
    private static readonly string[] OrnsteinUhlenbeck =
    [
        "solve", "--problem:alpha=0", "--problem:initial:kind=gaussian", "--problem:initial:mean:0=1", "--problem:initial:mean:1=-0.5",
        "--problem:initial:covariance:0:0=0.5", "--problem:initial:covariance:0:1=0", "--problem:initial:covariance:1:0=0",
        "--problem:initial:covariance:1:1=2", "--grid:halfWidth=8", "--grid:cells=32", "--time:end=0.01", "--output:plots=false",
    ];

    [Test]
    public void SmallTruncationIsAWarning()
    {
        string run = Path.Combine(_dir, "ou");
        var (code, _, error) = Cli.CommandLineTests.Fpntk([.. OrnsteinUhlenbeck, "--out", run]);
        Assert.That(code, Is.EqualTo(0), error);
        var manifest = RunManifest.Read(run);
        Assert.That(manifest.Warnings, Has.Count.EqualTo(1));
        Assert.That(manifest.Warnings[0], Does.Contain("a mass of 5.7").And.Contain("0.026"));
        Assert.That(error, Does.Contain("warning: grid.halfWidth = 8,8"));
        Assert.That(File.ReadAllText(Path.Combine(run, "report.html")), Does.Contain("Warning: grid.halfWidth = 8,8"));
    }

    [Test]
    public void TheLimitIsAKey()
    {
        var (code, _, error) = Cli.CommandLineTests.Fpntk([.. OrnsteinUhlenbeck, "--grid:maxOutsideMass=1e-9", "--out", Path.Combine(_dir, "x")]);
        Assert.That(code, Is.EqualTo(FokkerPlanckNtk.Cli.FpntkCommandLine.InputError));
        Assert.That(error, Does.Contain("more than grid.maxOutsideMass = 1E-09"));
    }

    // fpntk reference follows the same rule with either solver (the same key, the same message): above grid.maxOutsideMass
    // a refusal naming grid.halfWidth; below it a warning (the spectral solver's default limit is 1e-8: its cell averages
    // are exact, so a cut above it is refused unless the key allows it). The law N((0.5, 0), I) (not the standard law,
    // whose FV density is p0's own) on [−6, 6]²: Φ(−5.5) + Φ(−6.5) + 2Φ(−6) = 2.1e-8 is lost.
    private static readonly string[] Reference =
    [
        "reference", "--problem:alpha=0", "--problem:initial:kind=gaussian", "--problem:initial:mean:0=0.5", "--problem:initial:mean:1=0",
        "--problem:initial:covariance:0:0=1", "--problem:initial:covariance:0:1=0", "--problem:initial:covariance:1:0=0",
        "--problem:initial:covariance:1:1=1", "--grid:halfWidth=6", "--grid:cells=32", "--time:end=0.01", "--output:plots=false",
    ];

    [TestCase("finiteVolume")]
    [TestCase("spectral")]
    public void ReferenceRefusesAboveTheLimit(string kind)
    {
        var (code, _, error) = Cli.CommandLineTests.Fpntk([.. Reference, "--solver:kind=" + kind, "--grid:maxOutsideMass=1e-9",
            "--out", Path.Combine(_dir, "r")]);
        Assert.That(code, Is.EqualTo(FokkerPlanckNtk.Cli.FpntkCommandLine.InputError), error);
        Assert.That(error, Does.Contain("grid.halfWidth = 6,6: the box holds the initial law only up to a mass of 2.1E-08 outside").And.Contain("more than grid.maxOutsideMass = 1E-09"));
    }

    [TestCase("finiteVolume")]
    [TestCase("spectral")]
    public void ReferenceWarnsBelowTheLimit(string kind)
    {
        var (code, _, error) = Cli.CommandLineTests.Fpntk([.. Reference, "--solver:kind=" + kind, "--grid:maxOutsideMass=1e-6",
            "--out", Path.Combine(_dir, "r")]);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Does.Contain("warning: grid.halfWidth = 6,6: the box holds the initial law only up to a mass of 2.1E-08 outside").And.Contain("(below the limit 1E-06)"));
    }

    [Test]
    public void SpectralDefaultLimitIsTheSilentOne()
    {
        var (code, _, error) = Cli.CommandLineTests.Fpntk([.. Reference, "--solver:kind=spectral", "--out", Path.Combine(_dir, "r")]);
        Assert.That(code, Is.EqualTo(FokkerPlanckNtk.Cli.FpntkCommandLine.InputError), error);
        Assert.That(error, Does.Contain("more than the spectral solver's default 1E-08; enlarge the box (or raise grid.maxOutsideMass)"));
    }
}
