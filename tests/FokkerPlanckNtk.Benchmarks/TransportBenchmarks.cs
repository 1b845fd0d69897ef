using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Benchmarks;

/// <summary>
/// Exact W2² by the network simplex on the problems of <see cref="TransportProblems"/>. Peer: POT's
/// <c>ot.emd2</c> (LEMON's network simplex in C++, dense cost matrix) on bit-identical data, timed by
/// validation/transport/compare_pot.py, which also merges the table. Target: no slower than POT, the
/// same value to 1e-9 relative, 64² vs 64² in well under 2 GB. Each case runs in its own process; the
/// value, pivot count, checksum of the data and the process's peak working set go to the CSV named by
/// FPNTK_TRANSPORT_VALUES (if set). The table compares minima (ours: BenchmarkDotNet's Min; POT: best
/// of 3–5 runs), the statistic least disturbed by other load on a shared machine.
/// Run: <c>validation/transport/run.sh</c>, or
/// <c>dotnet run -c Release --project tests/FokkerPlanckNtk.Benchmarks -- --filter '*TransportBenchmarks*'</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 7)]
[MinColumn, MedianColumn, MemoryDiagnoser]
public class TransportBenchmarks
{
    private AtomicMeasure _source = null!;
    private AtomicMeasure _target = null!;
    private TransportSolution? _last;

    [ParamsSource(nameof(Problems))]
    public string Problem { get; set; } = "";

    public static IEnumerable<string> Problems => TransportProblems.Names;

    [GlobalSetup]
    public void Setup() => (_source, _target) = TransportProblems.Create(Problem);

    [Benchmark]
    public double NetworkSimplexW2Squared()
    {
        _last = NetworkSimplex.Solve(_source, _target);
        return _last.Cost;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        string? path = Environment.GetEnvironmentVariable("FPNTK_TRANSPORT_VALUES");
        if (path is null || _last is null) return;
        var c = CultureInfo.InvariantCulture;
        if (!File.Exists(path)) File.WriteAllText(path, "problem,w2_squared,status,pivots,duality_gap,max_violation,checksum,peak_working_set_mb\n");
        File.AppendAllText(path, string.Create(c,
            $"{Problem},{_last.Cost:R},{_last.Status},{_last.Iterations},{_last.DualityGap:R},{_last.MaxViolation:R},{TransportProblems.Checksum(_source, _target):R},{Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0}\n"));
    }
}
