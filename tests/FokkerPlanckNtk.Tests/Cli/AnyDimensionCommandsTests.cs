using System.Globalization;
using System.Text;
using System.Text.Json;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Stationary;
using FokkerPlanckNtk.Tests.Model;

namespace FokkerPlanckNtk.Tests.Cli;

/// <summary>The analysis commands on inputs in R^10 spanning k = 2 dimensions, end to end (the path fpntk runs).</summary>
public class AnyDimensionCommandsTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-anydim-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    /// <summary>Three inputs in a rotated plane of R^10 (k = 2).</summary>
    internal static DataSet TenDimensionalData() =>
        SpanProblems.Data(SpanProblems.Rotation(10, seed: 3), [[0.6, 0.2], [-0.3, 0.7], [0.5, 0.5]], [0.4, -0.3, 0.6]);

    /// <summary>The data as a CSV file (x1..xd, y) in the test folder; returns its path.</summary>
    internal static string WriteCsv(string directory, DataSet data)
    {
        var text = new StringBuilder(string.Join(",", Enumerable.Range(1, data.Dimension).Select(k => $"x{k}")) + ",y\n");
        for (int i = 0; i < data.Count; i++)
            text.Append(string.Join(",", data.X(i).ToArray().Append(data.Yi(i)).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))).Append('\n');
        string path = Path.Combine(directory, "data.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static double[] Numbers(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    // span.json: B has orthonormal rows that span the inputs (x_i = B Bᵀ x_i to round-off), so the grid axes ζ = Bᵀθ
    // are coordinates of S; the ⊥ factor of p0 is N(0, I) in d − k = 8 dimensions.
    private static void AssertSpanFile(string folder, DataSet data)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, SpanDocument.FileName)));
        var root = json.RootElement;
        Assert.That(root.GetProperty("ambientDimension").GetInt32(), Is.EqualTo(10));
        Assert.That(root.GetProperty("dimension").GetInt32(), Is.EqualTo(2));
        var basis = root.GetProperty("basis").EnumerateArray().Select(Numbers).ToArray();
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                Assert.That(basis[a].Zip(basis[b], (x, y) => x * y).Sum(), Is.EqualTo(a == b ? 1 : 0).Within(1e-14));
        for (int i = 0; i < data.Count; i++)
        {
            var x = data.X(i).ToArray();
            var c = basis.Select(b => b.Zip(x, (p, q) => p * q).Sum()).ToArray();
            for (int l = 0; l < 10; l++) Assert.That(c[0] * basis[0][l] + c[1] * basis[1][l], Is.EqualTo(x[l]).Within(1e-14));
        }
        var perp = root.GetProperty("orthogonal");
        Assert.That(perp.GetProperty("dimension").GetInt32(), Is.EqualTo(8));
        Assert.That(perp.GetProperty("standard").GetBoolean(), Is.True);
    }

    // fpntk ntk in R^10: H(p0) is the reduced problem's (the same matrix: σ(θ·x_i) = σ(ζ·Bᵀx_i), x_i·x_j kept; its
    // agreement with samples in R^11 is FullProblemQuantitiesTests'), and Theorem 4.4's A1, A2 and R take d = 10:
    // A1 = 2G·11 + 4G√11, A2 = 16G√11 + 4G with the G of ntk.json (closed forms, to round-off).
    [Test]
    public void NtkInTenDimensionsUsesTheFullDimensionInTheTheorem()
    {
        var data = TenDimensionalData();
        string csv = WriteCsv(_dir, data);
        var (code, output, error) = CommandLineTests.Fpntk("ntk", $"--problem:data:file={csv}", "--output:plots=false", "--out", _dir + "/n");
        Assert.That(code, Is.EqualTo(0), error);
        string folder = Path.Combine(_dir, "n");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "ntk.json")));
        var root = json.RootElement;
        var reduction = new ReducedProblem(new Problem(Activation.Tanh, 2, 0.1, data));
        var gram = GramMatrix.AtReference(reduction.Reduced);
        Assert.That(Numbers(root.GetProperty("eigenvalues")), Is.EqualTo(gram.Eigenvalues.ToArray()).Within(1e-15));
        double g = Numbers(root.GetProperty("g")).Max(), sq = Math.Sqrt(11);
        Assert.That(root.GetProperty("A1").GetDouble(), Is.EqualTo(2 * g * 11 + 4 * g * sq).Within(1e-12 * (2 * g * 11 + 4 * g * sq)));
        Assert.That(root.GetProperty("A2").GetDouble(), Is.EqualTo(16 * g * sq + 4 * g).Within(1e-12 * (16 * g * sq + 4 * g)));
        Assert.That(output, Does.Contain("d = 10"));
        AssertSpanFile(folder, data);
    }

    // fpntk stationary in R^10, linear activation: the command solves the Gibbs equations in k = 2 dimensions; the full
    // stationary state has a closed form in any d (LinearStationaryState in R^11): residuals and KL(p*‖p0) within 1e-10
    // (the Newton tolerance 1e-13 times the conditioning, as in FullProblemQuantitiesTests).
    [Test]
    public void StationaryInTenDimensionsMatchesTheFullClosedForm()
    {
        var data = TenDimensionalData();
        string csv = WriteCsv(_dir, data);
        var (code, _, error) = CommandLineTests.Fpntk("stationary", $"--problem:data:file={csv}", "--problem:activation=linear",
            "--problem:alpha=1", "--problem:lambda=0.5", "--grid:cells=16", "--output:plots=false", "--out", _dir + "/s");
        Assert.That(code, Is.EqualTo(0), error);
        string folder = Path.Combine(_dir, "s");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "stationary.json")));
        var exact = new LinearStationaryState(new Problem(Activation.Linear, 1, 0.5, data));
        Assert.That(Numbers(json.RootElement.GetProperty("residuals")), Is.EqualTo(exact.Residuals.ToArray()).Within(1e-10));
        Assert.That(json.RootElement.GetProperty("kl_p0").GetDouble(), Is.EqualTo(exact.KlP0).Within(1e-10));
        AssertSpanFile(folder, data);
    }

    // fpntk run in R^10 (k = 2), one input with ‖x_1‖ = 1.2: the files of a reduced run. span.json holds the basis;
    // snapshots.h5 holds q_t on the 3 axes (ζ_1, ζ_2, u) with the same basis and the particles' projections (m × 3);
    // orthogonal.csv has a row per output time; the Assumption 4.1 warning (about the inputs as given) is in the manifest;
    // the log names the reduction.
    [Test]
    public void RunInTenDimensionsWritesTheSpanWithItsFiles()
    {
        var q = SpanProblems.Rotation(10, seed: 3);
        var data = SpanProblems.Data(q, [[1.2, 0], [-0.3, 0.7], [0.5, 0.5]], [0.4, -0.3, 0.6]);
        string csv = WriteCsv(_dir, data);
        var (code, _, error) = CommandLineTests.Fpntk("run", $"--problem:data:file={csv}", "--grid:cells=14", "--particles:count=300",
            "--particles:step=0.01", "--time:end=0.2", "--time:outputTimes:0=0.1", "--output:plots=false", "--out", _dir + "/r");
        Assert.That(code, Is.EqualTo(0), error);
        string folder = Path.Combine(_dir, "r");
        AssertSpanFile(folder, data);
        Assert.That(RunManifest.Read(folder).Warnings, Has.Some.Contains("‖x_1‖ = 1.2 > 1 (Assumption 4.1)"));
        Assert.That(error, Does.Contain("k = 2"));

        var snapshots = SnapshotFile.Read(Path.Combine(folder, "snapshots.h5"));
        Assert.That(snapshots.Grid.Dimension, Is.EqualTo(3));
        var reduction = new ReducedProblem(new Problem(Activation.Tanh, 2, 0.1, data));
        Assert.That(snapshots.Basis, Has.Length.EqualTo(2));
        for (int a = 0; a < 2; a++) Assert.That(snapshots.Basis![a], Is.EqualTo(reduction.Span.BasisVector(a).ToArray()), "bit-identical");
        Assert.That(snapshots.ParticlePositions[^1], Has.Length.EqualTo(300 * 3));
        Assert.That(snapshots.PdeDensities[^1], Has.Length.EqualTo(14 * 14 * 14));

        var orthogonal = CsvTable.Read(Path.Combine(folder, "orthogonal.csv"));
        Assert.That(orthogonal.Column("t"), Is.EqualTo(new[] { 0, 0.1, 0.2 }));
        Assert.That(orthogonal.Column("dimension"), Is.All.EqualTo(8));
    }

    /// <summary>Exit code 2 and one line on standard error naming <paramref name="key"/>, with every part of <paramref name="expected"/>, no stack trace.</summary>
    private static void AssertRefused((int Code, string Output, string Error) result, string key, params string[] expected)
    {
        Assert.That(result.Code, Is.EqualTo(FokkerPlanckNtk.Cli.FpntkCommandLine.InputError), result.Error);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), result.Error);
        Assert.That(lines[0], Does.Contain(key));
        foreach (var e in expected) Assert.That(lines[0], Does.Contain(e));
        Assert.That(result.Error, Does.Not.Contain("   at "), "no stack trace");
    }

    // Bad input (issue 13): four inputs in R^10 spanning k = 4 cannot be put on the grid: the message names n, d, k and
    // the grid dimension k + 1 = 5 it would need; nothing is written.
    [Test]
    public void RankAboveThreeNamesTheGridItWouldNeed()
    {
        var data = SpanProblems.Data(SpanProblems.Rotation(10, seed: 3),
            [[0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 0.5]], [0.1, 0.2, 0.3, 0.4]);
        string csv = WriteCsv(_dir, data);
        var result = CommandLineTests.Fpntk("solve", $"--problem:data:file={csv}", "--out", _dir + "/k4");
        AssertRefused(result, "problem.data.x", "n = 4, d = 10, k = 4", "k + 1 = 5 axes", "at most 4");
        Assert.That(Directory.Exists(Path.Combine(_dir, "k4")), Is.False);
    }

    // Bad input (issue 13): an initial covariance that couples S with S^⊥ (here Σ[0][1] = 0.3 in the given coordinates,
    // S a rotated plane): the reduced PDE would not be exact, so the run is refused with the largest entry of the
    // coupling block named as the key and the grid dimension d + 1 = 11 the unreduced problem would need.
    [Test]
    public void CouplingCovarianceNamesTheEntry()
    {
        var data = TenDimensionalData();
        string csv = WriteCsv(_dir, data);
        var rows = Enumerable.Range(0, 11).Select(i => "[" + string.Join(",", Enumerable.Range(0, 11).Select(j =>
            i == j ? "1" : (i, j) is (0, 1) or (1, 0) ? "0.3" : "0")) + "]");
        string config = Path.Combine(_dir, "coupled.json");
        File.WriteAllText(config, $$"""
            { "problem": { "data": { "file": "{{csv.Replace("\\", "/")}}" },
                           "initial": { "kind": "gaussian", "covariance": [{{string.Join(",", rows)}}] } } }
            """);
        var result = CommandLineTests.Fpntk("solve", "--config", config, "--out", _dir + "/c");
        AssertRefused(result, "problem.initial.covariance[", "does not factorize over the span S", "d + 1 = 11");
    }
}
