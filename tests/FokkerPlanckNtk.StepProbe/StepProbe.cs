using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.StepProbe;

/// <summary>
/// The steps the benchmarks compare across builds, written only with members every build since the
/// implicit-feedback stepper has (so the one source compiles against an older library too).
/// </summary>
public static class StepProbe
{
    /// <summary>
    /// A stepper for <paramref name="case"/> on the default problem: <c>pde-STEPPER-N</c> (the finite-volume solver
    /// on N² cells, box half width 7, stepper <c>auto</c> | <c>ssprk3</c> | <c>implicitfeedback</c>, each step of the
    /// size its own control chooses, as a run takes it) or <c>particles-M</c> (M particles, η = 10⁻³, seed 1).
    /// The action takes that many steps with <paramref name="threads"/> threads.
    /// </summary>
    public static Action<int> Create(string @case, int threads)
    {
        Parallelism.Threads = threads;
        var parts = @case.Split('-');
        int size = int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture);
        if (parts[0] == "particles")
        {
            var system = new ParticleSystem(Problem.Default, size, 1e-3, seed: 1);
            return steps =>
            {
                Parallelism.Threads = threads;
                system.Advance(steps);
            };
        }
        var stepper = Enum.Parse<StepperKind>(parts[1], ignoreCase: true);
        var solver = new PdeSolver(new FiniteVolumeModel(Problem.Default, UniformGrid.Cube(2, size, 7)),
            new PdeSolverOptions(Stepper: stepper));
        return steps =>
        {
            Parallelism.Threads = threads;
            for (int i = 0; i < steps; i++) solver.Step(1.0);
        };
    }

    /// <summary>The stepper <c>auto</c> resolves to on <paramref name="cells"/>² cells of the default problem.</summary>
    public static string ResolvedStepper(int cells) =>
        new PdeSolver(new FiniteVolumeModel(Problem.Default, UniformGrid.Cube(2, cells, 7)), new PdeSolverOptions(Stepper: StepperKind.Auto))
            .Stepper.ToString();
}
