using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FokkerPlanckNtk;

/// <summary>
/// The share of a core that a thread of this process gets now: its CPU time over the wall time of a short fixed piece of
/// work. On an idle machine it is 1; under load (more runnable threads than cores, or a lower priority than the others)
/// it is less, and every wall time measured on an idle machine is 1/share longer. Used to turn cost estimates into wall
/// times for the method choices that have a wall-time budget, never for results.
/// </summary>
public static partial class CpuShare
{
    /// <summary>The smallest share reported (a thread that got almost nothing in the probe window).</summary>
    public const double Minimum = 0.01;

    /// <summary>CPU time the probe spends (its wall time is this over the share, at most <see cref="MaxProbeSeconds"/>).</summary>
    public const double ProbeCpuSeconds = 0.02;

    /// <summary>Longest wall time of a probe.</summary>
    public const double MaxProbeSeconds = 0.5;

    /// <summary>
    /// Measures the current thread's share: spins a fixed arithmetic loop until it has used <see cref="ProbeCpuSeconds"/> of
    /// CPU (or <see cref="MaxProbeSeconds"/> of wall time passed), and returns CPU over wall time, in [<see cref="Minimum"/>, 1].
    /// The thread's own CPU clock on Linux and macOS (other threads of the process, e.g. the tasks of a sweep, do not count);
    /// elsewhere the process's, which overstates the share when other threads of the process are busy.
    /// </summary>
    public static double Measure()
    {
        double cpu0 = ThreadCpuSeconds();
        var wall = Stopwatch.StartNew();
        double x = 1, cpu;
        do
        {
            for (int i = 0; i < 20_000; i++) x = x * 1.0000001 + 1e-9; // ~20 µs of dependent arithmetic
            cpu = ThreadCpuSeconds() - cpu0;
        }
        while (cpu < ProbeCpuSeconds && wall.Elapsed.TotalSeconds < MaxProbeSeconds);
        double elapsed = wall.Elapsed.TotalSeconds;
        GC.KeepAlive(x);
        return Clamp(cpu, elapsed);
    }

    /// <summary>CPU over wall time, in [<see cref="Minimum"/>, 1] (1 when no wall time passed).</summary>
    public static double Clamp(double cpuSeconds, double wallSeconds) =>
        wallSeconds > 0 ? Math.Clamp(cpuSeconds / wallSeconds, Minimum, 1) : 1;

    private static double ThreadCpuSeconds()
    {
        int clock = OperatingSystem.IsLinux() ? 3 : OperatingSystem.IsMacOS() ? 16 : -1; // CLOCK_THREAD_CPUTIME_ID
        try
        {
            if (clock >= 0 && ClockGetTime(clock, out var t) == 0) return t.Seconds + 1e-9 * t.Nanoseconds;
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
        return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
