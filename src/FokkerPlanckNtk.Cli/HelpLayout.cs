using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using FokkerPlanckNtk.Configuration;

namespace FokkerPlanckNtk.Cli;

/// <summary>
/// The help text: System.CommandLine's, with the usage line showing configuration keys as
/// <c>[--section:key=value ...]</c> (instead of "additional arguments") and, for commands that read a run
/// configuration, the table of keys with their allowed values and defaults. (System.CommandLine 3.0 keeps
/// its help builder internal, so the default text is rendered and then edited.)
/// </summary>
internal sealed class HelpLayout(string[] args, TextWriter output, Func<RootCommand> plainRoot) : SynchronousCommandLineAction
{
    /// <summary>Commands whose help lists the configuration keys.</summary>
    public static readonly HashSet<string> ConfiguredCommands = new(StringComparer.Ordinal);

    public override bool ClearsParseErrors => true;

    public static void Apply(RootCommand root, string[] args, TextWriter output, Func<RootCommand> plainRoot) =>
        root.Options.OfType<HelpOption>().Single().Action = new HelpLayout(args, output, plainRoot);

    public override int Invoke(ParseResult parseResult)
    {
        var text = new StringWriter();
        var plain = plainRoot();
        plain.Options.OfType<HelpOption>().Single().Action = new HelpAction { MaxWidth = 110 };
        plain.Parse(args).Invoke(new InvocationConfiguration { Output = text, Error = text });
        output.Write(Edit(text.ToString(), parseResult.CommandResult.Command, plain.Name));
        output.Flush();
        return FpntkCommandLine.Success;
    }

    internal static string Edit(string help, Command command, string executableName)
    {
        var lines = help.Replace("\r", "").Split('\n').ToList();
        for (int i = 0; i < lines.Count; i++)
        {
            lines[i] = lines[i].Replace("[[--] <additional arguments>...]]", "[--section:key=value ...]");
            // The executable's name is "testhost" or "dotnet" when not run as the fpntk apphost.
            if (i > 0 && lines[i - 1] == "Usage:" && lines[i].StartsWith("  " + executableName, StringComparison.Ordinal))
                lines[i] = "  fpntk" + lines[i][(2 + executableName.Length)..];
        }
        int extra = lines.FindIndex(l => l.StartsWith("Additional Arguments:", StringComparison.Ordinal));
        if (extra >= 0)
        {
            int end = extra + 1;
            while (end < lines.Count && lines[end].Length > 0) end++;
            lines.RemoveRange(extra, Math.Min(end + 1, lines.Count) - extra);
        }
        var text = string.Join("\n", lines).TrimEnd('\n') + "\n";
        string exitCodes = "\n" + Wrap(FpntkCommandLine.ExitCodes, 108) + "\n\n";
        if (!ConfiguredCommands.Contains(command.Name)) return text + exitCodes;
        var keys = new System.Text.StringBuilder(text);
        keys.Append("\nConfiguration keys (in the --config JSON file as nested camelCase objects, on the command line as\n")
            .Append("--section:key=value, in the environment as FPNTK_section__key=value; later sources win):\n");
        int width = RunConfiguration.Keys.Max(k => k.Key.Length) + 2;
        foreach (var (key, meaning) in RunConfiguration.Keys) keys.Append("  ").Append(key.PadRight(width)).Append(meaning).Append('\n');
        keys.Append("\nA key given both as one value and as items (grid.cells and grid.cells[0]) in one source is an error; a later source\n")
            .Append("replaces a key with everything below it (--grid:cells:0=64 --grid:cells:1=32 replaces the file's grid.cells).\n");
        return keys.Append(exitCodes).ToString();
    }

    private static string Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width) { lines.Add(line.ToString()); line.Clear(); }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        lines.Add(line.ToString());
        return string.Join("\n", lines);
    }
}
