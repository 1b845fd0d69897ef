using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Tests.Support;

namespace FokkerPlanckNtk.Tests.Simulations;

/// <summary>
/// The hot paths allocate nothing per step after warm-up (Trixi.jl's allocation check on the right-hand side),
/// measured on one thread by <see cref="Allocations.LeastOfWindows"/>.
/// </summary>
[NonParallelizable]
public class AllocationTests
{
    // SSP-RK3 with the stiff-mode step bound (α > 0: the Gram matrix and its λ_max at every step), d = 1 and d = 2.
    [TestCase(1, 64)]
    [TestCase(2, 16)]
    public void PdeStepAllocatesNothing(int d, int cells)
    {
        var problem = d == 1 ? Problem.Default
            : new Problem(Activation.Tanh, 2, 0.1, new DataSet([[0.3, 0.5], [0.8, -0.2], [-0.4, 0.6]], [0.2, -0.4, 0.5]));
        var solver = new PdeSolver(new FiniteVolumeModel(problem, UniformGrid.Cube(d + 1, cells, 7)));
        Assert.That(Allocations.LeastOfWindows(() => Repeat(() => solver.Step(1e-3), 20), () => Repeat(() => solver.Step(1e-3), 50)), Is.Zero);
    }

    // The Euler–Maruyama step of m = 5000 particles (ten blocks), tanh (σ' from σ) and erf (σ' tabulated).
    [TestCase("tanh")]
    [TestCase("erf")]
    public void ParticleStepAllocatesNothing(string activation)
    {
        var problem = Problem.Default.With(activation: Activation.FromName(activation));
        ParticleSystem? system = null;
        Assert.That(Allocations.LeastOfWindows(() => (system = new ParticleSystem(problem, 5000, 1e-3, seed: 2)).Advance(20), () => system!.Advance(50)), Is.Zero);
    }

    private static void Repeat(Action step, int count)
    {
        for (int i = 0; i < count; i++) step();
    }
}
