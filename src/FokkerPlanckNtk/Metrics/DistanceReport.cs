using System.Text.Json;

namespace FokkerPlanckNtk.Metrics;

/// <summary>
/// Distances between two measures as <c>fpntk w2 A B</c> reports them. KL and χ² are KL(A‖B) and
/// χ²(A‖B), null where undefined (the measures do not live on the same cells or the same atoms);
/// +∞ where B vanishes on mass of A.
/// </summary>
public sealed record DistanceReport(double W2, double W2Squared, double? Kl, double? Chi2, string Method, string Status, double Seconds)
{
    /// <summary>Certified half-width of the W2 bracket (round-off level for exact methods).</summary>
    public double ErrorBound { get; init; }

    /// <summary>
    /// One JSON object, keys in the order of docs/file-formats.md, then the extension <c>error_bound</c>.
    /// Numbers round-trip (shortest form that parses back to the same double), culture-invariant;
    /// an infinite or undefined KL or χ² is null with a <c>kl_reason</c>/<c>chi2_reason</c> (<see cref="IO.JsonText"/>).
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = IO.JsonText.Writer(stream, indented: false))
        {
            w.WriteStartObject();
            const string notOnSameSupport = "defined only between measures on the same cells or atoms";
            // A W2 known only as a wide bracket is not a number (docs/file-formats.md): null, and the bracket.
            bool bracket = ErrorBound > 0.01 * W2 && ErrorBound > 1e-14;
            IO.JsonText.WriteNumber(w, "w2", bracket ? null : W2, bracket ? "known only as the bracket [w2_lower, w2_upper]" : null);
            IO.JsonText.WriteNumber(w, "w2_squared", bracket ? null : W2Squared, bracket ? "known only as a bracket" : null);
            IO.JsonText.WriteNumber(w, "kl", Kl, Kl is null ? notOnSameSupport : "B has no mass where A has");
            IO.JsonText.WriteNumber(w, "chi2", Chi2, Chi2 is null ? notOnSameSupport : "B has no mass where A has");
            w.WriteString("method", Method);
            w.WriteString("status", Status);
            IO.JsonText.WriteNumber(w, "seconds", Seconds);
            IO.JsonText.WriteNumber(w, "error_bound", ErrorBound);
            IO.JsonText.WriteNumber(w, "w2_lower", Math.Max(0, W2 - ErrorBound));
            IO.JsonText.WriteNumber(w, "w2_upper", W2 + ErrorBound);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Human-readable lines (round-trip numbers).</summary>
    public override string ToString()
    {
        static string F(double? v) => v is double d ? d.ToString("R", CultureInfo.InvariantCulture) : "undefined";
        // A wide bracket is shown as the bracket, a value exact to round-off without its bound (W2Value's rules).
        string W2Text() => new W2Value(W2, ErrorBound, Method) switch
        {
            { IsNumber: false } v => $"in [{F(v.Lower)}, {F(v.Upper)}] (certified bracket)",
            { IsExact: false } => $"{F(W2)}  (± {ErrorBound.ToString("G3", CultureInfo.InvariantCulture)})",
            _ => F(W2),
        };
        return string.Join(Environment.NewLine,
            $"W2       " + W2Text(),
            $"W2^2     {F(W2Squared)}",
            $"KL       {F(Kl)}",
            $"chi2     {F(Chi2)}",
            $"method   {Method}",
            $"status   {Status}",
            $"seconds  {Seconds.ToString("G4", CultureInfo.InvariantCulture)}");
    }
}
