using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// The output folder of a command: <c>config.json</c> (the effective configuration), <c>span.json</c> for a problem
/// reduced to the span of its inputs (<see cref="SpanDocument"/>) and <c>manifest.json</c>
/// (program, command, timings, status) written at the start with status <c>running</c>, and the status
/// <c>completed</c>, <c>interrupted</c> or <c>failed</c> at the end (the command line finishes a folder that an
/// exception left unfinished, so no manifest stays <c>running</c> after the process ended). A folder holds the
/// results of one command.
/// </summary>
public sealed class RunFolder
{
    private RunManifest _manifest;

    private RunFolder(string path, RunManifest manifest)
    {
        Path = path;
        _manifest = manifest;
    }

    /// <summary>The folder's path.</summary>
    public string Path { get; }

    /// <summary>The manifest as last written.</summary>
    public RunManifest Manifest => _manifest;

    /// <summary>The path of a file in the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates the folder (it must not hold another command's results) and writes config.json and the manifest.</summary>
    /// <param name="directory">The folder (created when absent).</param>
    /// <param name="config">The configuration (written as config.json).</param>
    /// <param name="command">The command name, recorded in the manifest.</param>
    /// <param name="warnings">Warnings about the results (e.g. mass of the initial law outside the box), kept in the manifest.</param>
    /// <param name="resolved">Settings as resolved by the run (e.g. <c>time.stepper</c> when it says <c>auto</c>), kept in the manifest.</param>
    public static RunFolder Create(string directory, RunConfiguration config, string command, IReadOnlyList<string>? warnings = null,
        IReadOnlyDictionary<string, string>? resolved = null)
    {
        string dir = AtomicFile.EnsureWritableDirectory(directory);
        if (System.IO.File.Exists(System.IO.Path.Combine(dir, "manifest.json")))
            throw new InputException("--out", dir, "the folder already holds a run or the results of another command; continue a run with 'fpntk resume' or choose another folder");
        AtomicFile.WriteText(System.IO.Path.Combine(dir, "config.json"), config.ToJson());
        // The basis of the span of the inputs, beside the configuration, for every command on a reduced problem.
        if (config.Problem.ToReducedProblem() is { IsIdentity: false } reduction) SpanDocument.Write(dir, reduction);
        var manifest = new RunManifest
        {
            Command = command, Start = DateTimeOffset.UtcNow, Threads = Parallelism.Threads, Status = RunManifest.Running,
            Warnings = warnings ?? [], Resolved = resolved ?? new Dictionary<string, string>(),
        };
        manifest.Write(dir);
        return new RunFolder(dir, manifest);
    }

    /// <summary>Reopens the folder of an unfinished run: its manifest says running again, one resume more.</summary>
    public static RunFolder Reopen(string directory)
    {
        string dir = System.IO.Path.GetFullPath(directory);
        if (!Directory.Exists(dir)) throw new InputException("DIR", dir, "the run folder does not exist");
        var manifest = RunManifest.Read(dir);
        if (manifest.Status == RunManifest.Completed)
            throw new InputException("DIR", dir, "the run is already complete; nothing to resume");
        AtomicFile.EnsureWritableDirectory(dir, "DIR");
        var resumed = manifest with
        {
            Start = DateTimeOffset.UtcNow, End = null, WallSeconds = 0, Threads = Parallelism.Threads, Status = RunManifest.Running,
            Message = null, Resumes = manifest.Resumes + 1,
        };
        return new RunFolder(dir, resumed);
    }

    /// <summary>Writes the manifest (with status running).</summary>
    internal void WriteManifest() => _manifest.Write(Path);

    /// <summary>Marks the run completed in the manifest.</summary>
    public void Complete() => Finish(RunManifest.Completed, null);

    /// <summary>Marks the run interrupted (resumable) with <paramref name="message"/>.</summary>
    public void MarkInterrupted(string message) => Finish(RunManifest.Interrupted, message);

    /// <summary>Marks the run failed with <paramref name="message"/>.</summary>
    public void MarkFailed(string message) => Finish(RunManifest.Failed, message);

    /// <summary>True once <see cref="Finish"/> has written the final status.</summary>
    public bool Finished { get; private set; }

    /// <summary>Writes the final status, end time and wall seconds.</summary>
    public void Finish(string status, string? message)
    {
        var end = DateTimeOffset.UtcNow;
        _manifest = _manifest with { End = end, WallSeconds = (end - _manifest.Start).TotalSeconds, Status = status, Message = message };
        _manifest.Write(Path);
        Finished = true;
    }
}
