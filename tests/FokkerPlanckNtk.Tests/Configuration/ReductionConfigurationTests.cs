using System.Globalization;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Tests.Model;

namespace FokkerPlanckNtk.Tests.Configuration;

/// <summary>Problems of any input dimension in the configuration: problem.reduction, the grid on the span.</summary>
public class ReductionConfigurationTests
{
    private static RunConfiguration Read(IEnumerable<(string Key, string Value)> values) =>
        RunConfiguration.Read(new ConfigurationTree(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))));

    /// <summary>Inline data: n = 3 inputs in R^d spanning k = 2 dimensions (or the rows given).</summary>
    private static List<(string, string)> Data(int d, double[][]? coefficients = null)
    {
        var q = SpanProblems.Rotation(d, seed: 3);
        coefficients ??= [[0.6, 0.2], [-0.3, 0.7], [0.5, 0.5]];
        var data = SpanProblems.Data(q, coefficients, coefficients.Select((_, i) => 0.2 * i - 0.3).ToArray());
        var values = new List<(string, string)>();
        for (int i = 0; i < data.Count; i++)
        {
            for (int k = 0; k < d; k++) values.Add(($"problem:data:x:{i}:{k}", data.X(i)[k].ToString("R", CultureInfo.InvariantCulture)));
            values.Add(($"problem:data:y:{i}", data.Yi(i).ToString("R", CultureInfo.InvariantCulture)));
        }
        return values;
    }

    // d = 10, k = 2: the grid has k + 1 = 3 axes; the default reduction is not written to config.json (so a run that
    // does not use it keeps its file byte for byte), a non-default one is and reads back equal.
    [Test]
    public void TenDimensionalDataGetAThreeAxisGrid()
    {
        var c = Read(Data(10));
        Assert.That(c.Problem.Data.Dimension, Is.EqualTo(10));
        Assert.That(c.Grid.Cells, Has.Length.EqualTo(3));
        Assert.That(c.ToJson(), Does.Not.Contain("reduction"));
        var reduction = c.Problem.ToReducedProblem();
        Assert.That(reduction.Reduced.Dimension, Is.EqualTo(2));

        var loose = Read([.. Data(10), ("problem:reduction:tolerance", "1e-8")]);
        string json = loose.ToJson();
        Assert.That(json, Does.Contain("\"reduction\"").And.Contain("1E-08"));
        var again = RunConfiguration.Read(new ConfigurationTree(JsonFlattener.Flatten(json)));
        Assert.That(again, Is.EqualTo(loose));
        Assert.That(again.ToJson(), Is.EqualTo(json));
    }

    // k = d = 3 keeps the coordinates (the configuration is the one of before the reduction existed); "always" rotates,
    // "never" in d = 10 needs 11 axes and is refused with the grid dimension named.
    [Test]
    public void ModesSelectTheGrid()
    {
        var full = new List<(string, string)> { ("problem:data:x:0:0", "0.3"), ("problem:data:x:0:1", "0.5"), ("problem:data:x:0:2", "0.1"),
            ("problem:data:x:1:0", "0.5"), ("problem:data:x:1:1", "-0.2"), ("problem:data:x:1:2", "0.6"),
            ("problem:data:x:2:0", "-0.4"), ("problem:data:x:2:1", "0.1"), ("problem:data:x:2:2", "0.3"),
            ("problem:data:y:0", "0.3"), ("problem:data:y:1", "-0.4"), ("problem:data:y:2", "0.2"), ("grid:cells", "8") };
        Assert.That(Read(full).Problem.ToReducedProblem().IsIdentity, Is.True);
        var rotated = Read([.. full, ("problem:reduction:mode", "always")]);
        Assert.That(rotated.Problem.ToReducedProblem().IsIdentity, Is.False);
        Assert.That(rotated.Grid.Cells, Has.Length.EqualTo(4));
        var e = Assert.Throws<InputException>(() => Read([.. Data(10), ("problem:reduction:mode", "never")]))!;
        Assert.That(e.Key, Is.EqualTo("problem.data.x"));
        Assert.That(e.Message, Does.Contain("d + 1 = 11"));
    }

    [Test]
    public void DataFileOfAnyDimension()
    {
        string dir = Directory.CreateTempSubdirectory("fpntk-reduction-").FullName;
        try
        {
            var q = SpanProblems.Rotation(12, seed: 8);
            var data = SpanProblems.Data(q, [[0.6, 0.2], [-0.3, 0.7], [0.5, 0.5], [0.1, -0.4]], [0.4, -0.3, 0.6, 0.1]);
            var lines = new List<string> { string.Join(",", Enumerable.Range(1, 12).Select(k => $"x{k}")) + ",y" };
            for (int i = 0; i < data.Count; i++)
                lines.Add(string.Join(",", data.X(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "," + data.Yi(i).ToString("R", CultureInfo.InvariantCulture));
            File.WriteAllLines(Path.Combine(dir, "data.csv"), lines);
            File.WriteAllText(Path.Combine(dir, "c.json"), """{ "problem": { "data": { "file": "data.csv" } }, "grid": { "cells": [24, 24, 32] } }""");
            var c = RunConfiguration.Load(Path.Combine(dir, "c.json"));
            Assert.That(c.Problem.Data.Dimension, Is.EqualTo(12));
            Assert.That(c.Grid.Cells, Is.EqualTo(new[] { 24, 24, 32 }));
            Assert.That(c.Problem.ToReducedProblem().Span.DataRank, Is.EqualTo(2));
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestCase("problem:reduction:mode", "sometimes", "problem.reduction.mode", "allowed: auto, always, never")]
    [TestCase("problem:reduction:tolerance", "0", "problem.reduction.tolerance", "(0, 1)")]
    [TestCase("problem:reduction:tolerance", "2", "problem.reduction.tolerance", "(0, 1)")]
    [TestCase("grid:cells:0", "8", "grid.cells", "k + 1 = 3 (ζ_1..ζ_k, u")]
    public void BadValuesNameTheirKey(string key, string value, string shownKey, string requirement)
    {
        var values = Data(10);
        values.Add((key, value));
        if (key == "grid:cells:0") { values.Add(("grid:cells:1", "8")); values.Add(("grid:cells:2", "8")); values.Add(("grid:cells:3", "8")); }
        var e = Assert.Throws<InputException>(() => Read(values))!;
        Assert.That(e.Key, Is.EqualTo(shownKey));
        Assert.That(e.Message, Does.Contain(requirement));
    }

    // Bad input of issue 13 through the configuration: a rank above 3 on the grid (n, d, k and the grid dimension named)
    // and an initial covariance that couples the span with its complement (the entry and d + 1 named).
    [Test]
    public void RankAboveThreeAndCouplingCovarianceAreRefused()
    {
        var e = Assert.Throws<InputException>(() => Read(Data(10, [[0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 0.5]])))!;
        Assert.That(e.Message, Does.Contain("n = 4").And.Contain("d = 10").And.Contain("k = 4").And.Contain("k + 1 = 5"));

        var values = Data(10);
        values.Add(("problem:initial:kind", "gaussian"));
        for (int i = 0; i <= 10; i++)
            for (int j = 0; j <= 10; j++)
                values.Add(($"problem:initial:covariance:{i}:{j}", i == j ? "1" : (i + j == 3 ? "0.2" : "0")));
        var c = Assert.Throws<InputException>(() => Read(values))!;
        Assert.That(c.Key, Does.StartWith("problem.initial.covariance["));
        Assert.That(c.Message, Does.Contain("d + 1 = 11"));
    }
}
