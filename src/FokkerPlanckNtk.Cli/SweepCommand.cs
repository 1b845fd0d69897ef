using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Sweeps;
using Microsoft.Extensions.Logging;

namespace FokkerPlanckNtk.Cli;

/// <summary>
/// <c>fpntk sweep create | run | slurm | collect</c>: parameter studies as folders of ordinary runs, run by a worker
/// pool on this machine or as Slurm job arrays (the library's <see cref="Sweeps"/>; each task goes through
/// <see cref="RunFolders.StartOrResume"/>, the same path as <c>fpntk run</c> and <c>resume</c>).
/// </summary>
internal static class SweepCommand
{
    /// <summary>Set by Slurm in every task of a job array.</summary>
    public const string ArrayTaskVariable = "SLURM_ARRAY_TASK_ID";

    public static Command Create(TextWriter output, TextWriter error, bool interactive)
    {
        var sweep = new Command("sweep",
            "Parameter sweeps: a sweep file (a command, a base configuration and axes over configuration keys) expanded into tasks, each "
            + "an ordinary run folder; run by a worker pool on this machine (sweep run) or as Slurm job arrays (sweep slurm); one table "
            + "of every task's results (sweep collect). File format in docs/user-guide.md.");
        sweep.Subcommands.Add(CreateCommand(output, error, interactive));
        sweep.Subcommands.Add(RunCommand(output, error, interactive));
        sweep.Subcommands.Add(SlurmCommand(output, error, interactive));
        sweep.Subcommands.Add(CollectCommand(output, error, interactive));
        return sweep;
    }

    private static readonly Argument<string> Dir = new("DIR") { Description = "the sweep folder (made by fpntk sweep create)" };

    private static Option<int?> WholeNumber(string name, int min, string description, string helpName) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min) return n;
            result.AddError($"{name} = {(text.Length == 0 ? "(missing)" : text)}: must be a whole number ≥ {min.ToString(CultureInfo.InvariantCulture)}");
            return null;
        },
    };

    private static Command Sub(string name, string description, TextWriter output, TextWriter error, bool interactive,
        Func<CommandContext, ParseResult, int> body, IEnumerable<Option> options, params Argument[] arguments)
    {
        var command = new Command(name, description);
        foreach (var a in arguments) command.Arguments.Add(a);
        foreach (var o in options) command.Options.Add(o);
        command.SetAction(parse => FpntkCommandLine.Execute(parse, $"sweep {name}", output, error, interactive, context => body(context, parse)));
        return command;
    }

    // ---- create ----

    private static Command CreateCommand(TextWriter output, TextWriter error, bool interactive)
    {
        var file = new Argument<string>("SWEEP") { Description = "the sweep file (JSON)" };
        var outDir = new Option<string?>("--out") { Description = "the sweep folder (default: runs/sweep-NAME under the current folder, NAME the sweep file's name)", HelpName = "DIR" };
        return Sub("create",
            "Expands a sweep file into its tasks and writes the sweep folder: sweep.json (the sweep, its hash, the task list with the swept "
            + "values) and tasks/NNNN/config.json per task. Every task's configuration is validated first; nothing is written on bad "
            + "input. Creating the same sweep again in the same folder changes nothing; a different sweep there is refused.",
            output, error, interactive, (context, parse) =>
            {
                var definition = SweepDefinition.Load(parse.GetRequiredValue(file));
                var expanded = Sweep.Expand(definition);
                string? given = parse.GetValue(outDir);
                string dir = given is null
                    ? Path.GetFullPath(Path.Combine("runs", "sweep-" + Path.GetFileNameWithoutExtension(parse.GetRequiredValue(file))))
                    : given.Trim().Length == 0 ? throw new InputException("--out", "''", "must name a folder") : Path.GetFullPath(given);
                var (folder, existed) = SweepFolder.Create(expanded, dir);
                context.Logger.LogInformation("{What}: {Count} tasks of '{Command}' over {Axes} ({Hash})",
                    existed ? "the folder already holds this sweep" : "sweep created", folder.TaskCount, folder.Command,
                    folder.Axes.Count == 0 ? "no axes" : string.Join(" × ", folder.Axes.Select(a => $"{a.Key} ({a.Values.Count})")), folder.Hash[..19] + "…");
                context.Output.WriteLine($"sweep: {folder.Path}");
                return FpntkCommandLine.Success;
            }, [outDir], file);
    }

    // ---- run ----

    private static Command RunCommand(TextWriter output, TextWriter error, bool interactive)
    {
        var workers = WholeNumber("--workers", 1, "tasks run at once (default: one per core; each gets ⌊threads/workers⌋ threads)", "K");
        var task = WholeNumber("--task", 0, $"run only task I (what an array job runs; default inside a Slurm array job: ${ArrayTaskVariable} + --task-offset)", "I");
        var offset = WholeNumber("--task-offset", 0, $"added to the task number (--task or ${ArrayTaskVariable}), for sweeps split into several arrays", "O");
        var retry = new Option<bool>("--retry-failed") { Description = "run the tasks that failed before again (by default they are reported, not rerun)" };
        return Sub("run",
            "Runs the sweep's tasks on this machine with a pool of workers: finished tasks are skipped, interrupted or killed ones resume "
            + "from their checkpoints, failed ones are reported with their messages (a failure does not stop the others; exit code 5). "
            + "Ctrl+C stops every running task with a checkpoint; running the command again continues. With --task (or inside a Slurm "
            + "array job) it runs one task.",
            output, error, interactive, (context, parse) =>
            {
                RefuseConfigurationVariables(context);
                var folder = SweepFolder.Open(parse.GetRequiredValue(Dir));
                int? one = TaskOf(parse.GetValue(task), parse.GetValue(offset), folder.TaskCount, context.Logger);
                int cores = parse.GetValue(FpntkCommandLine.ThreadsOption) ?? Environment.ProcessorCount;
                context.HandleInterrupts();
                if (one is int i) return RunOne(context, folder, i, cores);
                var observer = new PoolObserver(folder, context);
                var result = new SweepRunner(folder, RunFolders.StartOrResume, observer)
                    .Run(new SweepRunOptions(parse.GetValue(workers) ?? cores, cores, parse.GetValue(retry)), context.Cancellation);
                observer.Dispose();
                return Summarize(context, folder, result);
            }, [workers, task, offset, retry, FpntkCommandLine.ThreadsOption], Dir);
    }

    /// <summary>The one task to run: --task (+ offset), else the array task ID (+ offset) inside an array job, else null (all).</summary>
    internal static int? TaskOf(int? task, int? offset, int count, ILogger logger)
    {
        string? array = Environment.GetEnvironmentVariable(ArrayTaskVariable);
        int? index = task;
        if (index is null && array is not null)
        {
            if (!int.TryParse(array, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                throw new InputException(ArrayTaskVariable, array, "must be a whole number ≥ 0 (set by Slurm in an array job)");
            index = id;
            logger.LogInformation("Slurm array task {Id}{Offset}", id, offset is int o ? $" + offset {o}" : "");
        }
        if (index is null)
        {
            if (offset is int o) throw new InputException("--task-offset", o, $"applies to --task or to ${ArrayTaskVariable} (an array job); give --task I");
            return null;
        }
        long number = (long)index.Value + (offset ?? 0);
        if (number >= count)
            throw new InputException(task is null ? $"{ArrayTaskVariable} + --task-offset" : offset is null ? "--task" : "--task + --task-offset",
                number, $"the sweep has {count} tasks: 0..{count - 1}");
        return (int)number;
    }

    private static void RefuseConfigurationVariables(CommandContext context)
    {
        var environment = context.Overrides(environment: true);
        if (environment.Count > 0)
            throw new InputException(CommandContext.EnvironmentPrefix + environment[0].Key.Replace(".", "__"), environment[0].Value,
                "a sweep task runs with its own config.json: unset the FPNTK_ configuration variables (logging ones are allowed)");
    }

    private static int RunOne(CommandContext context, SweepFolder folder, int task, int threads)
    {
        context.Logger.LogInformation("sweep task {Task} of {Count} ({Values}) in {Directory}", task, folder.TaskCount, folder.Describe(task),
            folder.TaskDirectory(task));
        var outcome = new SweepRunner(folder, RunFolders.StartOrResume, new SingleObserver(context)).RunOne(task, threads, context.Cancellation);
        context.Console.ClearProgress();
        switch (outcome.State)
        {
            case TaskState.Completed:
                context.Logger.LogInformation("task {Task}: {What}", task, outcome.Ran ? FormattableString.Invariant($"completed in {outcome.Seconds:F1} s") : "already complete");
                return FpntkCommandLine.Success;
            case TaskState.Interrupted:
                context.Console.WriteLine($"fpntk sweep run: task {task} interrupted; continue with: fpntk sweep run {folder.Path} --task {task}");
                return FpntkCommandLine.Interrupted;
            case TaskState.Running:
                context.Logger.LogWarning("task {Task}: {Message}", task, outcome.Message);
                return FpntkCommandLine.Success;
            default:
                context.Console.WriteLine($"fpntk sweep run: task {task} failed: {outcome.Message}");
                return FpntkCommandLine.TasksFailed;
        }
    }

    private static int Summarize(CommandContext context, SweepFolder folder, SweepRunResult result)
    {
        context.Console.ClearProgress();
        int ran = result.Outcomes.Count(o => o.Ran);
        context.Logger.LogInformation(
            "sweep: {Completed} of {Count} tasks complete, {Failed} failed, {Other} not finished; {Ran} ran on {Workers} workers × {Threads} threads in {Wall:F1} s (their times sum to {Sum:F1} s)",
            result.Count(TaskState.Completed), folder.TaskCount, result.Count(TaskState.Failed),
            result.Outcomes.Count(o => o.State is not (TaskState.Completed or TaskState.Failed)), ran, result.Workers, result.ThreadsPerWorker,
            result.WallSeconds, result.TaskSeconds);
        foreach (var failed in result.Outcomes.Where(o => o.State == TaskState.Failed))
            context.Console.WriteLine($"fpntk sweep run: task {failed.Task} ({folder.Describe(failed.Task)}) failed: {failed.Message}");
        if (context.Cancellation.IsCancellationRequested)
        {
            context.Console.WriteLine($"fpntk sweep run: interrupted; continue with: fpntk sweep run {folder.Path}");
            return FpntkCommandLine.Interrupted;
        }
        if (result.Count(TaskState.Failed) > 0) return FpntkCommandLine.TasksFailed;
        var busy = result.Outcomes.Where(o => o.State == TaskState.Running).ToList();
        if (busy.Count > 0) context.Logger.LogWarning("{Count} tasks are being run by another process", busy.Count);
        context.Output.WriteLine($"sweep: {folder.Path}");
        return FpntkCommandLine.Success;
    }

    /// <summary>One task in the foreground (an array task): the run's own progress and log lines on the console.</summary>
    private sealed class SingleObserver(CommandContext context) : ISweepObserver
    {
        public Simulations.IRunObserver TaskObserver(int task) => context.Observer;
        public void Started(int task, int threads) => context.Logger.LogInformation("task {Task}: started on {Threads} threads", task, threads);
        public void Finished(TaskOutcome outcome) { }
        public void Info(string message) => context.Logger.LogInformation("{Message}", message);
    }

    /// <summary>
    /// The worker pool's reporting: a log line when a task starts and ends, every task's own log in logs/NNNN.log, its
    /// warnings also on the console, and a progress line of the whole sweep.
    /// </summary>
    private sealed class PoolObserver : ISweepObserver, IDisposable
    {
        private readonly SweepFolder _folder;
        private readonly CommandContext _context;
        private readonly Lock _lock = new();
        private readonly Dictionary<int, TaskLog> _running = [];
        private readonly Stopwatch _wall = Stopwatch.StartNew();
        private readonly Timer _timer;
        private int _completed, _failed;
        private TimeSpan _lastLog;

        public PoolObserver(SweepFolder folder, CommandContext context)
        {
            _folder = folder;
            _context = context;
            Directory.CreateDirectory(Path.Combine(folder.Path, SweepFolder.LogsFolder));
            _timer = new Timer(_ => ShowProgress(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }

        public Simulations.IRunObserver TaskObserver(int task)
        {
            lock (_lock) return _running[task];
        }

        public void Started(int task, int threads)
        {
            var log = new TaskLog(_folder.LogFile(task), task, _context.Logger);
            lock (_lock) _running[task] = log;
            log.Info($"task {task} ({_folder.Describe(task)}): started on {threads} threads");
            _context.Logger.LogInformation("task {Task} ({Values}): started", task, _folder.Describe(task));
        }

        public void Finished(TaskOutcome outcome)
        {
            TaskLog? log;
            lock (_lock)
            {
                _running.Remove(outcome.Task, out log);
                if (outcome.State == TaskState.Completed) _completed++;
                if (outcome.State == TaskState.Failed) _failed++;
            }
            string what = outcome.State switch
            {
                TaskState.Completed => FormattableString.Invariant($"completed in {outcome.Seconds:F1} s"),
                TaskState.Failed => $"FAILED: {outcome.Message}",
                _ => outcome.Message ?? outcome.State.ToString().ToLowerInvariant(),
            };
            log?.Info($"task {outcome.Task}: {what}");
            log?.Dispose();
            if (outcome.State == TaskState.Failed) _context.Logger.LogError("task {Task}: {What}", outcome.Task, what);
            else _context.Logger.LogInformation("task {Task}: {What}", outcome.Task, what);
        }

        public void Info(string message) => _context.Logger.LogInformation("{Message}", message);

        private void ShowProgress()
        {
            string line;
            lock (_lock)
            {
                var running = _running.OrderBy(r => r.Key).Select(r => FormattableString.Invariant($"#{r.Key} {r.Value.Fraction:P0}")).ToList();
                line = FormattableString.Invariant(
                    $"sweep: {_completed} done, {_failed} failed, {_running.Count} running ({string.Join(" ", running.Take(8))}{(running.Count > 8 ? " …" : "")})   elapsed {ConsoleRunObserver.Duration(_wall.Elapsed)}");
            }
            if (_context.Console.Interactive) _context.Console.Progress(line);
            else if (_wall.Elapsed - _lastLog >= TimeSpan.FromSeconds(30))
            {
                _lastLog = _wall.Elapsed;
                _context.Logger.LogInformation("{Progress}", line);
            }
        }

        public void Dispose()
        {
            _timer.Dispose();
            lock (_lock) _context.Console.ClearProgress();
        }
    }

    /// <summary>A task's own log (logs/NNNN.log, appended): its information, warnings and a progress line every 10 s; warnings also on the console.</summary>
    private sealed class TaskLog(string path, int task, ILogger console) : Simulations.IRunObserver, IDisposable
    {
        private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };
        private readonly Lock _lock = new();
        private TimeSpan _lastProgress = TimeSpan.FromSeconds(-10);

        public double Fraction { get; private set; }

        private void Write(string level, string message)
        {
            lock (_lock) _writer.WriteLine($"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {level}: {message}");
        }

        public void Progress(Simulations.RunProgress progress)
        {
            Fraction = progress.Fraction;
            if (progress.Elapsed - _lastProgress < TimeSpan.FromSeconds(10)) return;
            _lastProgress = progress.Elapsed;
            Write("info", ConsoleRunObserver.Format(progress));
        }

        public void Info(string message) => Write("info", message);

        public void Warning(string message)
        {
            Write("warning", message);
            console.LogWarning("task {Task}: {Message}", task, message);
        }

        public void Dispose()
        {
            lock (_lock) _writer.Dispose();
        }
    }

    // ---- slurm ----

    private static Command SlurmCommand(TextWriter output, TextWriter error, bool interactive)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "print the scripts; write and submit nothing" };
        var time = new Option<string?>("--time") { Description = "time limit per task (Slurm's forms: minutes, HH:MM:SS, D-HH:MM:SS; default: slurm.time, else estimated)", HelpName = "T" };
        var memory = new Option<string?>("--mem") { Description = "memory per task with a unit (500M, 4G; default: slurm.memory, else estimated)", HelpName = "M" };
        var cpus = WholeNumber("--cpus-per-task", 1, "cores (threads) per task (default: slurm.cpusPerTask, else 1)", "C");
        var throttle = WholeNumber("--throttle", 1, "at most N tasks of an array at once (%N; default: slurm.throttle, else none)", "N");
        var partition = new Option<string?>("--partition") { Description = "the partition (default: slurm.partition, else the cluster's)", HelpName = "P" };
        var account = new Option<string?>("--account") { Description = "the account (default: slurm.account, else the cluster's)", HelpName = "A" };
        var maxArray = WholeNumber("--max-array-size", 1, "the cluster's MaxArraySize (default: slurm.maxArraySize, else scontrol show config, else 1001)", "N");
        var fpntk = new Option<string?>("--fpntk") { Description = "the command that starts fpntk on the compute nodes (default: this program)", HelpName = "CMD" };
        return Sub("slurm",
            "Writes the sweep's unfinished tasks as sbatch array scripts (slurm/array-K.sbatch: --array with a %N throttle, time, memory and "
            + "cores per task, output and error files per task under logs/), split into several arrays beyond the cluster's MaxArraySize, "
            + "and submits them with sbatch when it is installed (printing the job IDs). Each array task runs fpntk sweep run DIR "
            + "--task-offset O, the same as the local worker pool.",
            output, error, interactive, (context, parse) =>
            {
                var folder = SweepFolder.Open(parse.GetRequiredValue(Dir));
                if (folder.Path.Any(char.IsWhiteSpace))
                    throw new InputException("DIR", folder.Path, "sbatch options cannot name a folder with spaces; move the sweep");
                var given = new SlurmSettings
                {
                    Time = parse.GetValue(time) is { } t ? SlurmSettings.CheckTime("--time", t) : null,
                    Memory = parse.GetValue(memory) is { } m ? SlurmSettings.CheckMemory("--mem", m) : null,
                    CpusPerTask = parse.GetValue(cpus), Throttle = parse.GetValue(throttle), MaxArraySize = parse.GetValue(maxArray),
                    Partition = parse.GetValue(partition), Account = parse.GetValue(account), Fpntk = parse.GetValue(fpntk),
                };
                return Slurm(context, folder, folder.Slurm.With(given), parse.GetValue(dryRun));
            }, [dryRun, time, memory, cpus, throttle, partition, account, maxArray, fpntk], Dir);
    }

    private static int Slurm(CommandContext context, SweepFolder folder, SlurmSettings settings, bool dryRun)
    {
        var tasks = Enumerable.Range(0, folder.TaskCount).Where(t => folder.Status(t).State != TaskState.Completed).ToList();
        if (tasks.Count == 0)
        {
            context.Logger.LogInformation("every task of the sweep is complete: nothing to submit");
            return FpntkCommandLine.Success;
        }
        string? sbatch = FindProgram("sbatch"), scontrol = FindProgram("scontrol");
        int maxArraySize = settings.MaxArraySize
            ?? (scontrol is null ? null : SlurmArray.ParseMaxArraySize(Capture(scontrol, ["show", "config"]).Output))
            ?? SlurmArray.DefaultMaxArraySize;
        var resources = SlurmArray.Resources(folder, tasks, settings);
        var scripts = SlurmArray.Scripts(folder, tasks, resources, settings, settings.Fpntk ?? FpntkCommand(), maxArraySize);
        context.Logger.LogInformation("{Tasks} tasks in {Arrays} array(s) (MaxArraySize {Max}): time {Time} ({TimeSource}), memory {Memory} ({MemorySource}), {Cpus} cores per task",
            tasks.Count, scripts.Count, maxArraySize, resources.Time, resources.TimeSource, resources.Memory, resources.MemorySource, resources.CpusPerTask);
        if (dryRun)
        {
            foreach (var script in scripts)
            {
                context.Output.WriteLine($"# ---- {Path.Combine(folder.Path, SweepFolder.SlurmFolder, script.FileName)} ----");
                context.Output.Write(script.Text);
            }
            return FpntkCommandLine.Success;
        }
        string dir = Path.Combine(folder.Path, SweepFolder.SlurmFolder);
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(Path.Combine(folder.Path, SweepFolder.LogsFolder));
        foreach (var script in scripts) AtomicFile.WriteText(Path.Combine(dir, script.FileName), script.Text);
        if (sbatch is null)
        {
            foreach (var script in scripts) context.Output.WriteLine($"script: {Path.Combine(dir, script.FileName)}");
            context.Logger.LogWarning("sbatch is not installed here: submit the scripts on the cluster with sbatch {Script}", Path.Combine(dir, scripts[0].FileName));
            return FpntkCommandLine.Success;
        }
        foreach (var script in scripts)
        {
            string path = Path.Combine(dir, script.FileName);
            var (code, text) = Capture(sbatch, ["--parsable", path]);
            if (code != 0) throw new InputException("sbatch", path, $"was refused (exit {code}): {text.Trim()}");
            string job = text.Trim().Split(';')[0];
            File.AppendAllText(Path.Combine(dir, "jobs.txt"), FormattableString.Invariant(
                $"{DateTimeOffset.UtcNow:O} job {job} {script.FileName} tasks {script.Tasks[0]}..{script.Tasks[^1]} ({script.Tasks.Count})\n"));
            context.Output.WriteLine($"submitted: job {job} ({script.FileName}, {script.Tasks.Count} tasks)");
        }
        return FpntkCommandLine.Success;
    }

    /// <summary>How to start this fpntk from a script: its apphost, else <c>dotnet fpntk.dll</c>.</summary>
    internal static string FpntkCommand()
    {
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "fpntk") return SlurmArray.Quote(process);
        string assembly = typeof(FpntkCommandLine).Assembly.Location;
        string apphost = Path.Combine(Path.GetDirectoryName(assembly) ?? "", "fpntk");
        if (File.Exists(apphost)) return SlurmArray.Quote(apphost);
        return SlurmArray.Quote(process ?? "dotnet") + " " + SlurmArray.Quote(assembly);
    }

    private static string? FindProgram(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static (int Code, string Output) Capture(string program, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            return (-1, $"{program} did not answer within 60 s");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    // ---- collect ----

    private static Command CollectCommand(TextWriter output, TextWriter error, bool interactive)
    {
        var times = new Option<string?>("--times")
        {
            Description = "output times whose rows are collected, comma-separated (default: each task's end time); columns then end in @t",
            HelpName = "T1,T2",
        };
        var plot = new Option<string?>("--plot")
        {
            Description = "scalar columns to plot against each swept axis, comma-separated (default: the losses, W2 and max |Δr| present)",
            HelpName = "COLUMNS",
        };
        return Sub("collect",
            "Writes DIR/sweep.csv (one row per task: the swept keys, status, wall time, and the task's scalars at the chosen times from its "
            + "CSV files), the same as netCDF-4 (DIR/sweep.nc), and plots of the scalars against each swept axis (DIR/plots, DIR/sweep.html).",
            output, error, interactive, (context, parse) =>
            {
                var folder = SweepFolder.Open(parse.GetRequiredValue(Dir));
                var chosen = ParseTimes(parse.GetValue(times));
                var table = SweepTable.Collect(folder, chosen);
                var (csv, nc) = table.Write(folder.Path);
                var columns = parse.GetValue(plot) is { } p ? p.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : null;
                if (columns is not null)
                    foreach (var c in columns.Where(c => !table.Scalars.Contains(c)))
                        throw new InputException("--plot", c, $"is not a column of the table; columns: {string.Join(", ", table.Scalars)}");
                string report = SweepPlots.Write(table, folder, columns);
                var counts = table.Statuses.GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}");
                context.Logger.LogInformation("{Count} tasks: {States}", table.Count, string.Join(", ", counts));
                context.Output.WriteLine($"table: {csv}");
                context.Output.WriteLine($"netcdf: {nc}");
                context.Output.WriteLine($"report: {report}");
                return FpntkCommandLine.Success;
            }, [times, plot], Dir);
    }

    private static double[]? ParseTimes(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new InputException("--times", text, "give output times separated by commas, e.g. 0.5,1");
        return parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double t) && t >= 0 && double.IsFinite(t)
            ? t : throw new InputException("--times", p, "must be an output time (a number ≥ 0)")).ToArray();
    }
}
