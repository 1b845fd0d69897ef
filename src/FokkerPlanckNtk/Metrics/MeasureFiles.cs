using FokkerPlanckNtk.IO;
using PureHDF;

namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// A measure read from a file: weighted atoms, a 1D piecewise-constant density (cells), or a grid
/// density (cell averages on a <see cref="UniformGrid"/>). Exactly one of the three is set.
/// </summary>
public sealed class LoadedMeasure
{
    // The factories below set the one kind they make.
    private LoadedMeasure(string source) => Source = source;

    /// <summary>The file (and dataset) it came from.</summary>
    public string Source { get; }

    /// <summary>The atoms, for an atomic measure.</summary>
    public AtomicMeasure? Atoms { get; private init; }

    /// <summary>The cells, for a 1D piecewise-constant density.</summary>
    public Measure1D? Cells { get; private init; }

    /// <summary>The grid, for a grid density (see <see cref="Density"/>).</summary>
    public UniformGrid? Grid { get; private init; }

    /// <summary>Cell averages on <see cref="Grid"/> (Σ p_c·V = total mass).</summary>
    public double[]? Density { get; private init; }

    /// <summary>The dimension of the space the measure lives in.</summary>
    public int Dimension => Atoms?.Dimension ?? Grid?.Dimension ?? 1;

    /// <summary>
    /// A probability measure by construction: atoms of equal weight (no weight column), or a density of the
    /// tool's own snapshot files (mass 1 up to the scheme's round-off drift). Two of them are compared as
    /// probability measures; masses from explicit weights must agree (<see cref="MassBalance"/>).
    /// </summary>
    public bool IsProbability { get; private init; }

    /// <summary><c>atoms</c>, <c>1D cells</c> or <c>grid density</c>, for messages.</summary>
    public string Kind => Atoms is not null ? "atoms" : Cells is not null ? "1D cells" : "grid density";

    /// <summary>An atomic measure from <paramref name="source"/>; <paramref name="isProbability"/>: known to have mass 1 (rescaled only when off by more than round-off).</summary>
    public static LoadedMeasure FromAtoms(AtomicMeasure atoms, string source, bool isProbability = false) =>
        new(source) { Atoms = atoms, IsProbability = isProbability };

    /// <summary>A 1D piecewise-constant density from <paramref name="source"/>.</summary>
    public static LoadedMeasure FromCells(Measure1D cells, string source) => new(source) { Cells = cells };

    /// <summary>A grid density (cell averages) from <paramref name="source"/>; <paramref name="isProbability"/> as for <see cref="FromAtoms"/>.</summary>
    /// <exception cref="InputException">Negative or non-finite values, or the wrong number of them.</exception>
    public static LoadedMeasure FromGrid(UniformGrid grid, double[] density, string source, bool isProbability = false)
    {
        GridDensity.Validate(grid, density, source);
        return new LoadedMeasure(source) { Grid = grid, Density = density, IsProbability = isProbability };
    }
}

/// <summary>
/// Reads the measure files of docs/file-formats.md and compares two measures (<c>fpntk w2 A B</c>):
/// <list type="bullet">
/// <item>CSV with a header row: atoms <c>x1,...,xk[,weight]</c> (uniform weights when the column is
///   absent), or a 1D piecewise-constant density <c>left,right,mass</c>;</item>
/// <item>a snapshot file of <c>fpntk</c> (netCDF-4): <c>snapshots.h5:density[k]</c> or <c>snapshots.h5:positions[k]</c>
///   (output k), also by the format-1 paths <c>/pde/density/NNNN</c> and <c>/particles/positions/NNNN</c>;</item>
/// <item>other HDF5 <c>file.h5:/path/to/dataset</c> in the format-1 snapshot layout: a rank-D dataset whose shape is
///   that of the grid in <c>/grid/axis0..axis{D-1}</c> (cell centres) is a grid density (any dataset
///   under a path containing <c>/density</c> must be one); otherwise a rank-2 dataset m × k is a set of
///   m equal-weight atoms.</item>
/// </list>
/// Parsing is culture-invariant; every error names the file (and line or dataset).
/// </summary>
public static class MeasureFiles
{
    /// <summary>Column names that hold the weights of CSV atoms (case-insensitive); any other column is a coordinate.</summary>
    public static IReadOnlyList<string> WeightColumns { get; } = ["weight", "weights", "w", "mass", "masses"];

    /// <summary>Column names that could be read either way: refused, so that a weight is never read as a coordinate.</summary>
    public static IReadOnlyList<string> AmbiguousColumns { get; } = ["p", "prob", "probability", "probabilities", "density", "count", "counts", "wt"];

    /// <summary>Loads a measure file: a CSV path, <c>snapshots.h5:density[k]</c>, or <c>file.h5:/dataset</c>.</summary>
    /// <exception cref="InputException">A missing or malformed file, or a dataset that is not a measure.</exception>
    public static LoadedMeasure Load(string spec)
    {
        if (spec.Trim().Length == 0) throw new InputException("measure file", "''", "must name a CSV file or file.h5:dataset");
        var (path, dataset) = SplitSpec(spec);
        if (Directory.Exists(path)) throw new InputException(spec, path, "is a folder, not a measure file");
        if (!File.Exists(path)) throw new InputException(spec, path, "file not found");
        return dataset is null ? LoadCsv(path) : LoadHdf5(path, dataset, spec);
    }

    /// <summary>Loads both files and compares them (<see cref="Compare(LoadedMeasure, LoadedMeasure, bool, W2Options?)"/>).</summary>
    public static DistanceReport Compare(string specA, string specB, bool normalize = false, W2Options? options = null) =>
        Compare(Load(specA), Load(specB), normalize, options);

    /// <summary>
    /// W2 always (exact 1D, exact network simplex, or a certified bracket for large problems, see
    /// <see cref="Wasserstein"/>); KL(a‖b) and χ²(a‖b) when both measures live on the same cells (same grid,
    /// or the same 1D cells) or on the same atoms, null otherwise. Totals must agree up to round-off
    /// (<see cref="MassBalance"/>) unless <paramref name="normalize"/> or both are probability measures by
    /// construction (<see cref="LoadedMeasure.IsProbability"/>).
    /// </summary>
    public static DistanceReport Compare(LoadedMeasure a, LoadedMeasure b, bool normalize = false, W2Options? options = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (a.Dimension != b.Dimension)
            throw new InputException(b.Source, $"dimension {b.Dimension}", $"must have the dimension of {a.Source} ({a.Dimension})");
        normalize |= a.IsProbability && b.IsProbability;
        options = (options ?? W2Options.Default) with { Normalize = normalize };
        W2Result w2;
        if (a.Cells is not null || b.Cells is not null)
            w2 = Wasserstein.Between(To1D(a), To1D(b), normalize);
        else if (a.Grid is not null && b.Grid is not null)
            w2 = Wasserstein.Between(a.Grid, a.Density, b.Grid, b.Density, options);
        else if (a.Grid is not null)
            w2 = Wasserstein.Between(a.Grid, a.Density, b.Atoms!, options);
        else if (b.Grid is not null)
            w2 = Wasserstein.Between(b.Grid, b.Density, a.Atoms!, options);
        else
            w2 = Wasserstein.Between(a.Atoms!, b.Atoms!, options);
        var (kl, chi2) = Divergence(a, b, normalize);
        string status = w2.Status switch
        {
            TransportStatus.Optimal => "optimal",
            TransportStatus.IterationLimit => "iteration-limit",
            _ => "infeasible",
        };
        return new DistanceReport(w2.W2, w2.W2Squared, kl, chi2, w2.Method, status, clock.Elapsed.TotalSeconds) { ErrorBound = w2.ErrorBound };
    }

    private static Measure1D To1D(LoadedMeasure m) =>
        m.Cells ?? (m.Atoms is { Dimension: 1 } atoms
            ? Measure1D.Atoms(atoms.Positions, atoms.Weights, m.Source)
            : throw new InputException(m.Source, m.Kind, "a 1D density can only be compared with 1D measures"));

    // KL and χ² where both measures sit on the same cells or atoms.
    private static (double? Kl, double? Chi2) Divergence(LoadedMeasure a, LoadedMeasure b, bool normalize)
    {
        double[]? p = null, q = null;
        double volume = 1;
        if (a.Grid is not null && b.Grid is not null && a.Grid.Cells.SequenceEqual(b.Grid.Cells) && a.Grid.HalfWidths.SequenceEqual(b.Grid.HalfWidths))
        {
            (p, q, volume) = (a.Density, b.Density, a.Grid.CellVolume);
        }
        else if (a.Cells is not null && b.Cells is not null && a.Cells.Left.SequenceEqual(b.Cells.Left) && a.Cells.Right.SequenceEqual(b.Cells.Right))
        {
            (p, q) = (a.Cells.Mass, b.Cells.Mass); // Σ m log(m/m') and Σ (m − m')²/m' are the density sums
        }
        else if (a.Atoms is not null && b.Atoms is not null)
        {
            var ma = Merge(a.Atoms);
            var mb = Merge(b.Atoms);
            if (ma.Count == mb.Count && ma.Keys.All(mb.ContainsKey))
            {
                var keys = ma.Keys.ToArray();
                p = keys.Select(key => ma[key]).ToArray();
                q = keys.Select(key => mb[key]).ToArray();
            }
        }
        if (p is null || q is null) return (null, null);
        if (normalize)
        {
            // Rescaled only where the total is not 1 up to round-off (as AtomicMeasure.Normalized).
            double sp = MassBalance.Total(p) * volume, sq = MassBalance.Total(q) * volume;
            if (!MassBalance.Agree(sp, p.Length, 1, 1)) p = p.Select(v => v / sp).ToArray();
            if (!MassBalance.Agree(sq, q.Length, 1, 1)) q = q.Select(v => v / sq).ToArray();
        }
        return (Divergences.KullbackLeibler(p, q, volume), Divergences.ChiSquared(p, q, volume));
    }

    // Total mass per distinct point (exact coordinates). Listed atoms of zero mass count as points of the set,
    // so that KL(a‖b) = ∞ when b lists a point of a with mass 0 (rather than "not the same atoms").
    private static Dictionary<string, double> Merge(AtomicMeasure m)
    {
        var merged = new Dictionary<string, double>();
        for (int i = 0; i < m.Count; i++)
        {
            string key = string.Join(",", m.Position(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            merged[key] = merged.GetValueOrDefault(key) + m.Weights[i];
        }
        return merged;
    }

    // "file.h5:/a/b" → ("file.h5", "/a/b"); a CSV path → (path, null).
    private static (string Path, string? Dataset) SplitSpec(string spec)
    {
        foreach (var ext in new[] { ".h5:", ".hdf5:", ".hdf:" })
        {
            int at = spec.LastIndexOf(ext, StringComparison.OrdinalIgnoreCase);
            if (at >= 0) return (spec[..(at + ext.Length - 1)], spec[(at + ext.Length)..]);
        }
        if (spec.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) || spec.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase))
            throw new InputException(spec, spec, "name the dataset, e.g. snapshots.h5:density[0] (the first output time)");
        return (spec, null);
    }

    // The weight column (-1: none); refuses headers that could be read two ways.
    private static int WeightColumn(string path, string[] header)
    {
        for (int c = 0; c < header.Length; c++)
        {
            if (header[c].Length == 0) throw new InputException($"{path}:header", $"column {c + 1}", "every column needs a name");
            if (Array.IndexOf(header, header[c]) != c)
                throw new InputException($"{path}:header", header[c], "column names must be distinct");
            if (AmbiguousColumns.Contains(header[c]))
                throw new InputException($"{path}:header", header[c],
                    $"is ambiguous: name the weight column one of {string.Join(", ", WeightColumns)} and the coordinates x1..xk");
        }
        var weights = Enumerable.Range(0, header.Length).Where(c => WeightColumns.Contains(header[c])).ToArray();
        if (weights.Length > 1)
            throw new InputException($"{path}:header", string.Join(",", weights.Select(c => header[c])),
                "more than one column names weights; keep one (weight, weights, w, mass or masses)");
        return weights.Length == 1 ? weights[0] : -1;
    }

    private static LoadedMeasure LoadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        int headerLine = Array.FindIndex(lines, l => l.Trim().Length > 0);
        if (headerLine < 0) throw new InputException(path, "empty file", "needs a header row and at least one data row");
        var header = lines[headerLine].Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var rows = new List<double[]>();
        for (int l = headerLine + 1; l < lines.Length; l++)
        {
            if (lines[l].Trim().Length == 0) continue;
            var fields = lines[l].Split(',');
            if (fields.Length != header.Length)
                throw new InputException($"{path}:{l + 1}", $"{fields.Length} fields", $"every row needs {header.Length} fields like the header");
            var row = new double[fields.Length];
            for (int c = 0; c < fields.Length; c++)
                if (!double.TryParse(fields[c].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out row[c]))
                    throw new InputException($"{path}:{l + 1}", fields[c].Trim(), $"column '{header[c]}' must be a number");
            rows.Add(row);
        }
        if (rows.Count == 0) throw new InputException(path, "no data rows", "needs at least one data row after the header");

        if (header.SequenceEqual(["left", "right", "mass"]))
            return LoadedMeasure.FromCells(Measure1D.Cells(
                rows.Select(r => r[0]).ToArray(), rows.Select(r => r[1]).ToArray(), rows.Select(r => r[2]).ToArray(), path), path);

        int weightColumn = WeightColumn(path, header);
        int k = header.Length - (weightColumn >= 0 ? 1 : 0);
        if (k < 1) throw new InputException(path, lines[headerLine], "needs coordinate columns x1..xk (and optionally weight), or left,right,mass");
        var positions = new double[rows.Count * k];
        var weights = weightColumn >= 0 ? new double[rows.Count] : null;
        for (int i = 0; i < rows.Count; i++)
        {
            int c = 0;
            for (int f = 0; f < header.Length; f++)
            {
                if (f == weightColumn) weights![i] = rows[i][f];
                else positions[i * k + c++] = rows[i][f];
            }
        }
        return LoadedMeasure.FromAtoms(new AtomicMeasure(positions, k, weights, path), path, isProbability: weights is null);
    }

    private static LoadedMeasure LoadHdf5(string path, string datasetPath, string spec)
    {
        try
        {
            // Snapshot files of format 2 (netCDF-4): one output of density or positions, also by its format-1 path;
            // the tool's own probability measures (densities of mass 1 up to round-off, particles of weight 1/m).
            if (SnapshotFile.ReadSlice(path, datasetPath, spec) is { } slice)
                return slice.IsDensity ? LoadedMeasure.FromGrid(slice.Grid, slice.Values, spec, isProbability: true)
                    : LoadedMeasure.FromAtoms(new AtomicMeasure(slice.Values, slice.Dimension, null, spec), spec, isProbability: true);
            using var file = H5File.OpenRead(path);
            if (!file.LinkExists(datasetPath)) throw new InputException(spec, datasetPath, "no such dataset in the file");
            var dataset = file.Dataset(datasetPath);
            if (dataset.Type.Class != H5DataTypeClass.FloatingPoint || dataset.Type.Size != 8)
                throw new InputException(spec, $"a dataset of {dataset.Type.Class} values ({dataset.Type.Size} bytes)",
                    "must hold 64-bit floating-point numbers (float64): a grid density or an m x k array of atom positions");
            var shape = dataset.Space.Dimensions.Select(d => checked((int)d)).ToArray();
            var data = dataset.Read<double[]>();
            var grid = ReadGrid(file, spec);
            bool matchesGrid = grid is not null && shape.Length == grid.Dimension && shape.SequenceEqual(grid.Cells);
            bool namedDensity = datasetPath.Contains("/density", StringComparison.OrdinalIgnoreCase);
            bool ownSnapshot = file.AttributeExists("format")
                && file.Attribute("format").Read<string>() == FokkerPlanckNtk.IO.SnapshotFile.FormatName;
            if (matchesGrid) return LoadedMeasure.FromGrid(grid!, data, spec, isProbability: ownSnapshot);
            if (namedDensity)
                throw new InputException(spec, $"shape {string.Join("x", shape)}",
                    grid is null ? "a density needs the grid axes /grid/axis0.. in the same file" : $"a density must have the grid's shape {string.Join("x", grid.Cells)}");
            if (shape.Length != 2)
                throw new InputException(spec, $"rank {shape.Length}", "must be a grid density (shape of /grid) or an m x k array of atoms");
            return LoadedMeasure.FromAtoms(new AtomicMeasure(data, shape[1], null, spec), spec, isProbability: true);
        }
        catch (InputException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InputException(spec, path, $"cannot be read as HDF5 ({e.Message})");
        }
    }

    // The grid whose cell centres are /grid/axis0 .. /grid/axis{D-1}, or null without /grid.
    private static UniformGrid? ReadGrid(IH5Group file, string spec)
    {
        if (!file.LinkExists("/grid")) return null;
        var cells = new List<int>();
        var halfWidths = new List<double>();
        for (int k = 0; file.LinkExists($"/grid/axis{k}"); k++)
        {
            var c = file.Dataset($"/grid/axis{k}").Read<double[]>();
            int n = c.Length;
            if (n < 2) throw new InputException($"{spec} /grid/axis{k}", $"{n} centres", "an axis needs at least 2 cells");
            double spacing = (c[n - 1] - c[0]) / (n - 1), half = n * spacing / 2;
            for (int i = 0; i < n; i++)
                if (Math.Abs(c[i] - (-half + (i + 0.5) * spacing)) > 1e-9 * half)
                    throw new InputException($"{spec} /grid/axis{k}", c[i], "cell centres must be uniform and symmetric about 0");
            cells.Add(n);
            halfWidths.Add(half);
        }
        return cells.Count == 0 ? null : new UniformGrid(cells, halfWidths);
    }
}
