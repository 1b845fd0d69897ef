namespace FokkerPlanckNtk.Simulations;

/// <summary>Where a run stands, for a progress line or a log line.</summary>
/// <param name="Phase">The model being advanced (<c>pde</c>, <c>particles</c>).</param>
/// <param name="Fraction">Share of the whole run done, in [0, 1].</param>
/// <param name="Remaining">Estimated wall time left (null until there is enough to extrapolate from).</param>
/// <param name="Time">The model's time.</param>
/// <param name="End">The run's end time.</param>
/// <param name="Step">The model's last step size.</param>
/// <param name="Loss">The model's loss now.</param>
/// <param name="Elapsed">Wall time so far.</param>
public sealed record RunProgress(string Phase, double Time, double End, double Step, double Loss, double Fraction,
    TimeSpan Elapsed, TimeSpan? Remaining);

/// <summary>What a run reports while it works; the command-line tool renders it, tests may collect it.</summary>
public interface IRunObserver
{
    /// <summary>Where the run stands (called every fraction of a second while it works).</summary>
    void Progress(RunProgress progress);
    /// <summary>A log line.</summary>
    void Info(string message);
    /// <summary>A warning about the results.</summary>
    void Warning(string message);
}

/// <summary>An observer that ignores everything (library use without a front end).</summary>
public sealed class SilentObserver : IRunObserver
{
    /// <summary>The observer that ignores everything.</summary>
    public static SilentObserver Instance { get; } = new();
    /// <inheritdoc/>
    public void Progress(RunProgress progress) { }
    /// <inheritdoc/>
    public void Info(string message) { }
    /// <inheritdoc/>
    public void Warning(string message) { }
}

/// <summary>
/// Reports progress to the simulation's <see cref="Simulation.Observer"/> after a step, at most every
/// <paramref name="every"/> (default 250 ms): the model that stepped, its time, step and loss, the share done
/// and an estimate of the time left.
/// </summary>
public sealed class ProgressCallback(TimeSpan? every = null) : ICallback
{
    /// <inheritdoc/>
    public Schedule Schedule { get; } = new WallTimeInterval(every ?? TimeSpan.FromMilliseconds(250));

    /// <inheritdoc/>
    public void Invoke(Simulation simulation)
    {
        if (simulation.SteppingModel is not { } model) return;
        var elapsed = simulation.WallTime;
        double f = simulation.Fraction;
        TimeSpan? remaining = f > 0.02 && elapsed.TotalSeconds > 1 ? TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - f) / f) : null;
        simulation.Observer.Progress(new RunProgress(model.Name, model.Time, simulation.StopTime, model.LastStep, model.Loss, f, elapsed, remaining));
    }

    internal static string Describe(double t) => t.ToString("G6", CultureInfo.InvariantCulture);
}
