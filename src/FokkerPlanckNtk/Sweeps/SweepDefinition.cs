using System.Text.Json;
using FokkerPlanckNtk.Configuration;

namespace FokkerPlanckNtk.Sweeps;

/// <summary>How an axis combines with the others: every combination (product) or side by side (zip).</summary>
public enum AxisKind
{
    /// <summary>Every value with every value of the other product axes.</summary>
    Product,

    /// <summary>The i-th value with the i-th value of the other zip axes (all of the same length).</summary>
    Zip,
}

/// <summary>
/// One axis of a sweep: a configuration key in the dotted form of the messages (<c>problem.alpha</c>,
/// <c>grid.cells[1]</c>) and its values, each kept as its JSON text (a number, string, boolean, list or object).
/// </summary>
public sealed record SweepAxis(string Key, AxisKind Kind, IReadOnlyList<string> Values)
{
    /// <summary>The axis that sets each task's command instead of a configuration key.</summary>
    public const string CommandKey = "command";

    /// <summary>Whether the axis is the task command (<see cref="CommandKey"/>), not a configuration key.</summary>
    public bool IsCommand => Key == CommandKey;

    /// <summary>The key in the flat form of the configuration tree (<c>grid:cells:1</c>).</summary>
    public string TreeKey => ToTreeKey(Key);

    /// <summary><c>grid.cells[1]</c> → <c>grid:cells:1</c>.</summary>
    internal static string ToTreeKey(string dotted) => dotted.Replace("]", "").Replace('[', ':').Replace('.', ':');

    /// <summary>A value as text for tables and messages: a string without its quotes, anything else as its JSON.</summary>
    public static string Text(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.String ? doc.RootElement.GetString()! : json;
    }
}

/// <summary>
/// A sweep file as given (<c>fpntk sweep create SWEEP.json</c>), checked for its own structure: the command
/// (<c>run</c>, <c>solve</c> or <c>simulate</c>), the base configuration (inline, or the path of a configuration
/// file relative to the sweep file), the axes (<c>product</c>, <c>zip</c>) and the optional <c>slurm</c> settings.
/// An axis named <c>command</c> gives each task its own command (a study that solves the PDE once and simulates the
/// particles many times is one sweep); the top-level <c>command</c> is then left out.
/// The configurations of the tasks are checked when the sweep is expanded (<see cref="Sweep.Expand"/>).
/// </summary>
public sealed record SweepDefinition
{
    /// <summary>The commands a sweep can run: the resumable runs.</summary>
    public static IReadOnlyList<string> Commands { get; } = ["run", "solve", "simulate"];

    /// <summary>The top-level keys of a sweep file.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["command", "base", "product", "zip", "slurm"];

    /// <summary>The command of the tasks; with a <c>command</c> axis, its values joined by <c>+</c> (<c>solve+simulate</c>).</summary>
    public required string Command { get; init; }

    /// <summary>The flat keys of the base configuration (empty: the built-in default problem).</summary>
    public required IReadOnlyList<KeyValuePair<string, string?>> Base { get; init; }

    /// <summary>The folder relative paths of the base configuration are resolved against (its file's, or the sweep file's).</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>The product axes in file order, then the zip axes in file order.</summary>
    public required IReadOnlyList<SweepAxis> Axes { get; init; }

    /// <summary>The <c>slurm</c> section (defaults for <c>fpntk sweep slurm</c>).</summary>
    public SlurmSettings Slurm { get; init; } = new();

    /// <summary>The sweep file's text as given (kept in the sweep's manifest).</summary>
    public string Text { get; init; } = "{}";

    /// <summary>Reads and checks a sweep file.</summary>
    /// <exception cref="InputException">A missing or unreadable file, bad JSON, or a badly formed sweep.</exception>
    public static SweepDefinition Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new InputException("SWEEP", full, "is a folder, not a sweep file");
        if (!File.Exists(full)) throw new InputException("SWEEP", full, "the sweep file does not exist");
        string text;
        try { text = File.ReadAllText(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException("SWEEP", full, $"cannot be read ({e.Message})");
        }
        return Parse(text, full, Path.GetDirectoryName(full));
    }

    /// <summary>Reads and checks a sweep given as JSON text; <paramref name="directory"/> resolves a base given as a path.</summary>
    public static SweepDefinition Parse(string json, string source = "sweep", string? directory = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InputException("SWEEP", source, $"is not valid JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InputException("SWEEP", source, "a sweep file is a JSON object");
            foreach (var p in root.EnumerateObject())
                if (!Keys.Contains(p.Name))
                    throw new InputException(p.Name, p.Value.GetRawText(), $"unknown key of a sweep file; known keys: {string.Join(", ", Keys)}");
            var (baseValues, baseDirectory) = ReadBase(root, directory);
            var axes = new List<SweepAxis>();
            axes.AddRange(ReadAxes(root, "product", AxisKind.Product));
            axes.AddRange(ReadAxes(root, "zip", AxisKind.Zip));
            var commandAxis = axes.FirstOrDefault(a => a.IsCommand);
            string command = root.TryGetProperty("command", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
            if (commandAxis is not null)
            {
                if (root.TryGetProperty("command", out c))
                    throw new InputException("command", c.GetRawText(), "the sweep has a command axis, which sets each task's command; leave out the top-level command");
                command = string.Join("+", commandAxis.Values.Select(SweepAxis.Text).Distinct());
            }
            else if (!Commands.Contains(command))
                throw new InputException("command", root.TryGetProperty("command", out c) ? c.GetRawText() : null,
                    $"the command of the sweep's tasks must be one of {string.Join(", ", Commands)}");
            var duplicate = axes.GroupBy(a => a.TreeKey, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new InputException(duplicate.First().Key, null, "the key is on two axes of the sweep; give each key one axis");
            var nested = axes.SelectMany(a => axes.Where(b => b != a && b.TreeKey.StartsWith(a.TreeKey + ":", StringComparison.OrdinalIgnoreCase))
                .Select(b => (Outer: a, Inner: b))).FirstOrDefault();
            if (nested.Outer is not null)
                throw new InputException(nested.Inner.Key, null, $"is inside {nested.Outer.Key}, which is an axis too; sweep one or the other");
            var zip = axes.Where(a => a.Kind == AxisKind.Zip).ToList();
            foreach (var a in zip.Skip(1))
                if (a.Values.Count != zip[0].Values.Count)
                    throw new InputException($"zip[\"{a.Key}\"]", $"{a.Values.Count} values",
                        $"zip axes must have the same length: zip[\"{zip[0].Key}\"] has {zip[0].Values.Count}");
            var slurm = root.TryGetProperty("slurm", out var s) ? SlurmSettings.Read(s, "slurm") : new SlurmSettings();
            return new SweepDefinition
            {
                Command = command, Base = baseValues, BaseDirectory = baseDirectory, Axes = axes, Slurm = slurm, Text = json,
            };
        }
    }

    private static (IReadOnlyList<KeyValuePair<string, string?>> Values, string? Directory) ReadBase(JsonElement root, string? directory)
    {
        if (!root.TryGetProperty("base", out var b)) return ([], directory);
        switch (b.ValueKind)
        {
            case JsonValueKind.Object:
                return (JsonFlattener.Flatten(b.GetRawText(), "base"), directory);
            case JsonValueKind.String when b.GetString()!.Trim().Length > 0:
                string path = Path.GetFullPath(Path.Combine(directory ?? Directory.GetCurrentDirectory(), b.GetString()!));
                if (!File.Exists(path)) throw new InputException("base", path, "the base configuration file does not exist");
                string text;
                try { text = File.ReadAllText(path); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new InputException("base", path, $"cannot be read ({e.Message})");
                }
                return (JsonFlattener.Flatten(text, path), Path.GetDirectoryName(path));
            default:
                throw new InputException("base", b.GetRawText(), "must be a configuration (a JSON object) or the path of a configuration file");
        }
    }

    private static IEnumerable<SweepAxis> ReadAxes(JsonElement root, string section, AxisKind kind)
    {
        if (!root.TryGetProperty(section, out var axes)) yield break;
        if (axes.ValueKind != JsonValueKind.Object)
            throw new InputException(section, axes.GetRawText(), "must be an object of axes: {\"problem.alpha\": [1, 2, 4], …}");
        foreach (var axis in axes.EnumerateObject())
        {
            string where = $"{section}[\"{axis.Name}\"]";
            string key = axis.Name.Trim();
            if (key.Contains(':')) key = ConfigurationTree.Display(key); // the command-line form is accepted too
            if (key.Length == 0 || key.Split('.').Any(part => part.Length == 0))
                throw new InputException(where, axis.Value.GetRawText(), "an axis is named by a configuration key such as problem.alpha");
            if (axis.Value.ValueKind != JsonValueKind.Array)
                throw new InputException(where, axis.Value.GetRawText(), "an axis is a list of values, e.g. [1, 2, 4]");
            var values = axis.Value.EnumerateArray().Select(v => v.GetRawText()).ToList();
            if (values.Count == 0) throw new InputException(where, "[]", "a sweep axis needs at least one value");
            if (key == SweepAxis.CommandKey)
                foreach (var v in axis.Value.EnumerateArray())
                    if (v.ValueKind != JsonValueKind.String || !Commands.Contains(v.GetString()!))
                        throw new InputException(where, v.GetRawText(), $"the command of a task must be one of {string.Join(", ", Commands)}");
            var repeated = values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
            if (kind == AxisKind.Product && repeated is not null)
                throw new InputException(where, repeated.Key, "the value appears twice on the axis; two tasks would be the same run");
            yield return new SweepAxis(key, kind, values);
        }
    }

    /// <summary>The number of tasks: the product of the product axes' lengths times the zip length.</summary>
    public long TaskCount =>
        Axes.Where(a => a.Kind == AxisKind.Product).Aggregate(1L, (n, a) => checked(n * a.Values.Count))
        * (Axes.FirstOrDefault(a => a.Kind == AxisKind.Zip)?.Values.Count ?? 1);

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
