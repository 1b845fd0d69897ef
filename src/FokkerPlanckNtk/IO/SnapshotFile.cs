using System.Globalization;
using FokkerPlanckNtk.Grids;
using PureHDF;

namespace FokkerPlanckNtk.IO;

/// <summary>
/// <c>snapshots.h5</c> (HDF5, written with PureHDF, read by h5py, HDF5.jl, MATLAB):
/// <list type="bullet">
/// <item><c>/grid/axis0 … /grid/axis{D−1}</c>: cell centres per axis (θ axes first, u last), attributes
/// <c>halfWidth</c> and <c>cells</c>;</item>
/// <item><c>/pde/times</c> and <c>/pde/density/0000, 0001, …</c>: one rank-D dataset (N_0 × … × N_{D−1},
/// row-major, u last) of cell averages per output time (Σ p_c·V = 1);</item>
/// <item><c>/particles/times</c> and <c>/particles/positions/0000, …</c>: one m × D dataset per output time;</item>
/// <item>root attributes <c>config</c> (the effective configuration JSON), <c>version</c> and <c>format</c>.</item>
/// </list>
/// Doubles are stored as IEEE binary64, so a read-back is bit-identical.
/// </summary>
public sealed class SnapshotFile
{
    public const string FormatName = "fpntk-snapshots";

    public required UniformGrid Grid { get; init; }
    public List<double> PdeTimes { get; } = [];
    /// <summary>Densities, row-major with u last (the grid's storage order).</summary>
    public List<double[]> PdeDensities { get; } = [];
    public List<double> ParticleTimes { get; } = [];
    /// <summary>Particle positions, m × D row-major (z_j = (θ_1..θ_d, u)).</summary>
    public List<double[]> ParticlePositions { get; } = [];
    public string Configuration { get; init; } = "";
    public string Version { get; init; } = "";

    /// <summary>Dataset name of output <paramref name="index"/>: <c>0000</c>, <c>0001</c>, ….</summary>
    public static string Name(int index) => index.ToString("D4", CultureInfo.InvariantCulture);

    public void Write(string path)
    {
        int dim = Grid.Dimension;
        var gridGroup = new H5Group();
        for (int k = 0; k < dim; k++)
        {
            gridGroup[$"axis{k.ToString(CultureInfo.InvariantCulture)}"] = new H5Dataset(Grid.Centers(k).ToArray())
            {
                Attributes = new() { ["halfWidth"] = Grid.HalfWidths[k], ["cells"] = Grid.Cells[k] },
            };
        }
        var shape = Grid.Cells.Select(c => (ulong)c).ToArray();
        var densities = new H5Group();
        for (int i = 0; i < PdeDensities.Count; i++)
        {
            if (PdeDensities[i].Length != Grid.Count) throw new ArgumentException($"Density {i} has {PdeDensities[i].Length} values, the grid {Grid.Count}.");
            densities[Name(i)] = new H5Dataset(PdeDensities[i], fileDims: shape);
        }
        var positions = new H5Group();
        for (int i = 0; i < ParticlePositions.Count; i++)
        {
            var p = ParticlePositions[i];
            if (p.Length % dim != 0) throw new ArgumentException($"Particle set {i} has {p.Length} values, not a multiple of D = {dim}.");
            positions[Name(i)] = new H5Dataset(p, fileDims: [(ulong)(p.Length / dim), (ulong)dim]);
        }
        var file = new H5File
        {
            ["grid"] = gridGroup,
            ["pde"] = new H5Group { ["times"] = PdeTimes.ToArray(), ["density"] = densities },
            Attributes = new() { ["format"] = FormatName, ["version"] = Version, ["config"] = Configuration },
        };
        if (ParticleTimes.Count > 0 || ParticlePositions.Count > 0)
            file["particles"] = new H5Group { ["times"] = ParticleTimes.ToArray(), ["positions"] = positions };
        AtomicFile.Write(path, stream => file.Write(stream));
    }

    public static SnapshotFile Read(string path)
    {
        if (!File.Exists(path)) throw new InputException("file", path, "does not exist");
        using var file = H5File.OpenRead(path);
        var gridGroup = file.Group("grid");
        var cells = new List<int>();
        var half = new List<double>();
        for (int k = 0; gridGroup.LinkExists($"axis{k}"); k++)
        {
            var axis = gridGroup.Dataset($"axis{k}");
            cells.Add(axis.Attribute("cells").Read<int>());
            half.Add(axis.Attribute("halfWidth").Read<double>());
        }
        var snapshots = new SnapshotFile
        {
            Grid = new UniformGrid(cells, half),
            Configuration = file.Attribute("config").Read<string>(),
            Version = file.Attribute("version").Read<string>(),
        };
        snapshots.PdeTimes.AddRange(file.Dataset("pde/times").Read<double[]>());
        for (int i = 0; i < snapshots.PdeTimes.Count; i++)
            snapshots.PdeDensities.Add(file.Dataset($"pde/density/{Name(i)}").Read<double[]>());
        if (file.LinkExists("particles"))
        {
            snapshots.ParticleTimes.AddRange(file.Dataset("particles/times").Read<double[]>());
            for (int i = 0; i < snapshots.ParticleTimes.Count; i++)
                snapshots.ParticlePositions.Add(file.Dataset($"particles/positions/{Name(i)}").Read<double[]>());
        }
        return snapshots;
    }
}
