using System.Security.Cryptography;
using System.Text.Json;
using FokkerPlanckNtk.Configuration;

namespace FokkerPlanckNtk.Sweeps;

/// <summary>
/// One task of a sweep: its number, the value of every axis (JSON text, in the order of <see cref="Sweep.Axes"/>),
/// the command it runs (<c>run</c>, <c>solve</c> or <c>simulate</c>) and the validated configuration it runs with.
/// </summary>
public sealed record SweepTask(int Index, IReadOnlyList<string> Values, string Command, RunConfiguration Configuration)
{
    /// <summary>The task's command: the value of the <c>command</c> axis where there is one, else the sweep's.</summary>
    public static string CommandOf(IReadOnlyList<SweepAxis> axes, IReadOnlyList<string> values, string command)
    {
        for (int a = 0; a < axes.Count; a++)
            if (axes[a].IsCommand) return SweepAxis.Text(values[a]);
        return command;
    }

    /// <summary>The folder of the task inside the sweep folder: <c>tasks/0007</c>.</summary>
    public static string Folder(int index) => Path.Combine(SweepFolder.TasksFolder, Name(index));

    /// <summary>The task's number with four digits at least: <c>0007</c> (names sort in task order up to 10000 tasks).</summary>
    public static string Name(int index) => index.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>problem.alpha = 2, particles.seed = 1</c>.</summary>
    public static string Describe(IReadOnlyList<SweepAxis> axes, IReadOnlyList<string> values) =>
        axes.Count == 0 ? "no axes" : string.Join(", ", axes.Select((a, k) => $"{a.Key} = {SweepAxis.Text(values[k])}"));
}

/// <summary>
/// A sweep expanded into its tasks. Order and numbering: the product axes in the order of the file, the last one
/// varying fastest, and the zip axes (all of one length, taken side by side) as one more axis after them, so
/// task <c>i = ((i_1·n_2 + i_2)·n_3 + …)·n_zip + i_zip</c>. Every task's configuration is the base with the
/// task's axis values in place (a value replaces the key with all it holds, as a later configuration source does),
/// validated by the configuration reader: a bad key or value stops the expansion with the reader's message and the
/// task it was found in, before any task runs. The sweep's hash (SHA-256 of the command and every task's
/// effective configuration, in order) says whether two sweep files make the same sweep.
/// </summary>
public sealed class Sweep
{
    private Sweep(SweepDefinition definition, IReadOnlyList<SweepTask> tasks, string hash)
    {
        Definition = definition;
        Tasks = tasks;
        Hash = hash;
    }

    /// <summary>The sweep file as read.</summary>
    public SweepDefinition Definition { get; }

    /// <summary>The command every task runs (<c>run</c>, <c>solve</c> or <c>simulate</c>).</summary>
    public string Command => Definition.Command;

    /// <summary>The swept keys with their values, in the order of the task values.</summary>
    public IReadOnlyList<SweepAxis> Axes => Definition.Axes;

    /// <summary>The tasks in task order, each with its validated configuration.</summary>
    public IReadOnlyList<SweepTask> Tasks { get; }

    /// <summary><c>sha256:</c> and 64 hex digits.</summary>
    public string Hash { get; }

    /// <summary>More tasks than this are refused (a sweep that large is a mistake, or wants several sweeps).</summary>
    public const int MaxTasks = 1_000_000;

    /// <summary>Expands and validates every task.</summary>
    /// <exception cref="InputException">A configuration error in a task (named as the reader names it, with the task).</exception>
    public static Sweep Expand(SweepDefinition definition)
    {
        long count = definition.TaskCount;
        if (count > MaxTasks)
            throw new InputException("product", $"{count} tasks", $"a sweep has at most {MaxTasks} tasks; split it into several sweeps");
        var axes = definition.Axes;
        var lengths = axes.Where(a => a.Kind == AxisKind.Product).Select(a => a.Values.Count).ToList();
        var zip = axes.Where(a => a.Kind == AxisKind.Zip).ToList();
        if (zip.Count > 0) lengths.Add(zip[0].Values.Count);
        // The flat values of every axis value, parsed once.
        var flat = axes.Select(a => a.Values.Select(v => a.IsCommand ? [] : Flatten(v, a.TreeKey)).ToArray()).ToArray();
        var tasks = new SweepTask[count];
        var digits = new int[lengths.Count];
        var checkedSetups = new HashSet<string>(StringComparer.Ordinal);
        for (int index = 0; index < count; index++)
        {
            // digits: the index of each product axis, then the zip index (the last one fastest).
            for (int k = lengths.Count - 1, rest = index; k >= 0; k--)
            {
                digits[k] = rest % lengths[k];
                rest /= lengths[k];
            }
            var values = new string[axes.Count];
            var sources = new List<IEnumerable<KeyValuePair<string, string?>>> { definition.Base };
            for (int a = 0, p = 0; a < axes.Count; a++)
            {
                int i = axes[a].Kind == AxisKind.Product ? digits[p++] : digits[^1];
                values[a] = axes[a].Values[i];
                sources.Add(flat[a][i]);
            }
            string command = SweepTask.CommandOf(axes, values, definition.Command);
            var config = Validate(definition, command, ConfigurationTree.FromSources([.. sources]), index, count, values, checkedSetups);
            tasks[index] = new SweepTask(index, values, command, config);
        }
        return new Sweep(definition, tasks, HashOf(definition.Command, tasks, axes.Any(a => a.IsCommand)));
    }

    private static IReadOnlyList<KeyValuePair<string, string?>> Flatten(string json, string key)
    {
        using var doc = JsonDocument.Parse(json);
        return JsonFlattener.Flatten(doc.RootElement, key);
    }

    /// <summary>
    /// The configuration reader's checks, the memory estimate, the particles' step stability and the grid's hold on the
    /// initial law (what a run checks before it writes a file), each error with the task it was found in.
    /// </summary>
    private static RunConfiguration Validate(SweepDefinition definition, string command, ConfigurationTree tree, int index, long count,
        string[] values, HashSet<string> checkedSetups)
    {
        try
        {
            var config = RunConfiguration.Read(tree, definition.BaseDirectory);
            ResourceEstimate.RequireMemory(config, command);
            // What the parts check when they are set up, once per distinct problem and η (the particles' stability) or
            // problem and grid (the box must hold the initial law, the cells resolve it).
            var (problem, grid, step) = Sections(config);
            if (command is "run" or "simulate" && checkedSetups.Add("particles" + problem + step)) ParticleStability.Check(config);
            if (command is "run" or "solve" && !config.Solver.IsSpectral && checkedSetups.Add("grid" + problem + grid))
            {
                var model = new FiniteVolume.FiniteVolumeModel(config.Problem.ToProblem(), config.Grid.ToGrid(), config.Grid.MaxOutsideMass);
                if (!config.Problem.Initial.IsStandard) model.InitialDensity();
            }
            return config;
        }
        catch (InputException e)
        {
            throw e.At($"sweep task {index} of {count}: {SweepTask.Describe(definition.Axes, values)}");
        }
    }

    private static (string Problem, string Grid, string Step) Sections(RunConfiguration config)
    {
        using var doc = JsonDocument.Parse(config.ToJson());
        return (doc.RootElement.GetProperty("problem").GetRawText(), doc.RootElement.GetProperty("grid").GetRawText(),
            config.Particles.Step.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string HashOf(string command, IReadOnlyList<SweepTask> tasks, bool commandAxis)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(command + "\n"));
        foreach (var task in tasks)
        {
            if (commandAxis) sha.AppendData(Encoding.UTF8.GetBytes(task.Command + "\n"));
            sha.AppendData(Encoding.UTF8.GetBytes(task.Configuration.ToJson()));
        }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
