using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Studies;

/// <summary>
/// `fpntk study grid-convergence`: the finite-volume solution at t = 1 against the exact Gaussian
/// solutions (Ornstein–Uhlenbeck, α = 0, and the linear activation, which exercises the nonlocal
/// coupling), for N = 32..256 (d = 1) and N = 16..48 (d = 2); L1 density error, residual error and
/// the observed orders between successive grids.
/// </summary>
public sealed class GridConvergenceStudy : IStudy
{
    /// <inheritdoc/>
    public string Name => "grid-convergence";

    /// <inheritdoc/>
    public string Description => "FV errors vs the exact Gaussian solutions (OU, linear activation) and observed orders";

    /// <summary>The box half-width used by every case (holds p0 and the initial laws to &lt; 1e-8).</summary>
    public const double HalfWidth = 7.0;

    /// <summary>The time at which the errors are measured.</summary>
    public const double EndTime = 1.0;

    /// <summary>One row of the table.</summary>
    public sealed record Row(string Case, int Dimension, int Cells, long Steps, double L1Error, double ResidualError,
        double L1Order, double ResidualOrder, double Seconds);

    /// <summary>The test problems: shifted, anisotropic, correlated initial Gaussians.</summary>
    public static Problem Case(string name, int d)
    {
        var data = d == 1
            ? new DataSet([[0.25], [0.5], [0.75], [1.0]], [0.2, 0.6, -0.3, 0.4])
            : new DataSet([[0.6, 0.2], [-0.3, 0.7], [0.5, 0.5]], [0.4, -0.3, 0.6]);
        double[] mean = d == 1 ? [0.6, -0.4] : [0.5, -0.4, 0.5];
        double[,] cov = d == 1
            ? new[,] { { 1.0, 0.3 }, { 0.3, 0.7 } }
            : new[,] { { 1.0, 0.2, 0.1 }, { 0.2, 0.8, -0.15 }, { 0.1, -0.15, 1.1 } };
        var initial = InitialLaw.Gaussian(mean, cov);
        return name switch
        {
            "ou" => new Problem(Activation.Tanh, 0, 0.5, data, initial),
            "linear" => new Problem(Activation.Linear, 1.0, 0.5, data, initial),
            _ => throw new ArgumentException(name),
        };
    }

    /// <summary>Runs one case on one grid and measures its errors against the exact Gaussian at t = 1.</summary>
    public static (double L1, double Residual, long Steps, double Seconds) Measure(Problem problem, int cells)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var grid = UniformGrid.Cube(problem.Dimension + 1, cells, HalfWidth);
        var pde = new PdeModel(problem, grid);
        new Simulation(EndTime, pde).Run();
        var solver = pde.Solver;
        var exact = new GaussianMomentOde(problem).At(EndTime);
        var diag = solver.Diagnose();
        return (L1Error(grid, solver.Density, exact), Norms.MaxAbsDifference(diag.Residuals, new GaussianMomentOde(problem).Residuals(exact)),
            solver.Steps, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Σ_c |p_c − p(z_c)| V: the L1 error against the exact density at cell centres.</summary>
    public static double L1Error(UniformGrid grid, ReadOnlySpan<double> p, GaussianLaw exact)
    {
        var z = new double[grid.Dimension];
        double sum = 0;
        for (int c = 0; c < grid.Count; c++)
        {
            grid.Center(c, z);
            sum += Math.Abs(p[c] - exact.Density(z));
        }
        return sum * grid.CellVolume;
    }

    /// <summary>Solves every case on every grid and returns the table's rows (<paramref name="quick"/>: fewer grids).</summary>
    public IReadOnlyList<Row> Rows(bool quick, Action<string> log)
    {
        var rows = new List<Row>();
        foreach (int d in new[] { 1, 2 })
        {
            int[] cells = d == 1 ? (quick ? [32, 64, 128] : [32, 64, 128, 256]) : (quick ? [16, 24] : [16, 24, 32, 48]);
            foreach (string name in new[] { "ou", "linear" })
            {
                var problem = Case(name, d);
                Row? previous = null;
                foreach (int n in cells)
                {
                    var (l1, res, steps, seconds) = Measure(problem, n);
                    double o1 = previous is null ? double.NaN : Math.Log(previous.L1Error / l1) / Math.Log((double)n / previous.Cells);
                    double o2 = previous is null ? double.NaN : Math.Log(previous.ResidualError / res) / Math.Log((double)n / previous.Cells);
                    var row = new Row(name, d, n, steps, l1, res, o1, o2, seconds);
                    log(string.Create(CultureInfo.InvariantCulture,
                        $"{name} d={d} N={n}: L1={l1:E3} max|dr|={res:E3} orders {o1:F2}/{o2:F2} ({steps} steps, {seconds:F1} s)"));
                    rows.Add(row);
                    previous = row;
                }
            }
        }
        return rows;
    }

    /// <inheritdoc/>
    public StudyResult Run(StudyOptions options)
    {
        var rows = Rows(options.Quick, options.Log);
        var md = new StringBuilder();
        md.AppendLine("# Grid convergence of the finite-volume scheme");
        md.AppendLine();
        md.AppendLine(FormattableString.Invariant(
            $"Exact Gaussian solutions at t = {EndTime}, box [−{HalfWidth}, {HalfWidth}]^(d+1), SSP-RK3 with CFL 0.5."));
        md.AppendLine("`ou`: α = 0, λ = 0.5 from a shifted, anisotropic, correlated Gaussian (closed form); `linear`: linear " +
            "activation, α = 1, λ = 0.5, same start (moment ODE, Dormand–Prince at rtol 1e-13). L1 = Σ|p_c − p(z_c)|V; " +
            "max abs dr = max_i |r_i − r_i,exact|; orders between successive grids.");
        md.AppendLine();
        md.AppendLine("| case | d | N | steps | L1 error | order | max abs dr | order | seconds |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Case} | {r.Dimension} | {r.Cells} | {r.Steps} | {r.L1Error:E3} | {(double.IsNaN(r.L1Order) ? "" : r.L1Order.ToString("F2", CultureInfo.InvariantCulture))} | {r.ResidualError:E3} | {(double.IsNaN(r.ResidualOrder) ? "" : r.ResidualOrder.ToString("F2", CultureInfo.InvariantCulture))} | {r.Seconds:F2} |"));
        AtomicFile.WriteText(Path.Combine(options.OutputDirectory, "grid-convergence.md"), md.ToString());
        StudyTables.WriteCsv(Path.Combine(options.OutputDirectory, "grid-convergence.csv"), "case,d,cells,steps,l1_error,l1_order,max_abs_dr,dr_order,seconds",
            rows, r => $"{r.Case},{r.Dimension},{r.Cells},{r.Steps},{r.L1Error:R},{r.L1Order:R},{r.ResidualError:R},{r.ResidualOrder:R},{r.Seconds:R}");
        var series = new List<PlotSeries>();
        foreach (var g in rows.GroupBy(r => (r.Case, r.Dimension)))
        {
            var x = g.Select(r => 1.0 * r.Cells).ToArray();
            series.Add(new PlotSeries("L1 error", $"{g.Key.Case} d={g.Key.Dimension}", "N", "L1 error at t = 1", x, g.Select(r => r.L1Error).ToArray()));
            series.Add(new PlotSeries("residual error", $"{g.Key.Case} d={g.Key.Dimension}", "N", "max |r − r_exact| at t = 1", x, g.Select(r => r.ResidualError).ToArray()));
        }
        return new StudyResult(md.ToString(), series);
    }
}
