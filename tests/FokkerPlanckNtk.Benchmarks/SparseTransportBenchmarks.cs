using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Benchmarks;

/// <summary>
/// W2 on the default run's sizes: the 128² grid over [−7, 7]² (d = 1) and 10⁴ particles, against the
/// discrete p0. <c>Exact</c> is <see cref="Wasserstein.Between(UniformGrid, ReadOnlySpan{double}, ReadOnlySpan{double}, W2Options?)"/>
/// with its defaults (column generation, exact with a certificate); <c>CoarsenedBracket</c> is the
/// previous method (blocks of 2² cells, 4096 vs 4096 atoms, certified bracket). Cases:
/// <list type="bullet">
/// <item><c>pt0.5</c>, <c>pt5</c>: the default problem's p_t (finite-volume solver) at t = 0.5 and 5;</item>
/// <item><c>shift</c>: N((0.05, 0), I) sampled at the cell centres (near);</item>
/// <item><c>far</c>: N((1, −1), diag(1, 2)) sampled at the cell centres;</item>
/// <item><c>particles</c>: the default run's 10⁴ particles at t = 0 (seed 1) against p0.</item>
/// </list>
/// Each case runs in its own process; the value, bracket, status and the process's peak working set go
/// to the CSV named by FPNTK_SPARSE_VALUES (if set).
/// Run: <c>dotnet run -c Release --project tests/FokkerPlanckNtk.Benchmarks -- --filter '*SparseTransportBenchmarks*'</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MinColumn, MedianColumn, MemoryDiagnoser]
public class SparseTransportBenchmarks
{
    private UniformGrid _grid = null!;
    private double[] _p0 = null!;
    private double[]? _q;
    private AtomicMeasure? _particles;
    private W2Result? _last;
    private string _method = "";

    [Params("pt0.5", "pt5", "shift", "far", "particles")]
    public string Case { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var problem = Problem.Default;
        _grid = UniformGrid.Cube(2, 128, 7);
        var model = new FiniteVolumeModel(problem, _grid);
        _p0 = model.ReferenceDensity();
        switch (Case)
        {
            case "pt0.5":
            case "pt5":
                var solver = new PdeSolver(model);
                solver.AdvanceTo(double.Parse(Case[2..], CultureInfo.InvariantCulture));
                _q = solver.Density;
                break;
            case "shift":
                _q = Gaussian(0.05, 0, 1, 1);
                break;
            case "far":
                _q = Gaussian(1, -1, 1, Math.Sqrt(2));
                break;
            case "particles":
                var system = new ParticleSystem(problem, 10_000, 0.001, 1);
                _particles = new AtomicMeasure(system.Positions(), 2, null, "particles");
                break;
            default:
                throw new ArgumentException($"unknown case {Case}");
        }
    }

    private double[] Gaussian(double m0, double m1, double s0, double s1)
    {
        var p = _grid.Sample(z => Math.Exp(-0.5 * ((z[0] - m0) * (z[0] - m0) / (s0 * s0) + (z[1] - m1) * (z[1] - m1) / (s1 * s1))));
        double norm = p.Sum() * _grid.CellVolume;
        return p.Select(v => v / norm).ToArray();
    }

    private W2Result Solve(W2Options options) =>
        _particles is null ? Wasserstein.Between(_grid, _p0, _q, options) : Wasserstein.Between(_grid, _p0, _particles, options);

    [Benchmark(Baseline = true)]
    public double Exact()
    {
        _method = nameof(Exact);
        _last = Solve(W2Options.Default);
        return _last.W2;
    }

    [Benchmark]
    public double CoarsenedBracket()
    {
        _method = nameof(CoarsenedBracket);
        _last = Solve(new W2Options { MaxExactPairs = 4096L * 4096 });
        return _last.W2;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        string? path = Environment.GetEnvironmentVariable("FPNTK_SPARSE_VALUES");
        if (path is null || _last is null) return;
        if (!File.Exists(path)) File.WriteAllText(path, "case,method,w2,lower,upper,status,seconds,peak_working_set_mb,message\n");
        File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture,
            $"{Case},{_method},{_last.W2:R},{_last.Lower:R},{_last.Upper:R},{_last.Status},{_last.Seconds:F3},{Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0},\"{_last.Message.Replace('"', '\'')}\"\n"));
    }
}
