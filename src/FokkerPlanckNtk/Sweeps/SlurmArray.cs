using FokkerPlanckNtk.Configuration;

namespace FokkerPlanckNtk.Sweeps;

/// <summary>One sbatch array script: tasks <c>Offset + index</c> for the array indices it lists.</summary>
/// <param name="Chunk">Number of the script (0, 1, …) when the sweep needs several arrays.</param>
/// <param name="Offset">Added to <c>SLURM_ARRAY_TASK_ID</c> to get the sweep task (<c>--task-offset</c>): Chunk × MaxArraySize.</param>
/// <param name="Tasks">The sweep tasks it runs.</param>
/// <param name="Text">The script.</param>
public sealed record SlurmScript(int Chunk, int Offset, IReadOnlyList<int> Tasks, string Text)
{
    /// <summary>File name inside the sweep's <c>slurm/</c> folder.</summary>
    public string FileName => $"array-{Chunk.ToString(CultureInfo.InvariantCulture)}.sbatch";
}

/// <summary>The resources asked for per task, with where each came from (shown in the script and the log).</summary>
public sealed record SlurmResources(string Time, string Memory, int CpusPerTask, int? Throttle, string TimeSource, string MemorySource);

/// <summary>
/// The sweep as Slurm job arrays. Every array task runs <c>fpntk sweep run DIR --task-offset O</c>, which runs task
/// <c>SLURM_ARRAY_TASK_ID + O</c> (the same command as the local worker pool, so the files are the same). Array
/// indices must stay below the cluster's MaxArraySize, so a larger sweep is split into arrays of at most that many
/// tasks with offsets 0, M, 2M, …; only the tasks not complete yet are submitted. Resources per task come from the
/// <c>slurm</c> settings or, where not given, from the tasks' configurations: memory from the largest up-front
/// estimate (<see cref="ResourceEstimate.PeakBytes"/>) plus the runtime's own, time from the longest measured task
/// when some are complete, else from the step counts (<see cref="TaskCost"/>).
/// </summary>
public static class SlurmArray
{
    /// <summary>Slurm's default MaxArraySize.</summary>
    public const int DefaultMaxArraySize = 1001;

    /// <summary>
    /// What the .NET runtime, the plotting and the writers hold beyond the arrays of the estimate, with a margin (measured
    /// peak RSS: 100 MB for a 32² run with 500 particles, 145 MB for the default run, whose arrays are about 10 MB).
    /// </summary>
    public const double RuntimeBytes = 250e6;

    /// <summary>The resources per task: the settings where given, else the estimates.</summary>
    public static SlurmResources Resources(SweepFolder folder, IReadOnlyList<int> tasks, SlurmSettings settings)
    {
        int cpus = settings.CpusPerTask ?? 1;
        var configs = tasks.Select(t => (Config: RunConfiguration.Load(Path.Combine(folder.TaskDirectory(t), "config.json")), Command: folder.TaskCommand(t)))
            .ToList();
        string memory, memorySource;
        if (settings.Memory is { } m) (memory, memorySource) = (m, "given");
        else
        {
            double bytes = configs.Count == 0 ? 0 : configs.Max(c => ResourceEstimate.PeakBytes(c.Config, c.Command));
            long mb = (long)Math.Ceiling((1.25 * bytes + RuntimeBytes) / (1 << 20) / 100) * 100;
            (memory, memorySource) = ($"{mb.ToString(CultureInfo.InvariantCulture)}M", "estimated: 1.25 × the largest peak estimate + the runtime's 250 MB");
        }
        string time, timeSource;
        var measured = Enumerable.Range(0, folder.TaskCount).Select(folder.Status)
            .Where(s => s.State == TaskState.Completed && s.WallSeconds is not null && s.Resumes == 0).Select(s => s.WallSeconds!.Value).ToList();
        if (settings.Time is { } t) (time, timeSource) = (t, "given");
        else if (measured.Count > 0)
            (time, timeSource) = (SlurmSettings.Format(Math.Max(600, 3 * measured.Max())),
                FormattableString.Invariant($"3 × the longest of the {measured.Count} completed tasks ({measured.Max():F0} s), at least 10 minutes"));
        else
        {
            double seconds = configs.Count == 0 ? 0 : configs.Max(c => TaskCost.Seconds(c.Config, c.Command)) / cpus;
            (time, timeSource) = (SlurmSettings.Format(Math.Max(600, 3 * seconds)),
                FormattableString.Invariant($"3 × the estimate from the step counts ({seconds:F0} s on {cpus} {(cpus == 1 ? "core" : "cores")}), at least 10 minutes"));
        }
        return new SlurmResources(time, memory, cpus, settings.Throttle, timeSource, memorySource);
    }

    /// <summary>The scripts for <paramref name="tasks"/> (ascending): one array per block of <paramref name="maxArraySize"/> task numbers.</summary>
    /// <param name="folder">The sweep.</param>
    /// <param name="tasks">The sweep tasks to submit.</param>
    /// <param name="resources">Time, memory and cores per task (<see cref="Resources"/>).</param>
    /// <param name="settings">Partition, account and extra <c>#SBATCH</c> options.</param>
    /// <param name="fpntk">The command that starts fpntk on the nodes (quoted as needed).</param>
    /// <param name="maxArraySize">The cluster's MaxArraySize: array indices stay below it.</param>
    public static IReadOnlyList<SlurmScript> Scripts(SweepFolder folder, IReadOnlyList<int> tasks, SlurmResources resources, SlurmSettings settings,
        string fpntk, int maxArraySize)
    {
        var scripts = new List<SlurmScript>();
        var chunks = tasks.GroupBy(t => t / maxArraySize).OrderBy(g => g.Key).ToList();
        foreach (var chunk in chunks)
        {
            int offset = chunk.Key * maxArraySize;
            var indices = chunk.Select(t => t - offset).ToList();
            string array = Ranges(indices) + (resources.Throttle is int throttle ? $"%{throttle.ToString(CultureInfo.InvariantCulture)}" : "");
            var s = new StringBuilder();
            s.Append("#!/bin/bash\n");
            s.Append($"#SBATCH --job-name=fpntk-{Path.GetFileName(folder.Path)}\n");
            s.Append($"#SBATCH --array={array}\n");
            s.Append($"#SBATCH --cpus-per-task={resources.CpusPerTask.ToString(CultureInfo.InvariantCulture)}\n");
            s.Append($"#SBATCH --mem={resources.Memory}\n");
            s.Append($"#SBATCH --time={resources.Time}\n");
            string logs = Path.Combine(folder.Path, SweepFolder.LogsFolder);
            s.Append($"#SBATCH --output={logs}/slurm-%A_%a.out\n");
            s.Append($"#SBATCH --error={logs}/slurm-%A_%a.err\n");
            if (settings.Partition is { } p) s.Append($"#SBATCH --partition={p}\n");
            if (settings.Account is { } a) s.Append($"#SBATCH --account={a}\n");
            foreach (var option in settings.Options) s.Append($"#SBATCH {option}\n");
            s.Append(FormattableString.Invariant(
                $"# fpntk sweep '{folder.Command}': array {chunk.Key + 1} of {chunks.Count}, {indices.Count} tasks; task = SLURM_ARRAY_TASK_ID + {offset}.\n"));
            s.Append($"# time: {resources.TimeSource}; memory: {resources.MemorySource}.\n");
            s.Append("# Written by fpntk sweep slurm; a task that is complete is skipped, an interrupted one resumes.\n");
            s.Append(FormattableString.Invariant(
                $"exec {fpntk} sweep run {Quote(folder.Path)} --task-offset {offset} --threads \"${{SLURM_CPUS_PER_TASK:-1}}\"\n"));
            scripts.Add(new SlurmScript(chunk.Key, offset, chunk.ToList(), s.ToString()));
        }
        return scripts;
    }

    /// <summary>Ascending indices as Slurm's array list: <c>0-5,7,9-11</c>.</summary>
    public static string Ranges(IReadOnlyList<int> indices)
    {
        var parts = new List<string>();
        for (int i = 0; i < indices.Count;)
        {
            int j = i;
            while (j + 1 < indices.Count && indices[j + 1] == indices[j] + 1) j++;
            parts.Add(j == i ? Invariant(indices[i]) : $"{Invariant(indices[i])}-{Invariant(indices[j])}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    private static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A word for bash: as is when it is safe, else in single quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>MaxArraySize from the output of <c>scontrol show config</c>, or null.</summary>
    public static int? ParseMaxArraySize(string scontrolOutput)
    {
        foreach (var line in scontrolOutput.Split('\n'))
        {
            var parts = line.Split('=', 2);
            if (parts.Length == 2 && parts[0].Trim() == "MaxArraySize"
                && int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1)
                return n;
        }
        return null;
    }
}
