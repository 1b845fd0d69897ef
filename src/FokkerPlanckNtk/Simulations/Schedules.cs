namespace FokkerPlanckNtk.Simulations;

/// <summary>
/// When a callback of a <see cref="Simulation"/> runs. Time schedules (<see cref="SpecifiedTimes"/>,
/// <see cref="TimeInterval"/>) name simulated times: every model lands on them (exactly, or, for a model with a
/// fixed step, at its nearest step) and the callback runs once all models stand there. <see cref="SampledTimes"/>
/// name simulated times that the models do not land on: an adaptive model shows its state there by a side step
/// (<see cref="ISideStepModel"/>), so its own steps are those of a run without the schedule. Step schedules
/// (<see cref="IterationInterval"/>, <see cref="WallTimeInterval"/>) are asked after every step of every model.
/// A schedule instance belongs to one callback (a wall-clock schedule remembers when it last fired).
/// </summary>
public abstract class Schedule
{
    /// <summary>The simulated times in [0, stopTime] at which it fires (none for step schedules).</summary>
    public virtual IReadOnlyList<double> Times(double stopTime) => [];

    /// <summary>Whether it fires after a step of <paramref name="model"/>, <paramref name="wall"/> after the run started.</summary>
    public virtual bool AfterStep(IModel model, TimeSpan wall) => false;

    /// <summary>True for schedules that are asked after every step.</summary>
    public virtual bool IsStepSchedule => false;

    /// <summary>Whether the models land on its <see cref="Times"/> (false: <see cref="SampledTimes"/>).</summary>
    public virtual bool Lands => true;
}

/// <summary>Fires at the given simulated times (those beyond the stop time are ignored).</summary>
public sealed class SpecifiedTimes : Schedule
{
    private readonly double[] _times;

    /// <summary>At the given simulated <paramref name="times"/>.</summary>
    public SpecifiedTimes(params double[] times)
    {
        for (int i = 0; i < times.Length; i++)
            if (!(times[i] >= 0) || !double.IsFinite(times[i]))
                throw new ArgumentOutOfRangeException(nameof(times), times[i], "scheduled times must be finite and >= 0");
        _times = times.Distinct().Order().ToArray();
    }

    /// <inheritdoc/>
    public override IReadOnlyList<double> Times(double stopTime) => _times.Where(t => t <= stopTime).ToArray();
}

/// <summary>
/// Fires at the given simulated times without making the models land there: at such a time a model with
/// <see cref="ISideStepModel"/> (the PDE solvers) keeps the steps it takes toward the next landing time and shows
/// its state at the time by a side step, one step of a scratch copy from its last step before it; other models
/// step there as to any scheduled time (a fixed-step model such as the particles, at its nearest step, without
/// changing its steps). So the records of every other schedule are bit-identical with or without this one, and
/// its records differ from those of a landing run by one local step error. For time-resolved diagnostics.
/// </summary>
public sealed class SampledTimes : Schedule
{
    private readonly double[] _times;

    /// <summary>At the given simulated <paramref name="times"/>.</summary>
    public SampledTimes(params double[] times) => _times = new SpecifiedTimes(times).Times(double.PositiveInfinity).ToArray();

    /// <inheritdoc/>
    public override IReadOnlyList<double> Times(double stopTime) => _times.Where(t => t <= stopTime).ToArray();

    /// <inheritdoc/>
    public override bool Lands => false;
}

/// <summary>Fires at t = 0, Δ, 2Δ, … up to the stop time (k·Δ, so that no rounding accumulates).</summary>
public sealed class TimeInterval : Schedule
{
    /// <summary>Every <paramref name="interval"/> of simulated time, from 0.</summary>
    public TimeInterval(double interval)
    {
        if (!(interval > 0) || !double.IsFinite(interval))
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "a time interval must be finite and positive");
        Interval = interval;
    }

    /// <summary>The spacing of the times.</summary>
    public double Interval { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<double> Times(double stopTime)
    {
        var times = new List<double>();
        // k·Δ within a relative 1e-12 of the stop time counts as the stop time (0.1·30 > 3 by one ulp).
        for (long k = 0; k * Interval <= stopTime * (1 + 1e-12); k++) times.Add(Math.Min(k * Interval, stopTime));
        return times;
    }
}

/// <summary>Fires after every k-th step of a model (its step count a multiple of k), or of the named model only.</summary>
public sealed class IterationInterval : Schedule
{
    /// <summary>After every <paramref name="interval"/>-th step of <paramref name="model"/> (null: of any model).</summary>
    public IterationInterval(long interval, string? model = null)
    {
        if (interval < 1) throw new ArgumentOutOfRangeException(nameof(interval), interval, "an iteration interval must be >= 1");
        Interval = interval;
        Model = model;
    }

    /// <summary>Steps between two calls.</summary>
    public long Interval { get; }

    /// <summary>The name of the model whose steps count, or null for every model.</summary>
    public string? Model { get; }

    /// <inheritdoc/>
    public override bool IsStepSchedule => true;

    /// <inheritdoc/>
    public override bool AfterStep(IModel model, TimeSpan wall) =>
        (Model is null || model.Name == Model) && model.Steps % Interval == 0;
}

/// <summary>Fires after the first step that ends at least the interval of wall-clock time after it last fired (or after the start).</summary>
public sealed class WallTimeInterval : Schedule
{
    private TimeSpan _last;

    /// <summary>After a step, once <paramref name="interval"/> of wall time has passed since the last call.</summary>
    public WallTimeInterval(TimeSpan interval)
    {
        if (!(interval > TimeSpan.Zero)) throw new ArgumentOutOfRangeException(nameof(interval), interval, "a wall-time interval must be positive");
        Interval = interval;
    }

    /// <summary>Wall time between two calls.</summary>
    public TimeSpan Interval { get; }

    /// <inheritdoc/>
    public override bool IsStepSchedule => true;

    /// <summary>Starts counting the interval from <paramref name="wall"/> (the simulation calls it when a run starts).</summary>
    internal void Reset(TimeSpan wall) => _last = wall;

    /// <inheritdoc/>
    public override bool AfterStep(IModel model, TimeSpan wall)
    {
        if (wall - _last < Interval) return false;
        _last = wall;
        return true;
    }

    /// <summary>Marks the schedule as fired now (e.g. a checkpoint written for another reason).</summary>
    internal void Fired(TimeSpan wall) => _last = wall;
}
