using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Sweeps;

/// <summary>
/// <c>fpntk sweep collect</c>: one row per task — the task number, the swept values, status, wall time, resumes and
/// message, then the task's scalars at the chosen times, read from its CSV files (pde.csv, particles.csv,
/// comparison.csv, ntk.csv: every column but <c>t</c>, named <c>file.column</c>, e.g. <c>pde.loss</c>; at several
/// times <c>pde.loss@0.5</c>). Values are copied as the task wrote them (round-trip text; an empty field where a
/// task has no such value: not run yet, no such time, or a W2 that is a bracket). Written as <c>sweep.csv</c> and
/// as the netCDF-4 file <c>sweep.nc</c> (dimension <c>task</c>).
/// </summary>
public sealed class SweepTable
{
    /// <summary>The run files whose rows are per output time, in the order their columns appear.</summary>
    public static IReadOnlyList<string> ResultFiles { get; } = ["pde.csv", "particles.csv", "comparison.csv", "ntk.csv"];

    /// <summary>The columns before the scalars.</summary>
    public static IReadOnlyList<string> StatusColumns { get; } = ["status", "wall_seconds", "resumes", "message"];

    private SweepTable(IReadOnlyList<SweepAxis> axes, IReadOnlyList<string> scalars, IReadOnlyList<TaskStatus> statuses,
        IReadOnlyList<IReadOnlyList<string>> values, IReadOnlyList<Dictionary<string, string>> rows)
    {
        Axes = axes;
        Scalars = scalars;
        Statuses = statuses;
        AxisValues = values;
        _rows = rows;
    }

    private readonly IReadOnlyList<Dictionary<string, string>> _rows;

    /// <summary>The swept keys, one column each.</summary>
    public IReadOnlyList<SweepAxis> Axes { get; }

    /// <summary>The scalar columns (<c>pde.loss</c>, …) in the order of the files and their columns.</summary>
    public IReadOnlyList<string> Scalars { get; }

    /// <summary>The state of each task, in task order.</summary>
    public IReadOnlyList<TaskStatus> Statuses { get; }

    /// <summary>The axis values of each task (JSON text).</summary>
    public IReadOnlyList<IReadOnlyList<string>> AxisValues { get; }

    /// <summary>The number of tasks (rows).</summary>
    public int Count => Statuses.Count;

    /// <summary>Every column of the CSV, in order.</summary>
    public IReadOnlyList<string> Columns => ["task", .. Axes.Select(a => a.Key), .. StatusColumns, .. Scalars];

    /// <summary>A scalar of a task as a number (NaN where it has none).</summary>
    public double Number(int task, string column) =>
        _rows[task].TryGetValue(column, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v : double.NaN;

    /// <summary>
    /// Reads every task of the sweep. <paramref name="times"/>: the output times whose rows are taken (null: each task's
    /// last row, its end time).
    /// </summary>
    public static SweepTable Collect(SweepFolder folder, IReadOnlyList<double>? times = null)
    {
        var statuses = new List<TaskStatus>();
        var rows = new List<Dictionary<string, string>>();
        var scalars = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int task = 0; task < folder.TaskCount; task++)
        {
            var status = folder.Status(task);
            statuses.Add(status);
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            if (status.State == TaskState.Completed)
                foreach (var file in ResultFiles)
                {
                    string path = Path.Combine(folder.TaskDirectory(task), file);
                    if (!File.Exists(path)) continue;
                    foreach (var (column, value) in Read(path, Path.GetFileNameWithoutExtension(file), times))
                    {
                        row[column] = value;
                        if (seen.Add(column)) scalars.Add(column);
                    }
                }
            rows.Add(row);
        }
        // Columns in a stable order whatever task wrote them first: by file, then time, then as written.
        var order = scalars.Select((c, i) => (c, i)).OrderBy(x => ResultFiles.ToList().FindIndex(f => x.c.StartsWith(Path.GetFileNameWithoutExtension(f) + ".", StringComparison.Ordinal)))
            .ThenBy(x => times is null ? 0 : times.ToList().FindIndex(t => x.c.EndsWith("@" + Time(t), StringComparison.Ordinal)))
            .ThenBy(x => x.i).Select(x => x.c).ToList();
        return new SweepTable(folder.Axes, order, statuses, folder.TaskValues, rows);
    }

    private static string Time(double t) => t.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The fields of the chosen rows of one per-output-time CSV file, named <c>stem.column</c> (<c>@t</c> with times).</summary>
    private static IEnumerable<(string Column, string Value)> Read(string path, string stem, IReadOnlyList<double>? times)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length < 2) yield break;
        var header = lines[0].Split(',');
        int tColumn = Array.IndexOf(header, "t");
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        if (times is null)
        {
            var last = rows[^1];
            for (int k = 0; k < header.Length; k++)
                if (k != tColumn && k < last.Length) yield return ($"{stem}.{header[k]}", last[k]);
            yield break;
        }
        if (tColumn < 0) yield break;
        foreach (double t in times)
        {
            var row = rows.FirstOrDefault(r => double.TryParse(r[tColumn], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v == t);
            if (row is null) continue;
            for (int k = 0; k < header.Length; k++)
                if (k != tColumn && k < row.Length) yield return ($"{stem}.{header[k]}@{Time(t)}", row[k]);
        }
    }

    /// <summary>The fields of one task, in the order of <see cref="Columns"/>.</summary>
    public IReadOnlyList<string> Fields(int task)
    {
        var s = Statuses[task];
        var fields = new List<string> { task.ToString(CultureInfo.InvariantCulture) };
        fields.AddRange(AxisValues[task].Select(SweepAxis.Text));
        fields.Add(s.Name);
        fields.Add(s.WallSeconds is double w ? w.ToString("R", CultureInfo.InvariantCulture) : "");
        fields.Add(s.Resumes.ToString(CultureInfo.InvariantCulture));
        fields.Add(s.State is TaskState.Failed or TaskState.Interrupted ? s.Message ?? "" : "");
        fields.AddRange(Scalars.Select(c => _rows[task].TryGetValue(c, out var v) ? v : ""));
        return fields;
    }

    /// <summary>The table as CSV (RFC 4180 quoting for fields with commas, quotes or line breaks).</summary>
    public string ToCsv()
    {
        var text = new StringBuilder();
        text.AppendJoin(',', Columns.Select(Quote)).Append('\n');
        for (int task = 0; task < Count; task++) text.AppendJoin(',', Fields(task).Select(Quote)).Append('\n');
        return text.ToString();
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    /// <summary>
    /// The table as netCDF-4: dimension and coordinate <c>task</c>; a numeric axis as a double variable named by its
    /// key, any other axis as the int variable <c>KEY.index</c> into the JSON list in its attribute <c>values</c>;
    /// <c>status</c> as CF flags; <c>wall_seconds</c>, <c>resumes</c> and every scalar column (NaN where missing).
    /// </summary>
    public void WriteNetcdf(Stream stream)
    {
        var nc = new NetcdfWriter();
        nc.Attributes["Conventions"] = "CF-1.8";
        nc.Attributes["title"] = "fpntk sweep: one row per task";
        nc.Attributes["source"] = "fpntk " + RunManifest.ProgramVersion;
        nc.Coordinate("task", Enumerable.Range(0, Count).ToArray(), new() { ["long_name"] = "task number" });
        for (int a = 0; a < Axes.Count; a++)
        {
            var axis = Axes[a];
            var numbers = AxisValues.Select(v => double.TryParse(v[a], NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x : double.NaN).ToArray();
            if (numbers.All(double.IsFinite))
                nc.Add(axis.Key, ["task"], [numbers], new() { ["long_name"] = $"swept configuration key {axis.Key}" });
            else
                nc.Add(axis.Key + ".index", ["task"], [AxisValues.Select(v => axis.Values.ToList().IndexOf(v[a])).ToArray()], new()
                {
                    ["long_name"] = $"index of the value of {axis.Key} in the attribute values", ["values"] = "[" + string.Join(", ", axis.Values) + "]",
                });
        }
        var states = Enum.GetValues<TaskState>();
        nc.Add("status", ["task"], [Statuses.Select(s => (int)s.State).ToArray()], new()
        {
            ["long_name"] = "task status", ["flag_values"] = states.Select(s => (int)s).ToArray(),
            ["flag_meanings"] = string.Join(" ", states.Select(s => s.ToString().ToLowerInvariant())),
        });
        nc.Add("wall_seconds", ["task"], [Statuses.Select(s => s.WallSeconds ?? double.NaN).ToArray()],
            new() { ["long_name"] = "wall time of the task's last session", ["units"] = "s", ["_FillValue"] = double.NaN });
        nc.Add("resumes", ["task"], [Statuses.Select(s => s.Resumes).ToArray()], new() { ["long_name"] = "times the task was resumed" });
        foreach (var column in Scalars)
            nc.Add(column, ["task"], [Enumerable.Range(0, Count).Select(t => Number(t, column)).ToArray()],
                new() { ["long_name"] = column, ["_FillValue"] = double.NaN });
        nc.Write(stream);
    }

    /// <summary>Writes <c>sweep.csv</c> and <c>sweep.nc</c> into the sweep folder, atomically; returns their paths.</summary>
    public (string Csv, string Netcdf) Write(string directory)
    {
        string csv = Path.Combine(directory, "sweep.csv"), nc = Path.Combine(directory, "sweep.nc");
        AtomicFile.WriteText(csv, ToCsv());
        AtomicFile.Write(nc, WriteNetcdf);
        return (csv, nc);
    }
}
