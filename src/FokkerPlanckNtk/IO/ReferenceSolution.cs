using System.Text.Json;

namespace FokkerPlanckNtk.IO;

/// <summary>One output time of a reference solution.</summary>
/// <param name="Time">t.</param>
/// <param name="Density">Cell averages on the reference grid (u last), Σ p_c·V = 1.</param>
/// <param name="Residuals">r_i = f(p_t, x_i) − y_i.</param>
/// <param name="F">f(p_t, x) at the probe inputs of the file.</param>
/// <param name="Loss">L = (1/n) Σ r_i².</param>
/// <param name="DensityTolerance">Estimated L1 error of the density (N-vs-2N difference).</param>
/// <param name="ResidualTolerance">Estimated max-norm error of the residuals.</param>
/// <param name="FTolerance">Estimated max-norm error of f at the probes.</param>
public sealed record ReferenceSnapshot(double Time, double[] Density, double[] Residuals, double[] F, double Loss,
    double DensityTolerance, double ResidualTolerance, double FTolerance);

/// <summary>A candidate's deviation from a reference at one time, next to the stored tolerance.</summary>
public sealed record ReferenceDeviation(double Time, string Quantity, double Deviation, double Tolerance)
{
    /// <summary>Deviation ≤ tolerance.</summary>
    public bool Passes => Deviation <= Tolerance;
}

/// <summary>
/// A reference solution of the PDE for other projects' tests (<c>fpntk reference</c>; format in
/// docs/reference-format.md): the problem, the grid, the output times, and per time the density, the residuals,
/// f on a set of probe inputs and the loss, with tolerances estimated from a grid refinement (the solution on N
/// cells per axis against the stored one on 2N). A versioned, self-describing JSON document; numbers are
/// written in shortest round-trip form, so <see cref="Load"/> returns exactly what was written.
/// </summary>
public sealed class ReferenceSolution
{
    /// <summary>The value of the key <c>format</c>.</summary>
    public const string FormatName = "fpntk-reference";
    /// <summary>The layout version written and read.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// The effective configuration that produced it, as JSON (problem, grid of the stored solution, times, stepper);
    /// <c>RunConfiguration.FromJson</c> reads it back.
    /// </summary>
    public required string Configuration { get; init; }

    /// <summary>The grid of the stored solution.</summary>
    public required UniformGrid Grid { get; init; }
    /// <summary>Cells per axis of the coarse solution the tolerances come from (half of the stored grid's).</summary>
    public required int[] CoarseCells { get; init; }
    /// <summary>Spectral references: modes per axis of the coarse solution (half of the stored basis); null for finite volumes.</summary>
    public int[]? CoarseBasis { get; init; }
    /// <summary>Spectral references: the time tolerance of the coarse solution (ten times the stored one's).</summary>
    public double? CoarseTolerance { get; init; }
    /// <summary>Probe inputs x (each of length d) at which f is stored.</summary>
    public required double[][] Inputs { get; init; }
    /// <summary>One snapshot per stored time (t = 0 and the configured output times).</summary>
    public required IReadOnlyList<ReferenceSnapshot> Snapshots { get; init; }
    /// <summary>The version of the program that computed the reference.</summary>
    public string ProgramVersion { get; init; } = RunManifest.ProgramVersion;

    private const string SpectralDescription =
        "Spectral (Hermite–Galerkin in the basis of p0, whole space) solution of the mean-field PDE (3.4) of Chen, Cao, Gu, Zhang (2020). "
        + "Densities are the expansion's exact cell averages on the grid (axes θ_1..θ_d, u; u varies fastest; cells where a truncated expansion "
        + "dips below zero written as 0); residuals r_i = f(p_t, x_i) − y_i and f(p_t, x) = α ∫ u σ(θ·x) p_t dθ du at the probe inputs are exact "
        + "for the expansion. Tolerances are the differences between the solution with the coarse basis (coarseBasis, time tolerance "
        + "coarseTolerance) and this one (basis doubled per axis, time tolerance ten times smaller): density in L1 on this grid, residuals and "
        + "f in max norm; the spectral error falls exponentially with the basis, so they bound this solution's error by a wide margin.";

    /// <summary>The reference file's JSON.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = JsonText.Writer(buffer))
        {
            void Array(string name, IEnumerable<double> values) => JsonText.WriteNumbers(w, name, values);
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteNumber("version", FormatVersion);
            w.WriteString("program", $"fpntk {ProgramVersion}");
            w.WriteString("description", CoarseBasis is not null ? SpectralDescription :
                "Finite-volume (Scharfetter–Gummel, zero-flux box) solution of the mean-field PDE (3.4) of Chen, Cao, Gu, Zhang (2020). "
                + "Densities are cell averages on the grid (axes θ_1..θ_d, u; u varies fastest); residuals r_i = f(p_t, x_i) − y_i; "
                + "f(p_t, x) = α ∫ u σ(θ·x) p_t dθ du by the midpoint rule at the probe inputs. Tolerances are the differences between "
                + "the solutions on the coarse grid (coarseCells) and on this grid: density in L1 after averaging this grid's cells onto "
                + "the coarse grid, residuals and f in max norm; they bound the error of this solution when the scheme converges "
                + "monotonically with order ≥ 1 (it is second order).");
            w.WritePropertyName("configuration");
            using (var config = JsonDocument.Parse(Configuration)) config.RootElement.WriteTo(w);
            w.WriteStartArray("coarseCells");
            foreach (int c in CoarseCells) w.WriteNumberValue(c);
            w.WriteEndArray();
            if (CoarseBasis is not null)
            {
                w.WriteStartArray("coarseBasis");
                foreach (int m in CoarseBasis) w.WriteNumberValue(m);
                w.WriteEndArray();
                if (CoarseTolerance is double tau) w.WriteNumber("coarseTolerance", tau);
            }
            JsonText.WriteMatrix(w, "inputs", Inputs.Length, Inputs.Length == 0 ? 0 : Inputs[0].Length, (i, j) => Inputs[i][j]); // data inputs: finite by validation
            w.WriteStartArray("snapshots");
            foreach (var s in Snapshots)
            {
                w.WriteStartObject();
                w.WriteNumber("t", s.Time);
                JsonText.WriteNumber(w, "loss", s.Loss);
                Array("residuals", s.Residuals);
                Array("f", s.F);
                w.WriteStartObject("tolerance");
                JsonText.WriteNumber(w, "densityL1", s.DensityTolerance);
                JsonText.WriteNumber(w, "residualsMax", s.ResidualTolerance);
                JsonText.WriteNumber(w, "fMax", s.FTolerance);
                w.WriteEndObject();
                Array("density", s.Density);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return JsonText.CompactNumberArrays(Encoding.UTF8.GetString(buffer.ToArray())) + "\n";
    }

    /// <summary>Writes the JSON atomically.</summary>
    public void Write(string path) => AtomicFile.WriteText(path, ToJson());

    /// <summary>Reads a reference file.</summary>
    /// <exception cref="InputException">A missing file, another format or version, or a malformed entry.</exception>
    public static ReferenceSolution Load(string path)
    {
        if (!File.Exists(path)) throw new InputException("reference", path, "the reference file does not exist");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.GetProperty("format").GetString() != FormatName)
                throw new InputException("reference", path, $"is not an {FormatName} file");
            int version = root.GetProperty("version").GetInt32();
            if (version != FormatVersion)
                throw new InputException("reference", path, $"has format version {version}; this program reads version {FormatVersion}");
            static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var configuration = root.GetProperty("configuration");
            var grid = configuration.GetProperty("grid");
            var cells = grid.GetProperty("cells").EnumerateArray().Select(c => c.GetInt32()).ToArray();
            var halfWidths = Doubles(grid.GetProperty("halfWidth"));
            var snapshots = root.GetProperty("snapshots").EnumerateArray().Select(s =>
            {
                var tol = s.GetProperty("tolerance");
                return new ReferenceSnapshot(s.GetProperty("t").GetDouble(), Doubles(s.GetProperty("density")), Doubles(s.GetProperty("residuals")),
                    Doubles(s.GetProperty("f")), s.GetProperty("loss").GetDouble(), tol.GetProperty("densityL1").GetDouble(),
                    tol.GetProperty("residualsMax").GetDouble(), tol.GetProperty("fMax").GetDouble());
            }).ToList();
            string program = root.GetProperty("program").GetString() ?? "";
            return new ReferenceSolution
            {
                Configuration = configuration.GetRawText(),
                Grid = new UniformGrid(cells, halfWidths),
                CoarseCells = root.GetProperty("coarseCells").EnumerateArray().Select(c => c.GetInt32()).ToArray(),
                CoarseBasis = root.TryGetProperty("coarseBasis", out var cb) ? cb.EnumerateArray().Select(c => c.GetInt32()).ToArray() : null,
                CoarseTolerance = root.TryGetProperty("coarseTolerance", out var ct) ? ct.GetDouble() : null,
                Inputs = root.GetProperty("inputs").EnumerateArray().Select(Doubles).ToArray(),
                Snapshots = snapshots,
                ProgramVersion = program.StartsWith("fpntk ", StringComparison.Ordinal) ? program[6..] : program,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InputException("reference", path, $"is not a readable reference file ({e.Message})");
        }
    }

    /// <summary>
    /// Compares a candidate's residuals (and, when given, its densities) with the stored solution at the stored
    /// times. Densities may live on this grid or on one whose cell counts divide this grid's or are multiples of
    /// them (the finer of the two is averaged onto the coarser). A candidate passes when every deviation is
    /// within its tolerance.
    /// </summary>
    /// <param name="residuals">r_i(t) of the candidate, one array per stored time.</param>
    /// <param name="candidateGrid">The grid of <paramref name="densities"/> (default: the stored grid).</param>
    /// <param name="densities">Optional candidate densities (one per stored time) on <paramref name="candidateGrid"/>.</param>
    public IReadOnlyList<ReferenceDeviation> Compare(IReadOnlyList<double[]> residuals, IReadOnlyList<double[]>? densities = null,
        UniformGrid? candidateGrid = null)
    {
        if (residuals.Count != Snapshots.Count)
            throw new InputException("candidate.residuals", $"{residuals.Count} times", $"must give one residual vector per stored time ({Snapshots.Count})");
        var deviations = new List<ReferenceDeviation>();
        var grid = Grid;
        for (int k = 0; k < Snapshots.Count; k++)
        {
            var s = Snapshots[k];
            if (residuals[k].Length != s.Residuals.Length)
                throw new InputException($"candidate.residuals[{k}]", $"{residuals[k].Length} values", $"must have n = {s.Residuals.Length} values");
            double dr = Numerics.Norms.MaxAbsDifference(s.Residuals, residuals[k]);
            deviations.Add(new ReferenceDeviation(s.Time, "residuals (max norm)", dr, s.ResidualTolerance));
            if (densities is null) continue;
            var cg = candidateGrid ?? grid;
            double l1 = DensityDistance(grid, s.Density, cg, densities[k]);
            deviations.Add(new ReferenceDeviation(s.Time, "density (L1)", l1, s.DensityTolerance));
        }
        return deviations;
    }

    /// <summary>
    /// ‖p − q‖_L1 between densities on two grids of the same box, one a refinement of the other by integer
    /// factors per axis: the finer one is averaged onto the coarser one first.
    /// </summary>
    public static double DensityDistance(UniformGrid gridP, ReadOnlySpan<double> p, UniformGrid gridQ, ReadOnlySpan<double> q)
    {
        if (gridP.Dimension != gridQ.Dimension || !gridP.HalfWidths.SequenceEqual(gridQ.HalfWidths))
            throw new InputException("candidate.grid", gridQ.ToString(), $"must cover the reference box {gridP}");
        bool pFiner = gridP.Count >= gridQ.Count;
        var (fine, fineValues, coarse, coarseValues) = pFiner ? (gridP, p.ToArray(), gridQ, q.ToArray()) : (gridQ, q.ToArray(), gridP, p.ToArray());
        var averaged = Restrict(fine, fineValues, coarse);
        double sum = 0;
        for (int c = 0; c < coarse.Count; c++) sum += Math.Abs(averaged[c] - coarseValues[c]);
        return sum * coarse.CellVolume;
    }

    /// <summary>Averages a density onto a grid whose cell counts divide the fine grid's (mass-conserving).</summary>
    public static double[] Restrict(UniformGrid fine, ReadOnlySpan<double> p, UniformGrid coarse)
    {
        var ratio = new int[fine.Dimension];
        for (int k = 0; k < fine.Dimension; k++)
        {
            if (fine.Cells[k] % coarse.Cells[k] != 0)
                throw new InputException("candidate.grid", string.Join("x", coarse.Cells),
                    $"cell counts must divide the reference grid's ({string.Join("x", fine.Cells)}) or be multiples of them");
            ratio[k] = fine.Cells[k] / coarse.Cells[k];
        }
        var result = new double[coarse.Count];
        double weight = fine.CellVolume / coarse.CellVolume;
        for (int c = 0; c < fine.Count; c++)
        {
            int target = 0;
            for (int k = 0; k < fine.Dimension; k++) target += fine.AxisIndex(c, k) / ratio[k] * coarse.Stride(k);
            result[target] += p[c] * weight;
        }
        return result;
    }

    /// <summary>A one-line summary (times, grid, tolerances).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{FormatName} v{FormatVersion}: {Grid}, {Snapshots.Count} times up to t = {Snapshots[^1].Time:G6}");
}
