using System.Text.RegularExpressions;
using PureHDF;
using PureHDF.Selections;

namespace FokkerPlanckNtk.IO;

/// <summary>
/// <c>snapshots.h5</c>: a netCDF-4 file (HDF5 with dimension scales) following the CF conventions, so that
/// xarray, netCDF tools, h5py, HDF5.jl and MATLAB open it without glue. For d = 1 (names for d ≥ 2 in brackets):
/// <list type="bullet">
/// <item>dimensions and their coordinate variables: <c>time</c> (output times), <c>theta</c>
/// (<c>theta1 … thetad</c>) and <c>u</c> (cell centres, with <c>theta_bnds</c>, <c>u_bnds</c> cell bounds
/// over the dimension <c>bnds</c> = 2), <c>particle</c> (index j) and <c>component</c> (index of
/// z_j = (θ_1..θ_d, u));</item>
/// <item><c>density(time, theta, u)</c>: PDE cell averages, Σ p_c·V = 1;</item>
/// <item><c>positions(time, particle, component)</c>: the particles;</item>
/// <item>global attributes <c>Conventions</c> = CF-1.10, <c>config</c> (the effective configuration JSON),
/// <c>version</c>, <c>format</c>, <c>format_version</c>.</item>
/// </list>
/// Each axis variable keeps the attributes <c>cells</c> and <c>halfWidth</c>. The dataset paths of format 1
/// (<c>/pde/density/0003</c>, <c>/particles/positions/0003</c>) are mapped by <see cref="ReadSlice"/>, and
/// <see cref="Read"/> also reads format-1 files. Doubles are stored as IEEE binary64 (bit-identical
/// read-back) and the file has no timestamps (the same content gives the same bytes).
/// </summary>
/// <remarks>Written by <see cref="NetcdfWriter"/>, read with PureHDF.</remarks>
public sealed partial class SnapshotFile
{
    /// <summary>The value of the root attribute <c>format</c>.</summary>
    public const string FormatName = "fpntk-snapshots";

    /// <summary>The value of the root attribute <c>format_version</c>: 2 is the netCDF-4 layout (format 1: groups <c>/grid</c>, <c>/pde</c>, <c>/particles</c>).</summary>
    public const int FormatVersion = 2;

    /// <summary>The grid of the densities.</summary>
    public required UniformGrid Grid { get; init; }

    /// <summary>Output times of the densities (equal to <see cref="ParticleTimes"/> when both are present).</summary>
    public List<double> PdeTimes { get; } = [];

    /// <summary>Densities, row-major with u last (the grid's storage order).</summary>
    public List<double[]> PdeDensities { get; } = [];

    /// <summary>Output times of the particle sets.</summary>
    public List<double> ParticleTimes { get; } = [];

    /// <summary>Particle positions, m × D row-major (z_j = (θ_1..θ_d, u)).</summary>
    public List<double[]> ParticlePositions { get; } = [];

    /// <summary>The effective configuration (JSON).</summary>
    public string Configuration { get; init; } = "";

    /// <summary>
    /// For a problem reduced to the span S of its inputs: the orthonormal basis b_1..b_k of S ⊂ R^d, one row of d numbers
    /// each (variable <c>basis(span, input)</c>). The θ axes of the grid are then the coordinates ζ_a = b_a·θ (named
    /// <c>zeta</c> or <c>zeta1..zetak</c>), and the positions are the particles' projections (ζ, u). Null otherwise.
    /// </summary>
    public double[][]? Basis { get; init; }

    /// <summary>The program version that wrote the file.</summary>
    public string Version { get; init; } = "";

    /// <summary>Name of output <paramref name="index"/> in format-1 paths and plot file names: <c>0000</c>, <c>0001</c>, ….</summary>
    public static string Name(int index) => index.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>The variable (and dimension) name of grid axis <paramref name="axis"/>: <c>theta</c> or <c>theta1..thetad</c>, then <c>u</c>.</summary>
    /// <param name="grid">The grid (its dimension decides between one θ axis and θ1..θd).</param>
    /// <param name="axis">The axis index: 0..d − 1 are θ (or ζ), the last is u.</param>
    /// <param name="reduced">The grid of a problem reduced to the span of its inputs: <c>zeta</c> or <c>zeta1..zetak</c>.</param>
    public static string AxisVariable(UniformGrid grid, int axis, bool reduced = false)
    {
        string theta = reduced ? "zeta" : "theta";
        return axis == grid.UAxis ? "u" : grid.ThetaDimension == 1 ? theta : theta + (axis + 1).ToString(CultureInfo.InvariantCulture);
    }

    private const string DensityVariable = "density", PositionsVariable = "positions";
    // netCDF-C's marker for a dimension scale that is not also a variable (the bounds dimension).
    private const string DimensionWithoutVariable = "This is a netCDF dimension but not a netCDF variable.";

    /// <summary>Writes the file atomically.</summary>
    public void Write(string path)
    {
        int dim = Grid.Dimension;
        foreach (var (density, i) in PdeDensities.Select((p, i) => (p, i)))
            if (density.Length != Grid.Count) throw new ArgumentException($"Density {i} has {density.Length} values, the grid {Grid.Count}.");
        if (PdeDensities.Count != PdeTimes.Count || ParticlePositions.Count != ParticleTimes.Count)
            throw new ArgumentException("Every stored density and particle set needs its time.");
        if (PdeTimes.Count > 0 && ParticleTimes.Count > 0 && !PdeTimes.SequenceEqual(ParticleTimes))
            throw new ArgumentException("The PDE and the particles must be stored at the same output times.");
        var times = PdeTimes.Count > 0 ? PdeTimes : ParticleTimes;
        int m = ParticlePositions.Count == 0 ? 0 : ParticlePositions[0].Length / dim;
        foreach (var (p, i) in ParticlePositions.Select((p, i) => (p, i)))
            if (p.Length != m * dim) throw new ArgumentException($"Particle set {i} has {p.Length} values, expected m·D = {m}·{dim}.");

        var nc = new NetcdfWriter();
        bool reduced = Basis is not null;
        if (Basis is not null && (Basis.Length != Grid.ThetaDimension || Basis.Any(b => b.Length != Basis[0].Length)))
            throw new ArgumentException($"The basis needs {Grid.ThetaDimension} rows of equal length (one per ζ axis of the grid).");
        string[] axisNames = Enumerable.Range(0, dim).Select(k => AxisVariable(Grid, k, reduced)).ToArray();
        if (times.Count > 0)
            nc.Coordinate("time", times.ToArray(), new() { ["long_name"] = "training time t (output times)", ["units"] = "1", ["axis"] = "T" });
        for (int k = 0; k < dim; k++)
            nc.Coordinate(axisNames[k], Grid.Centers(k).ToArray(), new()
            {
                ["long_name"] = k == Grid.UAxis ? "second-layer weight u (cell centre)"
                    : reduced ? $"coordinate ζ_{k + 1} = b_{k + 1}·θ of the first-layer weight in the span of the inputs (cell centre; b: variable basis)"
                    : Grid.ThetaDimension == 1 ? "first-layer weight θ (cell centre)" : $"first-layer weight θ_{k + 1} (cell centre)",
                ["units"] = "1",
                ["bounds"] = axisNames[k] + "_bnds",
                ["cells"] = Grid.Cells[k],
                ["halfWidth"] = Grid.HalfWidths[k],
            });
        if (m > 0)
        {
            nc.Coordinate("particle", Enumerable.Range(0, m).ToArray(), new() { ["long_name"] = "particle index j", ["units"] = "1" });
            nc.Coordinate("component", Enumerable.Range(0, dim).ToArray(), new()
            {
                ["long_name"] = "component of z_j = (θ_1..θ_d, u)",
                ["flag_values"] = Enumerable.Range(0, dim).ToArray(),
                ["flag_meanings"] = string.Join(" ", axisNames),
            });
        }
        nc.Dimension("bnds", 2);
        if (Basis is not null)
        {
            nc.Dimension("span", Basis.Length);
            nc.Dimension("input", Basis[0].Length);
            nc.Add("basis", ["span", "input"], [Basis.SelectMany(b => b).ToArray()], new()
            {
                ["long_name"] = "orthonormal basis b_1..b_k of the span S of the inputs in R^d (one row per ζ axis)",
                ["units"] = "1",
                ["comment"] = "p_t(θ, u) = q_t(Bᵀθ, u) · N(P_⊥θ; m_⊥(t), C_⊥(t)) with q_t = density on (ζ, u); for p0 as initial law the θ_⊥ factor is N(0, I)",
            });
        }
        for (int k = 0; k < dim; k++)
        {
            var cellBounds = new double[2 * Grid.Cells[k]];
            for (int i = 0; i < Grid.Cells[k]; i++)
            {
                cellBounds[2 * i] = -Grid.HalfWidths[k] + i * Grid.Spacing(k);
                cellBounds[2 * i + 1] = -Grid.HalfWidths[k] + (i + 1) * Grid.Spacing(k);
            }
            nc.Add(axisNames[k] + "_bnds", [axisNames[k], "bnds"], [cellBounds], new() { ["long_name"] = $"cell bounds of {axisNames[k]}", ["units"] = "1" });
        }
        if (PdeDensities.Count > 0)
            nc.Add(DensityVariable, ["time", .. axisNames], PdeDensities, new()
            {
                ["long_name"] = "parameter density p_t of the PDE (cell averages)",
                ["units"] = "1",
                ["cell_methods"] = string.Join(" ", axisNames.Select(a => a + ":")) + " mean",
                ["cell_volume"] = Grid.CellVolume,
                ["comment"] = "sum(density * cell_volume) = 1 at every time; u varies fastest",
            });
        if (m > 0)
            nc.Add(PositionsVariable, ["time", "particle", "component"], ParticlePositions, new()
            {
                ["long_name"] = reduced
                    ? "particle projections (ζ_1..ζ_k, u) = (Bᵀθ_j, u_j) onto the span of the inputs, Euler–Maruyama in R^(d+1) at step round(t/η)"
                    : "particle positions z_j = (θ_1..θ_d, u), Euler–Maruyama at step round(t/η)",
                ["units"] = "1",
            });
        nc.Attributes["Conventions"] = "CF-1.10";
        nc.Attributes["title"] = "fpntk snapshots: densities of the mean-field PDE and particle positions at the output times";
        nc.Attributes["source"] = "fpntk " + Version;
        nc.Attributes["format"] = FormatName;
        nc.Attributes["format_version"] = FormatVersion;
        nc.Attributes["version"] = Version;
        nc.Attributes["config"] = Configuration;
        AtomicFile.Write(path, nc.Write);
    }

    // Output t of a variable whose first dimension is time: the block [t, 0, ..] of shape [1, rest..].
    private static HyperslabSelection TimeSlice(int t, int[] rest) =>
        new(rest.Length + 1, [(ulong)t, .. rest.Select(_ => 0UL)], [1UL, .. rest.Select(r => (ulong)r)]);

    /// <summary>Reads a snapshot file (format 2, or format 1 of earlier versions) back exactly.</summary>
    public static SnapshotFile Read(string path)
    {
        if (!File.Exists(path)) throw new InputException("file", path, "does not exist");
        using var file = H5File.OpenRead(path);
        if (!IsNetcdfLayout(file)) return ReadFormat1(file);
        var grid = ReadGrid(file);
        double[][]? basis = null;
        if (file.LinkExists("basis"))
        {
            var dataset = file.Dataset("basis");
            int k = (int)dataset.Space.Dimensions[0], d = (int)dataset.Space.Dimensions[1];
            var flat = dataset.Read<double[]>();
            basis = Enumerable.Range(0, k).Select(a => flat.AsSpan(a * d, d).ToArray()).ToArray();
        }
        var snapshots = new SnapshotFile
        {
            Grid = grid,
            Configuration = file.Attribute("config").Read<string>(),
            Version = file.Attribute("version").Read<string>(),
            Basis = basis,
        };
        var times = file.LinkExists("time") ? file.Dataset("time").Read<double[]>() : [];
        if (file.LinkExists(DensityVariable))
        {
            var density = file.Dataset(DensityVariable);
            snapshots.PdeTimes.AddRange(times);
            for (int t = 0; t < times.Length; t++)
                snapshots.PdeDensities.Add(density.Read<double[]>(fileSelection: TimeSlice(t, [.. grid.Cells])));
        }
        if (file.LinkExists(PositionsVariable))
        {
            var positions = file.Dataset(PositionsVariable);
            var shape = positions.Space.Dimensions;
            snapshots.ParticleTimes.AddRange(times);
            for (int t = 0; t < times.Length; t++)
                snapshots.ParticlePositions.Add(positions.Read<double[]>(fileSelection: TimeSlice(t, [(int)shape[1], (int)shape[2]])));
        }
        return snapshots;
    }

    /// <summary>One output of a snapshot file: a density on <see cref="Grid"/> or m × <see cref="Dimension"/> particle positions.</summary>
    public sealed record Slice(UniformGrid Grid, double[] Values, bool IsDensity, int Dimension);

    /// <summary>
    /// The output that <paramref name="datasetPath"/> names in a format-2 snapshot file: <c>density[k]</c>,
    /// <c>positions[k]</c>, or the format-1 paths <c>/pde/density/NNNN</c> and <c>/particles/positions/NNNN</c>;
    /// null when the file is not a format-2 snapshot file (its datasets are then read as they are).
    /// </summary>
    public static Slice? ReadSlice(string path, string datasetPath, string source)
    {
        using var file = H5File.OpenRead(path);
        if (!IsNetcdfLayout(file)) return null;
        var match = OutputPath().Match(datasetPath);
        if (!match.Success)
            throw new InputException(source, datasetPath,
                "name one output of the snapshot file: density[k] or positions[k] (k = 0 for the first output time), or /pde/density/NNNN, /particles/positions/NNNN");
        bool isDensity = match.Groups["pde"].Success || match.Groups["variable"].Value == DensityVariable;
        string variable = isDensity ? DensityVariable : PositionsVariable;
        int index = int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture);
        if (!file.LinkExists(variable)) throw new InputException(source, datasetPath, $"the file holds no {variable} (no {(isDensity ? "PDE" : "particles")} part)");
        var dataset = file.Dataset(variable);
        var shape = dataset.Space.Dimensions;
        if (index >= (int)shape[0]) throw new InputException(source, datasetPath, $"no such output: the file holds outputs 0..{shape[0] - 1}");
        var grid = ReadGrid(file);
        return isDensity
            ? new Slice(grid, dataset.Read<double[]>(fileSelection: TimeSlice(index, [.. grid.Cells])), true, grid.Dimension)
            : new Slice(grid, dataset.Read<double[]>(fileSelection: TimeSlice(index, [(int)shape[1], (int)shape[2]])), false, (int)shape[2]);
    }

    [GeneratedRegex(@"^/?(?:(?<pde>pde/density/)|particles/positions/|(?<variable>density|positions)\[)(?<index>[0-9]{1,9})\]?$")]
    private static partial Regex OutputPath();

    private static bool IsNetcdfLayout(IH5Object file) =>
        file.AttributeExists("format_version") && file.Attribute("format_version").Read<int>() >= 2;

    private static UniformGrid ReadGrid(IH5Group file)
    {
        var names = new List<string>();
        string theta = file.LinkExists("zeta") || file.LinkExists("zeta1") ? "zeta" : "theta"; // zeta: reduced to the span of the inputs
        if (file.LinkExists(theta)) names.Add(theta);
        else for (int k = 1; file.LinkExists(theta + k.ToString(CultureInfo.InvariantCulture)); k++) names.Add(theta + k.ToString(CultureInfo.InvariantCulture));
        names.Add("u");
        var axes = names.Select(n => file.Dataset(n)).ToList();
        return new UniformGrid(axes.Select(a => a.Attribute("cells").Read<int>()).ToArray(), axes.Select(a => a.Attribute("halfWidth").Read<double>()).ToArray());
    }

    // Format 1 (fpntk 0.1): groups /grid/axisK, /pde/{times,density/NNNN}, /particles/{times,positions/NNNN}.
    private static SnapshotFile ReadFormat1(IH5Group file)
    {
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
