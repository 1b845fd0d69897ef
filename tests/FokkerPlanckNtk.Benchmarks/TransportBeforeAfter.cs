using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Benchmarks;

/// <summary>
/// Exact W2 of two builds of the library in one process: each build's FokkerPlanckNtk.dll in its own load context,
/// the same data (<see cref="TransportProblems"/>) given to both, solves alternating A B, B A, … so that the load of
/// a shared machine falls on both alike. Per case: median times, the median (and range) of the per-pair ratios B/A,
/// and whether both builds returned the same cost (bit for bit) and pivot count. Dense cases run
/// <see cref="NetworkSimplex.Solve"/>, <c>colgen</c> cases <see cref="SparseTransport.Solve(AtomicMeasure, AtomicMeasure, bool, SparseTransportOptions?)"/>.
/// Usage: <c>transport-before-after DIR_A DIR_B [pairs [case…]]</c> (DIR: a folder with a build of the library, e.g. the
/// output of <c>dotnet build src/FokkerPlanckNtk.Cli -c Release -o DIR</c>); cases e.g. <c>grid32</c>, <c>cloud1000</c>, <c>grid64:colgen</c>.
/// </summary>
internal static class TransportBeforeAfter
{
    private static readonly string[] DefaultCases = ["grid32", "cloud1000", "cloud4000", "grid64", "grid64:colgen", "grid96:colgen"];

    public static void Run(string[] args)
    {
        var builds = new[] { Library.Load(args[1]), Library.Load(args[2]) };
        int pairs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 9;
        var cases = args.Length > 4 ? args[4..] : DefaultCases;
        Console.WriteLine($"A: {args[1]}\nB: {args[2]}; {pairs} pairs per case after one warm-up pair");
        Console.WriteLine("| case | A ms (median) | B ms (median) | B/A: median (min … max) | same cost bits and pivots |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var name in cases)
        {
            bool colgen = name.EndsWith(":colgen", StringComparison.Ordinal);
            var (source, target) = TransportProblems.Create(colgen ? name[..^7] : name);
            var data = builds.Select(b => (b.Measure(source), b.Measure(target))).ToArray();
            var (ta, tb, ratio) = (new List<double>(), new List<double>(), new List<double>());
            bool same = true;
            for (int r = 0; r <= pairs; r++)
            {
                var t = new double[2];
                var result = new (double Cost, long Pivots)[2];
                foreach (int s in r % 2 == 0 ? new[] { 0, 1 } : [1, 0])
                {
                    var clock = Stopwatch.StartNew();
                    result[s] = builds[s].Solve(data[s].Item1, data[s].Item2, colgen);
                    t[s] = clock.Elapsed.TotalMilliseconds;
                }
                same &= BitConverter.DoubleToInt64Bits(result[0].Cost) == BitConverter.DoubleToInt64Bits(result[1].Cost)
                    && result[0].Pivots == result[1].Pivots;
                if (r == 0) continue; // warm-up: JIT tiers
                ta.Add(t[0]);
                tb.Add(t[1]);
                ratio.Add(t[1] / t[0]);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {Median(ta):F1} | {Median(tb):F1} | {Median(ratio):F3} ({ratio.Min():F3} … {ratio.Max():F3}) | {(same ? "yes" : "NO")} |"));
        }
    }

    private static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : 0.5 * (s[s.Count / 2 - 1] + s[s.Count / 2]);
    }

    /// <summary>One build's AtomicMeasure constructor and solvers, by reflection (the public API only).</summary>
    private sealed class Library(Type measure, MethodInfo dense, MethodInfo sparse)
    {
        public static Library Load(string folder)
        {
            var context = new BuildContext(Path.GetFullPath(folder));
            var assembly = context.LoadFromAssemblyPath(Path.Combine(Path.GetFullPath(folder), "FokkerPlanckNtk.dll"));
            var measure = assembly.GetType("FokkerPlanckNtk.Metrics.AtomicMeasure", throwOnError: true)!;
            MethodInfo Solver(string type) => assembly.GetType(type, throwOnError: true)!.GetMethods(BindingFlags.Public | BindingFlags.Static)
                .Single(m => m.Name == "Solve" && m.GetParameters()[0].ParameterType == measure);
            return new Library(measure, Solver("FokkerPlanckNtk.Metrics.NetworkSimplex"), Solver("FokkerPlanckNtk.Metrics.SparseTransport"));
        }

        public object Measure(AtomicMeasure m) =>
            Activator.CreateInstance(measure, m.Positions.ToArray(), m.Dimension, m.Weights.ToArray(), m.Name)!;

        public (double Cost, long Pivots) Solve(object source, object target, bool colgen)
        {
            var method = colgen ? sparse : dense;
            var parameters = method.GetParameters();
            var values = new object?[parameters.Length];
            values[0] = source;
            values[1] = target;
            for (int i = 2; i < values.Length; i++) values[i] = parameters[i].DefaultValue;
            var solution = method.Invoke(null, values)!;
            var type = solution.GetType();
            return ((double)type.GetProperty("Cost")!.GetValue(solution)!, (long)type.GetProperty("Iterations")!.GetValue(solution)!);
        }
    }

    private sealed class BuildContext(string folder) : AssemblyLoadContext(name: null)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            string path = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
