using System.Diagnostics;
using System.Runtime.InteropServices;
using FokkerPlanckNtk.Cli;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Tests.Support;

namespace FokkerPlanckNtk.Tests.Cli;

/// <summary>
/// Issue 6 acceptance: a run interrupted in the middle (SIGINT: it writes a checkpoint and stops; SIGKILL: the
/// last periodic checkpoint survives) and continued with <c>fpntk resume</c> ends with files byte-identical to
/// an uninterrupted run's, apart from the manifest's timings. The built fpntk runs as a child process; a
/// tiny problem (48² cells, 1000 particles) keeps it to a few seconds. Thread counts differ on purpose
/// between the runs: results must not depend on them.
/// </summary>
[NonParallelizable]
[Platform(Exclude = "Win")]
public class InterruptResumeTests
{
    private const int SigInt = 2, SigKill = 9;

    // Sized so that the run after its first output record lasts seconds (4000 particles × 30000 more steps):
    // the signal must arrive while the run is still working.
    private static readonly string[] Problem =
    [
        "run", "--grid:cells=48", "--particles:count=4000", "--particles:step=0.00005", "--time:end=2",
        "--time:outputTimes:0=0.5", "--time:outputTimes:1=1", "--time:outputTimes:2=1.5", "--output:checkpointSeconds=0.05",
    ];

    /// <summary>Every file of a finished run except the manifest (whose timings differ).</summary>
    private static readonly string[] ResultFiles =
    [
        "config.json", "pde.csv", "particles.csv", "comparison.csv", "ntk.csv", "diagnostics.csv", "snapshots.h5", "report.html",
        "plots/loss.png", "plots/loss.svg", "plots/residuals.png", "plots/density-0002.png", "plots/density-0002.svg", "plots/change-0002.png",
    ];

    private string _dir = "", _reference = "";

    [OneTimeSetUp]
    public void RunUninterrupted()
    {
        _dir = Directory.CreateTempSubdirectory("fpntk-resume-").FullName;
        _reference = Path.Combine(_dir, "reference");
        using var p = Start([.. Problem, "--out", _reference, "--threads", "1"]);
        Assert.That(p.WaitForExit(120_000), Is.True);
        Assert.That(p.ExitCode, Is.EqualTo(FpntkCommandLine.Success), p.StandardError.ReadToEnd());
    }

    [OneTimeTearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    private static Process Start(IEnumerable<string> args) => FpntkProcess.Start(args);

    /// <summary>
    /// Starts a run with SIGINT at its default disposition (see <see cref="FpntkProcess"/>), waits
    /// until it has a checkpoint and at least one output record, then sends the signal.
    /// </summary>
    private static int Interrupt(string outDir, int sig)
    {
        using var p = Start([.. Problem, "--out", outDir, "--threads", "2"]);
        string checkpoint = Path.Combine(outDir, RunSession.CheckpointFolder);
        var watch = Stopwatch.StartNew();
        while (!(File.Exists(Path.Combine(checkpoint, "state.bin")) && File.Exists(Path.Combine(checkpoint, "pde-0001.bin"))))
        {
            Assert.That(p.HasExited, Is.False, () => $"the run ended (exit {p.ExitCode}) before it could be interrupted: {p.StandardOutput.ReadToEnd()} {p.StandardError.ReadToEnd()}");
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromMinutes(2)));
            Thread.Sleep(5);
        }
        Assert.That(FpntkProcess.Signal(p, sig), Is.EqualTo(0));
        Assert.That(p.WaitForExit(60_000), Is.True);
        return p.ExitCode;
    }

    private void Resume(string outDir)
    {
        using var p = Start(["resume", outDir, "--threads", "1"]);
        Assert.That(p.WaitForExit(120_000), Is.True);
        Assert.That(p.ExitCode, Is.EqualTo(FpntkCommandLine.Success), p.StandardError.ReadToEnd());
        foreach (var file in ResultFiles)
            Assert.That(File.ReadAllBytes(Path.Combine(outDir, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(_reference, file))), file);
        var manifest = RunManifest.Read(outDir);
        Assert.That(manifest.Status, Is.EqualTo(RunManifest.Completed));
        Assert.That(manifest.Resumes, Is.EqualTo(1));
    }

    [Test]
    public void SigIntWritesACheckpointAndResumesToIdenticalFiles()
    {
        string outDir = Path.Combine(_dir, "sigint");
        Assert.That(Interrupt(outDir, SigInt), Is.EqualTo(FpntkCommandLine.Interrupted));
        var manifest = RunManifest.Read(outDir);
        Assert.That(manifest.Status, Is.EqualTo(RunManifest.Interrupted));
        Assert.That(File.Exists(Path.Combine(outDir, "pde.csv")), Is.False, "no results file before the run is complete");
        Resume(outDir);
    }

    [Test]
    public void SigKillLeavesNoResultsFileAndResumesToIdenticalFiles()
    {
        string outDir = Path.Combine(_dir, "sigkill");
        Assert.That(Interrupt(outDir, SigKill), Is.EqualTo(128 + SigKill));
        Assert.That(RunManifest.Read(outDir).Status, Is.EqualTo(RunManifest.Running), "a killed run cannot update its manifest");
        foreach (var file in ResultFiles.Where(f => f != "config.json"))
            Assert.That(File.Exists(Path.Combine(outDir, file)), Is.False, $"{file} must not exist before the run is complete");
        // Whatever the kill interrupted, every file present is complete: unfinished writes carry the partial marker.
        Assert.That(Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Where(f => !f.Contains(AtomicFile.PartialMarker))
            .Where(f => f.EndsWith(".bin", StringComparison.Ordinal)).Select(ArrayArchive.Read), Is.Not.Empty);
        Resume(outDir);
    }
}
