using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Benchmarks;

/// <summary>
/// Euler–Maruyama steps of the particle system. One operation is one particle moved by one step
/// (each invocation moves 10^6 particle-steps: 10 steps of m = 10^5 or 1 step of m = 10^6), so the
/// reported Mean is ns per particle per step. Peer: a vectorized NumPy step, ~60 ns per particle at
/// m = 10^5, n = 4, d = 1. The bound: (d + 1) normals and n activations per particle and step
/// (<see cref="ParticleBoundBenchmarks"/>).
/// Run: <c>dotnet run -c Release --project tests/FokkerPlanckNtk.Benchmarks -- --filter '*Particle*'</c>.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class ParticleBenchmarks
{
    private const int ParticleSteps = 1_000_000;
    private ParticleSystem _system = null!;
    private int _stepsPerInvoke;
    private int _savedThreads;

    [Params(100_000, 1_000_000)] public int M { get; set; }
    [Params(4, 16)] public int N { get; set; }
    [Params(1, 2)] public int D { get; set; }
    [Params(1, 2)] public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _savedThreads = Parallelism.Threads;
        Parallelism.Threads = Threads;
        var problem = new Problem(Activation.Tanh, 2.0, 0.1, Data(N, D));
        _system = new ParticleSystem(problem, M, 1e-3, seed: 1);
        _stepsPerInvoke = ParticleSteps / M;
        _system.Advance(2);
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.Threads = _savedThreads;

    [Benchmark(OperationsPerInvoke = ParticleSteps)]
    public double Step()
    {
        _system.Advance(_stepsPerInvoke);
        return _system.Loss;
    }

    /// <summary>n samples in the unit ball of R^d with targets in [−1, 1] (fixed pseudo-random values).</summary>
    internal static DataSet Data(int n, int d)
    {
        var rng = new Random(12345);
        var x = new List<IReadOnlyList<double>>();
        var y = new List<double>();
        for (int i = 0; i < n; i++)
        {
            var row = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            double norm = Math.Sqrt(row.Sum(v => v * v));
            x.Add(row.Select(v => v / Math.Max(1, norm)).ToArray());
            y.Add(rng.NextDouble() * 2 - 1);
        }
        return new DataSet(x, y);
    }
}

/// <summary>
/// The throughput bounds of a particle step on one thread: ns per normal draw (the stateless stream of
/// <see cref="ParticleNoise"/>, 8192 per invocation) and ns per tanh (TensorPrimitives.Tanh over a block of
/// 512, the size the step uses). Bound per particle-step: (d + 1)·normal + n·tanh.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class ParticleBoundBenchmarks
{
    private const int Normals = 8192, TanhLength = ParticleSystem.BlockSize, TanhRepeats = 16;
    private readonly double[] _normals = new double[Normals];
    private readonly double[] _s = new double[TanhLength];
    private readonly double[] _t = new double[TanhLength];
    private long _key;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        for (int i = 0; i < _s.Length; i++) _s[i] = rng.NextDouble() * 6 - 3;
    }

    [Benchmark(OperationsPerInvoke = Normals)]
    public double Normal()
    {
        ParticleNoise.Normals(ParticleNoise.Key(1, 1, _key++, 0), _normals);
        return _normals[0];
    }

    [Benchmark(OperationsPerInvoke = TanhLength * TanhRepeats)]
    public double Tanh()
    {
        for (int r = 0; r < TanhRepeats; r++) TensorPrimitives.Tanh<double>(_s, _t);
        return _t[0];
    }
}

/// <summary>
/// A short job (3 warm-up and 3 measured iterations) run in the benchmark process itself: no child project to
/// build, so it also runs where only the .NET runtime is installed. Ratios are compared within one run.
/// </summary>
public sealed class ShortInProcessConfig : ManualConfig
{
    public ShortInProcessConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
}
