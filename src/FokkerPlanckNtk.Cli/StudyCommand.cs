using System.CommandLine;
using System.Reflection;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Plotting;
using FokkerPlanckNtk.Studies;
using Microsoft.Extensions.Logging;

namespace FokkerPlanckNtk.Cli;

/// <summary>
/// <c>fpntk study NAME</c>: runs one of the validation studies (every <see cref="IStudy"/> of the library,
/// found by reflection) and writes its Markdown table, its log-log plots and a report.
/// </summary>
internal static class StudyCommand
{
    /// <summary>Every study of the library, by name.</summary>
    public static IReadOnlyList<IStudy> Discover() =>
        typeof(IStudy).Assembly.GetTypes()
            .Where(t => typeof(IStudy).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IStudy)Activator.CreateInstance(t)!)
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();

    public static Command Create(TextWriter output, TextWriter error, bool interactive)
    {
        var studies = Discover();
        var name = new Argument<string?>("NAME")
        {
            Description = "the study to run; without a name, the list of studies",
            Arity = ArgumentArity.ZeroOrOne,
        };
        name.AcceptOnlyFromAmong(studies.Select(s => s.Name).ToArray());
        var quick = new Option<bool>("--quick") { Description = "a reduced version (coarser grids, fewer repetitions) for smoke tests" };
        string sweepable = string.Join(", ", studies.OfType<ISweepStudy>().Select(s => s.Name));
        var sweep = new Option<string?>("--sweep")
        {
            Description = $"write the study's runs as the tasks of a sweep folder instead of running them (then fpntk sweep run DIR or fpntk sweep slurm DIR, then --from DIR); studies: {sweepable}",
            HelpName = "DIR",
        };
        var from = new Option<string?>("--from")
        {
            Description = "compute the study's tables from the finished sweep folder made by --sweep (the same numbers as a run in one process)",
            HelpName = "DIR",
        };
        string list = studies.Count == 0 ? "none yet" : string.Join("; ", studies.Select(s => $"{s.Name}: {s.Description}"));
        var command = FpntkCommandLine.Declare("study", $"Runs a validation study and writes its tables (Markdown, CSV), log-log plots and a report. Studies: {list}.",
            name, quick, sweep, from, FpntkCommandLine.OutOption, FpntkCommandLine.ThreadsOption);
        command.SetAction(parse => FpntkCommandLine.Execute(parse, "study", output, error, interactive, context =>
        {
            string? chosen = parse.GetValue(name);
            if (chosen is null)
            {
                foreach (var s in studies) context.Output.WriteLine($"{s.Name,-20} {s.Description}");
                return FpntkCommandLine.Success;
            }
            var study = studies.Single(s => s.Name == chosen);
            string? sweepDir = parse.GetValue(sweep), fromDir = parse.GetValue(from);
            if (sweepDir is null && fromDir is null) return Run(context, study, parse.GetValue(quick), null);
            if (study is not ISweepStudy sweepStudy)
                throw new InputException(sweepDir is null ? "--from" : "--sweep", chosen, $"this study does not run as a sweep; studies that do: {sweepable}");
            if (sweepDir is not null && fromDir is not null)
                throw new InputException("--from", fromDir, "give --sweep DIR (write the tasks) or --from DIR (read them), not both");
            if (fromDir is not null && parse.GetValue(quick))
                throw new InputException("--quick", "true", "applies to --sweep; --from uses the settings the sweep was made with");
            return sweepDir is not null ? CreateSweep(context, sweepStudy, sweepDir, parse.GetValue(quick)) : Run(context, study, false, Path.GetFullPath(fromDir!));
        }));
        return command;
    }

    private static int CreateSweep(CommandContext context, ISweepStudy study, string directory, bool quick)
    {
        if (directory.Trim().Length == 0) throw new InputException("--sweep", "''", "must name a folder");
        var folder = study.CreateSweep(Path.GetFullPath(directory), quick);
        context.Logger.LogInformation("study {Name}{Quick} as a sweep: {Count} tasks in {Directory}; run them with fpntk sweep run {Directory} "
            + "(or fpntk sweep slurm {Directory}), then: fpntk study {Name} --from {Directory}", study.Name, quick ? " (quick)" : "", folder.TaskCount,
            folder.Path, folder.Path, folder.Path, study.Name, folder.Path);
        context.Output.WriteLine($"sweep: {folder.Path}");
        return FpntkCommandLine.Success;
    }

    /// <summary>Runs the study in this process, or (<paramref name="sweep"/>) computes it from a finished sweep; writes its files and report.</summary>
    private static int Run(CommandContext context, IStudy study, bool quick, string? sweep)
    {
        string directory = AtomicFile.EnsureWritableDirectory(context.OutputDirectory());
        context.Logger.LogInformation("study {Name}{Quick}{From}: output in {Directory}", study.Name, quick ? " (quick)" : "", sweep is null ? "" : $" from the sweep {sweep}", directory);
        var options = new StudyOptions(directory, quick, line => context.Logger.LogInformation("{Line}", line));
        var result = sweep is null ? study.Run(options) : ((ISweepStudy)study).FromSweep(sweep, options);
        AtomicFile.WriteText(Path.Combine(directory, $"{study.Name}.md"), result.Markdown);
        var report = new HtmlReport($"fpntk study {study.Name}{(quick ? " (quick)" : "")}");
        report.Paragraph(study.Description);
        report.Markdown(result.Markdown);
        foreach (var group in result.Series.GroupBy(s => s.Plot))
        {
            var first = group.First();
            var curves = group.Select(s => new Curve(s.Label, s.X, s.Y)).ToList();
            var model = first.LogLog
                ? Charts.LogLog(group.Key, first.XLabel, first.YLabel, curves)
                : Charts.Lines(group.Key, first.XLabel, first.YLabel, curves, logY: first.LogY);
            var png = PlotFiles.Save(model, Path.Combine(directory, "plots"), FileName(group.Key));
            report.Figure(png, group.Key);
        }
        string path = Path.Combine(directory, "report.html");
        AtomicFile.WriteText(path, report.ToString());
        context.Output.WriteLine($"report: {path}");
        return FpntkCommandLine.Success;
    }

    internal static string FileName(string title)
    {
        var chars = title.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        return string.Join("-", new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
    }
}
