namespace FokkerPlanckNtk.Studies;

/// <summary>
/// A validation study (`fpntk study NAME`): runs a family of problems, writes its tables (CSV and
/// Markdown) into the output folder and returns the series the front end plots.
/// </summary>
public interface IStudy
{
    /// <summary>The name used on the command line, e.g. <c>grid-convergence</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c>.</summary>
    string Description { get; }

    /// <summary>Runs the study, writes its files into <see cref="StudyOptions.OutputDirectory"/> and returns its table and plot series.</summary>
    StudyResult Run(StudyOptions options);
}

/// <summary>
/// A study that also runs as a sweep: <c>fpntk study NAME --sweep DIR</c> writes its runs as the tasks of a sweep folder,
/// <c>fpntk sweep run DIR</c> (a worker pool) or <c>fpntk sweep slurm DIR</c> (Slurm job arrays) runs them, and
/// <c>fpntk study NAME --from DIR</c> computes the study's tables from the tasks' files, with the same numbers as
/// <see cref="IStudy.Run"/> (wall times aside).
/// </summary>
public interface ISweepStudy : IStudy
{
    /// <summary>Writes the study's runs (full or <paramref name="quick"/> settings) as a sweep in <paramref name="directory"/>.</summary>
    Sweeps.SweepFolder CreateSweep(string directory, bool quick);

    /// <summary>The study's tables and series from the complete sweep in <paramref name="sweepDirectory"/>, written as <see cref="IStudy.Run"/> writes them.</summary>
    StudyResult FromSweep(string sweepDirectory, StudyOptions options);
}

/// <param name="OutputDirectory">Folder for the study's files (exists).</param>
/// <param name="Quick">A reduced version for smoke tests and CI (coarser, fewer repetitions).</param>
/// <param name="Log">Progress and summary lines.</param>
public sealed record StudyOptions(string OutputDirectory, bool Quick, Action<string> Log);

/// <param name="Markdown">The result table(s) with the observed orders/slopes, as committed under validation/.</param>
/// <param name="Series">Curves for log-log convergence plots.</param>
public sealed record StudyResult(string Markdown, IReadOnlyList<PlotSeries> Series);

/// <summary>One curve of a study plot; plots with the same <paramref name="Plot"/> name share axes.</summary>
/// <param name="LogY">With LogLog false: a logarithmic y axis over a linear x axis (exponential decay).</param>
/// <param name="Plot">The plot's name (file name and shared axes).</param>
/// <param name="Label">The curve's legend entry.</param>
/// <param name="XLabel">The x axis title.</param>
/// <param name="YLabel">The y axis title.</param>
/// <param name="X">The x values.</param>
/// <param name="Y">The y values.</param>
/// <param name="LogLog">Both axes logarithmic (a convergence plot).</param>
public sealed record PlotSeries(string Plot, string Label, string XLabel, string YLabel, double[] X, double[] Y, bool LogLog = true, bool LogY = false);
