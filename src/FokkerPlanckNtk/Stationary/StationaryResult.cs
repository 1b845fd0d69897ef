using System.Text.Json;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Stationary;

/// <summary>
/// The outcome of a stationary solve. When <see cref="Converged"/> is false the numbers are not a result:
/// <see cref="Residuals"/>, <see cref="Loss"/>, <see cref="KlP0"/> and <see cref="FreeEnergy"/> throw, and
/// <see cref="Status"/> says what failed (the last iterate stays available as <see cref="LastIterate"/>
/// for diagnosis).
/// </summary>
public sealed class StationaryResult
{
    private readonly Problem _problem;
    private readonly double[] _r;
    private readonly double _logZ;
    private readonly double _kl;
    private readonly double[]? _box;

    internal StationaryResult(Problem problem, string domain, bool converged, string status, double[] residuals,
        double logZ, double kl, int iterations, int quadratureOrder, double? quadratureError, double residualNorm, double[]? box)
    {
        _problem = problem;
        Domain = domain;
        Converged = converged;
        Status = status;
        _r = (double[])residuals.Clone();
        _logZ = logZ;
        _kl = kl;
        Iterations = iterations;
        QuadratureOrder = quadratureOrder;
        QuadratureError = quadratureError;
        ResidualNorm = residualNorm;
        _box = box;
    }

    /// <summary>Where the state lives: whole space, a box, or a grid's cell centres.</summary>
    public string Domain { get; }

    /// <summary>Whether Newton converged (otherwise the result accessors throw and <see cref="Status"/> says why).</summary>
    public bool Converged { get; }

    /// <summary>What happened, in words.</summary>
    public string Status { get; }

    /// <summary>Total Newton iterations (over all quadrature orders tried).</summary>
    public int Iterations { get; }

    /// <summary>Quadrature order per θ axis of the final solve (0 for the grid's midpoint sums).</summary>
    public int QuadratureOrder { get; }

    /// <summary>max|r*_N − r*_N'| between the last two orders (0 for the grid; null when not estimated).</summary>
    public double? QuadratureError { get; }

    /// <summary>max_j |F_j(r*)|: the self-consistency defect at the returned residuals.</summary>
    public double ResidualNorm { get; }

    /// <summary>The last Newton iterate, converged or not (diagnostics only).</summary>
    public IReadOnlyList<double> LastIterate => _r;

    /// <summary>r* = f(p*, x_i) − y_i.</summary>
    public IReadOnlyList<double> Residuals => Converged ? _r : throw Failure();

    /// <summary>L(p*) = (1/n)|r*|².</summary>
    public double Loss => Converged ? _r.Sum(v => v * v) / _r.Length : throw Failure();

    /// <summary>KL(p*‖p0) (for a box or grid: against p0 restricted to it and normalized, as the PDE measures it).</summary>
    public double KlP0 => Converged ? _kl : throw Failure();

    /// <summary>Q(p*) = L(p*) + λ KL(p*‖p0).</summary>
    public double FreeEnergy => Loss + _problem.Lambda * KlP0;

    /// <summary>c̃(θ) = (2α/(nλ)) Σ_i r*_i σ(θ·x_i): p* ∝ p0 e^{−u c̃(θ)}, u | θ ~ N(−c̃, 1) (truncated on a box).</summary>
    public double Tilt(ReadOnlySpan<double> theta) => GibbsEquations.Tilt(_problem, Residuals.ToArray(), theta);

    /// <summary>
    /// p*(z) = φ_{d+1}(z) e^{−u c̃(θ)} / Z in the exact Gibbs form, with Z = ∫ φ_{d+1} e^{−u c̃} over the domain
    /// (0 outside a box). For a grid result this is the discrete state's cell value p_c.
    /// </summary>
    public double Density(ReadOnlySpan<double> z)
    {
        int d = _problem.Dimension;
        if (z.Length != d + 1) throw new ArgumentException($"z needs d + 1 = {d + 1} coordinates");
        if (_box is not null)
            for (int k = 0; k <= d; k++)
                if (Math.Abs(z[k]) > _box[k]) return 0;
        double r2 = 0;
        for (int k = 0; k <= d; k++) r2 += z[k] * z[k];
        double c = Tilt(z[..d]);
        return Math.Exp(-0.5 * r2 - 0.5 * (d + 1) * Math.Log(2 * Math.PI) - z[d] * c - _logZ);
    }

    /// <summary>p* at the grid's cell centres, normalized so that Σ p_c V = 1 (a grid density).</summary>
    public double[] DensityOnGrid(UniformGrid grid)
    {
        int d = _problem.Dimension;
        if (grid.ThetaDimension != d) throw new InputException("grid.cells", $"{grid.Dimension} axes", $"must have d + 1 = {d + 1} axes");
        var r = Residuals.ToArray();
        var p = new double[grid.Count];
        var theta = new double[d];
        var u = grid.Centers(grid.UAxis);
        int nu = grid.ColumnLength;
        // Log-values first, then one shift: no overflow for a strongly tilted state.
        double max = double.NegativeInfinity;
        for (int c = 0; c < grid.ColumnCount; c++)
        {
            grid.ThetaCenter(c, theta);
            bool inside = _box is null || theta.Select((t, k) => Math.Abs(t) <= _box[k]).All(b => b);
            double ct = GibbsEquations.Tilt(_problem, r, theta), t2 = theta.Sum(t => t * t);
            for (int j = 0; j < nu; j++)
            {
                bool ok = inside && (_box is null || Math.Abs(u[j]) <= _box[d]);
                double lp = ok ? -0.5 * (t2 + u[j] * u[j]) - u[j] * ct : double.NegativeInfinity;
                p[c * nu + j] = lp;
                max = Math.Max(max, lp);
            }
        }
        double sum = 0;
        for (int i = 0; i < p.Length; i++) { p[i] = Math.Exp(p[i] - max); sum += p[i]; }
        double scale = 1 / (sum * grid.CellVolume);
        for (int i = 0; i < p.Length; i++) p[i] *= scale;
        return p;
    }

    /// <summary>
    /// <c>stationary.json</c> (docs/file-formats.md): residuals, loss, kl_p0, free_energy, iterations, converged, plus
    /// status, domain, quadrature order/error and the self-consistency defect. Numbers round-trip
    /// (shortest "R" form, culture-invariant); when not converged the result fields are null.
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = JsonText.Writer(stream))
        {
            w.WriteStartObject();
            string? failed = Converged ? null : "no stationary state: " + Status;
            if (Converged) JsonText.WriteNumbers(w, "residuals", _r);
            else
            {
                w.WriteNull("residuals");
                w.WriteString("residuals_reason", failed);
            }
            JsonText.WriteNumber(w, "loss", Converged ? Loss : null, failed);
            JsonText.WriteNumber(w, "kl_p0", Converged ? KlP0 : null, failed);
            JsonText.WriteNumber(w, "free_energy", Converged ? FreeEnergy : null, failed);
            w.WriteNumber("iterations", Iterations);
            w.WriteBoolean("converged", Converged);
            w.WriteString("status", Status);
            w.WriteString("domain", Domain);
            w.WriteNumber("quadrature_order", QuadratureOrder);
            JsonText.WriteNumber(w, "quadrature_error", QuadratureError);
            JsonText.WriteNumber(w, "residual_norm", ResidualNorm, "the Newton iteration diverged");
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private InvalidOperationException Failure() =>
        new(string.Create(CultureInfo.InvariantCulture, $"no stationary state ({Domain}): {Status}"));

    /// <summary>A one-line summary.</summary>
    public override string ToString() =>
        Converged
            ? string.Create(CultureInfo.InvariantCulture, $"stationary state ({Domain}): r* = [{string.Join(", ", _r.Select(v => v.ToString("G10", CultureInfo.InvariantCulture)))}], L = {Loss:G10}, KL = {KlP0:G10}, Q = {FreeEnergy:G10}; {Status}")
            : $"no stationary state ({Domain}): {Status}";
}
