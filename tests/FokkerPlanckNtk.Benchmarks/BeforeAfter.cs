using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace FokkerPlanckNtk.Benchmarks;

/// <summary>
/// Two builds of the library in one process, stepped alternately: each build's copy of
/// tests/FokkerPlanckNtk.StepProbe (the same source compiled against it) is loaded into its own load context,
/// and for every case blocks of steps of the two alternate (A B, B A, A B, …) on four fresh pairs of steppers so that the machine's load,
/// which changes over seconds on a shared machine, falls on both alike. Per pair of blocks the ratio
/// B/A of the times per step (wall and process CPU); the table gives the medians and the interquartile range of those ratios.
/// Usage: <c>before-after DIR_A DIR_B [pairs per instance [case…]]</c> (DIR: a StepProbe output folder).
/// </summary>
internal static class BeforeAfter
{
    private static readonly string[] DefaultCases =
    [
        "pde-auto-128", "pde-auto-64", "pde-implicitfeedback-128", "pde-implicitfeedback-64",
        "particles-100000", "particles-1000000",
    ];

    /// <summary>Fresh pairs of steppers per case.</summary>
    private const int Instances = 4;

    public static void Run(string[] args)
    {
        var a = Load(args[1]);
        var b = Load(args[2]);
        int pairs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 20;
        var cases = args.Length > 4 ? args[4..] : DefaultCases;
        Console.WriteLine($"auto resolves to: A {a.Resolved(128)} / B {b.Resolved(128)} (128²), "
            + $"A {a.Resolved(64)} / B {b.Resolved(64)} (64²); {Instances} × {pairs} pairs of blocks of ~40 ms per case");
        Console.WriteLine($"A: {a.Library}\nB: {b.Library}");
        Console.WriteLine("| case | threads | A wall ns/step | B wall ns/step | B/A wall: median (IQR) | A CPU ns/step | B CPU ns/step | B/A CPU: median (IQR) |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (int threads in new[] { 1, 2 })
            foreach (var c in cases)
            {
                var (wa, wb, ca, cb) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
                for (int instance = 0; instance < Instances; instance++)
                {
                    // Fresh steppers per instance, created in alternating order: where the arrays land (their alignment
                    // to cache lines, the pages) changes a step's time by a few per cent for the same code.
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    Action<int> stepA, stepB;
                    if (instance % 2 == 0) { stepA = a.Create(c, threads); stepB = b.Create(c, threads); }
                    else { stepB = b.Create(c, threads); stepA = a.Create(c, threads); }
                    // Past the JIT tiers (tiered compilation promotes after ~30 calls and a background delay, whose
                    // compilations count in the process's CPU time): 2 s of alternating blocks each the first time.
                    var warm = Stopwatch.StartNew();
                    while (warm.Elapsed.TotalSeconds < (instance == 0 ? 4 : 0.5))
                    {
                        int n = Calibrate(stepA, 0.04);
                        Time(stepA, n);
                        Time(stepB, n);
                    }
                    int block = Calibrate(stepA, 0.04);
                    for (int k = 0; k < pairs; k++)
                    {
                        var (first, second) = k % 2 == 0 ? (stepA, stepB) : (stepB, stepA);
                        var t1 = Time(first, block);
                        var t2 = Time(second, block);
                        var (ta, tb) = k % 2 == 0 ? (t1, t2) : (t2, t1);
                        wa.Add(ta.Wall); ca.Add(ta.Cpu);
                        wb.Add(tb.Wall); cb.Add(tb.Cpu);
                    }
                }
                Console.WriteLine(FormattableString.Invariant(
                    $"| {c} | {threads} | {Quantile(wa, 0.5):F0} | {Quantile(wb, 0.5):F0} | {Ratios(wb, wa)} | {Quantile(ca, 0.5):F0} | {Quantile(cb, 0.5):F0} | {Ratios(cb, ca)} |"));
            }
    }

    private sealed record Build(Func<string, int, Action<int>> Create, Func<int, string> Resolved, AssemblyLoadContext Context)
    {
        /// <summary>Where the library this build runs on was loaded from (after a first call).</summary>
        public string Library => Context.Assemblies.Single(x => x.GetName().Name == "FokkerPlanckNtk") is var l
            ? $"{l.Location} (module {l.ManifestModule.ModuleVersionId})" : "";
    }

    private static Build Load(string folder)
    {
        var context = new BuildContext(Path.GetFullPath(folder));
        var probe = context.LoadFromAssemblyPath(Path.Combine(Path.GetFullPath(folder), "FokkerPlanckNtk.StepProbe.dll"))
            .GetType("FokkerPlanckNtk.StepProbe.StepProbe", throwOnError: true)!;
        var create = probe.GetMethod("Create")!.CreateDelegate<Func<string, int, Action<int>>>();
        var resolved = probe.GetMethod("ResolvedStepper")!.CreateDelegate<Func<int, string>>();
        return new Build(create, resolved, context);
    }

    /// <summary>Every assembly found in the build's folder from there (its own library), the rest from the host.</summary>
    private sealed class BuildContext(string folder) : AssemblyLoadContext(name: null)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            string path = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }

    /// <summary>Steps per block such that one block takes about <paramref name="seconds"/>.</summary>
    private static int Calibrate(Action<int> step, double seconds)
    {
        int n = 1;
        while (true)
        {
            double t = Time(step, n).Wall * n * 1e-9;
            if (t >= seconds / 4) return Math.Max(1, (int)Math.Round(n * seconds / t));
            n *= 2;
        }
    }

    /// <summary>
    /// Wall and CPU ns per step over <paramref name="steps"/> steps. CPU time is the process's (every thread,
    /// nanosecond clock): on a shared machine it leaves out the time the steps waited for a core.
    /// </summary>
    private static (double Wall, double Cpu) Time(Action<int> step, int steps)
    {
        long cpu = ProcessCpuNanoseconds();
        var watch = Stopwatch.StartNew();
        step(steps);
        double wall = watch.Elapsed.TotalNanoseconds;
        return (wall / steps, (double)(ProcessCpuNanoseconds() - cpu) / steps);
    }

    private static string Ratios(List<double> b, List<double> a)
    {
        var r = b.Zip(a, (x, y) => x / y).ToArray();
        return FormattableString.Invariant($"{Quantile(r, 0.5):F3} ({Quantile(r, 0.25):F3}–{Quantile(r, 0.75):F3})");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static long ProcessCpuNanoseconds()
    {
        const int ProcessCpuTimeId = 2; // CLOCK_PROCESS_CPUTIME_ID (Linux)
        if (ClockGetTime(ProcessCpuTimeId, out var t) != 0) throw new InvalidOperationException("clock_gettime failed");
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    private static double Quantile(IReadOnlyList<double> values, double q)
    {
        var s = values.Order().ToArray();
        double x = q * (s.Length - 1);
        int i = (int)Math.Floor(x);
        return i + 1 < s.Length ? s[i] + (x - i) * (s[i + 1] - s[i]) : s[i];
    }
}
