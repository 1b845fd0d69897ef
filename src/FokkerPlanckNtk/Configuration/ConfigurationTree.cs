namespace FokkerPlanckNtk.Configuration;

/// <summary>
/// Configuration values as flat keys in the Microsoft.Extensions.Configuration form
/// (<c>problem:alpha</c>, <c>grid:cells:0</c>; case-insensitive), the common ground of a JSON file, the
/// command line and the environment. Typed reads turn bad values into <see cref="InputException"/>s that name
/// the key (in dotted form, <c>problem.alpha</c>), the value and what is allowed; every key that is read is
/// remembered, so that <see cref="RejectUnknownKeys"/> can reject typos. A key without a value
/// (<c>--problem:alpha=</c>, JSON <c>null</c>) or with an empty list (<c>[]</c>) is an error where it is read,
/// never a silent default.
/// </summary>
public sealed class ConfigurationTree
{
    private readonly Dictionary<string, string?> _values;
    private readonly HashSet<string> _consumed = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="values">Flat key/value pairs of one source: "" is a key without a value (<c>--problem:alpha=</c>) or an
    /// empty JSON list, null a JSON <c>null</c> or <c>{}</c> (as Microsoft.Extensions.Configuration reads them).</param>
    public ConfigurationTree(IEnumerable<KeyValuePair<string, string?>> values)
    {
        _values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values) _values[key] = value;
    }

    /// <summary>
    /// The sources in rising priority (a file, the environment, the command line). A key of a later source replaces,
    /// in every earlier one, the same key, the keys below it and the values above it: <c>--grid:cells=256</c>
    /// replaces a per-axis list of the file, <c>--grid:cells:0=64 --grid:cells:1=32</c> replaces a single
    /// number of the file, and <c>--grid:cells:1=48</c> replaces one item of the file's list. Within one source,
    /// a number and items of the same key are an error where the key is read.
    /// </summary>
    public static ConfigurationTree FromSources(params IEnumerable<KeyValuePair<string, string?>>[] sources)
    {
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var later = new HashSet<string>(StringComparer.OrdinalIgnoreCase);         // keys of the later sources
        var laterParents = new HashSet<string>(StringComparer.OrdinalIgnoreCase);  // their ancestors
        for (int s = sources.Length - 1; s >= 0; s--)
        {
            var layer = sources[s].ToList();
            foreach (var (key, value) in layer)
            {
                if (later.Contains(key) || laterParents.Contains(key) || Ancestors(key).Any(later.Contains)) continue;
                merged[key] = value;
            }
            foreach (var (key, _) in layer)
            {
                later.Add(key);
                foreach (var a in Ancestors(key)) laterParents.Add(a);
            }
        }
        return new ConfigurationTree(merged);
    }

    private static IEnumerable<string> Ancestors(string key)
    {
        for (int i = key.LastIndexOf(':'); i > 0; i = key.LastIndexOf(':', i - 1)) yield return key[..i];
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

    /// <summary>
    /// The raw scalar value, or null when absent; a key without a value, an empty list or a section with children
    /// where a scalar is expected is an error.
    /// </summary>
    public string? Scalar(string key, string expected)
    {
        _consumed.Add(key);
        if (_values.TryGetValue(key, out var v))
        {
            if (HasChildren(key)) throw Mixed(key);
            return Present(key, v, expected);
        }
        if (HasChildren(key)) throw new InputException(Display(key), "(a list or section)", $"must be {expected}");
        return null;
    }

    private static string Present(string key, string? value, string expected)
    {
        if (value is null) throw new InputException(Display(key), "(null or empty)", $"must be {expected}");
        if (value.Trim().Length == 0)
            throw new InputException(Display(key), "(no value)", $"must be {expected}; give a value (--{key}=…) or leave the key out for its default");
        return value.Trim();
    }

    private static InputException Mixed(string key) =>
        new(Display(key), "a value and items", $"give either one value ({Display(key)}) or a list of items ({Display(key)}[0], {Display(key)}[1], …) in one source, not both");

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

    /// <summary>A whole number ≥ <paramref name="min"/> (digits only: <c>2.5</c> and <c>1e2</c> are refused).</summary>
    public int Int(string key, int defaultValue, int min = int.MinValue)
    {
        var text = Scalar(key, WholeNumber(min));
        return text is null ? defaultValue : ParseInt(key, text, min);
    }

    internal static string WholeNumber(long min) =>
        min == int.MinValue || min == long.MinValue ? "a whole number" : $"a whole number ≥ {min.ToString(CultureInfo.InvariantCulture)}";

    private static int ParseInt(string key, string text, int min)
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v))
        {
            bool digits = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
            throw new InputException(Display(key), text, $"must be {WholeNumber(min)}" + (digits ? $" and at most {int.MaxValue}" : ""));
        }
        if (v < min) throw new InputException(Display(key), text, $"must be {WholeNumber(min)}");
        return v;
    }

    /// <summary>The 64-bit whole number ≥ <paramref name="min"/> at <paramref name="key"/>, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="InputException">A value that is not a whole number ≥ <paramref name="min"/>.</exception>
    public long Long(string key, long defaultValue, long min = long.MinValue)
    {
        var text = Scalar(key, WholeNumber(min));
        if (text is null) return defaultValue;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) || v < min)
            throw new InputException(Display(key), text, $"must be {WholeNumber(min)}");
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
    public double[]? Doubles(string key) => List(key, "a number", ParseDouble);

    /// <summary>Whole numbers ≥ <paramref name="min"/>, as one value or a list.</summary>
    public int[]? Ints(string key, int min = int.MinValue) => List(key, WholeNumber(min), (k, text) => ParseInt(k, text, min));

    private T[]? List<T>(string key, string expected, Func<string, string, T> parse)
    {
        _consumed.Add(key);
        if (_values.TryGetValue(key, out var scalar))
        {
            if (HasChildren(key)) throw Mixed(key);
            if (string.IsNullOrWhiteSpace(scalar)) throw new InputException(Display(key), "(no value or [])", $"must be {expected} or a non-empty list of them");
            return [parse(key, scalar.Trim())];
        }
        var items = Items(key);
        if (items.Count == 0) return null;
        return items.Select(i => ItemScalar(i, expected, parse)).ToArray();
    }

    private T ItemScalar<T>(string itemKey, string expected, Func<string, string, T> parse)
    {
        _consumed.Add(itemKey);
        if (_values.TryGetValue(itemKey, out var v) && !HasChildren(itemKey)) return parse(itemKey, Present(itemKey, v, expected));
        throw new InputException(Display(itemKey), "(a list or section)", $"must be {expected}");
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

    /// <summary>Rows of a matrix (<c>key:i:j</c>); a scalar row <c>key:i</c> is a row of length 1; an empty list is an error.</summary>
    public double[][]? Matrix(string key)
    {
        _consumed.Add(key);
        if (_values.TryGetValue(key, out var value))
            throw string.IsNullOrWhiteSpace(value)
                ? new InputException(Display(key), "(no value or [])", "must be a non-empty list of rows")
                : new InputException(Display(key), value, "must be a list of rows");
        var rows = Items(key);
        if (rows.Count == 0) return null;
        return rows.Select(r => Doubles(r) ?? throw new InputException(Display(r), "[]", "a row must not be empty")).ToArray();
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
            string hint;
            if (key.Contains('.') && knownKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
                // --grid.cells=32: the dotted form of the messages is not the command-line form.
                hint = $"on the command line sections are separated by ':' (write --{key.Replace('.', ':')}={_values[key]}); ";
            else
            {
                string? near = knownKeys.MinBy(k => EditDistance(k, display));
                hint = near is not null && EditDistance(near, display) <= 3 ? $"did you mean {near}? " : "";
            }
            throw new InputException(display, _values[key] ?? "[]", $"unknown configuration key; {hint}known keys: {string.Join(", ", knownKeys)}");
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
