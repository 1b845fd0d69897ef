using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Microsoft.Extensions.Logging;

namespace FokkerPlanckNtk.Cli;

/// <summary>
/// The <c>fpntk</c> command line (System.CommandLine): the commands of docs/user-guide.md, the common options
/// (--config, --out, --threads) and configuration keys as extra tokens (--problem:alpha=4). Exit codes:
/// 0 success, 1 command-line usage error, 2 bad input (one paragraph naming the key or file),
/// 3 an unexpected failure, 4 a numerical failure (valid input, diverged computation), 5 some tasks of a sweep failed, 130 interrupted (a checkpoint was written; continue with <c>fpntk resume</c>).
/// </summary>
public static class FpntkCommandLine
{
    public const int Success = 0, UsageError = 1, InputError = 2, Failure = 3, NumericalFailure = 4, TasksFailed = 5, Interrupted = 130;

    internal static readonly Option<string?> ConfigOption = new("--config")
    {
        Description = "JSON configuration file (camelCase keys: problem, grid, time, particles, output); "
                      + "keys can also be given as --section:key=value and as FPNTK_section__key environment variables",
        HelpName = "FILE",
    };

    internal static readonly Option<string?> OutOption = new("--out")
    {
        Description = "output folder (default: a new folder runs/COMMAND-DATE-TIME under the current folder)",
        HelpName = "DIR",
    };

    internal static readonly Option<int?> ThreadsOption = new("--threads")
    {
        Description = "worker threads (default: all cores); results do not depend on it",
        HelpName = "N",
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= 1)
                return n;
            result.AddError($"--threads = {(text.Length == 0 ? "(missing)" : text)}: must be a whole number ≥ 1");
            return null;
        },
    };

    /// <summary>The exit codes, as the help lists them.</summary>
    internal const string ExitCodes =
        "Exit codes: 0 success; 1 command-line usage error; 2 bad input (the message names the key or file); 3 unexpected "
        + "failure; 4 numerical failure (valid input, the computation diverged: the message names the keys that may help); "
        + "5 some tasks of a sweep failed (fpntk sweep run: the others ran; the messages are listed); "
        + "130 interrupted by Ctrl+C or SIGTERM (a checkpoint was written: continue with fpntk resume DIR).";

    /// <summary>Parses and runs a command line; output and error streams default to the console.</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        bool interactive = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        var root = Build(output, error, interactive);
        HelpLayout.Apply(root, args, output, () => Build(output, error, interactive));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpLayout)
        {
            // One line per distinct error on standard error, no help text: usage errors are short.
            string command = CommandPath(parse.CommandResult);
            foreach (var message in parse.Errors.Select(e => e.Message).Distinct())
                error.WriteLine($"{command}: {message} ({command} --help lists the options)");
            error.Flush();
            return UsageError;
        }
        return parse.Invoke(new InvocationConfiguration
        {
            Output = output, Error = error, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false,
        });
    }

    /// <summary><c>fpntk</c>, <c>fpntk run</c>, <c>fpntk sweep run</c>: the command as typed, for messages.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, r.Command.Name);
        return string.Join(" ", ["fpntk", .. names]);
    }

    /// <summary>
    /// A command with its arguments and options that leaves unmatched tokens to the command (the <c>--key=value</c>
    /// configuration overrides <see cref="CommandContext"/> reads).
    /// </summary>
    internal static Command Declare(string name, string description, params IEnumerable<Symbol> symbols)
    {
        var command = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
        foreach (var symbol in symbols)
            if (symbol is Argument argument) command.Arguments.Add(argument);
            else command.Options.Add((Option)symbol);
        return command;
    }

    internal static RootCommand Build(TextWriter output, TextWriter error, bool interactive)
    {
        var root = new RootCommand(
            "fpntk: the mean-field (Fokker–Planck) dynamics of a wide two-layer network trained by noisy gradient descent, "
            + "solved on a finite-volume grid and cross-checked with particles, distances and the NTK theory.");
        foreach (var command in Commands.All(output, error, interactive)) root.Subcommands.Add(command);
        // No command: the usage on standard error and exit code 1 (--help prints it on standard output, 0).
        root.SetAction(parse =>
        {
            var text = new StringWriter();
            var plain = Build(TextWriter.Null, TextWriter.Null, false);
            plain.Options.OfType<HelpOption>().Single().Action = new HelpAction { MaxWidth = 110 };
            plain.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = text, Error = text });
            error.Write(HelpLayout.Edit(text.ToString(), plain, plain.Name));
            error.WriteLine("fpntk: no command given; choose one of the commands above (fpntk COMMAND --help for its options).");
            error.Flush();
            return UsageError;
        });
        return root;
    }

    /// <summary>
    /// Runs a command body inside a <see cref="CommandContext"/> and turns failures into exit codes with one
    /// paragraph on standard error (bad input names the key and value; no stack trace unless logging at Debug).
    /// </summary>
    internal static int Execute(ParseResult parse, string name, TextWriter output, TextWriter error, bool interactive,
        Func<CommandContext, int> body)
    {
        CommandContext? context = null;
        try
        {
            context = new CommandContext(parse, name, output, error, interactive);
            return body(context);
        }
        catch (InputException e)
        {
            context?.FinishFolder(IO.RunManifest.Failed, e.Message);
            Report(context, error, $"fpntk {name}: {e.Message}");
            return InputError;
        }
        catch (NumericalFailureException e)
        {
            context?.FinishFolder(IO.RunManifest.Failed, e.Message);
            Report(context, error, $"fpntk {name}: numerical failure: {e.Message}");
            return NumericalFailure;
        }
        catch (OperationCanceledException)
        {
            context?.FinishFolder(IO.RunManifest.Interrupted, "interrupted");
            return Interrupted;
        }
        catch (OutOfMemoryException e)
        {
            // The up-front estimate passed (it refuses what cannot fit), but the memory was taken by others meanwhile or is capped.
            string message = "ran out of memory (other processes may hold it, or a GC heap limit is set); "
                             + "use fewer grid.cells, fewer time.outputTimes or fewer particles, or free memory";
            context?.Logger.LogDebug(e, "details");
            context?.FinishFolder(IO.RunManifest.Failed, message);
            Report(context, error, $"fpntk {name}: {message}");
            return Failure;
        }
        catch (Exception e)
        {
            context?.Logger.LogDebug(e, "details");
            context?.FinishFolder(IO.RunManifest.Failed, $"{e.GetType().Name}: {e.Message}");
            Report(context, error, $"fpntk {name}: unexpected failure ({e.GetType().Name}): {e.Message} "
                                   + "(run with --logging:logLevel:default=Debug for details)");
            return Failure;
        }
        finally
        {
            context?.Dispose();
        }
    }

    private static void Report(CommandContext? context, TextWriter error, string message)
    {
        if (context is not null) context.Console.WriteLine(message);
        else { error.WriteLine(message); error.Flush(); }
    }
}
