using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Simulations;

/// <summary>
/// Checkpoints of a <see cref="Simulation"/> in one folder: <c>state.bin</c> (every model's state, how many
/// scheduled times are done, how many records each series holds, and identity entries that a pickup must
/// match) and one file per record of each series (<c>NAME-0000.bin</c>, …), written once. Every file is
/// written atomically and the state last, so a process killed at any moment leaves a consistent checkpoint:
/// the previous one, or the new one. Written on its <see cref="Schedule"/> (every 180 s of wall time by
/// default), when the run is cancelled, and when it has reached its stop time (before the output files, which
/// are made from the records only, so a run killed while writing them is resumed to the same files).
/// </summary>
public sealed class Checkpointer
{
    /// <summary>The state file's name in the checkpoint folder.</summary>
    public const string StateFile = "state.bin";
    private const string Format = "fpntk-checkpoint";

    private readonly Dictionary<string, (string Value, Func<InputException> Mismatch)> _identity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _saved = new(StringComparer.Ordinal);

    /// <param name="schedule">When to write during the run (a step schedule); default every 180 s of wall time.</param>
    /// <param name="directory">The checkpoint folder (created when a checkpoint is written).</param>
    public Checkpointer(string directory, Schedule? schedule = null)
    {
        Directory = System.IO.Path.GetFullPath(directory);
        Schedule = schedule ?? new WallTimeInterval(TimeSpan.FromSeconds(180));
    }

    /// <summary>The checkpoint folder.</summary>
    public string Directory { get; }

    /// <summary>When checkpoints are written during the run.</summary>
    public Schedule Schedule { get; }

    /// <summary>The path of the state file.</summary>
    public string StatePath => System.IO.Path.Combine(Directory, StateFile);

    /// <summary>Checkpoints written by this instance.</summary>
    public int Written { get; private set; }

    /// <summary>Whether a checkpoint exists to pick up from.</summary>
    public bool HasState => File.Exists(StatePath);

    /// <summary>
    /// An entry stored with every checkpoint that a pickup must find unchanged (e.g. the configuration); on a
    /// mismatch the pickup throws the exception <paramref name="mismatch"/> makes.
    /// </summary>
    public void Require(string key, string value, Func<InputException> mismatch) => _identity[key] = (value, mismatch);

    private string RecordPath(string name, int index) => System.IO.Path.Combine(Directory, $"{name}-{SnapshotFile.Name(index)}.bin");

    internal void Save(Simulation simulation)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var state = new ArrayArchive().Set("format", Format);
        foreach (var (key, (value, _)) in _identity) state.Set("identity." + key, value);
        state.Set("times", simulation.ScheduledTimes.ToArray()).Set("completed", simulation.TimesDone);
        foreach (var model in simulation.Models) model.Save(state);
        foreach (var series in simulation.Recorded)
        {
            // New records first: the state written below refers to them.
            int from = Math.Min(_saved.GetValueOrDefault(series.Name), series.Count);
            for (int k = from; k < series.Count; k++)
            {
                var record = new ArrayArchive();
                series.SaveRecord(k, record);
                record.Write(RecordPath(series.Name, k));
            }
            _saved[series.Name] = series.Count;
            state.Set($"records.{series.Name}", series.Count);
        }
        state.Write(StatePath);
        Written++;
    }

    /// <summary>
    /// Reads the last checkpoint and checks that it belongs to <paramref name="simulation"/> (format, identity
    /// entries, scheduled times) without restoring anything; throws <see cref="InputException"/> if not.
    /// </summary>
    public void Check(Simulation simulation) => ReadChecked(simulation);

    private ArrayArchive ReadChecked(Simulation simulation)
    {
        var state = ArrayArchive.Read(StatePath);
        if (!state.Contains("format") || state.String("format") != Format)
            throw new InputException("checkpoint", StatePath, "is not an fpntk checkpoint");
        foreach (var (key, (value, mismatch)) in _identity)
            if (!state.Contains("identity." + key) || state.String("identity." + key) != value) throw mismatch();
        if (!state.Contains("times") || !state.Doubles("times").AsSpan().SequenceEqual(simulation.ScheduledTimes.ToArray()))
            throw new InputException("checkpoint", StatePath, "was written by a simulation with other scheduled times");
        return state;
    }

    /// <summary>Restores models and series; returns the number of scheduled times already done.</summary>
    internal int Restore(Simulation simulation)
    {
        var state = ReadChecked(simulation);
        foreach (var model in simulation.Models) model.Restore(state);
        foreach (var series in simulation.Recorded)
        {
            int count = checked((int)state.Long($"records.{series.Name}"));
            series.Clear();
            for (int k = 0; k < count; k++) series.LoadRecord(ArrayArchive.Read(RecordPath(series.Name, k)));
            _saved[series.Name] = count;
        }
        return checked((int)state.Long("completed"));
    }

    /// <summary>Removes the folder (after the run is complete).</summary>
    public void Delete()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"checkpoints in {Directory}");
}
