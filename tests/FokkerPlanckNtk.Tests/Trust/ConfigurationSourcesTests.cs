using FokkerPlanckNtk.Configuration;
using Microsoft.Extensions.Configuration;

namespace FokkerPlanckNtk.Tests.Trust;

/// <summary>
/// Issue 9, defect 6: how the file, the environment and the command line combine (a later source replaces a key
/// with all it holds), and keys without values or with empty lists are errors, never defaults.
/// </summary>
[NonParallelizable] // environment variables
public class ConfigurationSourcesTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-sources-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    private int[] Cells(string fileJson, params string[] args)
    {
        string path = Path.Combine(_dir, "c.json");
        File.WriteAllText(path, fileJson);
        var (code, output, error) = Cli.CommandLineTests.Fpntk(["config", "--config", path, .. args]);
        Assert.That(code, Is.EqualTo(0), error);
        return RunConfiguration.Read(new ConfigurationTree(JsonFlattener.Flatten(output))).Grid.Cells;
    }

    [Test]
    public void IndexedOverridesReplaceTheFilesNumber() =>
        Assert.That(Cells("""{ "grid": { "cells": 64 } }""", "--grid:cells:0=48", "--grid:cells:1=32"), Is.EqualTo(new[] { 48, 32 }));

    [Test]
    public void ANumberReplacesTheFilesList() =>
        Assert.That(Cells("""{ "grid": { "cells": [16, 24] } }""", "--grid:cells=32"), Is.EqualTo(new[] { 32, 32 }));

    [Test]
    public void AnItemReplacesOneItemOfTheFilesList() =>
        Assert.That(Cells("""{ "grid": { "cells": [16, 24] } }""", "--grid:cells:1=48"), Is.EqualTo(new[] { 16, 48 }));

    [Test]
    public void TheEnvironmentSitsBetweenFileAndCommandLine()
    {
        Environment.SetEnvironmentVariable("FPNTK_grid__cells__0", "20");
        Environment.SetEnvironmentVariable("FPNTK_grid__cells__1", "22");
        try
        {
            Assert.That(Cells("""{ "grid": { "cells": 64 } }"""), Is.EqualTo(new[] { 20, 22 }));
            Assert.That(Cells("""{ "grid": { "cells": 64 } }""", "--grid:cells=18"), Is.EqualTo(new[] { 18, 18 }));
        }
        finally
        {
            Environment.SetEnvironmentVariable("FPNTK_grid__cells__0", null);
            Environment.SetEnvironmentVariable("FPNTK_grid__cells__1", null);
        }
    }

    // The library reads a file as the command line does: JsonFlattener gives what Microsoft.Extensions.
    // Configuration's JSON provider gives, including null ("") and empty lists (a key with a null value).
    [Test]
    public void JsonFlattenerMatchesTheConfigurationProvider()
    {
        const string json = """{ "problem": { "alpha": null, "data": { "x": [], "y": [1, 2] } }, "grid": { "cells": [16, 24] }, "o": {} }""";
        var provider = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build()
            .AsEnumerable().Where(kv => kv.Value is not null || !HasChildren(json, kv.Key)).OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase);
        var ours = JsonFlattener.Flatten(json).OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase);
        Assert.That(ours.Select(kv => $"{kv.Key}={kv.Value ?? "<null>"}"), Is.EqualTo(provider.Select(kv => $"{kv.Key}={kv.Value ?? "<null>"}")));
    }

    private static bool HasChildren(string json, string key) =>
        JsonFlattener.Flatten(json).Any(kv => kv.Key.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase));
}
