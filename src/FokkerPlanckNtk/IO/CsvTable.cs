namespace FokkerPlanckNtk.IO;

/// <summary>
/// A numeric table with a header row, written culture-invariant with round-trip precision ("R"), so that
/// <see cref="Read"/> returns bit-identical numbers. A missing value (NaN in memory, e.g. a W2 known only as a
/// bracket) is an empty field, never the text NaN (pandas and CSV.jl read it as missing); infinities are
/// written as Infinity/-Infinity.
/// </summary>
public sealed class CsvTable
{
    private readonly List<double[]> _rows = [];

    /// <summary>An empty table with these column names.</summary>
    public CsvTable(IReadOnlyList<string> columns)
    {
        if (columns.Count == 0) throw new ArgumentException("A table needs at least one column.", nameof(columns));
        Columns = columns.ToArray();
    }

    /// <summary>The header.</summary>
    public IReadOnlyList<string> Columns { get; }
    /// <summary>The rows, each with one value per column.</summary>
    public IReadOnlyList<double[]> Rows => _rows;

    /// <summary>Appends a copy of <paramref name="row"/> (one value per column).</summary>
    public void Add(params double[] row)
    {
        if (row.Length != Columns.Count)
            throw new ArgumentException($"Row has {row.Length} values, the table has {Columns.Count} columns.", nameof(row));
        _rows.Add((double[])row.Clone());
    }

    /// <summary>The values of one column.</summary>
    public double[] Column(string name)
    {
        int k = Array.IndexOf(Columns.ToArray(), name);
        if (k < 0) throw new ArgumentException($"No column '{name}'.", nameof(name));
        return _rows.Select(r => r[k]).ToArray();
    }

    /// <summary>The round-trip, culture-invariant text of a number ("R").</summary>
    public static string Format(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The CSV text: header, then one line per row, <c>\n</c> line ends.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(string.Join(",", Columns)).Append('\n');
        foreach (var row in _rows)
        {
            for (int k = 0; k < row.Length; k++)
            {
                if (k > 0) text.Append(',');
                text.Append(Format(row[k]));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Writes the table atomically.</summary>
    public void Write(string path) => AtomicFile.WriteText(path, ToString());

    /// <summary>Reads a table written by <see cref="Write"/> (or any numeric CSV with a header).</summary>
    /// <exception cref="InputException">A missing file, ragged rows or a field that is not a number.</exception>
    public static CsvTable Read(string path)
    {
        if (!File.Exists(path)) throw new InputException("file", path, "does not exist");
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) throw new InputException("file", path, "is empty (a header row is required)");
        var table = new CsvTable(lines[0].Split(',').Select(c => c.Trim()).ToArray());
        for (int r = 1; r < lines.Length; r++)
        {
            var parts = lines[r].Split(',');
            if (parts.Length != table.Columns.Count)
                throw new InputException("file", path, $"line {r + 1} has {parts.Length} fields, the header has {table.Columns.Count}");
            var row = new double[parts.Length];
            for (int k = 0; k < parts.Length; k++)
                if (parts[k].Trim().Length == 0) row[k] = double.NaN; // a missing value
                else if (!double.TryParse(parts[k].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out row[k]))
                    throw new InputException("file", path, $"line {r + 1}, column '{table.Columns[k]}': '{parts[k].Trim()}' is not a number");
            table._rows.Add(row);
        }
        return table;
    }
}
