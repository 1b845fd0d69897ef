using FokkerPlanckNtk.FiniteVolume;

namespace FokkerPlanckNtk.Configuration;

/// <summary>
/// Up-front estimates of what a run will cost, so that a run that cannot finish is refused (memory) or announced
/// (step count) before any work: the memory of the state and of the stored outputs, and the number of time steps.
/// </summary>
public static class ResourceEstimate
{
    /// <summary>Above this many PDE steps (or particle steps) a run is announced as one that will take very long.</summary>
    public const double AbsurdSteps = 1e8;

    /// <summary>
    /// Bytes a command needs at its peak: the smallest GC heap limit under which it completes, counted from the arrays
    /// it holds (8 bytes per double) and checked against measured limits (validation/scale/README.md: <c>solve</c> on
    /// 400² needs 40–50 MB, this says 47 MB; on 1000² 220–262 MB, this says 242 MB; <c>simulate</c> with 10⁶ particles
    /// 273–356 MB, this says 290 MB).
    /// For a grid of N cells in D = d + 1 axes: the solver's state (density, two stages, d + 1 flux arrays, the
    /// reference and initial densities: 7 + d arrays of N; backward Euler 10 more Krylov vectors); for m particles
    /// their positions in R^{d+1} (twice: a step writes new ones) and σ table ((2(d + 1) + n) m); one density and the
    /// positions per output time (on the grid's D axes: projections onto the span of the inputs when it is reduced), kept
    /// for the final files; and the largest transient, a W2 between two atomic measures of N (or m) atoms: positions, weights, box
    /// keys and indices, (D + 3) doubles per atom. With memory to spare the resident size grows to about three times
    /// this (the GC collects lazily; <see cref="ResidentFactor"/>); under memory pressure it collects sooner.
    /// <c>reference</c> solves on the grid and on the grid refined twice per axis.
    /// </summary>
    public static double PeakBytes(RunConfiguration config, string command)
    {
        double cells = config.Grid.Cells.Aggregate(1.0, (a, c) => a * c);
        int dimension = config.Grid.Cells.Length, d = dimension - 1, outputs = config.Time.OutputTimes.Length + 1;
        double state = 7 + d + (config.Time.Stepper == FiniteVolume.StepperKind.BackwardEuler ? 10 : 0), atom = dimension + 3;
        double m = command is "run" or "simulate" ? config.Particles.Count : 0, n = config.Problem.Data.Count;
        // The particles live in the full R^{d+1}; a run reduced to the span of the inputs records their projections (the grid's axes).
        int full = config.Problem.Data.Dimension + 1;
        double particles = m * (2 * full + n + outputs * dimension);
        double doubles = command switch
        {
            "solve" => cells * (state + outputs + 2 * atom),
            "simulate" => particles + cells * 3 + atom * (cells + m),
            "reference" => cells * (1 + Math.Pow(2, dimension)) * (state + 2),
            _ => cells * (state + outputs) + particles + atom * Math.Max(2 * cells, cells + m),
        };
        return 8 * doubles + RuntimeBytes;
    }

    /// <summary>The heap of the runtime, the host and the libraries besides the run's arrays (measured: 3–13 MB on 400²).</summary>
    public const double RuntimeBytes = 10e6;

    /// <summary>Measured resident size over <see cref="PeakBytes"/> when memory is plentiful (2.5–3.2 on 1000² to 3000² grids).</summary>
    public const double ResidentFactor = 3;

    /// <summary>Memory the process may use: the GC's limit (physical memory or the container's).</summary>
    public static double AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Throws an <see cref="InputException"/> naming the keys that drive the size when the estimate exceeds 80 % of the memory.</summary>
    public static void RequireMemory(RunConfiguration config, string command)
    {
        double need = PeakBytes(config, command), have = AvailableBytes;
        if (need <= 0.8 * have) return;
        string cells = string.Join("x", config.Grid.Cells);
        string particles = command is "run" or "simulate" ? FormattableString.Invariant($", particles.count = {config.Particles.Count}") : "";
        throw new InputException("grid.cells", cells, FormattableString.Invariant(
            $"fpntk {command} would need about {need / 1e9:G3} GB ({cells} cells, {config.Time.OutputTimes.Length + 1} output times kept{particles}), more than the {0.8 * have / 1e9:G3} GB it may use (80 % of the memory the runtime sees); use fewer grid.cells, fewer time.outputTimes or fewer particles"));
    }

    /// <summary>A warning with the estimate when the PDE needs more than <see cref="AbsurdSteps"/> steps, else null.</summary>
    public static string? StepWarning(PdeSolver solver, RunConfiguration config)
    {
        double bound = solver.StepBound(), steps = config.Time.End / bound;
        if (!(steps > AbsurdSteps)) return null;
        string cells = string.Join("x", config.Grid.Cells);
        return FormattableString.Invariant(
            $"time.end = {config.Time.End:G6}: the PDE needs about {steps:G2} steps of dt ≈ {bound:G2} ({solver.Stepper}, time.cfl = {config.Time.Cfl:G3}; problem.alpha = {config.Problem.Alpha:G3}, grid.cells = {cells}): it will not finish in reasonable time; consider time.stepper = implicitfeedback (large α), fewer grid.cells or a shorter time.end");
    }

    /// <summary>A warning when the particles need more than <see cref="AbsurdSteps"/> steps of η, else null.</summary>
    public static string? ParticleStepWarning(RunConfiguration config)
    {
        double steps = config.Time.End / config.Particles.Step;
        return steps > AbsurdSteps
            ? FormattableString.Invariant(
                $"particles.step = {config.Particles.Step:G3}: the particles need {steps:G2} steps to time.end = {config.Time.End:G6}; it will not finish in reasonable time")
            : null;
    }
}

/// <summary>
/// Stability of the particles' Euler–Maruyama step η, estimated up front from a Lipschitz bound of the drift −∇Ψ_m:
/// L = λ (weight decay) + (2α²/n) λ_max(H(p_init)) (the residual feedback, the stiff mode of the PDE) +
/// (2α/n) Σ_i |y_i| G3 |x_i|² (the curvature of u σ(θ·x) at the initial residuals r ≈ −y). The step of the
/// linearized drift z ← (1 − ηL) z is stable only for ηL &lt; 2 and accurate (bias ≈ ηL/2) only for ηL ≪ 1.
/// </summary>
public static class ParticleStability
{
    /// <summary>ηL at and above which the particles diverge (or, at ηλ = 1, freeze): refused.</summary>
    public const double Unstable = 2;

    /// <summary>ηL above which the bias of the step is over about 10 %: a warning.</summary>
    public const double Inaccurate = 0.2;

    /// <summary>The Lipschitz estimate L of the drift for the configured problem.</summary>
    public static double Lipschitz(RunConfiguration config)
    {
        // The reduced problem has the same H(p0) and input norms (quadrature in k dimensions instead of d).
        var problem = config.Problem.ToReducedProblem().Reduced;
        double alpha = problem.Alpha, n = problem.SampleCount;
        double feedback = alpha == 0 ? 0 : 2 * alpha * alpha / n * Math.Max(0, Ntk.LinearizedPrediction.ForProblem(problem).Kernel.Eigenvalues[^1]);
        double curvature = 0;
        for (int i = 0; i < problem.SampleCount; i++)
        {
            var x = problem.Data.X(i);
            double norm2 = 0;
            foreach (double v in x) norm2 += v * v;
            curvature += Math.Abs(problem.Data.Yi(i)) * problem.Activation.Constants.G3 * norm2;
        }
        return problem.Lambda + feedback + 2 * alpha / n * curvature;
    }

    /// <summary>Throws for an unstable step; returns a warning for an inaccurate one, else null.</summary>
    public static string? Check(RunConfiguration config)
    {
        double eta = config.Particles.Step, lipschitz = Lipschitz(config), product = eta * lipschitz;
        var p = config.Problem;
        string estimate = FormattableString.Invariant(
            $"η·L = {product:G3} with the drift's Lipschitz estimate L = {lipschitz:G3} (λ = {p.Lambda:G3}, α = {p.Alpha:G3}, n = {p.Data.Count})");
        if (!double.IsFinite(product))
            return null; // an unbounded activation: no estimate (the explosion check of the simulation still applies)
        if (product >= Unstable)
            throw new InputException("particles.step", eta, FormattableString.Invariant(
                $"Euler–Maruyama is unstable at this step: {estimate} ≥ 2, the particles would explode or freeze; use particles.step below {Unstable / lipschitz:G2} (≤ {Inaccurate / lipschitz:G2} for a bias under 10 %)"));
        return product > Inaccurate
            ? FormattableString.Invariant($"particles.step = {eta:G3}: {estimate} > {Inaccurate:G2}: the step's bias is about {50 * product:G2} %; use particles.step ≤ {Inaccurate / lipschitz:G2}")
            : null;
    }
}
