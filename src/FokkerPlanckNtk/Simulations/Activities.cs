using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Simulations;

/// <summary>
/// An evolving model of a <see cref="Simulation"/> (the finite-volume PDE, the particle system, …). The
/// simulation moves it to each scheduled time by calling <see cref="StepToward"/> until <see cref="HasReached"/>
/// holds, so that it can run step callbacks and checkpoints between any two steps; every step boundary must
/// therefore be a valid restart point of <see cref="Save"/>/<see cref="Restore"/> (bit-identical continuation).
/// </summary>
public interface IModel
{
    /// <summary>A short unique name (<c>pde</c>, <c>particles</c>): key prefix in checkpoints, label in progress lines.</summary>
    string Name { get; }

    /// <summary>The simulated time of the current state.</summary>
    double Time { get; }

    /// <summary>Steps taken so far.</summary>
    long Steps { get; }

    /// <summary>The size of the last step (0 before the first).</summary>
    double LastStep { get; }

    /// <summary>The loss L = (1/n) Σ r_i² of the current state (for progress lines; may cost a pass over the state).</summary>
    double Loss { get; }

    /// <summary>Whether the model stands at <paramref name="time"/> (exactly, or at its step nearest to it).</summary>
    bool HasReached(double time);

    /// <summary>One step toward <paramref name="time"/>; a model that lands exactly never steps beyond it.</summary>
    void StepToward(double time);

    /// <summary>Writes the state (entries named <c>Name.…</c>) for a checkpoint.</summary>
    void Save(ArrayArchive state);

    /// <summary>Continues from a state written by <see cref="Save"/>, bit-identically.</summary>
    void Restore(ArrayArchive state);
}

/// <summary>
/// A model that shows its state at a time inside its next step without stepping there: a side step, made by a
/// scratch copy of the state (kept for the next one, so nothing is allocated after the first). The simulation
/// uses it at the times of <see cref="SampledTimes"/>: the model keeps stepping toward its next landing time while
/// its next step cannot reach the sampled time t, then <see cref="BeginSideStep"/>(t); the callbacks run; then
/// <see cref="EndSideStep"/>. Between the two, what describes the state (<see cref="IModel.Time"/>,
/// <see cref="IModel.Loss"/>, records, diagnostics) is that of the copy at t; what describes the model's own
/// stepping (<see cref="IModel.Steps"/>, <see cref="IModel.LastStep"/>, <see cref="IModel.HasReached"/>,
/// <see cref="IModel.StepToward"/>, <see cref="IModel.Save"/>) is unchanged.
/// </summary>
public interface ISideStepModel : IModel
{
    /// <summary>
    /// An upper bound of the time that the next <see cref="IModel.StepToward"/>(<paramref name="target"/>) reaches; asking
    /// changes nothing that step computes.
    /// </summary>
    double NextStepReach(double target);

    /// <summary>Shows the state at <paramref name="time"/> (after <see cref="IModel.Time"/>): the current state advanced there on a scratch copy.</summary>
    void BeginSideStep(double time);

    /// <summary>Shows the model's own state again.</summary>
    void EndSideStep();
}

/// <summary>Something a <see cref="Simulation"/> runs on a <see cref="Simulations.Schedule"/>: a measurement, a log line, a check.</summary>
public interface ICallback
{
    /// <summary>When the callback runs.</summary>
    Schedule Schedule { get; }

    /// <summary>Runs at a scheduled time (<see cref="Simulation.SteppingModel"/> null) or after a step (the model that stepped).</summary>
    void Invoke(Simulation simulation);
}

/// <summary>A callback from a delegate.</summary>
public sealed class Callback(Schedule schedule, Action<Simulation> action) : ICallback
{
    /// <inheritdoc/>
    public Schedule Schedule { get; } = schedule;

    /// <inheritdoc/>
    public void Invoke(Simulation simulation) => action(simulation);
}

/// <summary>
/// A growing list of records that a checkpoint must keep (a time series): each record is saved once, in a file
/// of its own, so a checkpoint costs the new records only.
/// </summary>
public interface IRecorded
{
    /// <summary>A unique, file-name-safe name.</summary>
    string Name { get; }

    /// <summary>Records held.</summary>
    int Count { get; }

    /// <summary>Writes record <paramref name="index"/> into <paramref name="record"/>.</summary>
    void SaveRecord(int index, ArrayArchive record);

    /// <summary>Appends a record written by <see cref="SaveRecord"/> (records come back in order, after a <see cref="Clear"/>).</summary>
    void LoadRecord(ArrayArchive record);

    /// <summary>Drops every record (before records are loaded back from a checkpoint).</summary>
    void Clear();

    /// <summary>Drops the records after the first <paramref name="count"/> (a scheduled time interrupted midway is measured again).</summary>
    void TruncateTo(int count);
}

/// <summary>A file written from the simulation's results when a run completes (a CSV table, the HDF5 snapshots, a JSON document).</summary>
public interface IOutputWriter
{
    /// <summary>The file, relative to <see cref="Simulation.OutputDirectory"/> (or absolute).</summary>
    string Path { get; }

    /// <summary>Writes the file (atomically) at <paramref name="path"/>, the resolved <see cref="Path"/>.</summary>
    void Write(string path);
}
