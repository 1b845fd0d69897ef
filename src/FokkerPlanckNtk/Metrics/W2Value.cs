namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// A W2 value as results keep it: the true W2 lies in [Value − ErrorBound, Value + ErrorBound] (0 when exact),
/// and how it was computed.
/// </summary>
public sealed record W2Value(double Value, double ErrorBound, string Method)
{
    /// <summary>Exact to round-off (<see cref="W2ResultExtensions.ExactTolerance"/>): shown as a number, not as a bracket.</summary>
    public bool IsExact => W2ResultExtensions.IsExact(Value, ErrorBound);
}

public static class W2ResultExtensions
{
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
