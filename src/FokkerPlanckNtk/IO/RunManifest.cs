using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace FokkerPlanckNtk.IO;

/// <summary>
/// <c>manifest.json</c>: what ran, with which program version, when, for how long, on how many threads, and
/// how it ended (<c>running</c>, <c>completed</c>, <c>interrupted</c>, <c>failed</c>). A run killed with
/// SIGKILL keeps the status <c>running</c>; its results files were never renamed into place.
/// </summary>
public sealed record RunManifest
{
    public const string Running = "running", Completed = "completed", Interrupted = "interrupted", Failed = "failed";

    public string Program { get; init; } = "fpntk";
    public string Version { get; init; } = ProgramVersion;
    public required string Command { get; init; }
    public DateTimeOffset Start { get; init; }
    public DateTimeOffset? End { get; init; }
    public double WallSeconds { get; init; }
    public int Threads { get; init; }
    public required string Status { get; init; }
    /// <summary>The error or interruption message, if any.</summary>
    public string? Message { get; init; }
    /// <summary>How many times the run was resumed from a checkpoint.</summary>
    public int Resumes { get; init; }

    /// <summary>The informational version of the library assembly (from Directory.Build.props).</summary>
    public static string ProgramVersion { get; } =
        typeof(RunManifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(RunManifest).Assembly.GetName().Version?.ToString() ?? "0";

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
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public void Write(string directory) => AtomicFile.WriteText(Path.Combine(directory, "manifest.json"), ToJson());

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
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new InputException("DIR", path, $"manifest.json is not readable ({e.Message})");
        }
    }
}
