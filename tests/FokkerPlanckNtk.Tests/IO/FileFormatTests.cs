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

    // The layout of the brief: rank-D density datasets, m × D particle sets, cell centres per axis.
    [Test]
    public void SnapshotLayoutFollowsTheContract()
    {
        var grid = new UniformGrid([4, 6], [3.0, 2.0]);
        var file = new SnapshotFile { Grid = grid, Configuration = "{}", Version = "1" };
        file.PdeTimes.Add(0);
        file.PdeDensities.Add(new double[grid.Count]);
        file.ParticleTimes.Add(0);
        file.ParticlePositions.Add(new double[5 * 2]);
        string path = Path.Combine(_dir, "s.h5");
        file.Write(path);
        using var h5 = H5File.OpenRead(path);
        Assert.That(h5.Dataset("pde/density/0000").Space.Dimensions, Is.EqualTo(new ulong[] { 4, 6 }));
        Assert.That(h5.Dataset("particles/positions/0000").Space.Dimensions, Is.EqualTo(new ulong[] { 5, 2 }));
        Assert.That(h5.Dataset("grid/axis1").Read<double[]>(), Is.EqualTo(grid.Centers(1).ToArray()));
        Assert.That(h5.Dataset("grid/axis0").Attribute("halfWidth").Read<double>(), Is.EqualTo(3.0));
        Assert.That(h5.Attribute("format").Read<string>(), Is.EqualTo(SnapshotFile.FormatName));
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
