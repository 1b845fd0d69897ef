using System.Globalization;
using FokkerPlanckNtk.Cli;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Sweeps;
using FokkerPlanckNtk.Tests.Cli;

namespace FokkerPlanckNtk.Tests.Sweeps;

/// <summary>
/// <c>fpntk sweep</c> end to end on small tasks (the path users run): the worker pool gives every task the files of a
/// plain <c>fpntk run</c> of its config.json, whatever the split of the threads; a second run redoes nothing; a failed
/// task does not stop the others; collect copies the tasks' values; the Slurm scripts; bad input before any task starts.
/// </summary>
[NonParallelizable]
public class SweepCommandTests
{
    /// <summary>2 × 3 = 6 tasks of about a second each.</summary>
    internal const string SixTasks = """
        {"command": "run",
         "base": {"grid": {"cells": 24}, "time": {"end": 0.2, "outputTimes": [0.1, 0.2]},
                  "particles": {"count": 400, "step": 0.01}, "output": {"plots": false}},
         "product": {"problem.alpha": [1, 2], "problem.lambda": [0.05, 0.1, 0.2]}}
        """;

    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-sweep-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    private static (int Code, string Output, string Error) Fpntk(params string[] args) => CommandLineTests.Fpntk(args);

    private string Write(string name, string json)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    private string CreateSweep(string json = SixTasks, string name = "sweep")
    {
        string dir = Path.Combine(_dir, name);
        var (code, output, error) = Fpntk("sweep", "create", Write(name + ".json", json), "--out", dir);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain(dir));
        return dir;
    }

    /// <summary>Every file of a run folder but the manifest (whose timings differ), relative path → bytes.</summary>
    internal static Dictionary<string, byte[]> ResultFiles(string runDir) =>
        Directory.GetFiles(runDir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "manifest.json")
            .ToDictionary(f => Path.GetRelativePath(runDir, f), File.ReadAllBytes);

    [Test]
    public void CreateWritesEveryTaskFolderAndIsIdempotent()
    {
        string dir = CreateSweep();
        var folder = SweepFolder.Open(dir);
        Assert.That(folder.TaskCount, Is.EqualTo(6));
        Assert.That(folder.Command, Is.EqualTo("run"));
        for (int i = 0; i < 6; i++)
        {
            var config = RunConfiguration.Load(Path.Combine(dir, "tasks", $"000{i}", "config.json"));
            Assert.That(config.Problem.Alpha, Is.EqualTo(i < 3 ? 1 : 2));
            Assert.That(folder.Status(i).State, Is.EqualTo(TaskState.Pending));
        }
        var before = File.ReadAllBytes(Path.Combine(dir, "sweep.json"));
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(dir, "tasks", "0003", "config.json"));
        var (code, _, error) = Fpntk("sweep", "create", Path.Combine(_dir, "sweep.json"), "--out", dir);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(error, Does.Contain("already holds this sweep"));
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "sweep.json")), Is.EqualTo(before));
        Assert.That(File.GetLastWriteTimeUtc(Path.Combine(dir, "tasks", "0003", "config.json")), Is.EqualTo(stamp));
        // A different sweep in the same folder is refused and changes nothing.
        (code, _, error) = Fpntk("sweep", "create", Write("other.json", SixTasks.Replace("0.05", "0.07")), "--out", dir);
        Assert.That(code, Is.EqualTo(FpntkCommandLine.InputError));
        Assert.That(error, Does.Contain("--out = " + dir + ": the folder already holds a different sweep"));
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "sweep.json")), Is.EqualTo(before));
        Assert.That(RunConfiguration.Load(Path.Combine(dir, "tasks", "0000", "config.json")).Problem.Lambda, Is.EqualTo(0.05));
    }

    [Test]
    public void BadInputStopsBeforeAnyTaskAndWritesNothing()
    {
        string dir = Path.Combine(_dir, "bad");
        var (code, _, error) = Fpntk("sweep", "create", Write("bad.json", SixTasks.Replace("[0.05, 0.1, 0.2]", "[0.05, 0.1, -0.2]")), "--out", dir);
        Assert.That(code, Is.EqualTo(FpntkCommandLine.InputError));
        Assert.That(error.Trim(), Does.StartWith("fpntk sweep create: problem.lambda = -0.2: must be a finite positive number (sweep task 2 of 6"));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), "one paragraph");
        Assert.That(Directory.Exists(dir), Is.False);
    }

    [Test]
    public void TaskOutOfRangeIsRefused()
    {
        string dir = CreateSweep();
        var (code, _, error) = Fpntk("sweep", "run", dir, "--task", "6");
        Assert.That(code, Is.EqualTo(FpntkCommandLine.InputError));
        Assert.That(error, Does.Contain("--task = 6: the sweep has 6 tasks: 0..5"));
        (code, _, error) = Fpntk("sweep", "run", dir, "--task", "2", "--task-offset", "4");
        Assert.That(code, Is.EqualTo(FpntkCommandLine.InputError));
        Assert.That(error, Does.Contain("--task + --task-offset = 6: the sweep has 6 tasks"));
        (code, _, error) = Fpntk("sweep", "run", dir, "--task-offset", "4");
        Assert.That(code, Is.EqualTo(FpntkCommandLine.InputError));
        Assert.That(error, Does.Contain("--task-offset = 4: applies to --task or to $SLURM_ARRAY_TASK_ID"));
        (code, _, error) = Fpntk("sweep", "run", Path.Combine(_dir, "nothing"));
        Assert.That(code, Is.EqualTo(FpntkCommandLine.InputError));
        Assert.That(error, Does.Contain("the sweep folder does not exist"));
        Assert.That(Enumerable.Range(0, 6).Select(i => SweepFolder.Open(dir).Status(i).State), Is.All.EqualTo(TaskState.Pending));
    }

    [Test]
    public void AnArrayTaskRunsTheTaskOfItsIdPlusTheOffset()
    {
        string dir = CreateSweep();
        string? saved = Environment.GetEnvironmentVariable(SweepCommand.ArrayTaskVariable);
        try
        {
            Environment.SetEnvironmentVariable(SweepCommand.ArrayTaskVariable, "1");
            var (code, _, error) = Fpntk("sweep", "run", dir, "--task-offset", "3", "--threads", "1");
            Assert.That(code, Is.EqualTo(0), error);
            Assert.That(error, Does.Contain("sweep task 4 of 6"));
            Environment.SetEnvironmentVariable(SweepCommand.ArrayTaskVariable, "3");
            (code, _, error) = Fpntk("sweep", "run", dir, "--task-offset", "3");
            Assert.That(code, Is.EqualTo(FpntkCommandLine.InputError));
            Assert.That(error, Does.Contain("SLURM_ARRAY_TASK_ID + --task-offset = 6: the sweep has 6 tasks: 0..5"));
        }
        finally { Environment.SetEnvironmentVariable(SweepCommand.ArrayTaskVariable, saved); }
        var folder = SweepFolder.Open(dir);
        Assert.That(Enumerable.Range(0, 6).Select(i => folder.Status(i).State),
            Is.EqualTo(new[] { TaskState.Pending, TaskState.Pending, TaskState.Pending, TaskState.Pending, TaskState.Completed, TaskState.Pending }));
    }

    /// <summary>
    /// The pool (3 workers × 1 thread) gives each task the files of <c>fpntk run --config task/config.json</c> on 2 threads
    /// and of <c>fpntk sweep run --task I</c>; a second pool run redoes nothing.
    /// </summary>
    [Test]
    public void ThePoolGivesEveryTaskTheFilesOfAPlainRunAndRedoesNothing()
    {
        string dir = CreateSweep();
        var (code, output, error) = Fpntk("sweep", "run", dir, "--workers", "3", "--threads", "3");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("sweep: " + dir));
        Assert.That(error, Does.Contain("6 tasks to run: 3 workers × 1 threads"));
        var folder = SweepFolder.Open(dir);
        for (int i = 0; i < 6; i++)
        {
            string task = folder.TaskDirectory(i);
            Assert.That(RunManifest.Read(task).Status, Is.EqualTo(RunManifest.Completed));
            Assert.That(RunManifest.Read(task).Threads, Is.EqualTo(1), "each worker's share of the threads");
            Assert.That(File.ReadAllText(folder.LogFile(i)), Does.Contain($"task {i}: completed"));
        }
        foreach (int i in new[] { 0, 5 })
        {
            string reference = Path.Combine(_dir, $"plain-{i}");
            (code, _, error) = Fpntk("run", "--config", Path.Combine(folder.TaskDirectory(i), "config.json"), "--out", reference, "--threads", "2");
            Assert.That(code, Is.EqualTo(0), error);
            var expected = ResultFiles(reference);
            var actual = ResultFiles(folder.TaskDirectory(i));
            Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys));
            foreach (var (file, bytes) in expected) Assert.That(actual[file], Is.EqualTo(bytes), $"task {i}: {file}");
        }
        var stamps = Enumerable.Range(0, 6).Select(i => File.GetLastWriteTimeUtc(Path.Combine(folder.TaskDirectory(i), "manifest.json"))).ToList();
        (code, _, error) = Fpntk("sweep", "run", dir);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Does.Contain("6 of 6 tasks already complete: skipped"));
        Assert.That(Enumerable.Range(0, 6).Select(i => File.GetLastWriteTimeUtc(Path.Combine(folder.TaskDirectory(i), "manifest.json"))), Is.EqualTo(stamps));
        (code, _, error) = Fpntk("sweep", "run", dir, "--task", "2");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Does.Contain("task 2: already complete"));
        // A process killed between marking a task complete and removing its checkpoint leaves the folder behind
        // (seen in validation/sweep/measure.sh): the next pass removes it, and the task's files are those of a plain run.
        foreach (int i in new[] { 0, 2 })
        {
            string leftover = Path.Combine(folder.TaskDirectory(i), Runs.RunSession.CheckpointFolder);
            Directory.CreateDirectory(leftover);
            File.WriteAllText(Path.Combine(leftover, "state.bin"), "left by a killed process");
        }
        (code, _, error) = Fpntk("sweep", "run", dir);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Does.Contain("task 0: removed the checkpoint left by a process killed as the task completed"));
        (code, _, error) = Fpntk("sweep", "run", dir, "--task", "2");
        Assert.That(code, Is.EqualTo(0), error);
        var plain = ResultFiles(Path.Combine(_dir, "plain-0"));
        Assert.That(ResultFiles(folder.TaskDirectory(0)).Keys, Is.EquivalentTo(plain.Keys));
        Assert.That(Directory.Exists(Path.Combine(folder.TaskDirectory(2), Runs.RunSession.CheckpointFolder)), Is.False);
    }

    [Test]
    public void AFailedTaskIsReportedAndDoesNotStopTheOthers()
    {
        string dir = CreateSweep();
        var folder = SweepFolder.Open(dir);
        // A task folder damaged after the sweep was made: its run fails at the start, with the reader's message.
        string config = Path.Combine(folder.TaskDirectory(1), "config.json");
        string good = File.ReadAllText(config);
        File.WriteAllText(config, good.Replace("\"lambda\": 0.1", "\"lambda\": -1"));
        var (code, _, error) = Fpntk("sweep", "run", dir, "--workers", "2", "--threads", "2");
        Assert.That(code, Is.EqualTo(FpntkCommandLine.TasksFailed), error);
        Assert.That(error, Does.Contain("task 1 (problem.alpha = 1, problem.lambda = 0.1) failed: problem.lambda = -1: must be a finite positive number"));
        Assert.That(Enumerable.Range(0, 6).Where(i => i != 1).Select(i => folder.Status(i).State), Is.All.EqualTo(TaskState.Completed));
        Assert.That(folder.Status(1).State, Is.EqualTo(TaskState.Pending), "it failed before its manifest was written");
        // Mended, it runs; tasks that failed in a run (manifest 'failed') wait for --retry-failed.
        File.WriteAllText(config, good);
        File.WriteAllText(Path.Combine(folder.TaskDirectory(1), "manifest.json"), new RunManifest { Command = "run", Status = RunManifest.Failed, Message = "disk full" }.ToJson());
        (code, _, error) = Fpntk("sweep", "run", dir);
        Assert.That(code, Is.EqualTo(FpntkCommandLine.TasksFailed));
        Assert.That(error, Does.Contain("task 1 (problem.alpha = 1, problem.lambda = 0.1) failed: disk full"));
        Assert.That(error, Does.Contain("--retry-failed"));
        (code, _, error) = Fpntk("sweep", "run", dir, "--retry-failed");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(folder.Status(1).State, Is.EqualTo(TaskState.Completed));
    }

    [Test]
    public void CollectCopiesEveryTasksValues()
    {
        string dir = CreateSweep();
        var folder = SweepFolder.Open(dir);
        foreach (int i in new[] { 0, 4 }) Assert.That(Fpntk("sweep", "run", dir, "--task", $"{i}").Code, Is.EqualTo(0));
        var (code, output, error) = Fpntk("sweep", "collect", dir, "--times", "0.1,0.2");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain(Path.Combine(dir, "sweep.csv")));
        var lines = File.ReadAllLines(Path.Combine(dir, "sweep.csv"));
        var header = lines[0].Split(',');
        Assert.That(header.Take(8), Is.EqualTo(new[] { "task", "problem.alpha", "problem.lambda", "status", "wall_seconds", "resumes", "message", "pde.loss@0.1" }));
        Assert.That(lines, Has.Length.EqualTo(7));
        foreach (int i in Enumerable.Range(0, 6))
        {
            var row = lines[i + 1].Split(',');
            Assert.That(row[0], Is.EqualTo($"{i}"));
            Assert.That(row[3], Is.EqualTo(i is 0 or 4 ? "completed" : "pending"));
            if (i is not (0 or 4)) { Assert.That(row.Skip(7), Is.All.Empty); continue; }
            Assert.That(double.Parse(row[4], CultureInfo.InvariantCulture), Is.EqualTo(RunManifest.Read(folder.TaskDirectory(i)).WallSeconds));
            // Every scalar is the task's own field, as written (round-trip text), at its time.
            foreach (var (file, stem) in new[] { ("pde.csv", "pde"), ("particles.csv", "particles"), ("comparison.csv", "comparison"), ("ntk.csv", "ntk") })
            {
                var taskLines = File.ReadAllLines(Path.Combine(folder.TaskDirectory(i), file));
                var columns = taskLines[0].Split(',');
                foreach (var taskRow in taskLines.Skip(2).Select(l => l.Split(',')))
                    for (int k = 1; k < columns.Length; k++)
                        Assert.That(row[Array.IndexOf(header, $"{stem}.{columns[k]}@{taskRow[0]}")], Is.EqualTo(taskRow[k]), $"{stem}.{columns[k]}@{taskRow[0]}");
            }
        }
        Assert.That(File.Exists(Path.Combine(dir, "sweep.nc")), Is.True);
        Assert.That(File.Exists(Path.Combine(dir, "sweep.html")), Is.True);
        Assert.That(File.Exists(Path.Combine(dir, "plots", "pde-loss-vs-problem-lambda.png")), Is.False, "default columns are at the end time only");
        // Default: each task's end time, no @ in the names; the plots of the default columns.
        (code, _, error) = Fpntk("sweep", "collect", dir);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(File.ReadAllLines(Path.Combine(dir, "sweep.csv"))[0], Does.Contain(",pde.loss,").And.Not.Contain("@"));
        Assert.That(File.Exists(Path.Combine(dir, "plots", "pde-loss-vs-problem-lambda.png")), Is.True);
        (code, _, error) = Fpntk("sweep", "collect", dir, "--plot", "pde.los");
        Assert.That(code, Is.EqualTo(FpntkCommandLine.InputError));
        Assert.That(error, Does.Contain("--plot = pde.los: is not a column of the table"));
    }

    [Test]
    public void SlurmDryRunPrintsOneArrayPerBlockOfMaxArraySize()
    {
        string dir = CreateSweep();
        Assert.That(Fpntk("sweep", "run", dir, "--task", "2").Code, Is.EqualTo(0));
        var (code, output, error) = Fpntk("sweep", "slurm", dir, "--dry-run", "--max-array-size", "4", "--throttle", "2", "--time", "0:20:00",
            "--cpus-per-task", "2", "--partition", "short");
        Assert.That(code, Is.EqualTo(0), error);
        // Tasks 0, 1, 3, 4, 5 remain: indices 0,1,3 of the first array, 0,1 (tasks 4, 5) of the second.
        Assert.That(output, Does.Contain("#SBATCH --array=0-1,3%2\n").And.Contain("#SBATCH --array=0-1%2\n"));
        Assert.That(output, Does.Contain("--task-offset 0 ").And.Contain("--task-offset 4 "));
        Assert.That(output, Does.Contain("#SBATCH --time=0:20:00\n").And.Contain("#SBATCH --cpus-per-task=2\n").And.Contain("#SBATCH --partition=short\n"));
        Assert.That(output, Does.Contain($"#SBATCH --output={dir}/logs/slurm-%A_%a.out\n"));
        Assert.That(output, Does.Match(@"#SBATCH --mem=\d+00M\n"));
        Assert.That(Directory.Exists(Path.Combine(dir, SweepFolder.SlurmFolder)), Is.False, "a dry run writes nothing");
        (code, _, error) = Fpntk("sweep", "slurm", dir, "--dry-run", "--time", "soon");
        Assert.That(code, Is.EqualTo(FpntkCommandLine.InputError));
        Assert.That(error, Does.Contain("--time = soon: must be a Slurm time limit"));
    }
}

/// <summary>The pieces of the Slurm scripts: array lists, MaxArraySize, time limits.</summary>
public class SlurmPartsTests
{
    [Test]
    public void IndicesBecomeSlurmRanges()
    {
        Assert.That(SlurmArray.Ranges([0, 1, 2, 3]), Is.EqualTo("0-3"));
        Assert.That(SlurmArray.Ranges([0, 2, 3, 4, 7, 9, 10]), Is.EqualTo("0,2-4,7,9-10"));
        Assert.That(SlurmArray.Ranges([5]), Is.EqualTo("5"));
    }

    [Test]
    public void MaxArraySizeIsReadFromScontrol()
    {
        Assert.That(SlurmArray.ParseMaxArraySize("AuthType                = auth/munge\nMaxArraySize            = 40001\nMaxJobCount = 10000\n"), Is.EqualTo(40001));
        Assert.That(SlurmArray.ParseMaxArraySize("nothing here"), Is.Null);
    }

    [TestCase("90", 5400)]
    [TestCase("1:30", 90)]
    [TestCase("1:30:00", 5400)]
    [TestCase("2-00", 172800)]
    [TestCase("1-2:03", 93780)]
    [TestCase("1-02:03:04", 93784)]
    public void SlurmTimesAreParsed(string text, double seconds) =>
        Assert.That(SlurmSettings.Seconds(SlurmSettings.CheckTime("time", text)), Is.EqualTo(seconds));

    [Test]
    public void SecondsAreWrittenAsSlurmTimesRoundedUpToAMinute()
    {
        Assert.That(SlurmSettings.Format(600), Is.EqualTo("00:10:00"));
        Assert.That(SlurmSettings.Format(601), Is.EqualTo("00:11:00"));
        Assert.That(SlurmSettings.Format(90000), Is.EqualTo("1-01:00:00"));
        Assert.That(SlurmSettings.Seconds(SlurmSettings.Format(12345)), Is.EqualTo(12360));
    }

    [Test]
    public void WordsAreQuotedForBash()
    {
        Assert.That(SlurmArray.Quote("/a/b-c_d.e"), Is.EqualTo("/a/b-c_d.e"));
        Assert.That(SlurmArray.Quote("/a b/it's"), Is.EqualTo("'/a b/it'\\''s'"));
    }
}
