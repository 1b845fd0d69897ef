using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Plotting;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Cli;

/// <summary>
/// The one place where fpntk takes a run folder to completion: <c>fpntk run</c>, <c>solve</c>, <c>simulate</c>,
/// <c>resume</c> and every task of a sweep (<see cref="Sweeps.TaskRun"/>) go through <see cref="Finish"/>.
/// </summary>
internal static class RunFolders
{
    /// <summary>
    /// A sweep task: starts the run in <paramref name="directory"/> from its config.json (written when the sweep was
    /// created), or resumes it from its checkpoint when it was started before; then <see cref="Finish"/>.
    /// </summary>
    public static void StartOrResume(string directory, string command, IRunObserver observer, CancellationToken cancellation)
    {
        var kind = RunKinds.FromCommand(command) ?? throw new InputException("command", command, "must be run, solve or simulate");
        var session = File.Exists(Path.Combine(directory, "manifest.json"))
            ? RunSession.Resume(directory, observer)
            : RunSession.Start(RunConfiguration.Load(Path.Combine(directory, "config.json")), kind, directory, observer);
        Finish(session, cancellation, observer);
    }

    /// <summary>
    /// Executes the session, writes its report and marks it complete; returns the report's path. Interrupted (a
    /// checkpoint was written) or failed, it marks the manifest so and rethrows.
    /// </summary>
    public static string Finish(RunSession session, CancellationToken cancellation, IRunObserver observer, Action? beforeReport = null)
    {
        try
        {
            var results = session.Execute(cancellation);
            beforeReport?.Invoke();
            var folder = session.Folder ?? throw new InvalidOperationException("a run folder is finished only in a folder");
            string report = RunReport.Write(results, folder.Path, session.Configuration.Output.Plots, folder.Manifest.Warnings);
            session.Complete();
            return report;
        }
        catch (OperationCanceledException)
        {
            session.MarkInterrupted($"interrupted; continue with: fpntk resume {session.Directory}");
            throw;
        }
        catch (Exception e)
        {
            // Best effort: on a full disk the unfinished file is gone by now, so the small manifest usually fits.
            try { session.MarkFailed(e.Message); }
            catch (InputException inner) { observer.Warning($"the manifest could not be marked failed: {inner.Message}"); }
            throw;
        }
    }
}
