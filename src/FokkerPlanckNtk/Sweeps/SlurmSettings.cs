using System.Text.Json;
using System.Text.RegularExpressions;

namespace FokkerPlanckNtk.Sweeps;

/// <summary>
/// What an sbatch array job asks for, per task: the <c>slurm</c> section of a sweep file, overridden by the
/// options of <c>fpntk sweep slurm</c>. A setting left out is estimated from the tasks' configurations
/// (<see cref="SlurmArray"/>) or left to the cluster's default (partition, account).
/// </summary>
public sealed partial record SlurmSettings
{
    /// <summary>Wall-time limit per task in one of Slurm's forms (<c>MM</c>, <c>HH:MM:SS</c>, <c>D-HH:MM</c>, …).</summary>
    public string? Time { get; init; }

    /// <summary>Memory per task with a unit (<c>500M</c>, <c>4G</c>), as <c>--mem</c> takes it.</summary>
    public string? Memory { get; init; }

    /// <summary>Cores per task (<c>--cpus-per-task</c>; the task's fpntk uses that many threads).</summary>
    public int? CpusPerTask { get; init; }

    /// <summary>At most this many tasks of the array run at once (<c>%N</c>).</summary>
    public int? Throttle { get; init; }

    /// <summary>The partition (<c>--partition</c>); null: the cluster's default.</summary>
    public string? Partition { get; init; }

    /// <summary>The account charged (<c>--account</c>); null: the user's default.</summary>
    public string? Account { get; init; }

    /// <summary>The cluster's MaxArraySize (array indices must be below it); default: <c>scontrol show config</c>, else 1001.</summary>
    public int? MaxArraySize { get; init; }

    /// <summary>More <c>#SBATCH</c> options, one per entry (<c>--qos=short</c>).</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>The command that starts fpntk on the compute nodes (default: the program that writes the script).</summary>
    public string? Fpntk { get; init; }

    /// <summary>The keys of the <c>slurm</c> section.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["time", "memory", "cpusPerTask", "throttle", "partition", "account", "maxArraySize", "options", "fpntk"];

    /// <summary>These settings with every setting of <paramref name="other"/> that is given in place.</summary>
    public SlurmSettings With(SlurmSettings other) => new()
    {
        Time = other.Time ?? Time, Memory = other.Memory ?? Memory, CpusPerTask = other.CpusPerTask ?? CpusPerTask,
        Throttle = other.Throttle ?? Throttle, Partition = other.Partition ?? Partition, Account = other.Account ?? Account,
        MaxArraySize = other.MaxArraySize ?? MaxArraySize, Options = [.. Options, .. other.Options], Fpntk = other.Fpntk ?? Fpntk,
    };

    /// <summary>Reads the <c>slurm</c> section of a sweep file; <paramref name="section"/> names it in messages.</summary>
    public static SlurmSettings Read(JsonElement element, string section)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InputException(section, element.GetRawText(), "must be an object, e.g. {\"time\": \"1:00:00\", \"memory\": \"2G\"}");
        var settings = new SlurmSettings();
        foreach (var p in element.EnumerateObject())
        {
            string key = $"{section}.{p.Name}";
            string text = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            settings = p.Name switch
            {
                "time" => settings with { Time = CheckTime(key, p.Value.ValueKind == JsonValueKind.Number ? text : StringOf(key, p.Value)) },
                "memory" => settings with { Memory = CheckMemory(key, p.Value.ValueKind == JsonValueKind.Number ? text + "M" : StringOf(key, p.Value)) },
                "cpusPerTask" => settings with { CpusPerTask = PositiveInt(key, text) },
                "throttle" => settings with { Throttle = PositiveInt(key, text) },
                "maxArraySize" => settings with { MaxArraySize = PositiveInt(key, text) },
                "partition" => settings with { Partition = CheckWord(key, StringOf(key, p.Value)) },
                "account" => settings with { Account = CheckWord(key, StringOf(key, p.Value)) },
                "fpntk" => settings with { Fpntk = StringOf(key, p.Value) },
                "options" when p.Value.ValueKind == JsonValueKind.Array =>
                    settings with { Options = p.Value.EnumerateArray().Select(o => CheckOption(key, StringOf(key, o))).ToList() },
                "options" => throw new InputException(key, text, "must be a list of sbatch options, e.g. [\"--qos=short\"]"),
                _ => throw new InputException(key, text, $"unknown Slurm setting; known: {string.Join(", ", Keys)}"),
            };
        }
        return settings;
    }

    private static string StringOf(string key, JsonElement value) =>
        value.ValueKind == JsonValueKind.String && value.GetString()!.Trim().Length > 0
            ? value.GetString()!.Trim()
            : throw new InputException(key, value.GetRawText(), "must be a non-empty string");

    /// <summary>A whole number ≥ 1.</summary>
    public static int PositiveInt(string key, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n : throw new InputException(key, text, "must be a whole number ≥ 1");

    /// <summary>One of Slurm's time forms: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.</summary>
    public static string CheckTime(string key, string text) =>
        TimePattern().IsMatch(text) ? text
            : throw new InputException(key, text, "must be a Slurm time limit: minutes, HH:MM:SS or D-HH:MM:SS (e.g. 90, 1:30:00, 2-00:00:00)");

    /// <summary>A size with a unit K, M, G or T (<c>--mem</c>).</summary>
    public static string CheckMemory(string key, string text) =>
        MemoryPattern().IsMatch(text) ? text.ToUpperInvariant()
            : throw new InputException(key, text, "must be a memory size with a unit, e.g. 500M or 4G");

    private static string CheckWord(string key, string text) =>
        WordPattern().IsMatch(text) ? text : throw new InputException(key, text, "must be a Slurm name (letters, digits, '-', '_', '.', ',')");

    private static string CheckOption(string key, string text) =>
        text.StartsWith('-') && !text.Contains('\n') ? text : throw new InputException(key, text, "each entry is one sbatch option such as --qos=short");

    /// <summary>Seconds of a Slurm time limit.</summary>
    public static double Seconds(string time)
    {
        var m = TimePattern().Match(time);
        if (!m.Success) throw new ArgumentException($"not a Slurm time: {time}", nameof(time));
        double days = m.Groups["d"].Success ? double.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture) : 0;
        var parts = m.Groups["hms"].Value.Split(':').Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        double seconds = m.Groups["d"].Success
            ? parts.Length switch { 1 => parts[0] * 3600, 2 => parts[0] * 3600 + parts[1] * 60, _ => parts[0] * 3600 + parts[1] * 60 + parts[2] }
            : parts.Length switch { 1 => parts[0] * 60, 2 => parts[0] * 60 + parts[1], _ => parts[0] * 3600 + parts[1] * 60 + parts[2] };
        return days * 86400 + seconds;
    }

    /// <summary>Seconds as Slurm's <c>D-HH:MM:SS</c> (or <c>HH:MM:SS</c> under a day), rounded up to a minute.</summary>
    public static string Format(double seconds)
    {
        long minutes = Math.Max(1, (long)Math.Ceiling(seconds / 60));
        long days = minutes / 1440, hours = minutes % 1440 / 60, mins = minutes % 60;
        return days > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{days}-{hours:D2}:{mins:D2}:00")
            : string.Create(CultureInfo.InvariantCulture, $"{hours:D2}:{mins:D2}:00");
    }

    [GeneratedRegex(@"^(?:(?<d>\d+)-(?<hms>\d+(?::\d+){0,2})|(?<hms>\d+(?::\d+){0,2}))$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^\d+[KkMmGgTt]$")]
    private static partial Regex MemoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.,-]+$")]
    private static partial Regex WordPattern();
}
