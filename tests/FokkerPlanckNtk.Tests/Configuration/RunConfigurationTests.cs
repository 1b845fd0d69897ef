using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.FiniteVolume;

namespace FokkerPlanckNtk.Tests.Configuration;

public class RunConfigurationTests
{
    private static RunConfiguration Read(params (string Key, string Value)[] values) =>
        RunConfiguration.Read(new ConfigurationTree(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))));

    private static InputException Bad(params (string Key, string Value)[] values) =>
        Assert.Throws<InputException>(() => Read(values))!;

    // The defaults are the built-in problem of INTERFACE.md (exact values, no tolerance), with its example's
    // grid and particle counts (see GridSettings.DefaultCells).
    [Test]
    public void DefaultsAreTheBuiltInProblem()
    {
        var c = RunConfiguration.Default;
        Assert.That(c.Problem.Activation.Name, Is.EqualTo("tanh"));
        Assert.That(c.Problem.Alpha, Is.EqualTo(2.0));
        Assert.That(c.Problem.Lambda, Is.EqualTo(0.1));
        Assert.That(c.Problem.Data.XFlat.ToArray(), Is.EqualTo(new[] { 0.25, 0.5, 0.75, 1.0 }));
        Assert.That(c.Problem.Data.Y.ToArray(), Is.EqualTo(new[] { 0.2, 0.6, -0.3, 0.4 }));
        Assert.That(c.Problem.Initial.IsStandard, Is.True);
        Assert.That(c.Grid.Cells, Is.EqualTo(new[] { 128, 128 }));
        Assert.That(c.Grid.HalfWidth, Is.EqualTo(new[] { 7.0, 7.0 }));
        Assert.That(c.Time.End, Is.EqualTo(5.0));
        Assert.That(c.Time.OutputTimes, Has.Length.EqualTo(TimeSettings.DefaultOutputCount));
        Assert.That(c.Time.OutputTimes[^1], Is.EqualTo(5.0));
        Assert.That(c.Time.Cfl, Is.EqualTo(0.5));
        Assert.That(c.Particles, Is.EqualTo(new ParticleSettings(10000, 0.001, 1)));
    }

    // The effective configuration (config.json) reads back to an equal configuration: numbers are
    // written in round-trip form, so equality is exact.
    [Test]
    public void EffectiveConfigurationRoundTrips()
    {
        var c = Read(("problem:activation", "erf"), ("problem:alpha", "0.1234567890123456789"), ("problem:lambda", "3e-2"),
            ("problem:data:x:0:0", "0.1"), ("problem:data:x:0:1", "-0.3"), ("problem:data:x:1:0", "1e-3"), ("problem:data:x:1:1", "0.7"),
            ("problem:data:y:0", "0.5"), ("problem:data:y:1", "-0.25"),
            ("problem:initial:kind", "gaussian"), ("problem:initial:mean:0", "0.1"), ("problem:initial:mean:1", "0"), ("problem:initial:mean:2", "-0.2"),
            ("problem:initial:covariance:0:0", "1"), ("problem:initial:covariance:1:1", "0.5"), ("problem:initial:covariance:2:2", "2"),
            ("problem:initial:covariance:0:1", "0"), ("problem:initial:covariance:0:2", "0.1"), ("problem:initial:covariance:1:0", "0"),
            ("problem:initial:covariance:1:2", "0"), ("problem:initial:covariance:2:0", "0.1"), ("problem:initial:covariance:2:1", "0"),
            ("grid:cells:0", "16"), ("grid:cells:1", "20"), ("grid:cells:2", "24"), ("grid:halfWidth", "6.5"),
            ("time:outputTimes:0", "0.1"), ("time:outputTimes:1", "0.3"), ("time:cfl", "0.25"),
            ("time:stepper", "implicitFeedback"), ("time:tolerance", "2.5e-7"),
            ("particles:count", "77"), ("particles:step", "0.002"), ("particles:seed", "42"), ("output:plots", "false"),
            ("output:w2Seconds", "0"), ("output:w2FloorRepetitions", "3"));
        string json = c.ToJson();
        var again = RunConfiguration.Read(new ConfigurationTree(JsonFlattener.Flatten(json)));
        Assert.That(again, Is.EqualTo(c));
        Assert.That(again.ToJson(), Is.EqualTo(json));
        Assert.That(again.Time.OutputTimes, Is.EqualTo(new[] { 0.1, 0.3 }));
        Assert.That(again.Time.End, Is.EqualTo(0.3));
        Assert.That(again.Time.ToSolverOptions(), Is.EqualTo(new PdeSolverOptions(0.25, StepperKind.ImplicitFeedback, Tolerance: 2.5e-7)));
        Assert.That(again.Output.W2Options.ExactSecondsBudget, Is.EqualTo(0));
        // Absent, it is not written (config.json files of earlier runs read back unchanged) and the W2 default holds.
        var plain = RunConfiguration.Default;
        Assert.That(plain.ToJson(), Does.Not.Contain("w2Seconds"));
        Assert.That(again.Output.EffectiveFloorRepetitions, Is.EqualTo(3));
        Assert.That(plain.ToJson(), Does.Not.Contain("w2FloorRepetitions"));
        Assert.That(plain.Output.EffectiveFloorRepetitions, Is.EqualTo(OutputSettings.DefaultFloorRepetitions));
        Assert.That(plain.Output.W2Options, Is.EqualTo(FokkerPlanckNtk.Metrics.W2Options.ProbabilityMeasures));
    }

    // output.w2Seconds reaches the run's W2s: 1000 particles against 24² cells are solved exactly by default (semi-discrete: the
    // piecewise-constant density against the particles), at 0 as the certified bracket from the coarsened cell-centre atoms,
    // widened by the atoms' distance h/√6 to the density (each cell's uniform law to its centre): it holds the exact value.
    [Test]
    public void TheW2BudgetChoosesTheMethodOfTheRunsW2()
    {
        FokkerPlanckNtk.Metrics.W2Value W2(params (string, string)[] extra)
        {
            var config = Read([("grid:cells", "24"), ("time:outputTimes:0", "0.05"), ("particles:count", "1000"), ("particles:step", "0.01"),
                ("output:plots", "false"), ("output:diagnosticsRows", "0"), .. extra]);
            return Runs.RunSession.InMemory(config, Runs.RunKind.Simulate).Execute().Particles![^1].W2P0;
        }
        var exact = W2();
        var bracket = W2(("output:w2Seconds", "0"));
        Assert.That(exact.IsExact, Is.True, exact.Method);
        Assert.That(bracket.IsExact, Is.False, bracket.Method);
        Assert.That(bracket.Method, Does.Contain("coarsened"));
        Assert.That(bracket.Method, Does.StartWith(FokkerPlanckNtk.Metrics.Wasserstein.CellCentreMethod));
        Assert.That(exact.Value, Is.InRange(bracket.Lower, bracket.Upper), "the bracket holds the exact value");
    }

    // Command-line "--grid:cells=256" overrides a per-axis list from the file (the scalar wins).
    [Test]
    public void ScalarOverridesPerAxisList()
    {
        // A later source's number replaces an earlier source's list; in one source both are an error.
        var tree = ConfigurationTree.FromSources([new("grid:cells:0", "16"), new("grid:cells:1", "32")], [new("grid:cells", "48")]);
        Assert.That(RunConfiguration.Read(tree).Grid.Cells, Is.EqualTo(new[] { 48, 48 }));
        Assert.That(() => Read(("grid:cells:0", "16"), ("grid:cells:1", "32"), ("grid:cells", "48")),
            Throws.TypeOf<InputException>().With.Message.Contains("grid.cells = a value and items"));
    }

    [Test]
    public void OneDimensionalRowsMayBeScalars()
    {
        var c = Read(("problem:data:x:0", "0.5"), ("problem:data:x:1", "-0.5"), ("problem:data:y:0", "1"), ("problem:data:y:1", "0"));
        Assert.That(c.Problem.Data.Dimension, Is.EqualTo(1));
        Assert.That(c.Problem.Data.XFlat.ToArray(), Is.EqualTo(new[] { 0.5, -0.5 }));
    }

    [Test]
    public void DataFileIsReadRelativeToTheConfigurationFolder()
    {
        string dir = Directory.CreateTempSubdirectory("fpntk-config-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "data.csv"), "x1,x2,y\n0.1,0.2,0.3\n-0.4,0.5,-0.6\n");
            File.WriteAllText(Path.Combine(dir, "c.json"), """{ "problem": { "data": { "file": "data.csv" } }, "grid": { "cells": 8 } }""");
            var c = RunConfiguration.Load(Path.Combine(dir, "c.json"));
            Assert.That(c.Problem.Data.Dimension, Is.EqualTo(2));
            Assert.That(c.Problem.Data.XFlat.ToArray(), Is.EqualTo(new[] { 0.1, 0.2, -0.4, 0.5 }));
            Assert.That(c.Grid.Cells, Is.EqualTo(new[] { 8, 8, 8 }));
        }
        finally { Directory.Delete(dir, true); }
    }

    // Every bad value stops with an InputException naming the key; the message says what is allowed.
    [TestCase("problem:activation", "relu", "problem.activation", "allowed: tanh, sigmoid, erf, linear")]
    [TestCase("problem:alpha", "abc", "problem.alpha", "must be a number")]
    [TestCase("problem:alpha", "-1", "problem.alpha", ">= 0")]
    [TestCase("problem:lambda", "0", "problem.lambda", "positive")]
    [TestCase("grid:cells", "-4", "grid.cells", "must be a whole number ≥ 2")]
    [TestCase("grid:cells", "12.5", "grid.cells", "must be a whole number ≥ 2")]
    [TestCase("grid:halfWidth", "-7", "grid.halfWidth", "positive")]
    [TestCase("time:end", "-1", "time.end", "positive")]
    [TestCase("time:cfl", "1.5", "time.cfl", "(0, 1]")]
    [TestCase("time:stepper", "euler", "time.stepper", "allowed: ssprk3")]
    [TestCase("time:tolerance", "0", "time.tolerance", "finite positive")]
    [TestCase("time:tolerance", "-1e-6", "time.tolerance", "finite positive")]
    [TestCase("time:tolerance", "tight", "time.tolerance", "must be a number")]
    [TestCase("particles:count", "0", "particles.count", "must be a whole number ≥ 1")]
    [TestCase("particles:count", "many", "particles.count", "must be a whole number ≥ 1")]
    [TestCase("particles:step", "NaN", "particles.step", "finite")]
    [TestCase("particles:seed", "-3", "particles.seed", "in 0..9007199254740991")]
    [TestCase("particles:seed", "9007199254740992", "particles.seed", "in 0..9007199254740991")]
    [TestCase("output:plots", "yes", "output.plots", "true or false")]
    [TestCase("output:w2Seconds", "-1", "output.w2Seconds", "a finite number of seconds ≥ 0")]
    [TestCase("output:w2FloorRepetitions", "-1", "output.w2FloorRepetitions", "a whole number ≥ 0")]
    [TestCase("output:w2FloorRepetitions", "1001", "output.w2FloorRepetitions", "0..1000")]
    [TestCase("output:w2Seconds", "Infinity", "output.w2Seconds", "must be a finite number")]
    [TestCase("problem:initial:kind", "uniform", "problem.initial.kind", "standardGaussian or gaussian")]
    [TestCase("problem:data:file", "/nonexistent/data.csv", "problem.data.file", "does not exist")]
    [TestCase("problem:alpah", "4", "problem.alpah", "did you mean problem.alpha?")]
    public void BadValueNamesKeyAndRequirement(string key, string value, string shownKey, string requirement)
    {
        var e = Bad((key, value));
        Assert.That(e.Key, Is.EqualTo(shownKey));
        Assert.That(e.Message, Does.StartWith($"{shownKey} = ").And.Contain(requirement));
    }

    [Test]
    public void ListWhereNumberExpectedIsRejected()
    {
        var e = Bad(("problem:alpha:0", "1"), ("problem:alpha:1", "2"));
        Assert.That(e.Message, Does.StartWith("problem.alpha = (a list or section): must be a number"));
    }

    [Test]
    public void OutputTimesMustIncreaseAndLieBeforeTheEnd()
    {
        Assert.That(Bad(("time:outputTimes:0", "1"), ("time:outputTimes:1", "0.5")).Key, Is.EqualTo("time.outputTimes[1]"));
        Assert.That(Bad(("time:end", "1"), ("time:outputTimes:0", "2")).Message, Does.Contain("(0, time.end = 1]"));
    }

    [Test]
    public void GridAxesMustMatchTheDimension()
    {
        var e = Bad(("grid:cells:0", "8"), ("grid:cells:1", "8"), ("grid:cells:2", "8"));
        Assert.That(e.Key, Is.EqualTo("grid.cells"));
        Assert.That(e.Message, Does.Contain("d + 1 = 2"));
    }

    [Test]
    public void DataNeedsMatchingRowsAndTargets()
    {
        Assert.That(Bad(("problem:data:x:0", "0.5"), ("problem:data:x:1", "0.1"), ("problem:data:y:0", "1")).Key, Is.EqualTo("problem.data.y"));
        Assert.That(Bad(("problem:data:x:0", "0.5")).Key, Is.EqualTo("problem.data.y"));
        Assert.That(Bad(("problem:data:file", "a.csv"), ("problem:data:y:0", "1")).Key, Is.EqualTo("problem.data"));
    }

    [Test]
    public void CovarianceMustBePositiveDefinite()
    {
        var e = Bad(("problem:initial:kind", "gaussian"), ("problem:initial:covariance:0:0", "1"), ("problem:initial:covariance:0:1", "2"),
            ("problem:initial:covariance:1:0", "2"), ("problem:initial:covariance:1:1", "1"));
        Assert.That(e.Message, Does.Contain("positive definite"));
    }

    [Test]
    public void ListItemsMustNotHaveGaps()
    {
        Assert.That(Bad(("time:outputTimes:0", "1"), ("time:outputTimes:2", "2")).Key, Is.EqualTo("time.outputTimes[1]"));
    }

    [Test]
    public void InvalidJsonNamesTheFile()
    {
        var e = Assert.Throws<InputException>(() => JsonFlattener.Flatten("{ \"problem\": { \"alpha\": 2, }", "c.json"))!;
        Assert.That(e.Message, Does.StartWith("--config = c.json: is not a valid JSON configuration"));
    }
}
