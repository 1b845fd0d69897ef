using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// One evolving part of a run (the PDE, the particles): it advances to the next output time, saves and
/// restores its state bit-exactly for checkpoints, and records its results at an output time.
/// </summary>
internal interface IRunPart
{
    /// <summary>Key prefix in checkpoints and records, e.g. <c>pde</c>.</summary>
    string Name { get; }

    /// <summary>Current simulated time.</summary>
    double Time { get; }

    void AdvanceTo(double t, RunControl control);

    void SaveState(ArrayArchive state);

    void RestoreState(ArrayArchive state);

    /// <summary>Adds this part's results at the current (output) time to <paramref name="record"/>.</summary>
    void Record(ArrayArchive record, RunControl control);
}
