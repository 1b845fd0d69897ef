namespace FokkerPlanckNtk.Tests.Support;

/// <summary>
/// What a hot path allocates per call in steady state, measured on one thread: GC.GetAllocatedBytesForCurrentThread
/// counts the calling thread only, and with one thread every parallel loop runs inline on it (with more,
/// Parallel.For's own bookkeeping, a few hundred bytes per call, lands on pool threads).
/// </summary>
internal static class Allocations
{
    /// <summary>
    /// The least bytes allocated by one of <paramref name="windows"/> runs of <paramref name="window"/>, after
    /// <paramref name="warmUp"/> (workspaces, first-call JIT), all with <see cref="Parallelism.Threads"/> = 1.
    /// The runtime can allocate once on the calling thread by itself while tiered compilation swaps in optimized
    /// code: measured as one object[]-sized block of 2.7–5.1 KB at a time-dependent step, in about 1 window of 20
    /// particle steps out of 250, and never with DOTNET_TieredCompilation=0. Such a one-off lands in one window;
    /// an allocation of the path itself lands in every window, so the least of three is the path's own.
    /// </summary>
    public static long LeastOfWindows(Action warmUp, Action window, int windows = 3)
    {
        int saved = Parallelism.Threads;
        try
        {
            Parallelism.Threads = 1;
            warmUp();
            long least = long.MaxValue;
            for (int w = 0; w < windows; w++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                window();
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            return least;
        }
        finally { Parallelism.Threads = saved; }
    }
}
