using System.Reflection;
using System.Text.Json;

namespace FokkerPlanckNtk.IO;

/// <summary>
/// <c>manifest.json</c>: what ran, with which program version, when, for how long, on how many threads, and
/// how it ended (<c>running</c>, <c>completed</c>, <c>interrupted</c>, <c>failed</c>). A run killed with
/// SIGKILL keeps the status <c>running</c>; its results files were never renamed into place.
/// </summary>
public sealed record RunManifest
{
    /// <summary>Values of <see cref="Status"/>.</summary>
    public const string Running = "running", Completed = "completed", Interrupted = "interrupted", Failed = "failed";

    /// <summary>Always <c>fpntk</c>.</summary>
    public string Program { get; init; } = "fpntk";
    /// <summary>The program version (<see cref="ProgramVersion"/>).</summary>
    public string Version { get; init; } = ProgramVersion;
    /// <summary>The command that ran (<c>run</c>, <c>solve</c>, …).</summary>
    public required string Command { get; init; }
    /// <summary>When this session started (UTC).</summary>
    public DateTimeOffset Start { get; init; }
    /// <summary>When it ended; null while running.</summary>
    public DateTimeOffset? End { get; init; }
    /// <summary>Wall time of this session.</summary>
    public double WallSeconds { get; init; }
    /// <summary>Worker threads used.</summary>
    public int Threads { get; init; }
    /// <summary><see cref="Running"/>, <see cref="Completed"/>, <see cref="Interrupted"/> or <see cref="Failed"/>.</summary>
    public required string Status { get; init; }
    /// <summary>The error or interruption message, if any.</summary>
    public string? Message { get; init; }
    /// <summary>How many times the run was resumed from a checkpoint.</summary>
    public int Resumes { get; init; }
    /// <summary>Warnings about the results (e.g. mass of the initial law outside the box), also in the log and the report.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>
    /// Settings as the run resolved them, by configuration key (e.g. <c>time.stepper</c> = <c>ssprk3</c> when the
    /// configuration says <c>auto</c>); written only when not empty.
    /// </summary>
    public IReadOnlyDictionary<string, string> Resolved { get; init; } = new Dictionary<string, string>();

    /// <summary>The informational version of the library assembly (from Directory.Build.props).</summary>
    public static string ProgramVersion { get; } =
        typeof(RunManifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(RunManifest).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>The manifest as indented JSON.</summary>
    public bool Equals(RunManifest? other) =>
        other is not null && Program == other.Program && Version == other.Version && Command == other.Command && Start == other.Start
        && End == other.End && WallSeconds.Equals(other.WallSeconds) && Threads == other.Threads && Status == other.Status
        && Message == other.Message && Resumes == other.Resumes && Warnings.SequenceEqual(other.Warnings)
        && Resolved.OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(other.Resolved.OrderBy(kv => kv.Key, StringComparer.Ordinal));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Command, Start, Status, Resumes);

    /// <summary>The manifest as JSON (manifest.json).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = JsonText.Writer(buffer))
        {
            w.WriteStartObject();
            w.WriteString("program", Program);
            w.WriteString("version", Version);
            w.WriteString("command", Command);
            w.WriteString("start", Start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            if (End is { } end) w.WriteString("end", end.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            else w.WriteNull("end");
            w.WriteNumber("wallSeconds", WallSeconds);
            w.WriteNumber("threads", Threads);
            w.WriteString("status", Status);
            if (Message is null) w.WriteNull("message"); else w.WriteString("message", Message);
            w.WriteNumber("resumes", Resumes);
            w.WriteStartArray("warnings");
            foreach (var warning in Warnings) w.WriteStringValue(warning);
            w.WriteEndArray();
            if (Resolved.Count > 0)
            {
                w.WriteStartObject("resolved");
                foreach (var (key, value) in Resolved.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(key, value);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Writes <c>manifest.json</c> into the run folder <paramref name="directory"/>, atomically.</summary>
    public void Write(string directory) => AtomicFile.WriteText(Path.Combine(directory, "manifest.json"), ToJson());

    /// <summary>Reads <c>manifest.json</c> of the run folder <paramref name="directory"/>.</summary>
    /// <exception cref="InputException">The folder has no readable manifest.</exception>
    public static RunManifest Read(string directory)
    {
        string path = Path.Combine(directory, "manifest.json");
        if (!File.Exists(path)) throw new InputException("DIR", directory, "is not a run folder (no manifest.json)");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement;
            return new RunManifest
            {
                Program = r.GetProperty("program").GetString() ?? "fpntk",
                Version = r.GetProperty("version").GetString() ?? "",
                Command = r.GetProperty("command").GetString() ?? "",
                Start = DateTimeOffset.Parse(r.GetProperty("start").GetString()!, CultureInfo.InvariantCulture),
                End = r.GetProperty("end").ValueKind == JsonValueKind.Null ? null
                    : DateTimeOffset.Parse(r.GetProperty("end").GetString()!, CultureInfo.InvariantCulture),
                WallSeconds = r.GetProperty("wallSeconds").GetDouble(),
                Threads = r.GetProperty("threads").GetInt32(),
                Status = r.GetProperty("status").GetString() ?? "",
                Message = r.GetProperty("message").GetString(),
                Resumes = r.TryGetProperty("resumes", out var n) ? n.GetInt32() : 0,
                Warnings = r.TryGetProperty("warnings", out var ws) ? ws.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [],
                Resolved = r.TryGetProperty("resolved", out var rs)
                    ? rs.EnumerateObject().ToDictionary(x => x.Name, x => x.Value.GetString() ?? "") : new Dictionary<string, string>(),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new InputException("DIR", path, $"manifest.json is not readable ({e.Message})");
        }
    }
}
