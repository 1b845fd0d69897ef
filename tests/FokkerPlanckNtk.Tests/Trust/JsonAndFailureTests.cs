using System.Text.Json;
using FokkerPlanckNtk.Cli;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Tests.Trust;

/// <summary>
/// Issue 9, defects 2 and 7: one convention for non-finite numbers in JSON (null and NAME_reason), manifests
/// never left "running" after an error, numerical failures reported as such (exit 4).
/// </summary>
public class JsonAndFailureTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-json-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    private static (int Code, string Output, string Error) Fpntk(params string[] args) => Cli.CommandLineTests.Fpntk(args);

    [Test]
    public void ConventionForNonFiniteNumbers()
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            JsonText.WriteNumber(w, "a", 1.5);
            JsonText.WriteNumber(w, "b", double.PositiveInfinity, "unbounded activation");
            JsonText.WriteNumber(w, "c", double.NaN);
            JsonText.WriteNumbers(w, "d", [1, double.NegativeInfinity]);
            w.WriteEndObject();
        }
        using var json = JsonDocument.Parse(buffer.ToArray()); // strict JSON: no Infinity/NaN tokens
        var root = json.RootElement;
        Assert.That(root.GetProperty("a").GetDouble(), Is.EqualTo(1.5));
        Assert.That(root.TryGetProperty("a_reason", out _), Is.False, "finite numbers carry no reason");
        Assert.That(root.GetProperty("b").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(root.GetProperty("b_reason").GetString(), Is.EqualTo("+infinity: unbounded activation"));
        Assert.That(root.GetProperty("c_reason").GetString(), Is.EqualTo("not a number"));
        Assert.That(root.GetProperty("d")[1].ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(root.GetProperty("d_reason").GetString(), Is.EqualTo("-infinity"));
    }

    // Defect 2: the linear activation is unbounded, so G = ∞ and every Theorem 4.4 bound is infinite.
    [Test]
    public void NtkWithTheLinearActivation()
    {
        string outDir = Path.Combine(_dir, "n");
        var (code, _, error) = Fpntk("ntk", "--problem:activation=linear", "--output:plots=false", "--out", outDir);
        Assert.That(code, Is.EqualTo(FpntkCommandLine.Success), error);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "ntk.json")));
        var root = json.RootElement;
        Assert.That(root.GetProperty("kl_bound").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(root.GetProperty("kl_bound_reason").GetString(), Does.Contain("unbounded"));
        Assert.That(root.GetProperty("g")[0].ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(root.GetProperty("eigenvalues").GetArrayLength(), Is.EqualTo(4));
        Assert.That(RunManifest.Read(outDir).Status, Is.EqualTo(RunManifest.Completed));
    }

    // KL(a‖b) = ∞ where b has no mass on an atom of a: null and kl_reason, never the string "Infinity".
    [Test]
    public void W2JsonWithAnInfiniteDivergence()
    {
        File.WriteAllText(Path.Combine(_dir, "a.csv"), "x1,weight\n0,0.5\n1,0.5\n");
        File.WriteAllText(Path.Combine(_dir, "b.csv"), "x1,weight\n0,1\n1,0\n");
        var (code, output, error) = Fpntk("w2", Path.Combine(_dir, "a.csv"), Path.Combine(_dir, "b.csv"), "--json");
        Assert.That(code, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        Assert.That(json.RootElement.GetProperty("kl").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(json.RootElement.GetProperty("kl_reason").GetString(), Does.StartWith("+infinity"));
        // Mass 0.5 moves by 1: W2 = sqrt(0.5).
        Assert.That(json.RootElement.GetProperty("w2").GetDouble(), Is.EqualTo(Math.Sqrt(0.5)).Within(1e-15));
    }

    private int Execute(string outDir, Func<CommandContext, int> body)
    {
        var parse = FpntkCommandLine.Build(TextWriter.Null, TextWriter.Null, false).Parse(["ntk", "--out", outDir]);
        return FpntkCommandLine.Execute(parse, "ntk", TextWriter.Null, TextWriter.Null, false, body);
    }

    // Defect 2: an unexpected error after the folder was made leaves the manifest "failed" with the message.
    [Test]
    public void UnexpectedErrorMarksTheManifestFailed()
    {
        string outDir = Path.Combine(_dir, "u");
        int code = Execute(outDir, context =>
        {
            context.CreateFolder(RunConfiguration.Default);
            throw new InvalidOperationException("injected");
        });
        Assert.That(code, Is.EqualTo(FpntkCommandLine.Failure));
        var manifest = RunManifest.Read(outDir);
        Assert.That(manifest.Status, Is.EqualTo(RunManifest.Failed));
        Assert.That(manifest.Message, Does.Contain("injected"));
    }

    // Defect 7: a numerical failure is reported as such (exit 4), with what, when and the keys that may help.
    [Test]
    public void NumericalFailureIsNotBadInput()
    {
        string outDir = Path.Combine(_dir, "f");
        var error = new StringWriter();
        var parse = FpntkCommandLine.Build(TextWriter.Null, error, false).Parse(["solve", "--out", outDir]);
        int code = FpntkCommandLine.Execute(parse, "solve", TextWriter.Null, error, false, context =>
        {
            context.CreateFolder(RunConfiguration.Default);
            throw new NumericalFailureException("the PDE density", 0.25, 17, "a time step produced a non-finite density", "time.cfl", "grid.cells");
        });
        Assert.That(code, Is.EqualTo(FpntkCommandLine.NumericalFailure));
        Assert.That(error.ToString().Trim(), Is.EqualTo(
            "fpntk solve: numerical failure: the PDE density at t = 0.25 (step 17): a time step produced a non-finite density; keys that may help: time.cfl, grid.cells"));
        Assert.That(RunManifest.Read(outDir).Status, Is.EqualTo(RunManifest.Failed));
    }
}
