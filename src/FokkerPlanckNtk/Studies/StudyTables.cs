using System.Diagnostics;
using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Studies;

/// <summary>
/// The writers of the studies' tables: Markdown that ends with the study's wall time, and CSV files (a header, then one
/// line per row, '\n' line ends), both in the invariant culture and written atomically (a file is whole or absent).
/// </summary>
public static class StudyTables
{
    /// <summary>
    /// Ends <paramref name="markdown"/> with a blank line and "Wall time of the study: N s." (the elapsed time of
    /// <paramref name="watch"/>), writes it to <paramref name="path"/> and returns the text.
    /// </summary>
    public static string WriteMarkdown(string path, StringBuilder markdown, Stopwatch watch)
    {
        markdown.AppendLine();
        markdown.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Wall time of the study: {watch.Elapsed.TotalSeconds:F0} s."));
        string text = markdown.ToString();
        AtomicFile.WriteText(path, text);
        return text;
    }

    /// <summary>The CSV text: <paramref name="header"/> (the column names), then <paramref name="line"/> of each row, formatted in the invariant culture.</summary>
    public static string Csv<T>(string header, IEnumerable<T> rows, Func<T, FormattableString> line)
    {
        var csv = new StringBuilder(header).Append('\n');
        foreach (var row in rows) csv.Append(line(row).ToString(CultureInfo.InvariantCulture)).Append('\n');
        return csv.ToString();
    }

    /// <summary>Writes <see cref="Csv"/> of the rows to <paramref name="path"/>.</summary>
    public static void WriteCsv<T>(string path, string header, IEnumerable<T> rows, Func<T, FormattableString> line) =>
        AtomicFile.WriteText(path, Csv(header, rows, line));
}
