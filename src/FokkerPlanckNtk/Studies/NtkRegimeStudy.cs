using System.Diagnostics;
using System.Globalization;
using System.Text;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Simulations;
using FokkerPlanckNtk.Stationary;

namespace FokkerPlanckNtk.Studies;

/// <summary>
/// `fpntk study ntk-regime`: the built-in default problem (tanh, λ = 0.1, the default data) for α = 1 … 64.
/// For each α the PDE runs over the NTK time window t ∈ [0, τ/α²] (τ = 10: the linearized dynamics
/// r(t) = exp(−(2α²/n) H(p0) t) r(0) depend on α²t only, so every α sees the same NTK evolution and the
/// stiff-mode step bound costs the same number of steps) on two grids; measured are
/// sup_t |r_PDE(t) − r_NTK(t)|, sup_t KL(p_t‖p0), λ_min(H(p_t))/Λ (Lemma 5.1), and the long-time loss
/// floor L(p*) from the stationary solver, with fitted log-log slopes against α.
/// </summary>
public sealed class NtkRegimeStudy : IStudy
{
    public string Name => "ntk-regime";

    public string Description => "PDE vs NTK-linearized residuals, KL(p_t‖p0) and the loss floor for α = 1..64, with fitted slopes";

    public static IReadOnlyList<double> Alphas { get; } = [1, 2, 4, 8, 16, 32, 64];

    /// <summary>τ: the window is t ∈ [0, τ/α²].</summary>
    public const double NtkTime = 10;

    /// <summary>The box half-width (p0 mass outside &lt; 1e-11).</summary>
    public const double HalfWidth = 7;

    /// <summary>One PDE run over the window.</summary>
    public sealed record PdeRun(int Cells, long Steps, double SupGap, double TimeOfSupGap, double SupKl, double LossAtEnd,
        double MinLambdaRatio, double OuterLayerMass, double Seconds);

    /// <param name="GapError">|gap(fine) − gap(coarse)|: an estimate (an upper one once the scheme converges) of the fine-grid error of the gap.</param>
    public sealed record Row(double Alpha, double EndTime, PdeRun Coarse, PdeRun Fine, double GapError, double NtkLossAtEnd,
        double StationaryLoss, double StationaryKl, string StationaryStatus, double TheoremLossFloor, double TheoremKlBound);

    /// <summary>Runs the PDE over [0, τ/α²] with <paramref name="outputs"/> equally spaced comparison times.</summary>
    public static PdeRun Measure(Problem problem, int cells, int outputs, LinearizedPrediction ntk, double lambda)
    {
        var watch = Stopwatch.StartNew();
        var grid = UniformGrid.Cube(problem.Dimension + 1, cells, HalfWidth);
        var pde = new PdeModel(problem, grid);
        double end = NtkTime / (problem.Alpha * problem.Alpha);
        var times = Enumerable.Range(1, outputs).Select(k => end * k / outputs).ToArray();
        var simulation = new Simulation(times[^1], pde);
        var samples = simulation.Record("ntk-regime", new SpecifiedTimes(times), () =>
        {
            var diag = pde.Solver.Diagnose();
            double gap = Norms.MaxAbsDifference(diag.Residuals, ntk.Residuals(simulation.Time));
            return (Gap: gap, Diagnostics: diag, LambdaRatio: GramMatrix.FromGrid(problem, grid, pde.Solver.Density).LambdaMin / lambda);
        });
        simulation.Run();
        double supGap = 0, timeOfSup = 0;
        for (int k = 0; k < samples.Count; k++)
            if (samples[k].Gap > supGap) { supGap = samples[k].Gap; timeOfSup = samples.Times[k]; }
        return new PdeRun(cells, pde.Steps, supGap, timeOfSup, samples.Max(s => s.Diagnostics.KlP0), samples[^1].Diagnostics.Loss,
            samples.Min(s => s.LambdaRatio), samples.Max(s => s.Diagnostics.OuterLayerMass), watch.Elapsed.TotalSeconds);
    }

    public IReadOnlyList<Row> Rows(bool quick, Action<string> log)
    {
        int outputs = quick ? 100 : 200;
        var rows = new List<Row>();
        foreach (double alpha in Alphas)
        {
            // Finer grids where the gap is small (α ≥ 8); there the window is short, so they cost few steps.
            int coarse = quick ? 32 : alpha >= 8 ? 256 : 128, fine = 2 * coarse;
            var problem = Problem.Default.With(alpha: alpha);
            var ntk = LinearizedPrediction.ForProblem(problem);
            double lambda = ntk.Kernel.LambdaMin;
            var c = Measure(problem, coarse, outputs, ntk, lambda);
            var f = Measure(problem, fine, outputs, ntk, lambda);
            var stationary = new StationarySolver(problem).Solve();
            var bounds = new TheoremBounds(problem, ntk.Kernel);
            double end = NtkTime / (alpha * alpha);
            var row = new Row(alpha, end, c, f, Math.Abs(f.SupGap - c.SupGap), ntk.Loss(end),
                stationary.Converged ? stationary.Loss : double.NaN, stationary.Converged ? stationary.KlP0 : double.NaN,
                stationary.Status, bounds.LossFloor, bounds.KlBound);
            log(string.Create(CultureInfo.InvariantCulture,
                $"α = {alpha}: sup|r_PDE − r_NTK| = {f.SupGap:E3} (N = {fine}; N = {coarse}: {c.SupGap:E3}), sup KL = {f.SupKl:E3}, L(p*) = {row.StationaryLoss:E4} ({c.Seconds + f.Seconds:F1} s)"));
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Least-squares slope of log y against log x.</summary>
    public static double LogLogSlope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count;
        double mx = x.Average(Math.Log), my = y.Average(Math.Log), sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = Math.Log(x[i]) - mx;
            sxy += dx * (Math.Log(y[i]) - my);
            sxx += dx * dx;
        }
        return sxy / sxx;
    }

    /// <summary>The α at which the fine-grid gap is resolved: its error estimate is at most 10% of it.</summary>
    public static IReadOnlyList<Row> ResolvedGaps(IReadOnlyList<Row> rows) => rows.Where(r => r.GapError <= 0.1 * r.Fine.SupGap).ToList();

    public StudyResult Run(StudyOptions options)
    {
        var watch = Stopwatch.StartNew();
        var rows = Rows(options.Quick, options.Log);
        var inv = CultureInfo.InvariantCulture;
        var problem = Problem.Default;
        var h0 = GramMatrix.AtReference(problem);
        var bounds = new TheoremBounds(problem, h0);
        var resolved = ResolvedGaps(rows);
        double gapSlope = resolved.Count >= 2 ? LogLogSlope(resolved.Select(r => r.Alpha).ToList(), resolved.Select(r => r.Fine.SupGap).ToList()) : double.NaN;
        double gapSlopeLazy = resolved.Count(r => r.Alpha >= 4) >= 2
            ? LogLogSlope(resolved.Where(r => r.Alpha >= 4).Select(r => r.Alpha).ToList(), resolved.Where(r => r.Alpha >= 4).Select(r => r.Fine.SupGap).ToList())
            : double.NaN;
        double klSlope = LogLogSlope(rows.Select(r => r.Alpha).ToList(), rows.Select(r => r.Fine.SupKl).ToList());
        var lazy = rows.Where(r => r.Alpha >= 4).ToList();
        double klSlopeLazy = LogLogSlope(lazy.Select(r => r.Alpha).ToList(), lazy.Select(r => r.Fine.SupKl).ToList());
        var floors = rows.Where(r => !double.IsNaN(r.StationaryLoss)).ToList();
        double floorSlope = floors.Count >= 2 ? LogLogSlope(floors.Select(r => r.Alpha).ToList(), floors.Select(r => r.StationaryLoss).ToList()) : double.NaN;
        string F(double v, string fmt) => double.IsNaN(v) ? "—" : v.ToString(fmt, inv);

        var md = new StringBuilder();
        md.AppendLine("# The NTK regime: PDE against the linearized (NTK) prediction");
        md.AppendLine();
        md.AppendLine(string.Create(inv, $"Default problem (tanh, λ = {problem.Lambda}, data x = 0.25, 0.5, 0.75, 1, y = 0.2, 0.6, −0.3, 0.4), p0 = N(0, I), box [−{HalfWidth}, {HalfWidth}]², SSP-RK3 (CFL 0.5, stiff-mode step bound), started from the discrete Gibbs state."));
        md.AppendLine(string.Create(inv, $"Window t ∈ [0, τ/α²] with τ = {NtkTime}: the NTK prediction r(t) = exp(−(2α²/n) H(p0) t)(−y) depends on α²t only, so every α is compared over the same NTK evolution, at {(options.Quick ? 100 : 200)} equally spaced times."));
        md.AppendLine(string.Create(inv, $"H(p0) by Gauss–Hermite quadrature: eigenvalues {string.Join(", ", h0.Eigenvalues.Select(e => e.ToString("G4", inv)))}; Λ = {bounds.Lambda:G4}, λ0 = √(Λ/n) = {bounds.Lambda0:G4}."));
        md.AppendLine();
        md.AppendLine("| α | T = τ/α² | N coarse / fine | steps (fine) | sup gap (coarse) | sup gap (fine) | gap error est. | sup KL(p_t‖p0) | min λ_min(H(p_t))/Λ | L_PDE(T) | L_NTK(T) | L(p*) (t → ∞) | KL(p*‖p0) | Thm 4.4 KL bound |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            md.AppendLine(string.Create(inv,
                $"| {r.Alpha} | {r.EndTime:G4} | {r.Coarse.Cells} / {r.Fine.Cells} | {r.Fine.Steps} | {r.Coarse.SupGap:E3} | {r.Fine.SupGap:E3} | {r.GapError:E1} | {r.Fine.SupKl:E3} | {r.Fine.MinLambdaRatio:F3} | {r.Fine.LossAtEnd:E4} | {r.NtkLossAtEnd:E4} | {F(r.StationaryLoss, "E4")} | {F(r.StationaryKl, "E3")} | {r.TheoremKlBound:E2} |"));
        md.AppendLine();
        md.AppendLine("Fitted log-log slopes against α (least squares):");
        md.AppendLine();
        md.AppendLine(string.Create(inv, $"- sup_t |r_PDE − r_NTK| over the window: **{F(gapSlope, "F2")}** over the α whose gap is resolved (error estimate ≤ 10% of the gap: α = {string.Join(", ", resolved.Select(r => r.Alpha))}); **{F(gapSlopeLazy, "F2")}** over those with α ≥ 4."));
        md.AppendLine(string.Create(inv, $"- sup_t KL(p_t‖p0) over the window: **{klSlope:F2}** over all α, **{klSlopeLazy:F2}** over α ≥ 4 (theory: KL = O(α⁻²))."));
        md.AppendLine(string.Create(inv, $"- loss floor L(p*) of the stationary state: **{F(floorSlope, "F2")}**."));
        md.AppendLine();
        md.AppendLine("Reading the table:");
        md.AppendLine();
        md.AppendLine(string.Create(inv, $"- Over the NTK window the residual gap falls with slope {F(gapSlopeLazy, "F2")} (α ≥ 4), i.e. like α⁻², faster than the α⁻¹ one might read off the theorem's long-time bound √L ≤ e^(−α²λ0²t) + A1λα⁻¹λ0⁻². ") +
            "A first-order argument explains it: to first order in 1/α the density moves by a perturbation odd in u, which leaves H(p_t) unchanged to that order " +
            "(its entries are even in u), and the weight-decay/noise term of dr/dt, αλ E_(p_t)[(z·∇ − Δ)(uσ)], is O(αλ·α⁻¹) = O(λ) and acts over a window of length τ/α²: " +
            "both move r by O(α⁻²).");
        md.AppendLine("- The gap error estimate is the difference between the two grids of a row. It does not shrink with α: it comes from the early transient, " +
            "where the drift u·c(θ) has a large cell Péclet number (2α/n)|r|Δ/λ and the exponential-fitting flux converges at less than second order. " +
            "Rows whose estimate exceeds 10% of the gap are left out of the gap fit.");
        md.AppendLine(string.Create(inv, $"- The long-time floor is not in the lazy regime for this data: the inputs are parallel (d = 1), Λ = {bounds.Lambda:G3} is tiny, and the stationary state ") + string.Create(inv,
            $"moves away from p0 for every α here (KL(p*‖p0) grows with α, L(p*) falls only slowly: slope {F(floorSlope, "F2")}). Theorem 4.4's bounds (KL bound and loss floor ∝ α⁻², ") +
            string.Create(inv, $"{bounds.LossFloor:G3} for the floor at α = 1) are vacuous here: its α-condition (4.1), evaluated with R = √(d+1) = {Math.Sqrt(2):G4}, needs α ≥ {bounds.AlphaNecessary:G3}, ") +
            "and that threshold is only NECESSARY (the true R also contains an unspecified polynomial).");
        md.AppendLine("- min λ_min(H(p_t))/Λ tracks Lemma 5.1 (λ_min(H(p_t)) ≥ Λ/2 inside the theorem's W2 ball) along the fine-grid run.");
        md.AppendLine();
        md.AppendLine(string.Create(inv, $"Wall time of the study: {watch.Elapsed.TotalSeconds:F0} s."));
        AtomicFile.WriteText(Path.Combine(options.OutputDirectory, "ntk-regime.md"), md.ToString());

        var csv = new StringBuilder("alpha,end_time,cells_coarse,cells_fine,steps_fine,sup_gap_coarse,sup_gap_fine,gap_error,time_of_sup_gap,sup_kl,min_lambda_ratio,loss_pde_end,loss_ntk_end,stationary_loss,stationary_kl,theorem_loss_floor,theorem_kl_bound,outer_layer_mass,seconds\n");
        foreach (var r in rows)
            csv.AppendLine(string.Create(inv,
                $"{r.Alpha:R},{r.EndTime:R},{r.Coarse.Cells},{r.Fine.Cells},{r.Fine.Steps},{r.Coarse.SupGap:R},{r.Fine.SupGap:R},{r.GapError:R},{r.Fine.TimeOfSupGap:R},{r.Fine.SupKl:R},{r.Fine.MinLambdaRatio:R},{r.Fine.LossAtEnd:R},{r.NtkLossAtEnd:R},{CsvNumber(r.StationaryLoss)},{CsvNumber(r.StationaryKl)},{r.TheoremLossFloor:R},{r.TheoremKlBound:R},{r.Fine.OuterLayerMass:R},{r.Coarse.Seconds + r.Fine.Seconds:R}"));
        AtomicFile.WriteText(Path.Combine(options.OutputDirectory, "ntk-regime.csv"), csv.ToString());

        var a = rows.Select(r => r.Alpha).ToArray();
        var series = new List<PlotSeries>
        {
            new("residual gap", "fine grid", "α", "sup_t |r_PDE − r_NTK|", a, rows.Select(r => r.Fine.SupGap).ToArray()),
            new("residual gap", "coarse grid", "α", "sup_t |r_PDE − r_NTK|", a, rows.Select(r => r.Coarse.SupGap).ToArray()),
            new("KL", "sup_t KL(p_t‖p0)", "α", "KL", a, rows.Select(r => r.Fine.SupKl).ToArray()),
            new("loss floor", "L(p*)", "α", "loss", floors.Select(r => r.Alpha).ToArray(), floors.Select(r => r.StationaryLoss).ToArray()),
        };
        return new StudyResult(md.ToString(), series);
    }

    private static string CsvNumber(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);
}
