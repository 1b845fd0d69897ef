namespace FokkerPlanckNtk;

/// <summary>
/// The thread count used by every parallel loop of the library (`--threads N`). Results never depend
/// on it: work is split into fixed blocks and reductions combine block results in a fixed order.
/// </summary>
public static class Parallelism
{
    private static int _threads = Environment.ProcessorCount;

    // A worker's own count (the workers of a sweep share the cores): flows into the loops the worker starts.
    private static readonly AsyncLocal<int?> Scoped = new();

    /// <summary>Worker threads (≥ 1; default: the processor count); inside <see cref="Run"/> the count given there.</summary>
    public static int Threads
    {
        get => Scoped.Value ?? _threads;
        set => _threads = InputException.RequireAtLeast("threads", value, 1);
    }

    /// <summary>Options with <see cref="Threads"/> as the maximum degree of parallelism.</summary>
    public static ParallelOptions Options => new() { MaxDegreeOfParallelism = Threads };

    /// <summary>
    /// Runs <paramref name="body"/> with <paramref name="threads"/> threads for every parallel loop it starts (directly or in
    /// tasks it awaits), without changing the count of other callers: the workers of a sweep each get their share of the cores.
    /// </summary>
    public static T Run<T>(int threads, Func<T> body)
    {
        InputException.RequireAtLeast("threads", threads, 1);
        int? previous = Scoped.Value;
        Scoped.Value = threads;
        try { return body(); }
        finally { Scoped.Value = previous; }
    }
}
