using FokkerPlanckNtk.Cli;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Tests.Cli;

/// <summary>The fpntk command line in process: exit codes, messages, help, configuration sources.</summary>
public class CommandLineTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-cli-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    internal static (int Code, string Output, string Error) Fpntk(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = FpntkCommandLine.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string WriteConfig(string json)
    {
        string path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>Asserts exit code 2 and one paragraph (one line) on standard error that names the key.</summary>
    private static void AssertOneParagraph((int Code, string Output, string Error) result, string expected)
    {
        Assert.That(result.Code, Is.EqualTo(FpntkCommandLine.InputError), result.Error);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), result.Error);
        Assert.That(lines[0], Does.Contain(expected));
        Assert.That(result.Error, Does.Not.Contain("   at "), "no stack trace");
    }

    // The acceptance list of issue 6: each bad configuration gives one clear message and a non-zero exit code.
    [Test]
    public void UnknownActivation() =>
        AssertOneParagraph(Fpntk("solve", "--config", WriteConfig("""{ "problem": { "activation": "relu" } }"""), "--out", _dir + "/o"),
            "problem.activation = relu: unknown activation; allowed: tanh, sigmoid, erf, linear");

    [Test]
    public void WrongType() =>
        AssertOneParagraph(Fpntk("solve", "--config", WriteConfig("""{ "problem": { "alpha": "large" } }"""), "--out", _dir + "/o"),
            "problem.alpha = large: must be a number");

    [Test]
    public void ObjectWhereNumberExpected() =>
        AssertOneParagraph(Fpntk("solve", "--config", WriteConfig("""{ "grid": { "cells": { "n": 4 } } }"""), "--out", _dir + "/o"),
            "grid.cells = (a section): must be a list");

    [Test]
    public void MissingDataFile() =>
        AssertOneParagraph(Fpntk("solve", "--config", WriteConfig("""{ "problem": { "data": { "file": "missing.csv" } } }"""), "--out", _dir + "/o"),
            $"problem.data.file = {Path.Combine(_dir, "missing.csv")}: the data file does not exist");

    [TestCase("--grid:cells=-8", "grid.cells = -8: must be a whole number ≥ 2")]
    [TestCase("--particles:count=-1", "particles.count = -1: must be a whole number ≥ 1")]
    [TestCase("--grid:halfWidth=-7", "grid.halfWidth = -7: must be a finite positive number")]
    [TestCase("--time:end=0", "time.end = 0: must be a finite positive number")]
    public void NegativeSizes(string option, string message) =>
        AssertOneParagraph(Fpntk("solve", option, "--out", _dir + "/o"), message);

    // p0 puts 2·Φ(−2) ≈ 0.046 of its mass outside [−2, 2] on each axis: far more than the 1e-8 allowed.
    [Test]
    public void GridTooSmallForTheInitialLaw()
    {
        AssertOneParagraph(Fpntk("solve", "--grid:halfWidth=2", "--grid:cells=16", "--out", _dir + "/o"), "grid.halfWidth = 2,2: the box holds the initial law only up to");
        Assert.That(Directory.Exists(_dir + "/o"), Is.False, "bad input is found before the output folder is made");
    }

    [Test]
    public void UnwritableOutputFolder()
    {
        string blocker = Path.Combine(_dir, "a-file");
        File.WriteAllText(blocker, "");
        AssertOneParagraph(Fpntk("solve", "--grid:cells=16", "--out", Path.Combine(blocker, "run")),
            $"--out = {Path.Combine(blocker, "run")}: the output folder cannot be created or written");
    }

    [Test]
    public void MissingAndInvalidConfigurationFiles()
    {
        AssertOneParagraph(Fpntk("solve", "--config", Path.Combine(_dir, "nope.json")), "--config = " + Path.Combine(_dir, "nope.json") + ": the configuration file does not exist");
        AssertOneParagraph(Fpntk("solve", "--config", WriteConfig("{ \"problem\": ")), "is not a valid JSON configuration");
    }

    [Test]
    public void UnknownKeyAndStrayArgument()
    {
        AssertOneParagraph(Fpntk("config", "--problem:lamda=0.2"), "problem.lamda = 0.2: unknown configuration key; did you mean problem.lambda?");
        AssertOneParagraph(Fpntk("config", "stray"), "command line = stray: unexpected argument");
        AssertOneParagraph(Fpntk("config", "--treads", "--problem:alpha=1"), "treads = (missing): unknown option");
    }

    // Later sources win: file < environment (FPNTK_) < command line.
    [Test, NonParallelizable]
    public void ConfigurationSourcesArePrioritized()
    {
        string config = WriteConfig("""{ "problem": { "alpha": 1.5, "lambda": 0.2 }, "grid": { "cells": [16, 24] } }""");
        Environment.SetEnvironmentVariable("FPNTK_problem__lambda", "0.3");
        Environment.SetEnvironmentVariable("FPNTK_problem__alpha", "2.5");
        try
        {
            var (code, output, error) = Fpntk("config", "--config", config, "--problem:alpha=4");
            Assert.That(code, Is.EqualTo(0), error);
            var effective = RunConfiguration.Read(new ConfigurationTree(JsonFlattener.Flatten(output)));
            Assert.That(effective.Problem.Alpha, Is.EqualTo(4));
            Assert.That(effective.Problem.Lambda, Is.EqualTo(0.3));
            Assert.That(effective.Grid.Cells, Is.EqualTo(new[] { 16, 24 }));
        }
        finally
        {
            Environment.SetEnvironmentVariable("FPNTK_problem__lambda", null);
            Environment.SetEnvironmentVariable("FPNTK_problem__alpha", null);
        }
    }

    // Every command has accurate help: its own description, the common options, and for commands that read
    // a configuration, the table of keys (every known key listed).
    [Test]
    public void EveryCommandHasHelp()
    {
        var root = FpntkCommandLine.Build(TextWriter.Null, TextWriter.Null, false);
        var (code, output, _) = Fpntk("--help");
        Assert.That(code, Is.EqualTo(0));
        foreach (var command in root.Subcommands)
        {
            Assert.That(output, Does.Contain(command.Name));
            if (command.Subcommands.Count > 0)
            {
                // A command group (sweep): each of its commands has its own help; only those that run
                // computations take --threads, only the one that writes a new folder takes --out.
                foreach (var sub in command.Subcommands)
                {
                    var subHelp = Fpntk(command.Name, sub.Name, "--help");
                    Assert.That(subHelp.Code, Is.EqualTo(0), sub.Name);
                    Assert.That(subHelp.Output, Does.Contain($"fpntk {command.Name} {sub.Name}").And.Contain("Exit codes: 0 success"), sub.Name);
                    bool SubLists(string option) => System.Text.RegularExpressions.Regex.IsMatch(subHelp.Output, $"(?m)^  {option} <");
                    Assert.That(SubLists("--config"), Is.False, sub.Name);
                    Assert.That(SubLists("--out"), Is.EqualTo(sub.Name == "create"), sub.Name);
                    Assert.That(SubLists("--threads"), Is.EqualTo(sub.Name == "run"), sub.Name);
                }
                continue;
            }
            var help = Fpntk(command.Name, "--help");
            Assert.That(help.Code, Is.EqualTo(0), command.Name);
            Assert.That(help.Output, Does.Contain($"fpntk {command.Name}").And.Contain("Exit codes: 0 success").And.Not.Contain("additional arguments"));
            // Each command lists the common options it uses, and none it would ignore.
            bool configured = command.Name is "run" or "solve" or "simulate" or "stationary" or "ntk" or "reference";
            bool Lists(string option) => System.Text.RegularExpressions.Regex.IsMatch(help.Output, $"(?m)^  {option} <");
            Assert.That(Lists("--config"), Is.EqualTo(configured || command.Name == "config"), command.Name);
            Assert.That(Lists("--out"), Is.EqualTo(configured || command.Name == "study"), command.Name);
            Assert.That(Lists("--threads"), Is.EqualTo(command.Name != "config"), command.Name);
            if (HelpLayout.ConfiguredCommands.Contains(command.Name))
                foreach (var key in RunConfiguration.KnownKeys) Assert.That(help.Output, Does.Contain(key), $"{command.Name}: {key}");
        }
    }

    [Test]
    public void SolveWritesTheContractFiles()
    {
        string outDir = Path.Combine(_dir, "solve");
        var (code, output, error) = Fpntk("solve", "--grid:cells=24", "--time:end=0.4", "--time:outputTimes:0=0.2", "--out", outDir, "--threads", "1");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output.Trim(), Is.EqualTo($"report: {Path.Combine(outDir, "report.html")}"));
        var pde = CsvTable.Read(Path.Combine(outDir, "pde.csv"));
        Assert.That(pde.Columns, Is.EqualTo(new[] { "t", "loss", "free_energy", "kl_p0", "chi2_p0", "w2_p0", "mass", "r1", "r2", "r3", "r4", "w2_p0_lower", "w2_p0_upper" }));
        Assert.That(pde.Column("t"), Is.EqualTo(new[] { 0, 0.2, 0.4 }));
        // Mass is conserved to round-off by the scheme (a theorem): 1e-12 relative.
        Assert.That(pde.Column("mass"), Has.All.EqualTo(1).Within(1e-12));
        // At t = 0, p = p0_h: loss = mean(y²) = (0.04 + 0.36 + 0.09 + 0.16)/4, KL = 0 exactly.
        Assert.That(pde.Rows[0][1], Is.EqualTo(0.1625).Within(1e-15));
        Assert.That(pde.Rows[0][3], Is.EqualTo(0));
        Assert.That(pde.Rows[0][5], Is.EqualTo(0), "W2(p0_h, p0_h) is exactly 0 (24² cells: an exact network simplex)");
        var snapshots = SnapshotFile.Read(Path.Combine(outDir, "snapshots.h5"));
        Assert.That(snapshots.PdeTimes, Is.EqualTo(new[] { 0, 0.2, 0.4 }));
        Assert.That(snapshots.Grid.Cells, Is.EqualTo(new[] { 24, 24 }));
        Assert.That(RunConfiguration.Read(new ConfigurationTree(JsonFlattener.Flatten(snapshots.Configuration))),
            Is.EqualTo(RunConfiguration.Load(Path.Combine(outDir, "config.json"))));
        var manifest = RunManifest.Read(outDir);
        Assert.That(manifest.Status, Is.EqualTo(RunManifest.Completed));
        Assert.That(manifest.Command, Is.EqualTo("solve"));
        Assert.That(manifest.Threads, Is.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "report.html")), Does.Contain("<img").And.Contain("data:image/png;base64,"));
        Assert.That(Directory.GetFiles(Path.Combine(outDir, "plots"), "*.svg"), Is.Not.Empty);
        Assert.That(Directory.Exists(Path.Combine(outDir, "checkpoint")), Is.False, "the checkpoint is removed after completion");
        // A folder that already holds a run is refused (resume it instead).
        AssertOneParagraph(Fpntk("solve", "--grid:cells=24", "--out", outDir), "the folder already holds a run");
        AssertOneParagraph(Fpntk("resume", outDir), "the run is already complete");
    }
}
