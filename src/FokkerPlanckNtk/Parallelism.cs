namespace FokkerPlanckNtk;

/// <summary>
/// The thread count used by every parallel loop of the library (`--threads N`). Results never depend
/// on it: work is split into fixed blocks and reductions combine block results in a fixed order.
/// </summary>
public static class Parallelism
{
    private static int _threads = Environment.ProcessorCount;

    /// <summary>Worker threads (≥ 1; default: the processor count).</summary>
    public static int Threads
    {
        get => _threads;
        set => _threads = InputException.RequireAtLeast("threads", value, 1);
    }

    /// <summary>Options with <see cref="Threads"/> as the maximum degree of parallelism.</summary>
    public static ParallelOptions Options => new() { MaxDegreeOfParallelism = _threads };
}
