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
