using FokkerPlanckNtk.Cli;
using FokkerPlanckNtk.IO;
using PureHDF;

namespace FokkerPlanckNtk.Tests.Trust;

/// <summary>
/// Issue 9: the bad inputs a user meets, as one table run through the product's command line (in process).
/// For each: the exit code, the key or file the message must name, one paragraph on standard error without a
/// stack trace, nothing on standard output, and in the output folder no results file, no unfinished
/// (<c>.partial-</c>) file and no manifest left <c>running</c>. <c>{d}</c> is a folder of fixtures,
/// <c>{out}</c> a fresh output folder per case.
/// </summary>
[NonParallelizable] // the fixtures folder is shared by the cases
public class BadInputTableTests
{
    private static string _fixtures = "";

    /// <summary>Files a successful command writes; none may exist after a refused one.</summary>
    private static readonly string[] ResultFiles =
    [
        "pde.csv", "particles.csv", "comparison.csv", "ntk.csv", "ntk.json", "w2_bounds.csv", "snapshots.h5", "report.html",
        "stationary.json", "reference.json",
    ];

    [OneTimeSetUp]
    public static void WriteFixtures()
    {
        _fixtures = Directory.CreateTempSubdirectory("fpntk-bad-").FullName;
        void Write(string name, string text) => File.WriteAllText(Path.Combine(_fixtures, name), text);
        Write("bad.json", "{ \"problem\": ");
        Write("array.json", "[1, 2]");
        Write("emptydata.json", """{ "problem": { "data": { "x": [], "y": [] } } }""");
        Write("emptyrow.json", """{ "problem": { "data": { "x": [[]], "y": [1] } } }""");
        // Four inputs spanning R^4: k = 4 > 3 even after the reduction to the span of the data.
        Write("rows4.json", """{ "problem": { "data": { "x": [[0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 0.5]], "y": [0.5, 0.1, 0.2, 0.3] } } }""");
        Write("ragged.json", """{ "problem": { "data": { "x": [[0.1], [0.2, 0.3]], "y": [0.5, 0.1] } } }""");
        Write("ycount.json", """{ "problem": { "data": { "x": [[0.1], [0.2]], "y": [0.5] } } }""");
        Write("fileandx.json", """{ "problem": { "data": { "file": "d.csv", "x": [[0.1]], "y": [0.5] } } }""");
        Write("nullalpha.json", """{ "problem": { "alpha": null } }""");
        Write("emptycells.json", """{ "grid": { "cells": [] } }""");
        Write("mixedcells.json", """{ "grid": { "cells": 16 } }""");
        Write("a.csv", "x1\n0\n1\n");
        Write("a2.csv", "x1,x2\n0,0\n1,1\n");
        Write("ragged.csv", "x1,x2\n0,0\n1\n");
        Write("text.csv", "x1\n0\nabc\n");
        Write("empty.csv", "");
        Write("header.csv", "x1,weight\n");
        Write("prob.csv", "x1,prob\n0,0.5\n1,0.5\n");
        Write("twoweights.csv", "x1,w,mass\n0,0.5,0.5\n1,0.5,0.5\n");
        Write("negative.csv", "x1,weight\n0,-0.5\n1,1.5\n");
        Write("heavy.csv", "x1,weight\n0,1\n1,1\n");
        Write("duplicate.csv", "x1,x1\n0,0\n");
        Write("notanh5.h5", "plain text");
        Write("data.csv", "x1,y\n0.5\n");
        new H5File
        {
            ["ints"] = new H5Dataset(new int[,] { { 1, 2 }, { 3, 4 } }),
            ["names"] = new H5Dataset(new[] { "a", "b" }),
        }.Write(Path.Combine(_fixtures, "types.h5"));
        Directory.CreateDirectory(Path.Combine(_fixtures, "folder"));
        File.WriteAllText(Path.Combine(_fixtures, "a-file"), "");
        // A run folder in the middle of a run (manifest only) and a completed one.
        foreach (var (name, status) in new[] { ("interrupted", RunManifest.Interrupted), ("complete", RunManifest.Completed) })
        {
            string dir = Path.Combine(_fixtures, name);
            Directory.CreateDirectory(dir);
            new RunManifest { Command = "solve", Status = status }.Write(dir);
            File.WriteAllText(Path.Combine(dir, "config.json"), FokkerPlanckNtk.Configuration.RunConfiguration.Default.ToJson());
        }
    }

    [OneTimeTearDown]
    public static void RemoveFixtures() => Directory.Delete(_fixtures, true);

    private static TestCaseData Case(int code, string named, params string[] args) =>
        new TestCaseData(code, named, args) { TestName = "{m}(" + string.Join(" ", args).Replace("{d}/", "").Replace("{out}", "OUT") + ")" };

    private const int Bad = FpntkCommandLine.InputError, Usage = FpntkCommandLine.UsageError;

    public static IEnumerable<TestCaseData> Cases()
    {
        // problem
        yield return Case(Bad, "problem.activation = relu", "solve", "--problem:activation=relu", "--out", "{out}");
        yield return Case(Bad, "problem.alpha = large: must be a number", "solve", "--problem:alpha=large", "--out", "{out}");
        yield return Case(Bad, "problem.alpha = (no value)", "solve", "--problem:alpha=", "--out", "{out}");
        yield return Case(Bad, "problem.alpha = -1", "solve", "--problem:alpha=-1", "--out", "{out}");
        yield return Case(Bad, "problem.alpha = NaN", "solve", "--problem:alpha=NaN", "--out", "{out}");
        yield return Case(Bad, "problem.alpha = Infinity", "run", "--problem:alpha=Infinity", "--out", "{out}");
        yield return Case(Bad, "problem.lambda = 0", "solve", "--problem:lambda=0", "--out", "{out}");
        yield return Case(Bad, "problem.lambda = -0.1", "simulate", "--problem:lambda=-0.1", "--out", "{out}");
        yield return Case(Bad, "did you mean problem.lambda?", "solve", "--problem:lamda=0.2", "--out", "{out}");
        yield return Case(Bad, "problem.initial.kind = uniform", "solve", "--problem:initial:kind=uniform", "--out", "{out}");
        yield return Case(Bad, "problem.initial.kind", "solve", "--problem:initial:mean:0=1", "--out", "{out}");
        yield return Case(Bad, "problem.initial.mean", "solve", "--problem:initial:kind=gaussian", "--problem:initial:mean:0=1", "--out", "{out}");
        yield return Case(Bad, "problem.initial.covariance", "solve", "--problem:initial:kind=gaussian",
            "--problem:initial:covariance:0:0=1", "--problem:initial:covariance:0:1=2", "--problem:initial:covariance:1:0=2",
            "--problem:initial:covariance:1:1=1", "--out", "{out}");
        yield return Case(Bad, "problem.data.x = (no value or []): must be a non-empty list of rows", "solve", "--config", "{d}/emptydata.json", "--out", "{out}");
        yield return Case(Bad, "problem.data.x[0] = (no value or [])", "solve", "--config", "{d}/emptyrow.json", "--out", "{out}");
        yield return Case(Bad, "problem.data.x = 4 inputs in R^4: they span k = 4 dimensions", "solve", "--config", "{d}/rows4.json", "--out", "{out}");
        yield return Case(Bad, "problem.data.x[1] = 2 coordinates", "solve", "--config", "{d}/ragged.json", "--out", "{out}");
        yield return Case(Bad, "problem.data.y = 1 values", "solve", "--config", "{d}/ycount.json", "--out", "{out}");
        yield return Case(Bad, "problem.data = file and x/y", "solve", "--config", "{d}/fileandx.json", "--out", "{out}");
        yield return Case(Bad, "the data file does not exist", "solve", "--problem:data:file={d}/missing.csv", "--out", "{out}");
        yield return Case(Bad, "data.csv", "solve", "--problem:data:file={d}/data.csv", "--out", "{out}");
        yield return Case(Bad, "problem.alpha = (null or empty): must be a number", "solve", "--config", "{d}/nullalpha.json", "--out", "{out}");
        // grid
        yield return Case(Bad, "grid.cells = 2.5: must be a whole number ≥ 2", "solve", "--grid:cells=2.5", "--out", "{out}");
        yield return Case(Bad, "grid.cells = 1e2: must be a whole number ≥ 2", "solve", "--grid:cells=1e2", "--out", "{out}");
        yield return Case(Bad, "grid.cells = 1: must be a whole number ≥ 2", "solve", "--grid:cells=1", "--out", "{out}");
        yield return Case(Bad, "grid.cells = 99999999999: must be a whole number ≥ 2 and at most 2147483647", "solve", "--grid:cells=99999999999", "--out", "{out}");
        yield return Case(Bad, "grid.cells = a value and items", "solve", "--grid:cells=16", "--grid:cells:2=16", "--out", "{out}");
        yield return Case(Bad, "grid.cells = 3 values", "solve", "--grid:cells:0=16", "--grid:cells:1=16", "--grid:cells:2=16", "--out", "{out}");
        yield return Case(Bad, "grid.cells[0]", "solve", "--grid:cells:1=16", "--out", "{out}");
        yield return Case(Bad, "grid.cells[0] = (missing)", "solve", "--config", "{d}/mixedcells.json", "--grid:cells:1=16", "--out", "{out}");
        yield return Case(Bad, "grid.cells = (no value or [])", "solve", "--config", "{d}/emptycells.json", "--out", "{out}");
        yield return Case(Bad, "write --grid:cells=32", "solve", "--grid.cells=32", "--out", "{out}");
        yield return Case(Bad, "grid.halfWidth = 0", "solve", "--grid:halfWidth=0", "--out", "{out}");
        yield return Case(Bad, "grid.halfWidth = 2,2: the box holds the initial law only up to a mass of 0.091 outside, more than the grid's discretization error", "solve", "--grid:halfWidth=2", "--grid:cells=16", "--out", "{out}");
        yield return Case(Bad, "grid.maxOutsideMass = 2: must be a mass in [0, 1]", "solve", "--grid:maxOutsideMass=2", "--out", "{out}");
        yield return Case(Bad, "grid.cells[0] = 4", "solve", "--grid:cells=4", "--out", "{out}");
        // time
        yield return Case(Bad, "time.end = 0", "solve", "--time:end=0", "--out", "{out}");
        yield return Case(Bad, "time.end = -1", "solve", "--time:end=-1", "--out", "{out}");
        yield return Case(Bad, "time.end = abc", "solve", "--time:end=abc", "--out", "{out}");
        yield return Case(Bad, "time.outputTimes[0] = 2", "solve", "--time:end=1", "--time:outputTimes:0=2", "--out", "{out}");
        yield return Case(Bad, "strictly increasing", "solve", "--time:outputTimes:0=0.5", "--time:outputTimes:1=0.2", "--out", "{out}");
        yield return Case(Bad, "time.cfl = 2", "solve", "--time:cfl=2", "--out", "{out}");
        yield return Case(Bad, "time.cfl = 0", "solve", "--time:cfl=0", "--out", "{out}");
        yield return Case(Bad, "time.stepper = euler", "solve", "--time:stepper=euler", "--out", "{out}");
        // particles and output
        yield return Case(Bad, "particles.count = 0: must be a whole number ≥ 1", "simulate", "--particles:count=0", "--out", "{out}");
        yield return Case(Bad, "particles.count = many", "simulate", "--particles:count=many", "--out", "{out}");
        yield return Case(Bad, "particles.step = 0", "simulate", "--particles:step=0", "--out", "{out}");
        yield return Case(Bad, "particles.step = -1", "run", "--particles:step=-1", "--out", "{out}");
        yield return Case(Bad, "particles.seed = -1", "simulate", "--particles:seed=-1", "--out", "{out}");
        yield return Case(Bad, "particles.seed = 1.5", "simulate", "--particles:seed=1.5", "--out", "{out}");
        yield return Case(Bad, "particles.step = 10: Euler–Maruyama is unstable at this step", "simulate", "--particles:step=10", "--out", "{out}");
        yield return Case(Bad, "particles.step = 25: Euler–Maruyama is unstable", "run", "--particles:step=25", "--grid:cells=16", "--out", "{out}");
        yield return Case(Bad, "grid.cells = 12000x12000: fpntk solve would need about", "solve", "--grid:cells=12000", "--out", "{out}");
        yield return Case(Bad, "grid.cells = 12000x12000: fpntk reference would need", "reference", "--grid:cells=12000", "--out", "{out}");
        yield return Case(Bad, "output.plots = maybe", "solve", "--output:plots=maybe", "--out", "{out}");
        yield return Case(Bad, "output.checkpointSeconds = 0", "solve", "--output:checkpointSeconds=0", "--out", "{out}");
        // files and folders
        yield return Case(Bad, "nope.json: the configuration file does not exist", "solve", "--config", "{d}/nope.json", "--out", "{out}");
        yield return Case(Bad, "folder: is a folder, not a configuration file", "solve", "--config", "{d}/folder", "--out", "{out}");
        yield return Case(Bad, "bad.json: is not a valid JSON configuration", "solve", "--config", "{d}/bad.json", "--out", "{out}");
        yield return Case(Bad, "array.json: the configuration must be a JSON object", "ntk", "--config", "{d}/array.json", "--out", "{out}");
        yield return Case(Bad, "--config = '': must name a JSON configuration file", "solve", "--config", "", "--out", "{out}");
        yield return Case(Bad, "--out = '': must name a folder", "solve", "--out", "");
        yield return Case(Bad, "a-file/run: the output folder cannot be created", "solve", "--grid:cells=16", "--out", "{d}/a-file/run");
        yield return Case(Bad, "--out = ", "stationary", "--grid:cells=16", "--out", "{d}/a-file");
        // command line
        yield return Case(Bad, "command line = stray: unexpected argument", "config", "stray");
        yield return Case(Bad, "treads = (missing): unknown option", "config", "--treads", "--problem:alpha=1");
        yield return Case(Usage, "--threads = abc: must be a whole number ≥ 1", "solve", "--threads", "abc", "--out", "{out}");
        yield return Case(Usage, "--threads = 0: must be a whole number ≥ 1", "run", "--threads", "0", "--out", "{out}");
        yield return Case(Bad, "--threads = 2: fpntk config does not use --threads", "config", "--threads", "2");
        yield return Case(Bad, "--out = x: fpntk config does not use --out", "config", "--out", "x");
        yield return Case(Usage, "no command given");
        yield return Case(Usage, "no-such-study", "study", "no-such-study");
        yield return Case(Usage, "frobnicate", "frobnicate");
        // resume
        yield return Case(Bad, "the run folder does not exist", "resume", "{d}/no-run");
        yield return Case(Bad, "is not a run folder (no manifest.json)", "resume", "{d}/folder");
        yield return Case(Bad, "the run is already complete", "resume", "{d}/complete");
        yield return Case(Bad, "problem.alpha = 5: a run resumes only with its own configuration", "resume", "{d}/interrupted", "--problem:alpha=5");
        yield return Case(Bad, "--config = c.json: fpntk resume does not use --config", "resume", "{d}/interrupted", "--config", "c.json");
        yield return Case(Bad, "--out = elsewhere: fpntk resume does not use --out", "resume", "{d}/interrupted", "--out", "elsewhere");
        // measure files (w2)
        yield return Case(Bad, "missing.csv: file not found", "w2", "{d}/a.csv", "{d}/missing.csv");
        yield return Case(Bad, "folder: is a folder, not a measure file", "w2", "{d}/folder", "{d}/a.csv");
        yield return Case(Bad, "ragged.csv:3 = 1 fields", "w2", "{d}/a2.csv", "{d}/ragged.csv");
        yield return Case(Bad, "text.csv:3 = abc: column 'x1' must be a number", "w2", "{d}/a.csv", "{d}/text.csv");
        yield return Case(Bad, "empty.csv = empty file", "w2", "{d}/a.csv", "{d}/empty.csv");
        yield return Case(Bad, "header.csv = no data rows", "w2", "{d}/a.csv", "{d}/header.csv");
        yield return Case(Bad, "prob.csv:header = prob: is ambiguous", "w2", "{d}/a.csv", "{d}/prob.csv");
        yield return Case(Bad, "twoweights.csv:header = w,mass: more than one column names weights", "w2", "{d}/a.csv", "{d}/twoweights.csv");
        yield return Case(Bad, "duplicate.csv:header = x1: column names must be distinct", "w2", "{d}/a2.csv", "{d}/duplicate.csv");
        yield return Case(Bad, "negative.csv.weights[0] = -0.5", "w2", "{d}/a.csv", "{d}/negative.csv");
        yield return Case(Bad, "a2.csv = dimension 2", "w2", "{d}/a.csv", "{d}/a2.csv");
        yield return Case(Bad, "heavy.csv.totalMass = 2: must equal the total mass", "w2", "{d}/a.csv", "{d}/heavy.csv");
        yield return Case(Bad, "types.h5:/ints = a dataset of FixedPoint values (4 bytes): must hold 64-bit floating-point numbers", "w2", "{d}/types.h5:/ints", "{d}/a2.csv");
        yield return Case(Bad, "types.h5:/names = a dataset of", "w2", "{d}/a2.csv", "{d}/types.h5:/names");
        yield return Case(Bad, "types.h5: name the dataset", "w2", "{d}/a.csv", "{d}/types.h5");
        yield return Case(Bad, "types.h5:/none = /none: no such dataset", "w2", "{d}/a.csv", "{d}/types.h5:/none");
        yield return Case(Bad, "notanh5.h5:/x", "w2", "{d}/a.csv", "{d}/notanh5.h5:/x");
        yield return Case(Bad, "measure file = '': must name a CSV file", "w2", "{d}/a.csv", "");
    }

    [TestCaseSource(nameof(Cases))]
    public void IsRefusedClearly(int code, string named, string[] template)
    {
        string outDir = Path.Combine(_fixtures, "out-" + Guid.NewGuid().ToString("N"));
        var args = template.Select(a => a.Replace("{d}", _fixtures).Replace("{out}", outDir)).ToArray();
        var (exit, output, error) = Cli.CommandLineTests.Fpntk(args);
        Assert.That(exit, Is.EqualTo(code), error);
        Assert.That(error, Does.Contain(named.Replace("{d}", _fixtures)));
        // A stack-trace frame is "   at Namespace.Type.Method(": help text wrapped onto a line starting with "at " is not one.
        Assert.That(error, Does.Not.Match(@"(?m)^\s+at \S+\.\S+\(").And.Not.Contain("Exception"), "no stack trace, no exception type");
        if (code == Bad)
            Assert.That(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), "one paragraph");
        Assert.That(output, Is.Empty, "nothing on standard output");
        foreach (string dir in new[] { outDir, Path.Combine(_fixtures, "interrupted") }.Where(Directory.Exists))
        {
            var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).ToList();
            Assert.That(files.Where(f => ResultFiles.Contains(f)), Is.Empty, "no results file");
            Assert.That(files.Where(f => f.Contains(AtomicFile.PartialMarker)), Is.Empty, "no unfinished file");
            if (files.Contains("manifest.json"))
                Assert.That(RunManifest.Read(dir).Status, Is.Not.EqualTo(RunManifest.Running), "the manifest says how it ended");
        }
    }

    [Test]
    public void TheTableIsLarge() => Assert.That(Cases().Select(c => string.Join(" ", (string[])c.Arguments[2]!)).Distinct().Count(), Is.GreaterThanOrEqualTo(60));
}
