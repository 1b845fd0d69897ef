using System.Diagnostics;
using System.Runtime.InteropServices;
using FokkerPlanckNtk.Cli;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Tests.Support;
using FokkerPlanckNtk.Sweeps;

namespace FokkerPlanckNtk.Tests.Sweeps;

/// <summary>
/// Issue 15 acceptance: a sweep killed midway (SIGKILL: the pool and every running task die; SIGINT: every running task
/// writes a checkpoint and stops) and run again completes with every task's files byte-identical to those of an
/// uninterrupted sweep (manifests aside), and the same collected table (wall times aside). The built fpntk runs as a
/// child process, with different worker and thread counts on purpose.
/// </summary>
[NonParallelizable]
[Platform(Exclude = "Win")]
public class SweepInterruptTests
{
    private const int SigInt = 2, SigKill = 9;

    // 2 × 2 × 2 = 8 tasks of 1–3 s each (particles to t = 1 with η = 1e-3), checkpoints every 0.05 s.
    private const string Sweep = """
        {"command": "run",
         "base": {"grid": {"cells": 24}, "time": {"end": 1, "outputTimes": [0.25, 0.5, 0.75]},
                  "particles": {"count": 1500, "step": 0.001}, "output": {"plots": false, "checkpointSeconds": 0.05}},
         "product": {"problem.alpha": [1, 2], "problem.lambda": [0.05, 0.1]},
         "zip": {"particles.seed": [1, 2]}}
        """;

    private string _dir = "", _reference = "", _file = "";

    [OneTimeSetUp]
    public void RunUninterrupted()
    {
        _dir = Directory.CreateTempSubdirectory("fpntk-sweep-kill-").FullName;
        _file = Path.Combine(_dir, "sweep.json");
        File.WriteAllText(_file, Sweep);
        _reference = Create("reference");
        var (code, error) = Wait(Start(["sweep", "run", _reference, "--workers", "1", "--threads", "2"]));
        Assert.That(code, Is.EqualTo(FpntkCommandLine.Success), error);
    }

    [OneTimeTearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    private string Create(string name)
    {
        string dir = Path.Combine(_dir, name);
        var (code, error) = Wait(Start(["sweep", "create", _file, "--out", dir]));
        Assert.That(code, Is.EqualTo(0), error);
        return dir;
    }

    private static Process Start(IEnumerable<string> args) => FpntkProcess.Start(args);

    private static (int Code, string Error) Wait(Process p)
    {
        var error = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(300_000), Is.True);
        return (p.ExitCode, error.Result);
    }

    // A checkpoint past the first output time: the state and each series' record 1 (NAME-0001.bin).
    private static bool HasCheckpoint(string checkpoint) =>
        File.Exists(Path.Combine(checkpoint, "state.bin")) && Directory.Exists(checkpoint)
        && Directory.EnumerateFiles(checkpoint, "*-0001.bin").Any();

    /// <summary>Starts the pool, waits until two tasks are complete and a running one has a checkpoint, then signals it.</summary>
    private static int Interrupt(string dir, int signal)
    {
        using var p = Start(["sweep", "run", dir, "--workers", "2", "--threads", "2"]);
        var error = p.StandardError.ReadToEndAsync();
        var folder = SweepFolder.Open(dir);
        var watch = Stopwatch.StartNew();
        bool Ready()
        {
            var states = Enumerable.Range(0, folder.TaskCount).Select(i => folder.Status(i).State).ToList();
            return states.Count(s => s == TaskState.Completed) >= 2 && Enumerable.Range(0, folder.TaskCount).Any(i =>
                states[i] == TaskState.Running && HasCheckpoint(Path.Combine(folder.TaskDirectory(i), RunSession.CheckpointFolder)));
        }
        while (!Ready())
        {
            Assert.That(p.HasExited, Is.False, () => $"the sweep ended (exit {p.ExitCode}) before it could be interrupted: {error.Result}");
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromMinutes(3)));
            Thread.Sleep(5);
        }
        Assert.That(FpntkProcess.Signal(p, signal), Is.EqualTo(0));
        Assert.That(p.WaitForExit(60_000), Is.True);
        return p.ExitCode;
    }

    /// <summary>Runs the interrupted sweep again (other worker and thread counts) and compares it with the reference.</summary>
    private void CompleteAndCompare(string dir)
    {
        var folder = SweepFolder.Open(dir);
        int notDone = Enumerable.Range(0, folder.TaskCount).Count(i => folder.Status(i).State != TaskState.Completed);
        Assert.That(notDone, Is.GreaterThan(0), "the signal came after the last task");
        var (code, error) = Wait(Start(["sweep", "run", dir, "--workers", "3", "--threads", "3"]));
        Assert.That(code, Is.EqualTo(FpntkCommandLine.Success), error);
        Assert.That(error, Does.Contain("tasks already complete: skipped"));
        Assert.That(Enumerable.Range(0, folder.TaskCount).Sum(i => RunManifest.Read(folder.TaskDirectory(i)).Resumes), Is.GreaterThan(0),
            "some task resumed from a checkpoint");
        for (int i = 0; i < folder.TaskCount; i++)
        {
            var expected = SweepCommandTests.ResultFiles(Path.Combine(_reference, "tasks", SweepTask.Name(i)));
            var actual = SweepCommandTests.ResultFiles(folder.TaskDirectory(i));
            Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys), $"task {i}");
            foreach (var (file, bytes) in expected) Assert.That(actual[file], Is.EqualTo(bytes), $"task {i}: {file}");
        }
        Assert.That(Table(dir), Is.EqualTo(Table(_reference)));
    }

    /// <summary>The collected table without the columns that hold timings and resume counts.</summary>
    private static List<string> Table(string dir)
    {
        var (code, error) = Wait(Start(["sweep", "collect", dir]));
        Assert.That(code, Is.EqualTo(0), error);
        var lines = File.ReadAllLines(Path.Combine(dir, "sweep.csv"));
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(k => header[k] is not ("wall_seconds" or "resumes")).ToArray();
        return lines.Select(l => string.Join(",", keep.Select(k => l.Split(',')[k]))).ToList();
    }

    [Test]
    public void KilledMidwayAndRunAgainItEndsWithTheFilesOfAnUninterruptedSweep()
    {
        string dir = Create("sigkill");
        Assert.That(Interrupt(dir, SigKill), Is.EqualTo(128 + SigKill));
        CompleteAndCompare(dir);
    }

    [Test]
    public void InterruptedByCtrlCEveryRunningTaskCheckpointsAndTheSweepContinues()
    {
        string dir = Create("sigint");
        Assert.That(Interrupt(dir, SigInt), Is.EqualTo(FpntkCommandLine.Interrupted));
        var folder = SweepFolder.Open(dir);
        var states = Enumerable.Range(0, folder.TaskCount).Select(i => folder.Status(i).State).ToList();
        Assert.That(states, Does.Contain(TaskState.Interrupted));
        Assert.That(states, Does.Not.Contain(TaskState.Running), "every running task stopped with its manifest marked");
        CompleteAndCompare(dir);
    }
}
