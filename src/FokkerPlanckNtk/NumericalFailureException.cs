namespace FokkerPlanckNtk;

/// <summary>
/// A computation on valid input that failed numerically: a quantity became non-finite or left its bounds, or an
/// iteration did not converge. Carries what diverged, when (simulated time and step) and the configuration
/// keys whose change could help; front ends report it as a numerical failure, not as bad input.
/// The message: <c>what at t = … (step …): detail; keys that may help: …</c>.
/// </summary>
/// <param name="what">What diverged.</param>
/// <param name="time">Simulated time of the failure.</param>
/// <param name="step">Steps taken before it.</param>
/// <param name="detail">What was seen, in words.</param>
/// <param name="keys">Configuration keys whose change could help.</param>
public sealed class NumericalFailureException(string what, double time, long step, string detail, params string[] keys)
    : Exception(string.Create(CultureInfo.InvariantCulture,
        $"{what} at t = {time:G6} (step {step}): {detail}{(keys.Length == 0 ? "" : "; keys that may help: " + string.Join(", ", keys))}"))
{
    /// <summary>What diverged, e.g. "the PDE density".</summary>
    public string What { get; } = what;

    /// <summary>Simulated time of the failure.</summary>
    public double Time { get; } = time;

    /// <summary>Steps taken before the failure.</summary>
    public long Step { get; } = step;

    /// <summary>What was seen, in words.</summary>
    public string Detail { get; } = detail;

    /// <summary>Configuration keys (dotted form) whose change could avoid the failure.</summary>
    public IReadOnlyList<string> Keys { get; } = keys;
}
