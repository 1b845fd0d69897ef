using System.Globalization;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Simulations;
using Microsoft.Extensions.Logging;

namespace FokkerPlanckNtk.Cli;

/// <summary>
/// The standard-error stream shared by log lines and the progress line: on a terminal the progress line is
/// redrawn in place (and cleared before each log line); when redirected, progress becomes a log line every
/// few seconds. Results (paths, JSON) go to standard output.
/// </summary>
internal sealed class ConsoleOutput(TextWriter error, bool interactive)
{
    private readonly Lock _lock = new();
    private int _progressWidth;

    public TextWriter Error => error;
    public bool Interactive => interactive;

    public void WriteLine(string line)
    {
        lock (_lock)
        {
            ClearProgress();
            error.WriteLine(line);
            error.Flush();
        }
    }

    public void Progress(string line)
    {
        lock (_lock)
        {
            error.Write('\r');
            error.Write(line.PadRight(_progressWidth));
            _progressWidth = line.Length;
            error.Flush();
        }
    }

    public void ClearProgress()
    {
        if (_progressWidth == 0) return;
        error.Write('\r');
        error.Write(new string(' ', _progressWidth));
        error.Write('\r');
        _progressWidth = 0;
    }
}

/// <summary>A logger provider that writes "HH:mm:ss level: message" lines through <see cref="ConsoleOutput"/>.</summary>
internal sealed class ConsoleLoggerProvider(ConsoleOutput output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output);

    public void Dispose() { }

    private sealed class Logger(ConsoleOutput output) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string level = logLevel switch
            {
                LogLevel.Trace => "trace", LogLevel.Debug => "debug", LogLevel.Information => "info",
                LogLevel.Warning => "warning", LogLevel.Error => "error", _ => "critical",
            };
            string text = $"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {level}: {formatter(state, exception)}";
            if (exception is not null) text += Environment.NewLine + exception;
            output.WriteLine(text);
        }
    }
}

/// <summary>Renders run progress: a live line on a terminal, an information log line every 10 s otherwise.</summary>
internal sealed class ConsoleRunObserver(ConsoleOutput output, ILogger logger) : IRunObserver
{
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);
    private TimeSpan _lastLog = TimeSpan.Zero;

    public void Progress(RunProgress p)
    {
        string line = Format(p);
        if (output.Interactive) output.Progress(line);
        else if (p.Elapsed - _lastLog >= LogEvery)
        {
            _lastLog = p.Elapsed;
            logger.LogInformation("{Progress}", line);
        }
    }

    internal static string Format(RunProgress p)
    {
        string eta = p.Remaining is { } r ? Duration(r) : "…";
        return string.Create(CultureInfo.InvariantCulture,
            $"{p.Phase,-9} t = {p.Time:F4} / {p.End:G4}   dt = {p.Step:0.00E+00}   loss = {p.Loss:0.000E+00}   {p.Fraction,4:P0}   elapsed {Duration(p.Elapsed)}   ETA {eta}");
    }

    internal static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:D2}");

    public void Info(string message) => logger.LogInformation("{Message}", message);

    public void Warning(string message) => logger.LogWarning("{Message}", message);
}
