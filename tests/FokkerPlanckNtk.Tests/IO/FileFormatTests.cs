using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;
using PureHDF;

namespace FokkerPlanckNtk.Tests.IO;

public class FileFormatTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-io-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    /// <summary>Doubles that stress round-trip formatting: extremes, subnormals, signed zero, long mantissas.</summary>
    private static double[] HardDoubles(int count, int seed)
    {
        var random = new Random(seed);
        var values = new List<double> { 0.0, -0.0, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, 0.1, 1.0 / 3, Math.PI * 1e-300 };
        while (values.Count < count) values.Add(BitConverter.Int64BitsToDouble(random.NextInt64()) is var v && double.IsFinite(v) ? v : random.NextDouble());
        return values.ToArray();
    }

    // "R" formatting round-trips every finite double exactly (bit patterns compared, so −0 ≠ 0 counts).
    [Test]
    public void CsvRoundTripsBitExactly()
    {
        var values = HardDoubles(300, 1);
        var table = new CsvTable(["t", "a", "b"]);
        for (int i = 0; i + 2 < values.Length; i += 3) table.Add(values[i], values[i + 1], values[i + 2]);
        string path = Path.Combine(_dir, "t.csv");
        table.Write(path);
        var back = CsvTable.Read(path);
        Assert.That(back.Columns, Is.EqualTo(table.Columns));
        Assert.That(back.Rows.SelectMany(r => r).Select(BitConverter.DoubleToInt64Bits),
            Is.EqualTo(table.Rows.SelectMany(r => r).Select(BitConverter.DoubleToInt64Bits)));
    }

    [Test]
    public void ArchiveRoundTripsAndRefusesDamage()
    {
        var values = HardDoubles(1000, 2);
        var archive = new ArrayArchive().Set("a", values).Set("n", [long.MinValue, 0, long.MaxValue]).Set("s", "ü ∂ text").Set("x", 2.5);
        string path = Path.Combine(_dir, "a.bin");
        archive.Write(path);
        var back = ArrayArchive.Read(path);
        Assert.That(back.Names, Is.EqualTo(new[] { "a", "n", "s", "x" }));
        Assert.That(back.Doubles("a").Select(BitConverter.DoubleToInt64Bits), Is.EqualTo(values.Select(BitConverter.DoubleToInt64Bits)));
        Assert.That(back.Longs("n"), Is.EqualTo(new[] { long.MinValue, 0, long.MaxValue }));
        Assert.That(back.String("s"), Is.EqualTo("ü ∂ text"));
        Assert.That(back.Double("x"), Is.EqualTo(2.5));
        // One flipped bit anywhere is detected by the SHA-256 trailer.
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        Assert.That(() => ArrayArchive.Read(path), Throws.TypeOf<InputException>().With.Message.Contains("damaged"));
        // A truncated file (as a crash during a non-atomic write would leave) is refused too.
        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
        Assert.That(() => ArrayArchive.Read(path), Throws.TypeOf<InputException>());
    }

    // HDF5 stores IEEE doubles: the read-back densities, positions, times and grid are bit-identical, and
    // writing the same content twice gives the same bytes (no timestamps), which resumed runs rely on.
    [TestCase(new[] { 6, 5 })]
    [TestCase(new[] { 4, 3, 5 })]
    [TestCase(new[] { 3, 4, 2, 5 })]
    public void SnapshotsRoundTripExactly(int[] cells)
    {
        var grid = new UniformGrid(cells, cells.Select((_, k) => 5.0 + k).ToArray());
        var random = new Random(3);
        var file = new SnapshotFile { Grid = grid, Configuration = "{ \"grid\": { \"cells\": 6 } }", Version = "9.8.7" };
        for (int t = 0; t < 3; t++)
        {
            file.PdeTimes.Add(t * 0.1);
            file.PdeDensities.Add(Enumerable.Range(0, grid.Count).Select(_ => random.NextDouble()).ToArray());
            file.ParticleTimes.Add(t * 0.1);
            file.ParticlePositions.Add(Enumerable.Range(0, 7 * grid.Dimension).Select(_ => random.NextDouble() - 0.5).ToArray());
        }
        string path = Path.Combine(_dir, "s.h5"), again = Path.Combine(_dir, "s2.h5");
        file.Write(path);
        file.Write(again);
        Assert.That(File.ReadAllBytes(again), Is.EqualTo(File.ReadAllBytes(path)));
        var back = SnapshotFile.Read(path);
        Assert.That(back.Grid.Cells, Is.EqualTo(grid.Cells));
        Assert.That(back.Grid.HalfWidths, Is.EqualTo(grid.HalfWidths));
        Assert.That(back.Configuration, Is.EqualTo(file.Configuration));
        Assert.That(back.Version, Is.EqualTo("9.8.7"));
        Assert.That(back.PdeTimes, Is.EqualTo(file.PdeTimes));
        Assert.That(back.ParticleTimes, Is.EqualTo(file.ParticleTimes));
        for (int t = 0; t < 3; t++)
        {
            Assert.That(back.PdeDensities[t], Is.EqualTo(file.PdeDensities[t]));
            Assert.That(back.ParticlePositions[t], Is.EqualTo(file.ParticlePositions[t]));
        }
    }

    private static SnapshotFile Sample(UniformGrid grid, int times, int particles)
    {
        var random = new Random(5);
        var file = new SnapshotFile { Grid = grid, Configuration = "{ \"problem\": { \"activation\": \"tanh\" } }", Version = "1.2.3" };
        for (int t = 0; t < times; t++)
        {
            file.PdeTimes.Add(0.25 * t);
            file.PdeDensities.Add(Enumerable.Range(0, grid.Count).Select(_ => random.NextDouble()).ToArray());
            file.ParticleTimes.Add(0.25 * t);
            file.ParticlePositions.Add(Enumerable.Range(0, particles * grid.Dimension).Select(_ => random.NextDouble() - 0.5).ToArray());
        }
        return file;
    }

    // Compound element of REFERENCE_LIST as HDF5's H5DS writes it: {object reference, int} in 16 bytes.
#pragma warning disable CS0649 // filled by PureHDF
    private struct ReferenceListEntry
    {
        public PureHDF.VOL.Native.NativeObjectReference1 Dataset;
        public int Dimension;
        public int Padding;
    }
#pragma warning restore CS0649

    // netCDF-4 (the contract of docs/file-formats.md): every dimension is an HDF5 dimension scale (CLASS a 16-byte
    // fixed string, NAME, _Netcdf4Dimid), every variable's DIMENSION_LIST names its dimensions in order, and each
    // REFERENCE_LIST is exactly the inverse of the DIMENSION_LISTs (read back with PureHDF, an independent reader).
    [Test]
    public void SnapshotsAreNetcdfWithDimensionScales()
    {
        var grid = new UniformGrid([4, 3, 5], [3.0, 2.0, 4.0]);
        var file = Sample(grid, times: 3, particles: 7);
        string path = Path.Combine(_dir, "s.h5");
        file.Write(path);
        using var h5 = H5File.OpenRead(path);
        Assert.That(h5.Attribute("Conventions").Read<string>(), Is.EqualTo("CF-1.10"));
        Assert.That(h5.Attribute("format").Read<string>(), Is.EqualTo(SnapshotFile.FormatName));
        Assert.That(h5.Attribute("format_version").Read<int>(), Is.EqualTo(SnapshotFile.FormatVersion));
        Assert.That(h5.Attribute("config").Read<string>(), Is.EqualTo(file.Configuration));

        string[] dimensions = ["time", "theta1", "theta2", "u", "particle", "component", "bnds"];
        var lists = new Dictionary<string, string[]>
        {
            ["density"] = ["time", "theta1", "theta2", "u"],
            ["positions"] = ["time", "particle", "component"],
            ["theta1_bnds"] = ["theta1", "bnds"], ["theta2_bnds"] = ["theta2", "bnds"], ["u_bnds"] = ["u", "bnds"],
        };
        var ids = new List<int>();
        foreach (var name in dimensions)
        {
            var scale = h5.Dataset(name);
            var cls = scale.Attribute("CLASS");
            Assert.That(cls.Read<string>(), Is.EqualTo("DIMENSION_SCALE"), name);
            Assert.That(cls.Type.Size, Is.EqualTo(16), $"{name}: HDF5 recognises a scale only with a 16-byte CLASS");
            Assert.That(scale.Attribute("NAME").Read<string>(),
                name == "bnds" ? Does.StartWith("This is a netCDF dimension but not a netCDF variable.") : Is.EqualTo(name));
            ids.Add(scale.Attribute("_Netcdf4Dimid").Read<int>());
            var expected = lists.SelectMany(l => l.Value.Select((d, axis) => (Variable: l.Key, Dimension: d, Axis: axis)))
                .Where(e => e.Dimension == name).Select(e => $"{e.Variable}:{e.Axis}").Order().ToArray();
            var entries = scale.Attribute("REFERENCE_LIST").Read<ReferenceListEntry[]>();
            Assert.That(entries.Select(e => $"{h5.Get(e.Dataset).Name}:{e.Dimension}").Order().ToArray(), Is.EqualTo(expected), name);
        }
        Assert.That(ids, Is.EqualTo(Enumerable.Range(0, dimensions.Length)));
        foreach (var (variable, dims) in lists)
        {
            var references = h5.Dataset(variable).Attribute("DIMENSION_LIST").Read<PureHDF.VOL.Native.NativeObjectReference1[][]>();
            Assert.That(references.Select(r => h5.Get(r.Single()).Name), Is.EqualTo(dims), variable);
            Assert.That(h5.Dataset(variable).Space.Dimensions, Is.EqualTo(dims.Select(d => h5.Dataset(d).Space.Dimensions[0])), variable);
        }

        Assert.That(h5.Dataset("theta2").Read<double[]>(), Is.EqualTo(grid.Centers(1).ToArray()));
        Assert.That(h5.Dataset("theta2").Attribute("halfWidth").Read<double>(), Is.EqualTo(2.0));
        var bounds = h5.Dataset("u_bnds").Read<double[]>();
        for (int i = 0; i < grid.Cells[2]; i++)
        {
            Assert.That(bounds[2 * i], Is.EqualTo(-4.0 + i * grid.Spacing(2)).Within(1e-15));
            Assert.That(bounds[2 * i + 1], Is.EqualTo(-4.0 + (i + 1) * grid.Spacing(2)).Within(1e-15));
        }
        Assert.That(h5.Dataset("time").Read<double[]>(), Is.EqualTo(file.PdeTimes));
        Assert.That(h5.Dataset("particle").Read<int[]>(), Is.EqualTo(Enumerable.Range(0, 7)));
        Assert.That(h5.Dataset("density").Read<double[]>(), Is.EqualTo(file.PdeDensities.SelectMany(p => p)));
        Assert.That(h5.Dataset("positions").Read<double[]>(), Is.EqualTo(file.ParticlePositions.SelectMany(p => p)));
        Assert.That(h5.Dataset("density").Attribute("units").Read<string>(), Is.EqualTo("1"));
    }

    // Bob Jenkins' published test vectors of hashlittle (initial value 0), HDF5's metadata checksum.
    [Test]
    public void MetadataChecksumIsLookup3()
    {
        Assert.That(NetcdfWriter.Lookup3([]), Is.EqualTo(0xdeadbeefu));
        Assert.That(NetcdfWriter.Lookup3("Four score and seven years ago"u8), Is.EqualTo(0x17770551u));
    }

    // Files of format 1 (fpntk 0.1: groups /grid, /pde, /particles) still read back.
    [Test]
    public void FormatOneSnapshotsStillRead()
    {
        var grid = new UniformGrid([4, 6], [3.0, 2.0]);
        var density = Enumerable.Range(0, grid.Count).Select(i => (double)i).ToArray();
        var positions = new double[] { 0.5, -0.25, 1, 2 };
        var legacy = new H5File
        {
            ["grid"] = new H5Group
            {
                ["axis0"] = new H5Dataset(grid.Centers(0).ToArray()) { Attributes = new() { ["halfWidth"] = 3.0, ["cells"] = 4 } },
                ["axis1"] = new H5Dataset(grid.Centers(1).ToArray()) { Attributes = new() { ["halfWidth"] = 2.0, ["cells"] = 6 } },
            },
            ["pde"] = new H5Group { ["times"] = new[] { 0.5 }, ["density"] = new H5Group { ["0000"] = new H5Dataset(density, fileDims: [4, 6]) } },
            ["particles"] = new H5Group { ["times"] = new[] { 0.5 }, ["positions"] = new H5Group { ["0000"] = new H5Dataset(positions, fileDims: [2, 2]) } },
            Attributes = new() { ["format"] = SnapshotFile.FormatName, ["version"] = "0.1.0", ["config"] = "{}" },
        };
        string path = Path.Combine(_dir, "old.h5");
        legacy.Write(path);
        var back = SnapshotFile.Read(path);
        Assert.That(back.Grid.Cells, Is.EqualTo(grid.Cells));
        Assert.That(back.PdeDensities.Single(), Is.EqualTo(density));
        Assert.That(back.ParticlePositions.Single(), Is.EqualTo(positions));
        Assert.That(back.Version, Is.EqualTo("0.1.0"));
    }

    // A write that fails midway leaves neither the target nor a temporary file under the target's name.
    [Test]
    public void FailedAtomicWriteLeavesNoFile()
    {
        string path = Path.Combine(_dir, "result.csv");
        Assert.That(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new InvalidOperationException("crash"); }),
            Throws.InvalidOperationException);
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
        AtomicFile.WriteText(path, "old");
        Assert.That(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new InvalidOperationException("crash"); }),
            Throws.InvalidOperationException);
        Assert.That(File.ReadAllText(path), Is.EqualTo("old"));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1));
    }

    [Test]
    public void ManifestRoundTrips()
    {
        var m = new RunManifest
        {
            Command = "run", Start = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), End = new DateTimeOffset(2026, 1, 2, 3, 5, 5, TimeSpan.Zero),
            WallSeconds = 60, Threads = 2, Status = RunManifest.Completed, Resumes = 1,
        };
        m.Write(_dir);
        Assert.That(RunManifest.Read(_dir), Is.EqualTo(m));
    }
}
