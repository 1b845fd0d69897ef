using System.Text.Json;
using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Sweeps;

/// <summary>Where a task stands, read from its run folder.</summary>
public enum TaskState
{
    /// <summary>Not started: the folder holds its config.json only.</summary>
    Pending,

    /// <summary>Running now, or killed (a killed run cannot update its manifest).</summary>
    Running,

    /// <summary>Stopped by Ctrl+C/SIGTERM with a checkpoint.</summary>
    Interrupted,

    /// <summary>Stopped by an error; the message is in its manifest.</summary>
    Failed,

    /// <summary>Ran to its end time; its results are complete.</summary>
    Completed,
}

/// <summary>A task's state, the message of a failed or interrupted one, and the wall time of its last session.</summary>
public sealed record TaskStatus(TaskState State, string? Message, double? WallSeconds, int Resumes)
{
    /// <summary>The state as written in tables: <c>pending</c>, <c>running</c>, …</summary>
    public string Name => State.ToString().ToLowerInvariant();
}

/// <summary>
/// A sweep on disk: <c>sweep.json</c> (the sweep file, its hash, the axes and the task list with the swept values),
/// one ordinary run folder per task under <c>tasks/</c> (its config.json written when the sweep is created, so that
/// <c>fpntk run --config</c>, <c>fpntk resume</c> and every reader of run folders work on a task unchanged),
/// <c>logs/</c> (one log per task), <c>slurm/</c> (array scripts, job IDs) and <c>.locks/</c> (one lock per task, so
/// that a task never runs twice at once). A task's state lives in its own manifest.json only: array tasks on
/// different nodes never write a shared file. <see cref="Open"/> reads one, <see cref="Create"/> writes one.
/// </summary>
/// <param name="Path">The sweep folder (full path).</param>
/// <param name="Command">The command every task runs.</param>
/// <param name="Hash">The hash of the sweep file (<see cref="Sweep.Hash"/>): a folder is reused only for the same sweep.</param>
/// <param name="Axes">The swept keys with their values.</param>
/// <param name="TaskValues">The axis values of every task (JSON text, in the order of <see cref="Axes"/>).</param>
/// <param name="Slurm">The <c>slurm</c> section of the sweep file.</param>
public sealed record SweepFolder(string Path, string Command, string Hash, IReadOnlyList<SweepAxis> Axes,
    IReadOnlyList<IReadOnlyList<string>> TaskValues, SlurmSettings Slurm)
{
    /// <summary>The names inside a sweep folder: the sweep's manifest and the folders of tasks, logs, locks and Slurm scripts.</summary>
    public const string ManifestFile = "sweep.json", TasksFolder = "tasks", LogsFolder = "logs", LocksFolder = ".locks", SlurmFolder = "slurm";
    private const string Format = "fpntk-sweep";

    /// <summary>The number of tasks.</summary>
    public int TaskCount => TaskValues.Count;

    /// <summary>The run folder of task <paramref name="index"/>: <c>tasks/0007</c> under <see cref="Path"/>.</summary>
    public string TaskDirectory(int index) => System.IO.Path.Combine(Path, SweepTask.Folder(index));

    /// <summary>The log of task <paramref name="index"/>: <c>logs/0007.log</c> under <see cref="Path"/>.</summary>
    public string LogFile(int index) => System.IO.Path.Combine(Path, LogsFolder, SweepTask.Name(index) + ".log");

    /// <summary>The swept values of task <paramref name="index"/> as text (<see cref="SweepTask.Describe"/>).</summary>
    public string Describe(int index) => SweepTask.Describe(Axes, TaskValues[index]);

    /// <summary>The command task <paramref name="index"/> runs: its <c>command</c> axis value, else the sweep's <see cref="Command"/>.</summary>
    public string TaskCommand(int index) => SweepTask.CommandOf(Axes, TaskValues[index], Command);

    /// <summary>
    /// Writes the sweep into <paramref name="directory"/>: every task's config.json, then sweep.json (last, so that a
    /// folder without it holds no sweep yet). A folder that already holds the same sweep (same hash) is left as it is
    /// (missing task configurations are written again); one that holds a different sweep, or another command's
    /// results, is refused.
    /// </summary>
    /// <returns>The folder, and whether it held the sweep already.</returns>
    public static (SweepFolder Folder, bool Existed) Create(Sweep sweep, string directory)
    {
        string dir = AtomicFile.EnsureWritableDirectory(directory);
        string manifest = System.IO.Path.Combine(dir, ManifestFile);
        if (File.Exists(System.IO.Path.Combine(dir, "manifest.json")))
            throw new InputException("--out", dir, "the folder holds the results of another command; choose another folder for the sweep");
        bool existed = File.Exists(manifest);
        if (existed)
        {
            var held = Open(dir);
            if (held.Hash != sweep.Hash)
                throw new InputException("--out", dir, $"the folder already holds a different sweep ({held.TaskCount} tasks of '{held.Command}', "
                    + $"{held.Hash[..15]}…, not {sweep.Hash[..15]}…); choose another folder, or remove it to start over");
        }
        for (int i = 0; i < sweep.Tasks.Count; i++)
        {
            string taskDir = System.IO.Path.Combine(dir, SweepTask.Folder(i));
            string config = System.IO.Path.Combine(taskDir, "config.json");
            string json = sweep.Tasks[i].Configuration.ToJson();
            if (File.Exists(config) && File.ReadAllText(config) == json) continue;
            if (File.Exists(System.IO.Path.Combine(taskDir, "manifest.json")))
                throw new InputException("--out", taskDir, "holds a run with another configuration than this sweep's task; choose another folder");
            Directory.CreateDirectory(taskDir);
            AtomicFile.WriteText(config, json);
        }
        if (!existed) AtomicFile.WriteText(manifest, ManifestJson(sweep));
        return (Open(dir), existed);
    }

    private static string ManifestJson(Sweep sweep)
    {
        using var buffer = new MemoryStream();
        using (var w = JsonText.Writer(buffer))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("version", 1);
            w.WriteString("program", "fpntk " + RunManifest.ProgramVersion);
            w.WriteString("command", sweep.Command);
            w.WriteString("hash", sweep.Hash);
            w.WriteNumber("taskCount", sweep.Tasks.Count);
            w.WriteStartArray("axes");
            foreach (var axis in sweep.Axes)
            {
                w.WriteStartObject();
                w.WriteString("key", axis.Key);
                w.WriteString("kind", axis.Kind.ToString().ToLowerInvariant());
                w.WriteStartArray("values");
                foreach (var v in axis.Values) WriteValue(w, v);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("sweepFile", sweep.Definition.Text);
            w.WriteStartArray("tasks");
            foreach (var task in sweep.Tasks)
            {
                w.WriteStartObject();
                w.WriteNumber("task", task.Index);
                w.WriteString("folder", SweepTask.Folder(task.Index).Replace('\\', '/'));
                w.WriteStartObject("values");
                for (int a = 0; a < sweep.Axes.Count; a++)
                {
                    w.WritePropertyName(sweep.Axes[a].Key);
                    WriteValue(w, task.Values[a]);
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return JsonText.CompactNumberArrays(Encoding.UTF8.GetString(buffer.ToArray())) + "\n";
    }

    private static void WriteValue(Utf8JsonWriter w, string json)
    {
        using var doc = JsonDocument.Parse(json);
        doc.RootElement.WriteTo(w);
    }

    /// <summary>Opens the sweep in <paramref name="directory"/>.</summary>
    /// <exception cref="InputException">The folder holds no sweep, or its sweep.json is unreadable.</exception>
    public static SweepFolder Open(string directory)
    {
        string dir = System.IO.Path.GetFullPath(directory);
        string path = System.IO.Path.Combine(dir, ManifestFile);
        if (!Directory.Exists(dir)) throw new InputException("DIR", dir, "the sweep folder does not exist");
        if (!File.Exists(path)) throw new InputException("DIR", dir, "is not a sweep folder (no sweep.json; make one with fpntk sweep create SWEEP.json --out DIR)");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement;
            if (r.GetProperty("format").GetString() != Format) throw new InputException("DIR", path, "is not a sweep manifest");
            var axes = r.GetProperty("axes").EnumerateArray().Select(a => new SweepAxis(
                a.GetProperty("key").GetString()!,
                Enum.Parse<AxisKind>(a.GetProperty("kind").GetString()!, ignoreCase: true),
                a.GetProperty("values").EnumerateArray().Select(v => v.GetRawText()).ToList())).ToList();
            var values = r.GetProperty("tasks").EnumerateArray().Select(t =>
            {
                var v = t.GetProperty("values");
                return (IReadOnlyList<string>)axes.Select(a => v.GetProperty(a.Key).GetRawText()).ToList();
            }).ToList();
            var slurm = new SlurmSettings();
            using (var file = JsonDocument.Parse(r.GetProperty("sweepFile").GetString()!,
                       new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }))
                if (file.RootElement.TryGetProperty("slurm", out var s)) slurm = SlurmSettings.Read(s, "slurm");
            return new SweepFolder(dir, r.GetProperty("command").GetString()!, r.GetProperty("hash").GetString()!, axes, values, slurm);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException or IOException)
        {
            throw new InputException("DIR", path, $"sweep.json is not readable ({e.Message})");
        }
    }

    /// <summary>The state of a task, from its manifest (none: pending).</summary>
    public TaskStatus Status(int index)
    {
        string dir = TaskDirectory(index);
        if (!File.Exists(System.IO.Path.Combine(dir, "manifest.json"))) return new TaskStatus(TaskState.Pending, null, null, 0);
        var m = RunManifest.Read(dir);
        var state = m.Status switch
        {
            RunManifest.Completed => TaskState.Completed,
            RunManifest.Failed => TaskState.Failed,
            RunManifest.Interrupted => TaskState.Interrupted,
            _ => TaskState.Running,
        };
        return new TaskStatus(state, m.Message, m.End is null ? null : m.WallSeconds, m.Resumes);
    }

    /// <summary>
    /// Takes the task's lock (an exclusive advisory lock on <c>.locks/NNNN</c>, released when the process ends however it
    /// ends), or returns null when another process or worker holds it.
    /// </summary>
    public IDisposable? TryLock(int index)
    {
        string dir = System.IO.Path.Combine(Path, LocksFolder);
        Directory.CreateDirectory(dir);
        try
        {
            return new FileStream(System.IO.Path.Combine(dir, SweepTask.Name(index)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
