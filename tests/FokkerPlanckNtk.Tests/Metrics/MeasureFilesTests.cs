using System.Globalization;
using System.Text.Json;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using PureHDF;

namespace FokkerPlanckNtk.Tests.Metrics;

public class MeasureFilesTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("fpntk-metrics-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    // 1D: atoms {0, 1} (uniform) vs the cell [0, 2] with mass 1: quantiles 0|1 vs 2τ, so
    // W2² = ∫₀^½ (2τ)² dτ + ∫_½^1 (2τ − 1)² dτ = 1/6 + 1/6 = 1/3.
    [Test]
    public void CsvAtomsAgainstCells()
    {
        var atoms = Write("atoms.csv", "x1\n0\n1\n");
        var cells = Write("cells.csv", "left,right,mass\n0,1,0.5\n1,2,0.5\n");
        var report = MeasureFiles.Compare(atoms, cells);
        Assert.That(report.W2Squared, Is.EqualTo(1.0 / 3).Within(1e-15));
        Assert.That(report.Kl, Is.Null);
        Assert.That(report.Method, Is.EqualTo(Wasserstein.Exact1D));
        // Same cells: KL and χ² are the sums over cell masses (exact).
        var other = Write("other.csv", "left,right,mass\n1,2,0.25\n0,1,0.75\n");
        var same = MeasureFiles.Compare(cells, other);
        Assert.That(same.Kl, Is.EqualTo(0.5 * Math.Log(0.5 / 0.75) + 0.5 * Math.Log(0.5 / 0.25)).Within(1e-15));
        Assert.That(same.Chi2, Is.EqualTo(0.25 * 0.25 / 0.75 + 0.25 * 0.25 / 0.25).Within(1e-15));
    }

    [Test]
    public void WeightedCsvAtomsAndJson()
    {
        var a = Write("a.csv", "x1,x2,weight\n0,0,0.25\n1,0,0.75\n");
        var b = Write("b.csv", "x1,x2,weight\n0,0,0.5\n1,0,0.5\n");
        var report = MeasureFiles.Compare(a, b);
        // Mass 0.25 moves by 1: W2² = 0.25; same support: KL, χ² of the weights.
        Assert.That(report.W2Squared, Is.EqualTo(0.25).Within(1e-15));
        Assert.That(report.Kl, Is.EqualTo(0.25 * Math.Log(0.5) + 0.75 * Math.Log(1.5)).Within(1e-15));
        Assert.That(report.Chi2, Is.EqualTo(0.25 * 0.25 / 0.5 * 2).Within(1e-15));
        Assert.That(report.Status, Is.EqualTo("optimal"));

        using var json = JsonDocument.Parse(report.ToJson());
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.That(names, Is.EqualTo(new[] { "w2", "w2_squared", "kl", "chi2", "method", "status", "seconds", "error_bound", "w2_lower", "w2_upper" }));
        Assert.That(json.RootElement.GetProperty("w2").GetDouble(), Is.EqualTo(report.W2)); // round-trip
        Assert.That(json.RootElement.GetProperty("kl").GetDouble(), Is.EqualTo(report.Kl));

        // Different supports: KL and χ² undefined → null; q = 0 < p → null and kl_reason (docs/file-formats.md).
        var c = Write("c.csv", "x1,x2\n0.5,0\n");
        using var undefined = JsonDocument.Parse(MeasureFiles.Compare(a, c).ToJson());
        Assert.That(undefined.RootElement.GetProperty("kl").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var cells = Write("p.csv", "left,right,mass\n0,1,0.5\n1,2,0.5\n");
        var hole = Write("q.csv", "left,right,mass\n0,1,1\n1,2,0\n");
        var infinite = MeasureFiles.Compare(cells, hole);
        Assert.That(infinite.Kl, Is.EqualTo(double.PositiveInfinity));
        Assert.That(infinite.ToJson(), Does.Contain("\"kl\":null,\"kl_reason\":\"+infinity: B has no mass where A has\""));
    }

    [Test]
    public void SnapshotLayoutHdf5()
    {
        var grid = new UniformGrid([12, 10], [3.0, 2.5]);
        double[] Density(double m)
        {
            var p = grid.Sample(z => Math.Exp(-0.5 * ((z[0] - m) * (z[0] - m) + z[1] * z[1])));
            double s = p.Sum() * grid.CellVolume;
            return p.Select(v => v / s).ToArray();
        }
        var p0 = Density(0);
        var p1 = Density(0.4);
        var random = new Random(9);
        var positions = new double[50, 2];
        for (int i = 0; i < 50; i++) { positions[i, 0] = 2 * random.NextDouble() - 1; positions[i, 1] = random.NextDouble(); }
        string path = Path.Combine(_dir, "snapshots.h5");
        var file = new H5File
        {
            ["grid"] = new H5Group { ["axis0"] = grid.Centers(0).ToArray(), ["axis1"] = grid.Centers(1).ToArray() },
            ["pde"] = new H5Group { ["density"] = new H5Group { ["0000"] = To2D(p0, 12, 10), ["0001"] = To2D(p1, 12, 10) } },
            ["particles"] = new H5Group { ["positions"] = new H5Group { ["0000"] = positions } },
        };
        file.Write(path);

        var report = MeasureFiles.Compare($"{path}:/pde/density/0001", $"{path}:/pde/density/0000");
        Assert.That(report.W2, Is.EqualTo(Wasserstein.Between(grid, p1, p0).W2));
        Assert.That(report.Kl, Is.EqualTo(Divergences.KullbackLeibler(p1, p0, grid.CellVolume)));
        Assert.That(report.Chi2, Is.EqualTo(Divergences.ChiSquared(p1, p0, grid.CellVolume)));

        var flat = new double[100];
        for (int i = 0; i < 50; i++) { flat[2 * i] = positions[i, 0]; flat[2 * i + 1] = positions[i, 1]; }
        var mixed = MeasureFiles.Compare($"{path}:/particles/positions/0000", $"{path}:/pde/density/0000");
        Assert.That(mixed.W2, Is.EqualTo(Wasserstein.Between(grid, p0, new AtomicMeasure(flat, 2)).W2).Within(1e-14));
        Assert.That(mixed.Kl, Is.Null);

        Assert.That(() => MeasureFiles.Load($"{path}:/pde/density/9999"),
            Throws.TypeOf<InputException>().With.Message.Contains("no such dataset"));
        Assert.That(() => MeasureFiles.Load(path), Throws.TypeOf<InputException>().With.Message.Contains("name the dataset"));
    }

    // The netCDF snapshots of the tool: output k as density[k] / positions[k], and by the format-1 paths
    // /pde/density/NNNN, /particles/positions/NNNN (mapped), the same measures as the arrays that were written.
    [Test]
    public void NetcdfSnapshotOutputsByNameAndByFormatOnePath()
    {
        var grid = new UniformGrid([12, 10], [1.0, 1.5]);
        var random = new Random(4);
        double[] Density()
        {
            var p = Enumerable.Range(0, grid.Count).Select(_ => 0.1 + random.NextDouble()).ToArray();
            double s = p.Sum() * grid.CellVolume;
            return p.Select(v => v / s).ToArray();
        }
        var file = new FokkerPlanckNtk.IO.SnapshotFile { Grid = grid, Configuration = "{}", Version = "1" };
        var atoms = new List<double[]>();
        for (int t = 0; t < 2; t++)
        {
            file.PdeTimes.Add(t);
            file.PdeDensities.Add(Density());
            file.ParticleTimes.Add(t);
            atoms.Add(Enumerable.Range(0, 40).Select(_ => random.NextDouble() - 0.5).ToArray());
            file.ParticlePositions.Add(atoms[t]);
        }
        string path = Path.Combine(_dir, "snapshots.h5");
        file.Write(path);

        var exact = Wasserstein.Between(grid, file.PdeDensities[1], file.PdeDensities[0]).W2;
        Assert.That(MeasureFiles.Compare($"{path}:/pde/density/0001", $"{path}:density[0]").W2, Is.EqualTo(exact));
        Assert.That(MeasureFiles.Compare($"{path}:density[1]", $"{path}:/pde/density/0000").Kl,
            Is.EqualTo(Divergences.KullbackLeibler(file.PdeDensities[1], file.PdeDensities[0], grid.CellVolume)));
        var mixed = MeasureFiles.Compare($"{path}:positions[1]", $"{path}:/particles/positions/0001");
        Assert.That(mixed.W2, Is.EqualTo(0));
        Assert.That(MeasureFiles.Compare($"{path}:/particles/positions/0000", $"{path}:density[0]").W2,
            Is.EqualTo(Wasserstein.Between(grid, file.PdeDensities[0], new AtomicMeasure(atoms[0], 2)).W2).Within(1e-14));
        Assert.That(() => MeasureFiles.Load($"{path}:density[2]"), Throws.TypeOf<InputException>().With.Message.Contains("no such output"));
        Assert.That(() => MeasureFiles.Load($"{path}:/theta"), Throws.TypeOf<InputException>().With.Message.Contains("name one output"));
    }

    [Test]
    public void BadFilesAreNamed()
    {
        Assert.That(() => MeasureFiles.Load(Path.Combine(_dir, "missing.csv")),
            Throws.TypeOf<InputException>().With.Message.Contains("file not found"));
        var bad = Write("bad.csv", "x1,weight\n0,0.5\n1,abc\n");
        Assert.That(() => MeasureFiles.Load(bad),
            Throws.TypeOf<InputException>().With.Message.StartsWith(bad + ":3 = abc: column 'weight' must be a number"));
        var negative = Write("neg.csv", "x1,weight\n0,-0.5\n1,1.5\n");
        Assert.That(() => MeasureFiles.Load(negative),
            Throws.TypeOf<InputException>().With.Message.StartsWith(negative + ".weights[0] = -0.5"));
        var heavy = Write("heavy.csv", "x1,weight\n0,1\n1,1\n");
        var light = Write("light.csv", "x1\n0\n1\n");
        Assert.That(() => MeasureFiles.Compare(light, heavy),
            Throws.TypeOf<InputException>().With.Message.StartsWith(heavy + ".totalMass = 2"));
        Assert.That(MeasureFiles.Compare(light, heavy, normalize: true).W2, Is.EqualTo(0));
        var plane = Write("plane.csv", "x1,x2\n0,0\n");
        Assert.That(() => MeasureFiles.Compare(light, plane),
            Throws.TypeOf<InputException>().With.Message.StartsWith(plane + " = dimension 2"));
        var header = Write("header.csv", "x1\n");
        Assert.That(() => MeasureFiles.Load(header), Throws.TypeOf<InputException>().With.Message.Contains("no data rows"));
    }

    private static double[,] To2D(double[] p, int n0, int n1)
    {
        var a = new double[n0, n1];
        for (int i = 0; i < n0; i++) for (int j = 0; j < n1; j++) a[i, j] = p[i * n1 + j];
        return a;
    }
}
