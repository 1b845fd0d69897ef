using BenchmarkDotNet.Attributes;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Benchmarks;

/// <summary>
/// One SSP-RK3 step of the finite-volume scheme (issue 2). Divide the mean by the cell count
/// (printed as a column) for ns per cell per step.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class PdeStepBenchmarks
{
    private PdeSolver _solver = null!;

    [Params("d1-N256", "d2-N64")]
    public string Case { get; set; } = "d1-N256";

    [Params(4, 16)]
    public int Samples { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public static Problem MakeProblem(int d, int n) => new(Activation.Tanh, 2.0, 0.1, ParticleBenchmarks.Data(n, d));

    public static PdeSolver MakeSolver(string @case, int n, PdeSolverOptions? options = null)
    {
        // Case names "dD-NN": dimension d and cells per axis.
        int d = @case[1] - '0';
        int cells = int.Parse(@case[(@case.IndexOf('N') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var solver = new PdeSolver(new FiniteVolumeModel(MakeProblem(d, n), UniformGrid.Cube(d + 1, cells, 7)), options);
        solver.AdvanceTo(0.05); // leave the symmetric start
        return solver;
    }

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.Threads = Threads;
        _solver = MakeSolver(Case, Samples);
    }

    [Benchmark]
    public double Step() => _solver.Step(1e-4);
}
