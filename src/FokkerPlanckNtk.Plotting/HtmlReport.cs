using System.Globalization;
using System.Net;
using System.Text;

namespace FokkerPlanckNtk.Plotting;

/// <summary>
/// One self-contained HTML page (no external files: images are embedded as base64 PNG) with headings,
/// paragraphs, tables, preformatted blocks and figures, in the order they are added.
/// </summary>
public sealed class HtmlReport(string title)
{
    private readonly StringBuilder _body = new();

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A section heading.</summary>
    public HtmlReport Heading(string text)
    {
        _body.Append("<h2>").Append(E(text)).Append("</h2>\n");
        return this;
    }

    /// <summary>A paragraph of text (HTML-encoded); <paramref name="cssClass"/> "note" sets it in small grey type.</summary>
    public HtmlReport Paragraph(string text, string? cssClass = null)
    {
        _body.Append(cssClass is null ? "<p>" : $"<p class=\"{cssClass}\">").Append(E(text)).Append("</p>\n");
        return this;
    }

    /// <summary>A preformatted block (configuration, tables as text).</summary>
    public HtmlReport Preformatted(string text)
    {
        _body.Append("<pre>").Append(E(text)).Append("</pre>\n");
        return this;
    }

    /// <summary>A table; cells are text (already formatted numbers).</summary>
    public HtmlReport Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        _body.Append("<div class=\"scroll\"><table>");
        if (caption is not null) _body.Append("<caption>").Append(E(caption)).Append("</caption>");
        _body.Append("<thead><tr>");
        foreach (var h in header) _body.Append("<th>").Append(E(h)).Append("</th>");
        _body.Append("</tr></thead><tbody>\n");
        foreach (var row in rows)
        {
            _body.Append("<tr>");
            foreach (var c in row) _body.Append("<td>").Append(E(c)).Append("</td>");
            _body.Append("</tr>\n");
        }
        _body.Append("</tbody></table></div>\n");
        return this;
    }

    /// <summary>A figure from PNG bytes, embedded as a data URI.</summary>
    public HtmlReport Figure(byte[] png, string caption)
    {
        _body.Append("<figure><img alt=\"").Append(E(caption)).Append("\" src=\"data:image/png;base64,")
             .Append(Convert.ToBase64String(png)).Append("\"><figcaption>").Append(E(caption)).Append("</figcaption></figure>\n");
        return this;
    }

    /// <summary>Figures side by side (they wrap on narrow screens), with one caption under the row.</summary>
    public HtmlReport FigureRow(IReadOnlyList<(byte[] Png, string Alt)> images, string caption)
    {
        _body.Append("<figure><div class=\"row\">");
        foreach (var (png, alt) in images)
            _body.Append("<img alt=\"").Append(E(alt)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\">");
        _body.Append("</div><figcaption>").Append(E(caption)).Append("</figcaption></figure>\n");
        return this;
    }

    /// <summary>Markdown as produced by the studies: headings, pipe tables and paragraphs are rendered; the rest is kept as text.</summary>
    public HtmlReport Markdown(string markdown)
    {
        var lines = markdown.Replace("\r", "").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd();
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                int level = Math.Min(6, Math.Max(3, line.TakeWhile(c => c == '#').Count() + 1));
                _body.Append(CultureInfo.InvariantCulture, $"<h{level}>").Append(E(line.TrimStart('#').Trim())).Append(CultureInfo.InvariantCulture, $"</h{level}>\n");
            }
            else if (line.StartsWith('|'))
            {
                var table = new List<string[]>();
                for (; i < lines.Length && lines[i].TrimStart().StartsWith('|'); i++)
                {
                    var cells = lines[i].Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
                    if (cells.All(c => c.Length > 0 && c.All(ch => ch is '-' or ':'))) continue; // separator row
                    table.Add(cells);
                }
                i--;
                if (table.Count > 0) Table(table[0], table.Skip(1));
            }
            else if (line.StartsWith("```"))
            {
                var block = new StringBuilder();
                for (i++; i < lines.Length && !lines[i].StartsWith("```"); i++) block.Append(lines[i]).Append('\n');
                Preformatted(block.ToString());
            }
            else Paragraph(line.TrimStart('-', '*', ' '));
        }
        return this;
    }

    /// <summary>The complete page.</summary>
    public override string ToString()
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
            .Append(E(title)).Append("</title>\n<style>\n").Append(Style).Append("</style></head>\n<body><main>\n<h1>")
            .Append(E(title)).Append("</h1>\n").Append(_body).Append("</main></body></html>\n");
        return page.ToString();
    }

    private const string Style = """
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; background: #fafafa; margin: 0; }
        main { max-width: 1400px; margin: 0 auto; padding: 1.5em 2em 4em; background: #fff; }
        h1 { font-size: 1.6em; border-bottom: 2px solid #1f77b4; padding-bottom: .3em; }
        h2 { font-size: 1.25em; margin-top: 2em; color: #1f4e79; }
        h3, h4 { font-size: 1.05em; }
        p.note { color: #555; font-size: .92em; }
        pre { background: #f4f4f4; padding: .8em; overflow-x: auto; font-size: .85em; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; font-size: .85em; margin: .6em 0; }
        caption { text-align: left; color: #555; padding-bottom: .3em; }
        th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        th { background: #eef3f8; }
        figure { margin: 1.2em 0; }
        figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
        figcaption { color: #555; font-size: .9em; }
        figure .row { display: flex; flex-wrap: wrap; gap: .5em; }
        figure .row img { flex: 1 1 420px; min-width: 0; }

        """;
}
