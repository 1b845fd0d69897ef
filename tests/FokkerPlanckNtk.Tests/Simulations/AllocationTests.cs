using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Tests.Simulations;

/// <summary>
/// The hot paths allocate nothing per step after warm-up (Trixi.jl's allocation check on the right-hand side).
/// Measured with one thread: GC.GetAllocatedBytesForCurrentThread counts the calling thread only, and with more
/// threads Parallel.For's own bookkeeping (a few hundred bytes per call, independent of the size) lands on pool
/// threads; with one thread every loop runs inline on this one.
/// </summary>
[NonParallelizable]
public class AllocationTests
{
    private static long BytesPerStep(Action step, int warmUp, int steps)
    {
        for (int i = 0; i < warmUp; i++) step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < steps; i++) step();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / steps;
    }

    private static T WithOneThread<T>(Func<T> body)
    {
        int saved = Parallelism.Threads;
        try
        {
            Parallelism.Threads = 1;
            return body();
        }
        finally { Parallelism.Threads = saved; }
    }

    // SSP-RK3 with the stiff-mode step bound (α > 0: the Gram matrix and its λ_max at every step), d = 1 and d = 2.
    [TestCase(1, 64)]
    [TestCase(2, 16)]
    public void PdeStepAllocatesNothing(int d, int cells)
    {
        var problem = d == 1 ? Problem.Default
            : new Problem(Activation.Tanh, 2, 0.1, new DataSet([[0.3, 0.5], [0.8, -0.2], [-0.4, 0.6]], [0.2, -0.4, 0.5]));
        var solver = new PdeSolver(new FiniteVolumeModel(problem, UniformGrid.Cube(d + 1, cells, 7)));
        Assert.That(WithOneThread(() => BytesPerStep(() => solver.Step(1e-3), 20, 50)), Is.Zero);
    }

    // The Euler–Maruyama step of m = 5000 particles (ten blocks), tanh (σ' from σ) and erf (σ' tabulated).
    [TestCase("tanh")]
    [TestCase("erf")]
    public void ParticleStepAllocatesNothing(string activation)
    {
        var problem = Problem.Default.With(activation: Activation.FromName(activation));
        var system = WithOneThread(() => new ParticleSystem(problem, 5000, 1e-3, seed: 2));
        Assert.That(WithOneThread(() => BytesPerStep(system.Step, 20, 50)), Is.Zero);
    }
}
