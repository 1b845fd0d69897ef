using System.Diagnostics;

namespace FokkerPlanckNtk.Runs;

/// <summary>Where a run stands, for a progress line or a log line.</summary>
/// <param name="Phase">The part being advanced (<c>pde</c>, <c>particles</c>).</param>
/// <param name="Fraction">Share of the whole run done, in [0, 1].</param>
/// <param name="Remaining">Estimated wall time left (null until there is enough to extrapolate from).</param>
public sealed record RunProgress(string Phase, double Time, double End, double Step, double Loss, double Fraction,
    TimeSpan Elapsed, TimeSpan? Remaining);

/// <summary>What a run reports while it works; the command-line tool renders it, tests may collect it.</summary>
public interface IRunObserver
{
    void Progress(RunProgress progress);
    void Info(string message);
    void Warning(string message);
}

/// <summary>An observer that ignores everything (library use without a front end).</summary>
public sealed class SilentObserver : IRunObserver
{
    public static SilentObserver Instance { get; } = new();
    public void Progress(RunProgress progress) { }
    public void Info(string message) { }
    public void Warning(string message) { }
}

/// <summary>
/// Called by the parts of a run after every step: reports progress (throttled), writes a checkpoint when the
/// wall-clock interval has passed or cancellation was requested, and then stops a cancelled run by throwing
/// <see cref="OperationCanceledException"/> (the checkpoint is complete by then).
/// </summary>
public sealed class RunControl
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly TimeSpan _checkpointInterval;
    private readonly Action _checkpoint;
    private readonly CancellationToken _cancellation;
    private readonly IRunObserver _observer;
    private readonly Func<double> _fraction;
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(250);
    private TimeSpan _lastCheckpoint, _lastProgress = -ProgressEvery;

    internal RunControl(TimeSpan checkpointInterval, Action checkpoint, CancellationToken cancellation, IRunObserver observer,
        Func<double> fraction)
    {
        _checkpointInterval = checkpointInterval;
        _checkpoint = checkpoint;
        _cancellation = cancellation;
        _observer = observer;
        _fraction = fraction;
    }

    public IRunObserver Observer => _observer;

    /// <summary>Fired by Ctrl+C/SIGTERM: long diagnostics (W2) observe it too.</summary>
    public CancellationToken Cancellation => _cancellation;

    /// <summary>
    /// A W2 of a run with its options (probability measures, cancellation), logged when it takes long: before it
    /// starts when its exact estimate exceeds a few seconds, and after it with its time.
    /// </summary>
    internal Metrics.W2Result MeasureW2(string what, double time, int atomsA, int atomsB, Func<Metrics.W2Options, Metrics.W2Result> solve)
    {
        var options = Metrics.W2Options.ProbabilityMeasures with { Cancellation = _cancellation };
        double estimate = Metrics.Wasserstein.EstimatedExactSeconds(atomsA, atomsB);
        if (Math.Min(estimate, options.ExactSecondsBudget) > SlowW2Seconds)
            _observer.Info(FormattableString.Invariant($"computing {what} at t = {time:G6} ({atomsA} vs {atomsB} atoms; up to ~{Math.Min(estimate, options.ExactSecondsBudget):G2} s)"));
        var clock = Stopwatch.StartNew();
        var result = solve(options);
        if (clock.Elapsed.TotalSeconds > SlowW2Seconds)
            _observer.Info(FormattableString.Invariant($"{what} at t = {time:G6}: {clock.Elapsed.TotalSeconds:F1} s ({result.Method})"));
        return result;
    }

    /// <summary>Above this a W2 is announced in the log.</summary>
    private const double SlowW2Seconds = 3;

    public TimeSpan Elapsed => _wall.Elapsed;

    public int CheckpointsWritten { get; private set; }

    /// <summary>
    /// After a step of a part. <paramref name="canCheckpoint"/> is false where the part's state is not a
    /// valid restart point (e.g. just before it lands on an output time).
    /// </summary>
    public void AfterStep(string phase, double time, double end, double step, Func<double> loss, bool canCheckpoint = true)
    {
        var now = _wall.Elapsed;
        bool cancel = _cancellation.IsCancellationRequested;
        if (canCheckpoint && (cancel || now - _lastCheckpoint >= _checkpointInterval))
        {
            _checkpoint();
            CheckpointsWritten++;
            _lastCheckpoint = _wall.Elapsed;
            if (cancel) throw new OperationCanceledException("The run was interrupted; a checkpoint was written.", _cancellation);
        }
        if (now - _lastProgress >= ProgressEvery)
        {
            _lastProgress = now;
            double f = Math.Clamp(_fraction(), 0, 1);
            TimeSpan? remaining = f > 0.02 && now.TotalSeconds > 1 ? TimeSpan.FromSeconds(now.TotalSeconds * (1 - f) / f) : null;
            _observer.Progress(new RunProgress(phase, time, end, step, loss(), f, now, remaining));
        }
    }

    /// <summary>Between outputs: stop here if cancellation was requested (after a checkpoint).</summary>
    public void AtOutput()
    {
        if (!_cancellation.IsCancellationRequested) return;
        _checkpoint();
        CheckpointsWritten++;
        throw new OperationCanceledException("The run was interrupted; a checkpoint was written.", _cancellation);
    }
}
