using System.Text.Json;
using System.Text.RegularExpressions;

namespace FokkerPlanckNtk.IO;

/// <summary>
/// The JSON the tool writes: its layout, and the one convention for numbers that are not finite (JSON has
/// none): such a value is written as <c>null</c> and a sibling key <c>NAME_reason</c> says why, e.g.
/// <c>"kl_bound": null, "kl_bound_reason": "+infinity: the activation 'linear' is unbounded (Assumption 4.2 fails)"</c>.
/// Every JSON writer of the tool (ntk.json, stationary.json, w2 --json, reference files) goes through here.
/// </summary>
public static partial class JsonText
{
    /// <summary>The writer of every JSON file of the tool: UTF-8, non-ASCII text (λ, ±) unescaped.</summary>
    public static Utf8JsonWriter Writer(Stream stream, bool indented = true) =>
        new(stream, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>A finite number as is; otherwise null and <c>NAME_reason</c> (the given reason, or what the value is).</summary>
    public static void WriteNumber(Utf8JsonWriter w, string name, double value, string? reason = null)
    {
        if (double.IsFinite(value)) { w.WriteNumber(name, value); return; }
        w.WriteNull(name);
        w.WriteString(name + "_reason", reason is null ? Describe(value) : $"{Describe(value)}: {reason}");
    }

    /// <summary>As <see cref="WriteNumber(Utf8JsonWriter, string, double, string?)"/>; a missing value is null, with the reason if one is given.</summary>
    public static void WriteNumber(Utf8JsonWriter w, string name, double? value, string? reason = null)
    {
        if (value is double v) { WriteNumber(w, name, v, reason); return; }
        w.WriteNull(name);
        if (reason is not null) w.WriteString(name + "_reason", reason);
    }

    /// <summary>An array of numbers; non-finite entries are null and one <c>NAME_reason</c> after the array says why.</summary>
    public static void WriteNumbers(Utf8JsonWriter w, string name, IEnumerable<double> values, string? reason = null)
    {
        w.WriteStartArray(name);
        double? first = null;
        foreach (double v in values)
        {
            if (double.IsFinite(v)) w.WriteNumberValue(v);
            else { w.WriteNullValue(); first ??= v; }
        }
        w.WriteEndArray();
        if (first is double bad) w.WriteString(name + "_reason", reason is null ? Describe(bad) : $"{Describe(bad)}: {reason}");
    }

    /// <summary>A <paramref name="rows"/> × <paramref name="columns"/> matrix as an array of rows (finite entries: inputs, bases, covariances, Gram matrices).</summary>
    public static void WriteMatrix(Utf8JsonWriter w, string name, int rows, int columns, Func<int, int, double> entry)
    {
        w.WriteStartArray(name);
        for (int i = 0; i < rows; i++)
        {
            w.WriteStartArray();
            for (int j = 0; j < columns; j++) w.WriteNumberValue(entry(i, j));
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    /// <summary>A non-finite value in words: <c>+infinity</c>, <c>-infinity</c>, <c>not a number</c>.</summary>
    public static string Describe(double value) => value switch
    {
        double.PositiveInfinity => "+infinity",
        double.NegativeInfinity => "-infinity",
        _ when double.IsNaN(value) => "not a number",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Puts arrays of plain numbers on one line (the indented writer gives every number its own line).</summary>
    public static string CompactNumberArrays(string json) =>
        NumberArray().Replace(json, m => "[" + Separator().Replace(m.Groups[1].Value, ", ") + "]");

    [GeneratedRegex(@"\[\s*(-?[0-9][-+0-9.eE]*(?:\s*,\s*-?[0-9][-+0-9.eE]*)*)\s*\]")]
    private static partial Regex NumberArray();

    [GeneratedRegex(@"\s*,\s*")]
    private static partial Regex Separator();
}
