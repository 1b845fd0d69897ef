namespace FokkerPlanckNtk.Model;

/// <summary>
/// The training set S = {(x_i, y_i)}, i = 1..n, x_i ∈ R^d. Inputs are stored row-major in one flat array.
/// </summary>
public sealed class DataSet
{
    private readonly double[] _x;
    private readonly double[] _y;

    /// <param name="x">Rows x_i (all of one length d ≥ 1).</param>
    /// <param name="y">Targets y_i.</param>
    /// <param name="key">The configuration key used in error messages.</param>
    public DataSet(IReadOnlyList<IReadOnlyList<double>> x, IReadOnlyList<double> y, string key = "problem.data")
    {
        if (x.Count == 0) throw new InputException($"{key}.x", "[]", "the data set needs at least one row (n = 0)");
        if (y.Count != x.Count)
            throw new InputException($"{key}.y", $"{y.Count} values", $"must have one value per row of {key}.x ({x.Count} rows)");
        int d = x[0].Count;
        if (d < 1) throw new InputException($"{key}.x[0]", "[]", "each row needs at least one coordinate");
        _x = new double[x.Count * d];
        _y = new double[x.Count];
        for (int i = 0; i < x.Count; i++)
        {
            if (x[i].Count != d)
                throw new InputException($"{key}.x[{i}]", $"{x[i].Count} coordinates", $"every row must have the same length as row 0 ({d})");
            for (int k = 0; k < d; k++)
            {
                double v = x[i][k];
                if (!double.IsFinite(v)) throw new InputException($"{key}.x[{i}][{k}]", v, "must be a finite number");
                _x[i * d + k] = v;
            }
            if (!double.IsFinite(y[i])) throw new InputException($"{key}.y[{i}]", y[i], "must be a finite number");
            _y[i] = y[i];
        }
        Count = x.Count;
        Dimension = d;
    }

    /// <summary>n, the number of samples.</summary>
    public int Count { get; }

    /// <summary>d, the input dimension.</summary>
    public int Dimension { get; }

    /// <summary>x_i as a span of length d.</summary>
    public ReadOnlySpan<double> X(int i) => _x.AsSpan(i * Dimension, Dimension);

    /// <summary>All inputs, row-major n × d.</summary>
    public ReadOnlySpan<double> XFlat => _x;

    /// <summary>The labels y_1..y_n.</summary>
    public ReadOnlySpan<double> Y => _y;

    /// <summary>y_i.</summary>
    public double Yi(int i) => _y[i];

    /// <summary>x_i · x_j.</summary>
    public double Dot(int i, int j)
    {
        double s = 0;
        for (int k = 0; k < Dimension; k++) s += _x[i * Dimension + k] * _x[j * Dimension + k];
        return s;
    }

    /// <summary>Violations of Assumption 4.1 (‖x_i‖ ≤ 1, |y_i| ≤ 1): warnings, never errors.</summary>
    public IReadOnlyList<string> AssumptionWarnings()
    {
        var w = new List<string>();
        for (int i = 0; i < Count; i++)
        {
            double norm = Math.Sqrt(Dot(i, i));
            if (norm > 1 + 1e-12)
                w.Add(string.Create(CultureInfo.InvariantCulture, $"‖x_{i + 1}‖ = {norm:G6} > 1 (Assumption 4.1)"));
            if (Math.Abs(_y[i]) > 1 + 1e-12)
                w.Add(string.Create(CultureInfo.InvariantCulture, $"|y_{i + 1}| = {Math.Abs(_y[i]):G6} > 1 (Assumption 4.1)"));
        }
        return w;
    }

    /// <summary>
    /// Reads a CSV with a header row and columns x1..xd,y (d = number of columns − 1).
    /// </summary>
    public static DataSet FromCsv(string path, string key = "problem.data.file")
    {
        if (!File.Exists(path)) throw new InputException(key, path, "the data file does not exist");
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToArray();
        if (lines.Length < 2) throw new InputException(key, path, "needs a header row x1,...,xd,y and at least one data row");
        var header = lines[0].Split(',').Select(h => h.Trim()).ToArray();
        int cols = header.Length;
        if (cols < 2 || !header[^1].Equals("y", StringComparison.OrdinalIgnoreCase))
            throw new InputException(key, path, $"header must be x1,...,xd,y; found '{lines[0]}'");
        var x = new List<IReadOnlyList<double>>();
        var y = new List<double>();
        for (int r = 1; r < lines.Length; r++)
        {
            var parts = lines[r].Split(',');
            if (parts.Length != cols)
                throw new InputException(key, path, $"line {r + 1} has {parts.Length} fields, the header has {cols}");
            var v = new double[cols];
            for (int c = 0; c < cols; c++)
                if (!double.TryParse(parts[c].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out v[c]))
                    throw new InputException(key, path, $"line {r + 1}, column '{header[c]}': '{parts[c].Trim()}' is not a number");
            x.Add(v[..^1]);
            y.Add(v[^1]);
        }
        return new DataSet(x, y, key);
    }

    /// <summary>The built-in default problem's data (d = 1, n = 4), as in docs/user-guide.md.</summary>
    public static DataSet Default { get; } =
        new([[0.25], [0.5], [0.75], [1.0]], [0.2, 0.6, -0.3, 0.4]);
}
