using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Cli;

/// <summary>
/// The output folder of a one-shot command (stationary, ntk, reference): config.json and a manifest with status
/// running at the start, completed or failed at the end; a command that ends by an exception has its folder
/// marked failed (or interrupted) by <see cref="FpntkCommandLine.Execute"/>, so that no manifest stays
/// <c>running</c> after the process has ended. (Resumable runs use <see cref="Runs.RunSession"/>.)
/// </summary>
internal sealed class OutputFolder
{
    private RunManifest _manifest;

    private OutputFolder(string path, RunManifest manifest)
    {
        Path = path;
        _manifest = manifest;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public static OutputFolder Create(CommandContext context, RunConfiguration config)
    {
        string dir = AtomicFile.EnsureWritableDirectory(context.OutputDirectory());
        if (System.IO.File.Exists(System.IO.Path.Combine(dir, "manifest.json")))
            throw new InputException("--out", dir, "the folder already holds the results of another command; choose another folder");
        AtomicFile.WriteText(System.IO.Path.Combine(dir, "config.json"), config.ToJson());
        var manifest = new RunManifest
        {
            Command = context.CommandName, Start = DateTimeOffset.UtcNow, Threads = Parallelism.Threads, Status = RunManifest.Running,
        };
        manifest.Write(dir);
        var folder = new OutputFolder(dir, manifest);
        context.Folder = folder;
        return folder;
    }

    /// <summary>True once <see cref="Finish"/> has written the final status.</summary>
    public bool Finished { get; private set; }

    public void Finish(string status, string? message = null)
    {
        var end = DateTimeOffset.UtcNow;
        _manifest = _manifest with { End = end, WallSeconds = (end - _manifest.Start).TotalSeconds, Status = status, Message = message };
        _manifest.Write(Path);
        Finished = true;
    }
}
