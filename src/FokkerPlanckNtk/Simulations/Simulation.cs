using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using System.Diagnostics;

namespace FokkerPlanckNtk.Simulations;

/// <summary>
/// Advances a set of models to the times of its callbacks' schedules and runs the callbacks there; runs step
/// callbacks and checkpoints between steps; writes the output files at the end. The one loop over output
/// times of the library:
/// <code>
/// var simulation = new Simulation(stopTime: 5, pde, particles);
/// var records = simulation.Record("pde", new TimeInterval(0.5), pde.Record);
/// simulation.Writers.Add(new CsvWriter("pde.csv", () => RunTables.Pde(records)));
/// simulation.Run();
/// </code>
/// At each scheduled time every model is stepped until it stands there (in the order of <see cref="Models"/>),
/// then the callbacks scheduled at that time run in the order they were added. A time that only
/// <see cref="SampledTimes"/> name is not landed on: each <see cref="ISideStepModel"/> steps toward the next landing
/// time while its next step cannot reach the time, shows its state there by a side step for the callbacks, and
/// goes on from where it stood, so its steps do not depend on the sampled times. After every step of a model
/// the step callbacks (<see cref="IterationInterval"/>, <see cref="WallTimeInterval"/>) run in the order they
/// were added, then the <see cref="Checkpointer"/> when its schedule fires or the run is cancelled. The models
/// end at <see cref="StopTime"/>, which is always a scheduled time.
/// </summary>
public sealed class Simulation
{
    private readonly Stopwatch _wall = new();
    private readonly List<IModel> _models;
    private double[] _times = [];
    private double[] _landing = [];           // per scheduled time: the first time at or after it that the models land on
    private HashSet<double>[] _fires = [];
    private ICallback[] _stepCallbacks = [];

    /// <summary>A simulation of <paramref name="models"/> from their current state to <paramref name="stopTime"/>.</summary>
    public Simulation(double stopTime, params IModel[] models)
    {
        if (!(stopTime >= 0) || !double.IsFinite(stopTime))
            throw new ArgumentOutOfRangeException(nameof(stopTime), stopTime, "the stop time must be finite and >= 0");
        StopTime = stopTime;
        _models = [.. models];
        var duplicate = _models.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"two models are named '{duplicate.Key}'", nameof(models));
    }

    /// <summary>The time every model is advanced to.</summary>
    public double StopTime { get; }

    /// <summary>The models, in the order they are advanced.</summary>
    public IReadOnlyList<IModel> Models => _models;

    /// <summary>Run in the order added (at a scheduled time, or after a step for step schedules).</summary>
    public IList<ICallback> Callbacks { get; } = new List<ICallback>();

    /// <summary>Written in the order added when the run completes.</summary>
    public IList<IOutputWriter> Writers { get; } = new List<IOutputWriter>();

    /// <summary>Where writers' relative paths point; null: the current folder.</summary>
    public string? OutputDirectory { get; set; }

    /// <summary>Writes checkpoints and picks a run up from them; null: none.</summary>
    public Checkpointer? Checkpointer { get; set; }

    /// <summary>Receives information and warnings of the simulation and its callbacks.</summary>
    public IRunObserver Observer { get; set; } = SilentObserver.Instance;

    /// <summary>
    /// The last scheduled time that every model has reached (0 before the first); during the callbacks of a sampled
    /// time (<see cref="SampledTimes"/>), that time, at which the side-stepping models show their state.
    /// </summary>
    public double Time { get; private set; }

    /// <summary>During a step callback, the model that just stepped; null at a scheduled time.</summary>
    public IModel? SteppingModel { get; private set; }

    /// <summary>The cancellation of the current <see cref="Run"/>: long measurements (W2) observe it too.</summary>
    public CancellationToken Cancellation { get; private set; }

    /// <summary>Wall time since <see cref="Run"/> started (or resumed).</summary>
    public TimeSpan WallTime => _wall.Elapsed;

    /// <summary>The scheduled times of the run: every callback's times and the stop time, ascending.</summary>
    public IReadOnlyList<double> ScheduledTimes => _times.Length > 0 ? _times : CollectTimes();

    /// <summary>How many scheduled times are done (all their callbacks have run).</summary>
    public int TimesDone { get; private set; }

    /// <summary>Share of the simulated time done: the mean over the models of Time/StopTime.</summary>
    public double Fraction => _models.Count == 0 || StopTime == 0 ? 1
        : Math.Clamp(_models.Average(m => Math.Min(m.Time, StopTime)) / StopTime, 0, 1);

    /// <summary>Adds a <see cref="TimeSeries{T}"/> of <paramref name="measure"/> on <paramref name="schedule"/> and returns it.</summary>
    public TimeSeries<T> Record<T>(string name, Schedule schedule, Func<T> measure, IRecordCodec<T>? codec = null)
    {
        var series = new TimeSeries<T>(name, schedule, measure, codec);
        Callbacks.Add(series);
        return series;
    }

    /// <summary>
    /// Runs <paramref name="model"/> alone to each of the ascending <paramref name="times"/> and returns
    /// <paramref name="measure"/> there: the one-model form without files or checkpoints (studies, tests).
    /// </summary>
    public static TimeSeries<T> Sample<T>(IModel model, IReadOnlyList<double> times, Func<T> measure, CancellationToken cancellation = default)
    {
        if (times.Count == 0) throw new ArgumentException("no times to sample at", nameof(times));
        for (int k = 1; k < times.Count; k++)
            if (!(times[k] > times[k - 1])) throw new ArgumentException("the sample times must increase", nameof(times));
        var simulation = new Simulation(times[^1], model);
        var series = simulation.Record("samples", new SpecifiedTimes([.. times]), measure);
        simulation.Run(cancellation: cancellation);
        return series;
    }

    internal IEnumerable<IRecorded> Recorded => Callbacks.OfType<IRecorded>().Concat(Writers.OfType<IRecorded>());

    /// <summary>
    /// Runs to the stop time, then writes a final checkpoint (if any) and the output files. With
    /// <paramref name="pickup"/>, continues from the checkpointer's last checkpoint (if one was written) after
    /// restoring every model and series. When <paramref name="cancellation"/> fires, writes a checkpoint (if
    /// any) after the current step and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public void Run(bool pickup = false, CancellationToken cancellation = default)
    {
        Prepare();
        int start = 0;
        if (pickup && Checkpointer is { HasState: true } checkpointer)
        {
            start = checkpointer.Restore(this);
            Observer.Info(string.Create(CultureInfo.InvariantCulture,
                $"resuming from the checkpoint at t = {(_models.Count == 0 ? 0 : _models.Min(m => m.Time)):G6} ({start} of {_times.Length} output times done)"));
        }
        else if (pickup)
            Observer.Warning("no checkpoint was written before the run stopped: it restarts from t = 0");
        Cancellation = cancellation;
        TimesDone = start;
        Time = start > 0 ? _times[start - 1] : 0;
        _wall.Restart();
        foreach (var schedule in Callbacks.Select(c => c.Schedule).Append(Checkpointer?.Schedule).OfType<WallTimeInterval>())
            schedule.Reset(TimeSpan.Zero);
        bool hooks = _stepCallbacks.Length > 0 || Checkpointer is not null || cancellation.CanBeCanceled;
        var sideStepped = new List<ISideStepModel>(_models.Count);
        for (int k = start; k < _times.Length; k++)
        {
            double t = _times[k], landing = _landing[k];
            foreach (var model in _models)
            {
                SteppingModel = model;
                if (landing > t && model is ISideStepModel side)
                {
                    // Steps toward the landing time, as without the sampled time, while they cannot reach it.
                    while (!side.HasReached(t) && side.NextStepReach(landing) < t)
                    {
                        side.StepToward(landing);
                        if (hooks) AfterStep(model, cancellation);
                    }
                    if (side.Time > t)
                        throw new InvalidOperationException($"model '{model.Name}' stepped past the sampled time {t} (its NextStepReach is not an upper bound)");
                    if (side.Time < t) sideStepped.Add(side);
                    continue;
                }
                while (!model.HasReached(t))
                {
                    model.StepToward(t);
                    if (hooks) AfterStep(model, cancellation);
                }
            }
            SteppingModel = null;
            Time = t;
            try
            {
                foreach (var side in sideStepped) side.BeginSideStep(t);
                RunCallbacksAt(t);
            }
            finally
            {
                foreach (var side in sideStepped) side.EndSideStep();
                sideStepped.Clear();
            }
            TimesDone = k + 1;
            if (cancellation.IsCancellationRequested) Interrupt(cancellation);
        }
        Checkpointer?.Save(this);
        foreach (var writer in Writers)
            writer.Write(OutputDirectory is null ? Path.GetFullPath(writer.Path) : Path.Combine(OutputDirectory, writer.Path));
    }

    /// <summary>
    /// The callbacks of a scheduled time, in order. Cancelled inside one (a long W2 observes the token), the series
    /// drop what they recorded at this time and a checkpoint is written: every model stands exactly at t (or, at a
    /// sampled time, at its last step before it; the checkpoint holds its own state, not the side step's), a valid
    /// restart point from which the time is measured again.
    /// </summary>
    private void RunCallbacksAt(double t)
    {
        var recorded = Recorded.ToArray();
        var counts = recorded.Select(r => r.Count).ToArray();
        try
        {
            for (int c = 0; c < Callbacks.Count; c++)
                if (_fires[c].Contains(t)) Callbacks[c].Invoke(this);
        }
        catch (OperationCanceledException) when (Checkpointer is not null)
        {
            for (int i = 0; i < recorded.Length; i++) recorded[i].TruncateTo(counts[i]);
            Checkpointer.Save(this);
            throw;
        }
    }

    private void AfterStep(IModel model, CancellationToken cancellation)
    {
        foreach (var callback in _stepCallbacks)
            if (callback.Schedule.AfterStep(model, _wall.Elapsed)) callback.Invoke(this);
        bool cancel = cancellation.IsCancellationRequested;
        if (Checkpointer is { } checkpointer && (checkpointer.Schedule.AfterStep(model, _wall.Elapsed) || cancel))
            checkpointer.Save(this);
        if (cancel) Interrupt(cancellation);
    }

    private void Interrupt(CancellationToken cancellation)
    {
        if (Checkpointer is { } checkpointer)
        {
            checkpointer.Save(this);
            throw new OperationCanceledException("The run was interrupted; a checkpoint was written.", cancellation);
        }
        throw new OperationCanceledException("The run was interrupted.", cancellation);
    }

    private double[] CollectTimes() =>
        Callbacks.SelectMany(c => c.Schedule.Times(StopTime)).Append(StopTime).Distinct().Order().ToArray();

    private void Prepare()
    {
        var duplicate = Recorded.GroupBy(r => r.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"two series are named '{duplicate.Key}'");
        _times = CollectTimes();
        _fires = Callbacks.Select(c => c.Schedule.Times(StopTime).ToHashSet()).ToArray();
        var lands = Callbacks.Where(c => c.Schedule.Lands).SelectMany(c => c.Schedule.Times(StopTime)).Append(StopTime).ToHashSet();
        _landing = new double[_times.Length];
        for (int k = _times.Length - 1; k >= 0; k--)
            _landing[k] = lands.Contains(_times[k]) || k == _times.Length - 1 ? _times[k] : _landing[k + 1];
        _stepCallbacks = Callbacks.Where(c => c.Schedule.IsStepSchedule).ToArray();
    }
}
