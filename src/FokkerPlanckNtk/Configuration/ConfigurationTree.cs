using System.Globalization;

namespace FokkerPlanckNtk.Configuration;

/// <summary>
/// Configuration values as flat keys in the Microsoft.Extensions.Configuration form
/// (<c>problem:alpha</c>, <c>grid:cells:0</c>; case-insensitive), the common ground of a JSON file, the
/// command line and the environment. Typed reads turn bad values into <see cref="InputException"/>s that name
/// the key (in dotted form, <c>problem.alpha</c>), the value and what is allowed; every key that is read is
/// remembered, so that <see cref="RejectUnknownKeys"/> can reject typos.
/// </summary>
public sealed class ConfigurationTree
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _consumed = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="values">Flat key/value pairs; null or empty values count as absent.</param>
    public ConfigurationTree(IEnumerable<KeyValuePair<string, string?>> values)
    {
        _values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
            if (!string.IsNullOrEmpty(value)) _values[key] = value;
    }

    /// <summary>The dotted form used in messages: <c>grid:cells:1</c> → <c>grid.cells[1]</c>.</summary>
    public static string Display(string key)
    {
        var parts = key.Split(':');
        var text = new System.Text.StringBuilder(parts[0]);
        for (int i = 1; i < parts.Length; i++)
            text.Append(int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out _) ? $"[{parts[i]}]" : "." + parts[i]);
        return text.ToString();
    }

    /// <summary>True when the key has a value or children.</summary>
    public bool Exists(string key) => _values.ContainsKey(key) || HasChildren(key);

    private bool HasChildren(string key)
    {
        string prefix = key + ":";
        return _values.Keys.Any(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The raw scalar value, or null; a section with children where a scalar is expected is an error.</summary>
    public string? Scalar(string key, string expected)
    {
        _consumed.Add(key);
        if (_values.TryGetValue(key, out var v)) return v.Trim();
        if (HasChildren(key)) throw new InputException(Display(key), "(a list or section)", $"must be {expected}");
        return null;
    }

    /// <summary>The number at <paramref name="key"/> (culture-invariant), or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="InputException">A value that is not a finite number.</exception>
    public double Double(string key, double defaultValue) => OptionalDouble(key) ?? defaultValue;

    /// <summary>The number at <paramref name="key"/>, or null when absent.</summary>
    /// <exception cref="InputException">A value that is not a finite number.</exception>
    public double? OptionalDouble(string key)
    {
        var text = Scalar(key, "a number");
        if (text is null) return null;
        return ParseDouble(key, text);
    }

    private static double ParseDouble(string key, string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw new InputException(Display(key), text, "must be a number");
        if (!double.IsFinite(v)) throw new InputException(Display(key), text, "must be a finite number");
        return v;
    }

    /// <summary>The integer at <paramref name="key"/>, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="InputException">A value that is not an integer.</exception>
    public int Int(string key, int defaultValue)
    {
        var text = Scalar(key, "an integer");
        return text is null ? defaultValue : ParseInt(key, text);
    }

    private static int ParseInt(string key, string text)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
        {
            string why = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                ? $"must be an integer between {int.MinValue} and {int.MaxValue}"
                : "must be an integer";
            throw new InputException(Display(key), text, why);
        }
        return v;
    }

    /// <summary>The 64-bit integer at <paramref name="key"/>, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="InputException">A value that is not an integer.</exception>
    public long Long(string key, long defaultValue)
    {
        var text = Scalar(key, "an integer");
        if (text is null) return defaultValue;
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
            throw new InputException(Display(key), text, "must be an integer");
        return v;
    }

    /// <summary><c>true</c> or <c>false</c> at <paramref name="key"/>, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="InputException">Any other value.</exception>
    public bool Bool(string key, bool defaultValue)
    {
        var text = Scalar(key, "true or false");
        if (text is null) return defaultValue;
        return bool.TryParse(text, out bool v) ? v : throw new InputException(Display(key), text, "must be true or false");
    }

    /// <summary>The string at <paramref name="key"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public string String(string key, string defaultValue) => Scalar(key, "a string") ?? defaultValue;

    /// <summary>The string at <paramref name="key"/>, or null when absent.</summary>
    public string? OptionalString(string key) => Scalar(key, "a string");

    /// <summary>
    /// A list given either as one scalar (<c>key</c>) or as items <c>key:0</c>, <c>key:1</c>, …; a scalar wins
    /// over items (so that <c>--grid:cells=256</c> overrides a per-axis list in the file). Null when absent.
    /// </summary>
    public double[]? Doubles(string key) => List(key, ParseDouble);

    /// <summary>One integer or a list of integers at <paramref name="key"/> (as <see cref="Doubles"/>), or null when absent.</summary>
    public int[]? Ints(string key) => List(key, ParseInt);

    private T[]? List<T>(string key, Func<string, string, T> parse)
    {
        _consumed.Add(key);
        if (_values.TryGetValue(key, out var scalar)) { ConsumeChildren(key); return [parse(key, scalar.Trim())]; }
        var items = Items(key);
        if (items.Count == 0) return null;
        return items.Select(i => ItemScalar(i, parse)).ToArray();
    }

    private T ItemScalar<T>(string itemKey, Func<string, string, T> parse)
    {
        _consumed.Add(itemKey);
        if (_values.TryGetValue(itemKey, out var v)) return parse(itemKey, v.Trim());
        throw new InputException(Display(itemKey), "(a list or section)", "must be a number");
    }

    /// <summary>Keys <c>key:0 … key:(k−1)</c> of a list; a gap in the indices is an error.</summary>
    public IReadOnlyList<string> Items(string key)
    {
        string prefix = key + ":";
        var indices = new SortedSet<int>();
        foreach (var k in _values.Keys)
        {
            if (!k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            string first = k[prefix.Length..].Split(':')[0];
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                throw new InputException(Display(key), "(a section)", "must be a list");
            indices.Add(index);
        }
        int expect = 0;
        foreach (int i in indices)
        {
            if (i != expect) throw new InputException(Display($"{key}:{expect}"), null, "list items must be numbered 0, 1, 2, … without gaps");
            expect++;
        }
        return indices.Select(i => $"{key}:{i.ToString(CultureInfo.InvariantCulture)}").ToArray();
    }

    /// <summary>Rows of a matrix (<c>key:i:j</c>); a scalar row <c>key:i</c> is a row of length 1.</summary>
    public double[][]? Matrix(string key)
    {
        _consumed.Add(key);
        if (_values.ContainsKey(key)) throw new InputException(Display(key), _values[key], "must be a list of rows");
        var rows = Items(key);
        if (rows.Count == 0) return null;
        return rows.Select(r => Doubles(r)!).ToArray();
    }

    private void ConsumeChildren(string key)
    {
        string prefix = key + ":";
        foreach (var k in _values.Keys.Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList())
            _consumed.Add(k);
    }

    /// <summary>
    /// Throws for a key that no reader asked for (a typo such as <c>problem.alpah</c>); keys under the given
    /// prefixes (e.g. <c>logging</c>, read by the host) are allowed.
    /// </summary>
    public void RejectUnknownKeys(IReadOnlyList<string> knownKeys, params string[] ignoredPrefixes)
    {
        foreach (var key in _values.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            if (_consumed.Contains(key)) continue;
            if (ignoredPrefixes.Any(p => key.Equals(p, StringComparison.OrdinalIgnoreCase) || key.StartsWith(p + ":", StringComparison.OrdinalIgnoreCase)))
                continue;
            string display = Display(key);
            string? near = knownKeys.MinBy(k => EditDistance(k, display));
            string hint = near is not null && EditDistance(near, display) <= 3 ? $"did you mean {near}? " : "";
            throw new InputException(display, _values[key], $"unknown configuration key; {hint}known keys: {string.Join(", ", knownKeys)}");
        }
    }

    private static int EditDistance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
