namespace FokkerPlanckNtk.Numerics;

/// <summary>
/// A time stepper that lands exactly on requested times: <see cref="StepToward"/> takes one step of at most the
/// time left and, when that step reaches the target, sets the time to the target itself (whatever the rounding
/// of Time + dt), so that output times are hit bit-exactly and a state saved there restarts bit-identically.
/// The PDE solvers (finite volumes, spectral) derive from it.
/// </summary>
public abstract class LandingStepper
{
    /// <summary>The simulated time of the current state.</summary>
    public double Time { get; protected set; }

    /// <summary>One step of at most <paramref name="maxDt"/> (the solver's own step control inside); returns the step taken.</summary>
    public abstract double Step(double maxDt);

    /// <summary>
    /// An upper bound of the step that <see cref="Step"/>(<paramref name="maxDt"/>) takes from the current state
    /// (it takes less when a try is rejected and retried smaller); asking changes nothing the step computes.
    /// </summary>
    public abstract double MaxNextStep(double maxDt);

    /// <summary>
    /// An upper bound of the time that the next <see cref="StepToward"/>(<paramref name="t"/>) reaches (<paramref name="t"/> itself
    /// when that step may land there): a side step to a time before it starts from the current state.
    /// </summary>
    public double NextStepReach(double t)
    {
        double remaining = t - Time;
        double bound = MaxNextStep(remaining);
        return bound >= remaining ? t : Time + bound;
    }

    private LandingStepper? _scratch;

    /// <summary>
    /// A side step: a scratch stepper (made at the first call, reused after) given this one's state (<see cref="CopyStateTo"/>)
    /// and advanced to exactly <paramref name="t"/> (after <see cref="Time"/>); this stepper is unchanged.
    /// </summary>
    internal LandingStepper SideStep(double t)
    {
        if (_scratch is null) _scratch = ScratchCopy();
        else CopyStateTo(_scratch);
        _scratch.AdvanceTo(t);
        return _scratch;
    }

    /// <summary>A stepper of the same problem and options in this one's state.</summary>
    internal abstract LandingStepper ScratchCopy();

    /// <summary>Gives <paramref name="scratch"/> (a <see cref="ScratchCopy"/>) this stepper's state and step-control memory, without allocating.</summary>
    internal abstract void CopyStateTo(LandingStepper scratch);

    /// <summary>One step toward <paramref name="t"/> (after <see cref="Time"/>); returns the step taken.</summary>
    public double StepToward(double t)
    {
        double remaining = t - Time;
        double taken = Step(remaining);
        if (taken >= remaining) Time = t;
        return taken;
    }

    /// <summary>Advances to exactly <paramref name="t"/> (the last step is shortened to land on it).</summary>
    public void AdvanceTo(double t)
    {
        if (!double.IsFinite(t)) throw new InputException("time.end", t, "must be a finite number");
        while (Time < t) StepToward(t);
    }
}
