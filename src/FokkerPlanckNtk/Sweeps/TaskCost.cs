using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Sweeps;

/// <summary>
/// A rough single-thread wall time of a run, for the default time limit of an array job: the PDE's step count from its
/// step bound (<see cref="PdeSolver.StepBound"/>) times the cells, the particles' step count times m·n, and per output
/// time the W2s (<see cref="Wasserstein.EstimatedExactSeconds"/>, at most their budget: w2_p0 of each part, and PDE
/// against particles in a run). The constants were measured on the development machine (CPU seconds of one thread:
/// the default problem to t = 1 takes 23 s as <c>solve</c>, 34 s as <c>simulate</c>, of which the W2s are most of the
/// first); a cluster core is usually as fast or faster, and the array job asks for 3 × this. The spectral solver's cost is not modelled (it is small next to the particles at the sizes
/// users run); a task that needs more time than estimated stops at the limit with a checkpoint and resumes when the
/// array is submitted again.
/// </summary>
public static class TaskCost
{
    /// <summary>Seconds per cell and SSP-RK3 step (three flux passes), one thread.</summary>
    public const double PdeCellStepSeconds = 6e-8;

    /// <summary>Seconds per particle, data point and Euler–Maruyama step, one thread.</summary>
    public const double ParticleStepSeconds = 4e-7;

    /// <summary>Seconds of the fixed work: start-up, plots and report.</summary>
    public const double FixedSeconds = 3;

    /// <summary>The estimate for <paramref name="command"/> on one thread.</summary>
    public static double Seconds(RunConfiguration config, string command)
    {
        double seconds = FixedSeconds, outputs = config.Time.OutputTimes.Length + 1;
        double cells = config.Grid.Cells.Aggregate(1.0, (a, c) => a * c);
        int m = config.Particles.Count, n = config.Problem.Data.Count;
        double cellCount = Math.Min(cells, int.MaxValue);
        if (command is "run" or "solve")
            seconds += outputs * W2Seconds((int)cellCount, (int)cellCount);
        if (command is "run" or "solve" && !config.Solver.IsSpectral)
        {
            var solver = new PdeSolver(new FiniteVolumeModel(config.Problem.ToProblem(), config.Grid.ToGrid(), config.Grid.MaxOutsideMass),
                config.Time.ToSolverOptions());
            double bound = solver.StepBound();
            double steps = double.IsFinite(bound) ? Math.Ceiling(config.Time.End / bound) + outputs : outputs;
            seconds += steps * cells * PdeCellStepSeconds;
        }
        if (command is "run" or "simulate")
        {
            seconds += Math.Ceiling(config.Time.End / config.Particles.Step) * m * n * ParticleStepSeconds;
            // The particles against p0 and, for run, against the PDE.
            seconds += outputs * W2Seconds((int)cellCount, m) * (command == "run" ? 2 : 1);
        }
        return seconds;
    }

    private static double W2Seconds(int a, int b) => Math.Min(Wasserstein.EstimatedExactSeconds(a, b), W2Options.ProbabilityMeasures.ExactSecondsBudget);
}
