using System.Text.Json;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.IO.Results;

/// <summary>
/// <c>span.json</c>, written by a run whose problem was reduced to the span of its inputs: d, k, the rank decision
/// (singular values, tolerance, the inputs' distance from S), the orthonormal basis b_1..b_k of S (one row of d numbers
/// each: the grid's ζ axes are ζ_a = b_a·θ) and the θ_⊥ factor (its dimension d − k, whether it is N(0, I), the
/// eigenvalues of its initial covariance). With the initial law of config.json this is everything needed to rebuild the
/// full density p_t(θ, u) = q_t(Bᵀθ, u)·N(P_⊥θ; m_⊥(t), C_⊥(t)) from the grid density q_t.
/// </summary>
public static class SpanDocument
{
    /// <summary>The file name in the run folder.</summary>
    public const string FileName = "span.json";

    /// <summary>The document of <paramref name="reduction"/> (indented JSON, culture-invariant round-trip numbers).</summary>
    /// <param name="reduction">The problem reduced to the span of its inputs.</param>
    public static string ToJson(ReducedProblem reduction)
    {
        var span = reduction.Span;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("ambientDimension", span.AmbientDimension);
            w.WriteNumber("dimension", span.Dimension);
            w.WriteNumber("dataRank", span.DataRank);
            w.WriteString("mode", reduction.Options.Mode.ToString().ToLowerInvariant());
            w.WriteNumber("tolerance", reduction.Options.Tolerance);
            Array(w, "singularValues", span.SingularValues);
            w.WriteNumber("maxDistance", span.MaxDistance);
            JsonText.WriteMatrix(w, "basis", span.Dimension, span.AmbientDimension, (a, i) => span.BasisVector(a)[i]);
            w.WriteStartObject("orthogonal");
            w.WriteNumber("dimension", reduction.Orthogonal.Dimension);
            w.WriteBoolean("standard", reduction.Orthogonal.IsStandard);
            w.WriteNumber("lambda", reduction.Orthogonal.Lambda);
            Array(w, "initialEigenvalues", reduction.Orthogonal.IsStandard ? [] : reduction.Orthogonal.InitialEigenvalues);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return JsonText.CompactNumberArrays(Encoding.UTF8.GetString(buffer.ToArray())) + "\n";
    }

    /// <summary>Writes <c>span.json</c> into <paramref name="directory"/>, atomically.</summary>
    public static void Write(string directory, ReducedProblem reduction) =>
        AtomicFile.WriteText(Path.Combine(directory, FileName), ToJson(reduction));

    private static void Array(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }
}
