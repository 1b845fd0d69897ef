using System.CommandLine;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.Runs;
using Microsoft.Extensions.Logging;

namespace FokkerPlanckNtk.Cli;

/// <summary>The commands of the tool; each lists only the common options it uses.</summary>
internal static class Commands
{
    /// <summary>--config, --out, --threads: the options of a command that reads a configuration and writes a folder.</summary>
    private static readonly Option[] Configured = [FpntkCommandLine.ConfigOption, FpntkCommandLine.OutOption, FpntkCommandLine.ThreadsOption];

    public static IEnumerable<Command> All(TextWriter output, TextWriter error, bool interactive)
    {
        Command Make(string name, string description, Func<CommandContext, int> body, Option[]? options = null, params Argument[] arguments)
        {
            options ??= Configured;
            if (options.Contains(FpntkCommandLine.ConfigOption)) HelpLayout.ConfiguredCommands.Add(name);
            var command = FpntkCommandLine.Declare(name, description, [.. options, .. arguments]);
            command.SetAction(parse => FpntkCommandLine.Execute(parse, name, output, error, interactive, body));
            return command;
        }

        yield return Make("run",
            "The main job: the PDE and the particles on one problem, all metrics, plots and report.html. Without --config it runs "
            + "the built-in default problem (d = 1, tanh, α = 2, λ = 0.1, four data points).",
            context => StartRun(context, RunKind.Run));
        yield return Make("solve", "The PDE alone: pde.csv, snapshots.h5, plots and report.html.",
            context => StartRun(context, RunKind.Solve));
        yield return Make("simulate", "The particle system alone (finite width m, Euler–Maruyama): particles.csv, snapshots.h5, plots and report.html.",
            context => StartRun(context, RunKind.Simulate));
        yield return Make("stationary",
            "The self-consistent stationary state (Gibbs fixed point p* ∝ p0·exp(−u c*(θ)/λ)) on the whole space (stationary.json), on the box "
            + "and on the grid, with a warning when the box changes it.", AnalysisCommands.Stationary);
        yield return Make("ntk",
            "The Gram matrix H(p0), its spectrum, the Theorem 4.4 constants and bounds, and the linearized prediction at the output "
            + "times (ntk.json, ntk.csv).", AnalysisCommands.Ntk);
        yield return AnalysisCommands.W2Command(output, error, interactive);
        yield return Make("reference",
            "A reference-solution file (reference.json, format in docs/reference-format.md) for other projects' tests: the PDE on the "
            + "configured grid and on the grid refined twice per axis (solver.kind = spectral: the configured basis and the basis doubled per axis); "
            + "the refined solution is stored with tolerances from the difference.",
            AnalysisCommands.Reference);
        var dir = new Argument<string>("DIR") { Description = "the folder of the interrupted run" };
        yield return Make("resume",
            "Continues an interrupted or killed run (run, solve, simulate) from its last checkpoint; the final files are identical to "
            + "those of an uninterrupted run. The run resumes with its own config.json: configuration keys, --config and --out are "
            + "refused; only --threads may differ.",
            context => ResumeRun(context, context.Parse.GetRequiredValue(dir)), [FpntkCommandLine.ThreadsOption], dir);
        yield return Make("config",
            "Validates the configuration and prints the effective configuration (defaults filled in) as JSON.",
            context =>
            {
                context.Output.Write(context.ReadRunConfiguration().ToJson());
                return FpntkCommandLine.Success;
            }, [FpntkCommandLine.ConfigOption]);
        yield return StudyCommand.Create(output, error, interactive);
        yield return SweepCommand.Create(output, error, interactive);
    }

    private static int StartRun(CommandContext context, RunKind kind)
    {
        var config = context.ReadRunConfiguration();
        string directory = context.OutputDirectory();
        var session = RunSession.Start(config, kind, directory, context.Observer);
        context.Logger.LogInformation("{Command}: {Problem}; grid {Grid}; t ≤ {End}; output in {Directory}",
            kind.Command(), Describe(config), config.Grid.ToGrid(), config.Time.End, directory);
        return Execute(context, session);
    }

    private static int ResumeRun(CommandContext context, string directory)
    {
        // A run resumes with its own configuration: anything that would change it is refused, not ignored.
        var given = context.Overrides(environment: false);
        if (given.Count > 0)
            throw new InputException(given[0].Key, given[0].Value,
                $"a run resumes only with its own configuration ({Path.Combine(directory, "config.json")}); only --threads may differ. "
                + "To change the configuration start a new run: fpntk run --config " + Path.Combine(directory, "config.json") + " --section:key=value");
        var environment = context.Overrides(environment: true);
        if (environment.Count > 0)
            throw new InputException(CommandContext.EnvironmentPrefix + environment[0].Key.Replace(".", "__"), environment[0].Value,
                "a run resumes only with its own configuration: unset the FPNTK_ configuration variables (logging ones are allowed)");
        var session = RunSession.Resume(directory, context.Observer);
        context.Logger.LogInformation("resume {Command} in {Directory}", session.Command, session.Directory);
        return Execute(context, session);
    }

    internal static string Describe(RunConfiguration config)
    {
        var p = config.Problem;
        var reduction = p.ToReducedProblem();
        string span = reduction.IsIdentity ? "" : FormattableString.Invariant($" (on the span of the inputs, k = {reduction.Span.Dimension})");
        return FormattableString.Invariant(
            $"{p.Activation.Name}, α = {p.Alpha:G6}, λ = {p.Lambda:G6}, d = {p.Data.Dimension}{span}, n = {p.Data.Count}, initial {(p.Initial.IsStandard ? "p0" : "Gaussian")}");
    }

    /// <summary>One sentence on a reduced problem for reports: k of d, and where the basis is.</summary>
    internal static string SpanSentence(Model.ReducedProblem reduction) => FormattableString.Invariant(
        $"The inputs span k = {reduction.Span.Dimension} of d = {reduction.Full.Dimension} dimensions: solved on S ⊕ u in the coordinates ζ = Bᵀθ of span.json.");

    private static int Execute(CommandContext context, RunSession session)
    {
        context.HandleInterrupts();
        try
        {
            string report = RunFolders.Finish(session, context.Cancellation, context.Observer, context.Console.ClearProgress);
            // A signal after the last step finds nothing left to stop: the final files are written, and the log says so.
            if (context.Cancellation.IsCancellationRequested)
                context.Logger.LogWarning("the interrupt came after the last step: the run is complete (its files are written)");
            context.Logger.LogInformation("done in {Seconds:F1} s (peak resident memory {Peak:F0} MB; estimated need {Need:F0} MB)",
                session.Folder!.Manifest.WallSeconds, System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1e6,
                ResourceEstimate.PeakBytes(session.Configuration, session.Command) / 1e6);
            context.Output.WriteLine($"report: {report}");
            return FpntkCommandLine.Success;
        }
        catch (OperationCanceledException)
        {
            context.Console.WriteLine($"fpntk {session.Command}: {session.Folder!.Manifest.Message}");
            return FpntkCommandLine.Interrupted;
        }
    }
}
