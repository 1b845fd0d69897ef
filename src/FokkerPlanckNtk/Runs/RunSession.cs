using System.Globalization;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// One run in its output folder: <c>config.json</c> and <c>manifest.json</c> at the start, the parts (PDE,
/// particles) advanced from output time to output time, one record per output time and a state checkpoint
/// under <c>checkpoint/</c> (both written atomically), and the data files at the end. A run interrupted by
/// Ctrl+C/SIGTERM (a checkpoint is written first) or killed (the last checkpoint survives) continues with
/// <see cref="Resume"/> and ends with files byte-identical to those of an uninterrupted run: every part
/// restarts bit-exactly from its saved state, and the final files are only ever made from the records.
/// </summary>
public sealed class RunSession
{
    public const string CheckpointFolder = "checkpoint";
    private const string StateFile = "state.bin", CheckpointFormat = "fpntk-checkpoint";

    /// <summary>Commands that are runs (resumable): their parts.</summary>
    public static IReadOnlyList<string> Commands { get; } = ["run", "solve", "simulate"];

    private readonly IRunObserver _observer;
    private readonly ArrayArchive? _resumeState;
    private readonly List<IRunPart> _parts;
    private RunManifest _manifest;

    private RunSession(string directory, RunConfiguration config, string command, RunManifest manifest, ArrayArchive? resumeState,
        List<IRunPart> parts, IRunObserver observer)
    {
        Directory = directory;
        Configuration = config;
        Command = command;
        _manifest = manifest;
        _resumeState = resumeState;
        _parts = parts;
        _observer = observer;
    }

    public string Directory { get; }
    public RunConfiguration Configuration { get; }
    public string Command { get; }
    public RunManifest Manifest => _manifest;

    private string CheckpointDirectory => Path.Combine(Directory, CheckpointFolder);

    /// <summary>
    /// Starts a new run in <paramref name="directory"/> (created; it must not hold another run): sets up every
    /// part (so that a problem the grid cannot hold fails here, before any file is written), then writes the
    /// effective configuration and a manifest with status <c>running</c>.
    /// </summary>
    public static RunSession Start(RunConfiguration config, string command, string directory, IRunObserver? observer = null)
    {
        if (!Commands.Contains(command)) throw new ArgumentException($"'{command}' is not a run command.", nameof(command));
        observer ??= SilentObserver.Instance;
        ResourceEstimate.RequireMemory(config, command);
        var parts = CreateParts(config, command, observer);
        string dir = AtomicFile.EnsureWritableDirectory(directory);
        if (File.Exists(Path.Combine(dir, "manifest.json")))
            throw new InputException("--out", dir, "the folder already holds a run; continue it with 'fpntk resume' or choose another folder");
        AtomicFile.WriteText(Path.Combine(dir, "config.json"), config.ToJson());
        var warnings = parts.OfType<PdePart>().SelectMany(p => p.Warnings).Concat(parts.OfType<ParticlePart>().SelectMany(p => p.Warnings)).ToList();
        foreach (var w in warnings) observer.Warning(w);
        var manifest = new RunManifest
        {
            Command = command, Start = DateTimeOffset.UtcNow, Threads = Parallelism.Threads, Status = RunManifest.Running, Warnings = warnings,
        };
        manifest.Write(dir);
        return new RunSession(dir, config, command, manifest, null, parts, observer);
    }

    /// <summary>Reopens an interrupted or killed run from its folder and its last checkpoint (if any).</summary>
    public static RunSession Resume(string directory, IRunObserver? observer = null)
    {
        string dir = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(dir)) throw new InputException("DIR", dir, "the run folder does not exist");
        var manifest = RunManifest.Read(dir);
        if (manifest.Status == RunManifest.Completed)
            throw new InputException("DIR", dir, "the run is already complete; nothing to resume");
        if (!Commands.Contains(manifest.Command))
            throw new InputException("DIR", dir, $"the run was made by '{manifest.Command}', which cannot be resumed");
        AtomicFile.EnsureWritableDirectory(dir, "DIR");
        int stale = AtomicFile.RemoveUnfinished(dir);
        if (stale > 0) (observer ?? SilentObserver.Instance).Info($"removed {stale} unfinished file(s) left by the interrupted process");
        var config = RunConfiguration.Load(Path.Combine(dir, "config.json"));
        observer ??= SilentObserver.Instance;
        var parts = CreateParts(config, manifest.Command, observer);
        string statePath = Path.Combine(dir, CheckpointFolder, StateFile);
        ArrayArchive? state = null;
        if (File.Exists(statePath))
        {
            state = ArrayArchive.Read(statePath);
            if (state.String("format") != CheckpointFormat || state.String("command") != manifest.Command)
                throw new InputException("DIR", statePath, "is not a checkpoint of this run");
            if (state.String("config") != config.ToJson())
                throw new InputException("DIR", Path.Combine(dir, "config.json"), "was changed after the run started; a run resumes only with its own configuration");
        }
        var resumed = manifest with
        {
            Start = DateTimeOffset.UtcNow, End = null, WallSeconds = 0, Threads = Parallelism.Threads, Status = RunManifest.Running,
            Message = null, Resumes = manifest.Resumes + 1,
        };
        resumed.Write(dir);
        return new RunSession(dir, config, manifest.Command, resumed, state, parts, observer);
    }

    private static List<IRunPart> CreateParts(RunConfiguration config, string command, IRunObserver observer)
    {
        var parts = new List<IRunPart>();
        if (command is "run" or "solve")
            parts.Add(config.Solver.IsSpectral ? new SpectralPart(config, observer) : new PdePart(config, observer));
        if (command is "run" or "simulate") parts.Add(new ParticlePart(config));
        if (command is "run") parts.Add(new NtkPart(config));
        return parts;
    }

    /// <summary>
    /// Advances every part through all output times (from the checkpoint when resuming), writing a record per
    /// output time and checkpoints as configured; then writes the data files. Throws
    /// <see cref="OperationCanceledException"/> after writing a checkpoint when <paramref name="cancellation"/> fires.
    /// </summary>
    public RunResults Execute(CancellationToken cancellation = default)
    {
        var parts = _parts;
        double[] times = [0, .. Configuration.Time.OutputTimes];
        var records = new List<ArrayArchive>();
        System.IO.Directory.CreateDirectory(CheckpointDirectory);
        if (_resumeState is not null)
        {
            foreach (var part in parts) part.RestoreState(_resumeState);
            int done = checked((int)_resumeState.Long("completed"));
            for (int k = 0; k < done; k++) records.Add(ArrayArchive.Read(RecordPath(k)));
            // The time of the evolving parts (the NTK part is a closed form and has no state).
            double at = parts.Where(p => p is not NtkPart).Select(p => p.Time).DefaultIfEmpty(0).Min();
            _observer.Info(string.Create(CultureInfo.InvariantCulture,
                $"resuming from the checkpoint at t = {at:G6} ({done} of {times.Length} outputs done)"));
        }
        else if (Manifest.Resumes > 0)
            _observer.Warning("no checkpoint was written before the run stopped: it restarts from t = 0");
        double end = Configuration.Time.End;
        var control = new RunControl(TimeSpan.FromSeconds(Configuration.Output.CheckpointSeconds),
            () => WriteCheckpoint(parts, records.Count), cancellation, _observer,
            () => Fraction(parts, end));
        for (int k = records.Count; k < times.Length; k++)
        {
            foreach (var part in parts) part.AdvanceTo(times[k], control);
            var record = new ArrayArchive().Set(RunRecords.Time, times[k]);
            try
            {
                foreach (var part in parts) part.Record(record, control);
                if (record.Contains(RunRecords.PdeDensity) && record.Contains(RunRecords.ParticlePositions)) Compare(record, control);
            }
            catch (OperationCanceledException)
            {
                // Interrupted in a diagnostic: every part stands exactly at t_k, a valid restart point.
                WriteCheckpoint(parts, records.Count);
                throw;
            }
            record.Write(RecordPath(k));
            records.Add(record);
            control.AtOutput();
        }
        WriteCheckpoint(parts, records.Count);
        var results = RunResults.FromRecords(Configuration, Command, records);
        results.WriteDataFiles(Directory);
        return results;
    }

    /// <summary>Share of the simulated time done by the evolving parts.</summary>
    private static double Fraction(IReadOnlyList<IRunPart> parts, double end)
    {
        var evolving = parts.Where(p => p is not NtkPart).ToList();
        return evolving.Count == 0 ? 1 : evolving.Sum(p => p.Time) / (evolving.Count * end);
    }

    /// <summary>PDE against particles at one output time: residuals, W2 (with its bracket) and marginal W2 (exact 1D transport).</summary>
    private void Compare(ArrayArchive record, RunControl control)
    {
        var grid = Configuration.Grid.ToGrid();
        var density = record.Doubles(RunRecords.PdeDensity);
        var atoms = new AtomicMeasure(record.Doubles(RunRecords.ParticlePositions), grid.Dimension, name: "particles");
        var rPde = record.Doubles(RunRecords.PdeResiduals);
        var rParticles = record.Doubles(RunRecords.ParticleResiduals);
        double maxDr = rPde.Zip(rParticles, (a, b) => Math.Abs(a - b)).Max();
        double w2Theta = 0;
        // Both are probability measures by construction (the density's mass drifts by round-off only): normalized.
        for (int k = 0; k < grid.ThetaDimension; k++) w2Theta += Transport1D.MarginalW2Squared(grid, density, atoms, k, normalize: true);
        double w2U = Transport1D.MarginalW2Squared(grid, density, atoms, grid.UAxis, normalize: true);
        var w2 = control.MeasureW2("W2(PDE, particles)", record.Double(RunRecords.Time), grid.Count, atoms.Count,
            options => Wasserstein.Between(grid, density, atoms, options));
        record.Set(RunRecords.Comparison, [maxDr, w2.W2, w2.ErrorBound, Math.Sqrt(w2Theta), Math.Sqrt(w2U)])
              .Set(RunRecords.ComparisonMethod, w2.Method);
    }

    private string RecordPath(int k) => Path.Combine(CheckpointDirectory, $"output-{SnapshotFile.Name(k)}.bin");

    private void WriteCheckpoint(IReadOnlyList<IRunPart> parts, int completed)
    {
        var state = new ArrayArchive()
            .Set("format", CheckpointFormat)
            .Set("command", Command)
            .Set("config", Configuration.ToJson())
            .Set("completed", completed);
        foreach (var part in parts) part.SaveState(state);
        state.Write(Path.Combine(CheckpointDirectory, StateFile));
    }

    /// <summary>Marks the run complete and removes its checkpoint (call after the last file is written).</summary>
    public void Complete()
    {
        Finish(RunManifest.Completed, null);
        try { System.IO.Directory.Delete(CheckpointDirectory, recursive: true); }
        catch (IOException e) { _observer.Warning($"the checkpoint folder could not be removed: {e.Message}"); }
    }

    public void MarkInterrupted(string message) => Finish(RunManifest.Interrupted, message);

    public void MarkFailed(string message) => Finish(RunManifest.Failed, message);

    private void Finish(string status, string? message)
    {
        var end = DateTimeOffset.UtcNow;
        _manifest = _manifest with { End = end, WallSeconds = (end - _manifest.Start).TotalSeconds, Status = status, Message = message };
        _manifest.Write(Directory);
    }
}
