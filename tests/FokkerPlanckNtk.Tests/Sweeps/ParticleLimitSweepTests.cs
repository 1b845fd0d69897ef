using FokkerPlanckNtk.Studies;
using FokkerPlanckNtk.Sweeps;
using FokkerPlanckNtk.Tests.Cli;

namespace FokkerPlanckNtk.Tests.Sweeps;

/// <summary>
/// The particle-limit study as a sweep (the path users run: <c>--sweep</c>'s folder, <c>fpntk sweep run</c>, <c>fpntk study
/// particle-limit --from</c>) gives the tables of the study run in one process byte for byte, the seconds columns aside: every
/// residual goes through the tasks' CSV files as round-trip text, and both paths compute the measures with the same code.
/// </summary>
[NonParallelizable]
public class ParticleLimitSweepTests
{
    /// <summary>
    /// 2 PDE grids, an m-scan of 3 × 3 seeds and an η-scan whose η = 0.05 runs are the m-scan's (shared, run once): 14 tasks of
    /// a fraction of a second.
    /// </summary>
    private static readonly ParticleLimitStudy.Settings Small = new([50, 100, 200], 3, [0.05], [0.1, 0.05], 100, 3, [16, 32], [0.5, 1.0]);

    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-particle-limit-sweep-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    /// <summary>A study file without its seconds: the CSV column <c>seconds</c>, the Markdown tables' last column (seconds) where the header has it.</summary>
    private static string WithoutSeconds(string path)
    {
        var lines = File.ReadAllLines(path);
        if (path.EndsWith(".csv", StringComparison.Ordinal))
        {
            int column = Array.IndexOf(lines[0].Split(','), "seconds");
            Assert.That(column, Is.EqualTo(lines[0].Split(',').Length - 1), $"{path}: seconds is the last column");
            return string.Join("\n", lines.Select(l => l[..l.LastIndexOf(',')]));
        }
        bool timed = false;
        var kept = new List<string>();
        foreach (string line in lines)
        {
            if (!line.StartsWith('|')) timed = false;
            else if (line.EndsWith("| seconds |", StringComparison.Ordinal)) timed = true;
            kept.Add(timed ? line[..line.TrimEnd('|').TrimEnd().LastIndexOf('|')] : line);
        }
        return string.Join("\n", kept);
    }

    [Test]
    public void TheSweepReproducesTheStudyInOneProcess()
    {
        string inProcess = Directory.CreateDirectory(Path.Combine(_dir, "in-process")).FullName;
        ParticleLimitStudy.Write(ParticleLimitStudy.Measure(Small, _ => { }), new StudyOptions(inProcess, Quick: false, _ => { }));

        string sweep = Path.Combine(_dir, "sweep"), fromSweep = Path.Combine(_dir, "from-sweep");
        var folder = ParticleLimitStudy.CreateSweep(sweep, Small);
        Assert.That(folder.TaskCount, Is.EqualTo(2 + 9 + 3), "the η = 0.05, m = 100 runs are shared by both scans");
        Assert.That(Enumerable.Range(0, folder.TaskCount).Select(folder.TaskCommand), Is.EqualTo(new[] { "solve", "solve" }.Concat(Enumerable.Repeat("simulate", 12))));
        var (code, _, error) = CommandLineTests.Fpntk("study", "particle-limit", "--from", sweep, "--out", fromSweep);
        Assert.That(code, Is.EqualTo(2), "the tasks have not run yet");
        Assert.That(error, Does.Contain("--from = ").And.Contain("14 of 14 tasks are not complete").And.Contain("fpntk sweep run"));

        (code, _, error) = CommandLineTests.Fpntk("sweep", "run", sweep, "--workers", "2");
        Assert.That(code, Is.EqualTo(0), error);
        (code, _, error) = CommandLineTests.Fpntk("study", "particle-limit", "--from", sweep, "--out", fromSweep);
        Assert.That(code, Is.EqualTo(0), error);

        foreach (string file in new[] { "particle-limit-m.csv", "particle-limit-eta.csv", "particle-limit.md" })
            Assert.That(WithoutSeconds(Path.Combine(fromSweep, file)), Is.EqualTo(WithoutSeconds(Path.Combine(inProcess, file))), file);
        Assert.That(File.ReadAllText(Path.Combine(fromSweep, "particle-limit-m.csv")).Split('\n')[1], Does.StartWith("0.05,50,3,0.5,"));
        Assert.That(File.Exists(Path.Combine(fromSweep, "report.html")), Is.True);
    }

    [Test]
    public void TheStudysSweepIsAnOrdinarySweepFolderAndBadInputIsNamed()
    {
        string sweep = Path.Combine(_dir, "quick");
        var (code, output, error) = CommandLineTests.Fpntk("study", "particle-limit", "--quick", "--sweep", sweep);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain(sweep));
        var folder = SweepFolder.Open(sweep);
        Assert.That(folder.TaskCount, Is.EqualTo(2 + 2 * 5 * 32 + 3 * 8), "quick: 2 grids, 2 η × 5 m × 32 seeds, 3 η × 8 seeds at m = 20000");
        Assert.That(folder.Command, Is.EqualTo("solve+simulate"));
        // Made again: the same sweep, nothing changes; another study's settings in the same folder are refused.
        Assert.That(CommandLineTests.Fpntk("study", "particle-limit", "--quick", "--sweep", sweep).Code, Is.EqualTo(0));
        (code, _, error) = CommandLineTests.Fpntk("study", "particle-limit", "--sweep", sweep);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--out = ").And.Contain("already holds a different sweep"));

        (code, _, error) = CommandLineTests.Fpntk("study", "grid-convergence", "--sweep", Path.Combine(_dir, "g"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--sweep = grid-convergence: this study does not run as a sweep; studies that do: particle-limit"));
        (code, _, error) = CommandLineTests.Fpntk("study", "particle-limit", "--quick", "--from", sweep);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--quick = true: applies to --sweep"));
        string plain = Path.Combine(_dir, "plain");
        Assert.That(CommandLineTests.Fpntk("sweep", "create", WriteSweep(), "--out", plain).Code, Is.EqualTo(0));
        (code, _, error) = CommandLineTests.Fpntk("study", "particle-limit", "--from", plain);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("holds no study.json"));
    }

    private string WriteSweep()
    {
        string path = Path.Combine(_dir, "plain.json");
        File.WriteAllText(path, """{"command": "solve", "base": {"grid": {"cells": 16}, "time": {"end": 0.1}}, "product": {"problem.alpha": [1, 2]}}""");
        return path;
    }
}
