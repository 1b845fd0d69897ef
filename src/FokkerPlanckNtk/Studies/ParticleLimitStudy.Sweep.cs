using System.Text.Json;
using System.Text.Json.Nodes;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Sweeps;

namespace FokkerPlanckNtk.Studies;

/// <summary>
/// The particle-limit study as a sweep (<c>fpntk study particle-limit --sweep DIR</c>): one <c>solve</c> task per PDE grid
/// and one <c>simulate</c> task per (η, m, seed) of the η-scan and the m-scans (a (η, m, seed) both scans need runs once),
/// each an ordinary run folder of the default problem whose particles.csv/pde.csv hold the residuals at the study's
/// times (round-trip text); <c>fpntk sweep run DIR</c> or <c>fpntk sweep slurm DIR</c> runs them, and
/// <c>fpntk study particle-limit --from DIR</c> reads the residuals back and computes the tables with
/// <see cref="Analyze"/>, as the study in one process does: the same numbers, the seconds aside.
/// </summary>
public sealed partial class ParticleLimitStudy : ISweepStudy
{
    /// <summary>The study's settings beside the sweep's own sweep.json.</summary>
    public const string SettingsFile = "study.json";

    private const string Format = "fpntk-study-sweep";

    /// <summary>Axes of the study's sweep: all zipped, one entry per task.</summary>
    private static readonly string[] AxisKeys = ["command", "grid.cells", "particles.step", "particles.count", "particles.seed"];

    /// <inheritdoc/>
    public SweepFolder CreateSweep(string directory, bool quick) => CreateSweep(directory, quick ? Settings.Quick : Settings.Full);

    /// <inheritdoc/>
    public StudyResult FromSweep(string directory, StudyOptions options)
    {
        var result = FromSweep(directory, options.Log);
        return Write(result, options with { Quick = SettingsJson(result.Settings) == SettingsJson(Settings.Quick) });
    }

    /// <summary>Writes the sweep of <paramref name="settings"/> into <paramref name="directory"/>, with the settings in study.json.</summary>
    /// <exception cref="InputException">The folder holds another sweep or another command's results.</exception>
    public static SweepFolder CreateSweep(string directory, Settings settings)
    {
        var (folder, _) = SweepFolder.Create(Sweep.Expand(SweepDefinition.Parse(SweepFile(settings), "particle-limit sweep")), directory);
        AtomicFile.WriteText(Path.Combine(folder.Path, SettingsFile), SettingsJson(settings));
        return folder;
    }

    /// <summary>
    /// The sweep file of the study: the default problem with the study's times and box, no plots, no diagnostics rows (their
    /// extra stops would change the PDE's steps), W2s as certified brackets (an exact W2 of 3·10⁴ particles takes a minute, more
    /// than the run; the study uses none), the SSP-RK3 stepper of the study's PDE; tasks zipped: the PDE grids first,
    /// then the m-scans in the study's order, then the η-scan's runs the m-scans do not have. The particles' grid (histograms
    /// and W2 only) is the coarse PDE grid.
    /// </summary>
    public static string SweepFile(Settings s)
    {
        var tasks = new List<(string Command, int Cells, double Step, int Count, int Seed)>();
        var defaults = Particles.ParticleOptions.Default; // the PDE tasks ignore the particle keys
        foreach (int cells in s.Cells) tasks.Add(("solve", cells, defaults.Step, defaults.Count, (int)defaults.Seed));
        var runs = new HashSet<(double, int, int)>();
        foreach (var (eta, m, seed) in ParticleRuns(s))
            if (runs.Add((eta, m, seed))) tasks.Add(("simulate", s.Cells[0], eta, m, seed));
        var zip = new JsonObject
        {
            [AxisKeys[0]] = new JsonArray([.. tasks.Select(t => JsonValue.Create(t.Command))]),
            [AxisKeys[1]] = new JsonArray([.. tasks.Select(t => JsonValue.Create(t.Cells))]),
            [AxisKeys[2]] = new JsonArray([.. tasks.Select(t => JsonValue.Create(t.Step))]),
            [AxisKeys[3]] = new JsonArray([.. tasks.Select(t => JsonValue.Create(t.Count))]),
            [AxisKeys[4]] = new JsonArray([.. tasks.Select(t => JsonValue.Create(t.Seed))]),
        };
        var file = new JsonObject
        {
            ["base"] = new JsonObject
            {
                ["time"] = new JsonObject
                {
                    ["end"] = s.Times[^1], ["outputTimes"] = new JsonArray([.. s.Times.Select(t => JsonValue.Create(t))]), ["stepper"] = "ssprk3",
                },
                ["grid"] = new JsonObject { ["halfWidth"] = s.HalfWidth },
                ["output"] = new JsonObject { ["plots"] = false, ["diagnosticsRows"] = 0, ["w2Seconds"] = 0 },
            },
            ["zip"] = zip,
        };
        return file.ToJsonString() + "\n";
    }

    /// <summary>Every (η, m, seed) the analysis asks for, in its order: the m-scans, then the η-scan.</summary>
    private static IEnumerable<(double Step, int Count, int Seed)> ParticleRuns(Settings s)
    {
        foreach (double eta in s.CountSteps)
        foreach (int m in s.Counts)
        for (int seed = 1; seed <= s.Seeds; seed++)
            yield return (eta, m, seed);
        foreach (double eta in s.BiasSteps.OrderDescending())
        for (int seed = 1; seed <= s.BiasSeeds; seed++)
            yield return (eta, s.BiasCount, seed);
    }

    private static string SettingsJson(Settings s)
    {
        var root = new JsonObject { ["format"] = Format, ["study"] = "particle-limit", ["settings"] = JsonSerializer.SerializeToNode(s) };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>
    /// The study's result from a sweep made by <see cref="CreateSweep(string, Settings)"/> whose tasks are complete: the residuals
    /// read from the tasks' pde.csv and particles.csv at the study's times, the seconds from their manifests, then <see cref="Analyze"/>.
    /// </summary>
    /// <exception cref="InputException">Not such a sweep folder, a sweep that is not the study's, or tasks not complete.</exception>
    public static Result FromSweep(string directory, Action<string> log)
    {
        var folder = SweepFolder.Open(directory);
        var s = ReadSettings(Path.Combine(folder.Path, SettingsFile));
        var expected = Sweep.Expand(SweepDefinition.Parse(SweepFile(s), "particle-limit sweep"));
        if (expected.Hash != folder.Hash)
            throw new InputException("--from", folder.Path, $"its sweep ({folder.Hash[..15]}…) is not the particle-limit study of its {SettingsFile} "
                + $"({expected.Hash[..15]}…); make it with fpntk study particle-limit --sweep DIR");
        var table = SweepTable.Collect(folder, s.Times);
        var unfinished = Enumerable.Range(0, folder.TaskCount).Where(t => table.Statuses[t].State != TaskState.Completed).ToList();
        if (unfinished.Count > 0)
        {
            int first = unfinished[0];
            throw new InputException("--from", folder.Path, $"{unfinished.Count} of {folder.TaskCount} tasks are not complete (task {first}, "
                + $"{folder.Describe(first)}: {table.Statuses[first].Name}{(table.Statuses[first].Message is { } m ? $", {m}" : "")}); "
                + $"run them first: fpntk sweep run {folder.Path}");
        }
        int n = Model.Problem.Default.SampleCount;
        double[][] Residuals(int task, string file) => s.Times.Select(t => Enumerable.Range(1, n).Select(i =>
        {
            string column = FormattableString.Invariant($"{file}.r{i}@{t.ToString("R", CultureInfo.InvariantCulture)}");
            double v = table.Number(task, column);
            return double.IsFinite(v) ? v : throw new InputException("--from", folder.TaskDirectory(task), $"has no finite {column} (read {v})");
        }).ToArray()).ToArray();
        // The tasks of each grid (in the order of the settings) and of each particle run.
        var pde = expected.Tasks.Where(t => t.Command == "solve").Select(t => Residuals(t.Index, "pde")).ToArray();
        var index = expected.Tasks.Where(t => t.Command == "simulate")
            .ToDictionary(t => (t.Configuration.Particles.Step, t.Configuration.Particles.Count, t.Configuration.Particles.Seed), t => t.Index);
        log($"{folder.TaskCount} tasks read from {folder.Path}");
        return Analyze(s, pde, (eta, m, seeds) =>
        {
            var tasks = Enumerable.Range(1, seeds).Select(seed => index[(eta, m, (long)seed)]).ToArray();
            return new SeedRuns(tasks.Select(t => Residuals(t, "particles")).ToArray(), tasks.Sum(t => table.Statuses[t].WallSeconds ?? 0));
        }, log);
    }

    private static Settings ReadSettings(string path)
    {
        if (!File.Exists(path))
            throw new InputException("--from", Path.GetDirectoryName(path), $"holds no {SettingsFile}: not a study's sweep (make one with fpntk study particle-limit --sweep DIR)");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.GetProperty("format").GetString() != Format || root.GetProperty("study").GetString() != "particle-limit")
                throw new InputException("--from", path, "is not the settings of a particle-limit sweep");
            return root.GetProperty("settings").Deserialize<Settings>() ?? throw new InputException("--from", path, "has no settings");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or NotSupportedException)
        {
            throw new InputException("--from", path, $"is not readable ({e.Message})");
        }
    }
}
