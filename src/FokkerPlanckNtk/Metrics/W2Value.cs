namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// A W2 value as results keep it: the true W2 lies in [Value − ErrorBound, Value + ErrorBound] (0 when exact),
/// and how it was computed.
/// </summary>
public sealed record W2Value(double Value, double ErrorBound, string Method);

public static class W2ResultExtensions
{
    /// <summary>The value, its error bound and method (the parts a result file or record keeps).</summary>
    public static W2Value ToValue(this W2Result result) => new(result.W2, result.ErrorBound, result.Method);
}
