using System.Collections;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;

namespace FokkerPlanckNtk.Simulations;

/// <summary>
/// Results of a measurement at the times of a schedule, as plain typed records (<c>series[k]</c>, in time order,
/// measured at <c>series.Times[k]</c>): a callback that calls <c>measure</c> when its schedule fires and keeps
/// what it returns with the time (the scheduled time, or after a step the time of the model that stepped). Kept by checkpoints
/// (through a record codec: the built-in records have one, see <see cref="RecordCodecs"/>), so a resumed run
/// ends with the same records as an uninterrupted one.
/// </summary>
public sealed class TimeSeries<T> : ICallback, IRecorded, IReadOnlyList<T>
{
    private readonly List<T> _records = [];
    private readonly List<double> _times = [];
    private readonly Func<T> _measure;
    private readonly IRecordCodec<T>? _codec;

    /// <param name="name">Unique within the simulation and file-name safe (it names the checkpoint files).</param>
    /// <param name="codec">How a record is stored in a checkpoint; null: the built-in codec of <typeparamref name="T"/>, if any.</param>
    /// <param name="schedule">When to measure.</param>
    /// <param name="measure">Makes the record of the models' current state.</param>
    public TimeSeries(string name, Schedule schedule, Func<T> measure, IRecordCodec<T>? codec = null)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0 || name.Contains(' '))
            throw new ArgumentException($"'{name}' is not a usable series name (it names files)", nameof(name));
        Name = name;
        Schedule = schedule;
        _measure = measure;
        _codec = codec ?? RecordCodecs.For<T>();
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public Schedule Schedule { get; }

    /// <inheritdoc/>
    public int Count => _records.Count;

    /// <summary>The record measured at <see cref="Times"/>[<paramref name="index"/>].</summary>
    public T this[int index] => _records[index];

    /// <summary>The time of each record.</summary>
    public IReadOnlyList<double> Times => _times;

    /// <inheritdoc/>
    public void Invoke(Simulation simulation)
    {
        _records.Add(_measure());
        _times.Add(simulation.SteppingModel?.Time ?? simulation.Time);
    }

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => _records.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    void IRecorded.SaveRecord(int index, ArrayArchive record)
    {
        record.Set(TimeKey, _times[index]);
        Codec.Save(_records[index], record);
    }

    void IRecorded.LoadRecord(ArrayArchive record)
    {
        _records.Add(Codec.Load(record));
        _times.Add(record.Double(TimeKey));
    }

    void IRecorded.Clear()
    {
        _records.Clear();
        _times.Clear();
    }

    void IRecorded.TruncateTo(int count)
    {
        _records.RemoveRange(count, _records.Count - count);
        _times.RemoveRange(count, _times.Count - count);
    }

    private const string TimeKey = "series.t";

    private IRecordCodec<T> Codec => _codec
        ?? throw new InvalidOperationException($"the series '{Name}' of {typeof(T).Name} has no record codec, so it cannot be checkpointed; pass one");
}
