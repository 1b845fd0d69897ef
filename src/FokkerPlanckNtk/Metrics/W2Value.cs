namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// A W2 value as results keep it: the true W2 lies in [Value − ErrorBound, Value + ErrorBound] (0 when exact),
/// and how it was computed.
/// </summary>
public sealed record W2Value(double Value, double ErrorBound, string Method)
{
    /// <summary>Exact to round-off (<see cref="W2ResultExtensions.ExactTolerance"/>): shown without a ± bound.</summary>
    public bool IsExact => W2ResultExtensions.IsExact(Value, ErrorBound);

    /// <summary>Largest relative half-width at which the value is still written as a number (two significant digits hold).</summary>
    public const double NumberTolerance = 0.01;

    /// <summary>The certified lower end of the bracket, max(0, value − bound).</summary>
    public double Lower => Math.Max(0, Value - ErrorBound);

    /// <summary>The certified upper end of the bracket, value + bound.</summary>
    public double Upper => Value + ErrorBound;

    /// <summary>
    /// True when the value is known to better than <see cref="NumberTolerance"/> (exact methods: always); a value
    /// whose bracket is wider is reported as the bracket [<see cref="Lower"/>, <see cref="Upper"/>], never as a number.
    /// </summary>
    public bool IsNumber => ErrorBound <= NumberTolerance * Value || ErrorBound <= 1e-14;

    /// <summary>The value where it is a number, NaN (written as an empty CSV field) where only the bracket is known.</summary>
    public double Shown => IsNumber ? Value : double.NaN;
}

/// <summary>W2 results as reported by runs: exactness, conversion to <see cref="W2Value"/>, logging of slow ones.</summary>
public static class W2ResultExtensions
{
    /// <summary>Above this a W2 of a run is announced in the log (before it starts when its estimate exceeds it, and with its time after).</summary>
    public const double SlowSeconds = 3;

    /// <summary>
    /// A W2 of a run: <paramref name="solve"/> with <paramref name="options"/>, logged through <paramref name="log"/> when it
    /// takes long (before it starts when the estimate of the method it will use exceeds <see cref="SlowSeconds"/>, and after it with its time).
    /// </summary>
    public static W2Result Logged(string what, double time, int atomsA, int atomsB, W2Options options, Action<string>? log,
        Func<W2Options, W2Result> solve)
    {
        double estimate = Wasserstein.EstimatedSeconds(atomsA, atomsB, options);
        if (log is not null && estimate > SlowSeconds)
            log(FormattableString.Invariant($"computing {what} at t = {time:G6} ({atomsA} vs {atomsB} atoms; ~{estimate:G2} s)"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = solve(options);
        if (log is not null && clock.Elapsed.TotalSeconds > SlowSeconds)
            log(FormattableString.Invariant($"{what} at t = {time:G6}: {clock.Elapsed.TotalSeconds:F1} s ({result.Method})"));
        return result;
    }

    /// <summary>
    /// The bracket half-width, relative to max(1, W2), below which a W2 counts as exact: an exact solve's
    /// certificate (the dual objective, sums of m·n terms of size |z|² ≲ 100) carries a relative round-off of
    /// about 1e-12 at the sizes the tool solves exactly; 1e-9 leaves three orders of margin and is far below any
    /// W2 difference worth reporting. The one threshold of the library.
    /// </summary>
    public const double ExactTolerance = 1e-9;

    /// <summary>Whether a value with this error bound is exact to round-off.</summary>
    public static bool IsExact(double value, double errorBound) => errorBound <= ExactTolerance * Math.Max(1, value);

    /// <summary>Whether the result is exact to round-off (see <see cref="ExactTolerance"/>).</summary>
    public static bool IsExact(this W2Result result) => IsExact(result.W2, result.ErrorBound);

    /// <summary>The value, its error bound and method (the parts a result file or record keeps).</summary>
    public static W2Value ToValue(this W2Result result) => new(result.W2, result.ErrorBound, result.Method);
}
