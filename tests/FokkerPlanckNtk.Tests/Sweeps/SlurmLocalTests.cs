using System.Diagnostics;

namespace FokkerPlanckNtk.Tests.Sweeps;

/// <summary>
/// The real Slurm test: validation/sweep/slurm-local.sh starts munged, slurmctld and slurmd on this machine, runs a
/// 12-task sweep through <c>fpntk sweep slurm</c> (three arrays: MaxArraySize 5) and through the worker pool, and
/// compares every task's files byte for byte and the collected tables. It needs root and Debian's slurm-wlm and munge
/// (the script installs them), so CI does not run it (categories Slow and Slurm); run it with
/// <c>--filter TestCategory=Slurm</c>. The committed log and table are validation/sweep/slurm-local.{log,md}.
/// </summary>
[Category("Slow")]
[Category("Slurm")]
[NonParallelizable]
public class SlurmLocalTests
{
    [Test]
    public void ArrayJobsGiveTheFilesOfTheWorkerPool()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            Assert.Ignore("the Slurm test starts daemons as root on Linux");
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FokkerPlanckNtk.sln"))) dir = dir.Parent;
        Assert.That(dir, Is.Not.Null, "the repository root (FokkerPlanckNtk.sln) is not above the test binaries");
        string log = Path.Combine(Path.GetTempPath(), $"fpntk-slurm-test-{Environment.ProcessId}.log");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(dir!.FullName, "validation", "sweep", "slurm-local.sh"));
        info.ArgumentList.Add(log);
        using var p = Process.Start(info)!;
        var error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(900_000), Is.True, "the Slurm test did not finish within 15 minutes");
        string table = File.Exists(Path.ChangeExtension(log, ".md")) ? File.ReadAllText(Path.ChangeExtension(log, ".md")) : "";
        Assert.That(p.ExitCode, Is.EqualTo(0), () => output + error.Result);
        // Every task identical, every array task COMPLETED with exit 0:0, the tables equal.
        Assert.That(table, Does.Contain("Result: PASS").And.Not.Contain("DIFFERENT"));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(table, @"\| identical \| completed \|").Count, Is.EqualTo(12));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(table, @"\d+_\d+ COMPLETED 0:0").Count, Is.EqualTo(12));
    }
}
