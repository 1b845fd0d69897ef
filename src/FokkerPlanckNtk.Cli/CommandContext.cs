using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Simulations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FokkerPlanckNtk.Cli;

/// <summary>
/// Everything a command needs: the host (configuration from --config, FPNTK_ environment variables and
/// command-line keys, in rising priority; logging), the output streams, the cancellation token fired by
/// Ctrl+C/SIGTERM, and helpers to read the run configuration and choose the output folder.
/// </summary>
internal sealed class CommandContext : IDisposable
{
    public const string EnvironmentPrefix = "FPNTK_";
    private readonly IHost _host;
    private readonly CancellationTokenSource _interrupt = new();
    private readonly List<PosixSignalRegistration> _signals = [];

    public CommandContext(ParseResult parse, string commandName, TextWriter output, TextWriter error, bool interactive)
    {
        Parse = parse;
        CommandName = commandName;
        Output = output;
        Console = new ConsoleOutput(error, interactive);
        ConfigFile = parse.GetValue(FpntkCommandLine.ConfigOption);
        if (ConfigFile is not null)
        {
            if (ConfigFile.Trim().Length == 0) throw new InputException("--config", "''", "must name a JSON configuration file");
            ConfigFile = Path.GetFullPath(ConfigFile);
            if (Directory.Exists(ConfigFile)) throw new InputException("--config", ConfigFile, "is a folder, not a configuration file");
            if (!File.Exists(ConfigFile)) throw new InputException("--config", ConfigFile, "the configuration file does not exist");
            _fileValues = JsonFlattener.Flatten(ReadConfigFile(ConfigFile), ConfigFile);
        }
        var overrides = ConfigurationOverrides(parse);
        _commandLineValues = Leaves(new ConfigurationBuilder().AddCommandLine(overrides).Build());
        _environmentValues = Leaves(new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).Build());
        // The user's configuration alone (the host adds keys of its own, such as applicationName).
        var user = new ConfigurationBuilder();
        if (ConfigFile is not null) user.AddJsonFile(ConfigFile, optional: false, reloadOnChange: false);
        user.AddEnvironmentVariables(EnvironmentPrefix);
        user.AddCommandLine(overrides);
        try { UserConfiguration = user.Build(); }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException)
        {
            throw new InputException("--config", ConfigFile, $"is not a valid JSON configuration ({(e.InnerException ?? e).Message})");
        }
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "fpntk", DisableDefaults = true });
        builder.Configuration.AddConfiguration(UserConfiguration);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("logging"));
        builder.Logging.AddProvider(new ConsoleLoggerProvider(Console));
        builder.Services.AddSingleton(Console);
        _host = builder.Build();
        Logger = _host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("fpntk");
        Observer = new ConsoleRunObserver(Console, Logger);
        int? threads = parse.GetValue(FpntkCommandLine.ThreadsOption);
        if (threads is { } t) Parallelism.Threads = t;
    }

    private readonly IReadOnlyList<KeyValuePair<string, string?>> _fileValues = [], _environmentValues, _commandLineValues;

    private static string ReadConfigFile(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException("--config", path, $"cannot be read ({e.Message})");
        }
    }

    // The keys with values of one flat source (the environment, the command line): sections have null values.
    private static IReadOnlyList<KeyValuePair<string, string?>> Leaves(IConfiguration source) =>
        source.AsEnumerable().Where(kv => kv.Value is not null).ToList();

    /// <summary>Configuration keys given on the command line or in FPNTK_ variables (not in a file), dotted; logging keys excluded.</summary>
    public IReadOnlyList<(string Key, string? Value)> Overrides(bool environment) =>
        (environment ? _environmentValues : _commandLineValues)
            .Where(kv => !kv.Key.StartsWith("logging", StringComparison.OrdinalIgnoreCase))
            .Select(kv => (ConfigurationTree.Display(kv.Key), kv.Value)).ToList();

    public ParseResult Parse { get; }
    public string CommandName { get; }
    public TextWriter Output { get; }
    public ConsoleOutput Console { get; }
    public string? ConfigFile { get; }
    /// <summary>The configuration from --config, the environment and the command line (nothing else).</summary>
    public IConfiguration UserConfiguration { get; }
    public ILogger Logger { get; }
    public IRunObserver Observer { get; }
    public CancellationToken Cancellation => _interrupt.Token;

    /// <summary>The output folder of the command, once made (its manifest is finished on failure).</summary>
    public RunFolder? Folder { get; set; }

    /// <summary>Creates the command's output folder (<see cref="RunFolder.Create"/>) and remembers it.</summary>
    public RunFolder CreateFolder(RunConfiguration config) => Folder = RunFolder.Create(OutputDirectory(), config, CommandName);

    /// <summary>Marks an unfinished output folder with the final status (best effort: the error is what matters).</summary>
    public void FinishFolder(string status, string message)
    {
        if (Folder is not { Finished: false } folder) return;
        try { folder.Finish(status, message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InputException) { Logger.LogDebug(e, "manifest"); }
    }

    /// <summary>
    /// Command-line tokens the parser did not match are configuration keys (<c>--problem:alpha=4</c>); anything
    /// else is a usage error.
    /// </summary>
    private static string[] ConfigurationOverrides(ParseResult parse)
    {
        var tokens = parse.UnmatchedTokens.ToArray();
        for (int i = 0; i < tokens.Length; i++)
        {
            string token = tokens[i];
            bool key = token.StartsWith("--", StringComparison.Ordinal) && token.Length > 2;
            bool valueOfPreviousKey = i > 0 && tokens[i - 1].StartsWith("--", StringComparison.Ordinal) && !tokens[i - 1].Contains('=');
            if (!key && !valueOfPreviousKey)
                throw new InputException("command line", token,
                    "unexpected argument; configuration keys are given as --section:key=value (e.g. --problem:alpha=4)");
            string name = key ? token.Split('=')[0] : "";
            if (name is "--config" or "--out" or "--threads")
                throw new InputException(name, token.Contains('=') ? token[(name.Length + 1)..] : i + 1 < tokens.Length ? tokens[i + 1] : null,
                    $"fpntk {parse.CommandResult.Command.Name} does not use {name}"
                    + (parse.CommandResult.Command.Name == "resume" ? ": a run resumes only with its own configuration (only --threads may differ)" : ""));
            if (key && !token.Contains('=') && (i + 1 >= tokens.Length || tokens[i + 1].StartsWith("--", StringComparison.Ordinal)))
                throw new InputException(ConfigurationTree.Display(token[2..]), null,
                    "unknown option, or a configuration key without a value (write --section:key=value)");
        }
        return tokens;
    }

    /// <summary>
    /// The validated run configuration (defaults filled in) from the file, the environment and the command line in
    /// rising priority (<see cref="ConfigurationTree.FromSources"/>: a later source replaces a key with all it holds).
    /// </summary>
    public RunConfiguration ReadRunConfiguration()
    {
        var tree = ConfigurationTree.FromSources(_fileValues, _environmentValues, _commandLineValues);
        return RunConfiguration.Read(tree, ConfigFile is null ? null : Path.GetDirectoryName(ConfigFile), "logging");
    }

    /// <summary>
    /// --out, or a new folder <c>runs/COMMAND-yyyyMMdd-HHmmss</c> under the current folder (not created here:
    /// the command creates it once its input is valid).
    /// </summary>
    public string OutputDirectory()
    {
        string? given = Parse.GetValue(FpntkCommandLine.OutOption);
        if (given is not null)
        {
            if (given.Trim().Length == 0) throw new InputException("--out", "''", "must name a folder (or leave --out out for a new folder under runs/)");
            return Path.GetFullPath(given);
        }
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string basePath = Path.Combine("runs", $"{CommandName}-{stamp}");
        string path = basePath;
        for (int k = 2; Directory.Exists(path); k++) path = $"{basePath}-{k.ToString(CultureInfo.InvariantCulture)}";
        return Path.GetFullPath(path);
    }

    /// <summary>
    /// The first Ctrl+C or SIGTERM cancels the token (the command writes a checkpoint and stops); a second
    /// Ctrl+C ends the process at once.
    /// </summary>
    public void HandleInterrupts()
    {
        void OnSignal(PosixSignalContext context)
        {
            if (_interrupt.IsCancellationRequested) return;
            context.Cancel = true;
            Logger.LogWarning("{Signal} received: stopping at the next step and writing a checkpoint (press Ctrl+C again to stop at once)", context.Signal);
            _interrupt.Cancel();
        }
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
    }

    public void Dispose()
    {
        foreach (var s in _signals) s.Dispose();
        Console.ClearProgress();
        _host.Dispose();
        _interrupt.Dispose();
    }
}
