using System.Diagnostics;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Studies;

/// <summary>
/// `fpntk study particle-limit`: on the default tanh problem, the residuals r^m of the finite-width
/// network (m particles, Euler–Maruyama step η, several seeds) against the PDE residuals r at fixed times.
/// Three error sources are measured separately: the fluctuation of f_m (expected ~ m^{-1/2}), the
/// Euler–Maruyama bias (expected ~ η, measured from seed averages at large m), and the PDE's own grid error
/// (two grids, Richardson estimate for the observed second order). The fitted log-log slope in m, and the m
/// where the m^{-1/2} line meets the larger of the η-bias and the grid error, are stated in the Markdown.
/// </summary>
public sealed partial class ParticleLimitStudy : IStudy
{
    /// <inheritdoc/>
    public string Name => "particle-limit";

    /// <inheritdoc/>
    public string Description => "|f_m − f| against the PDE for m = 10^2..10^5 and a range of η: m^{-1/2} slope, η-bias, grid error";

    /// <summary>What to run.</summary>
    /// <param name="Counts">The particle counts m of the m-scan.</param>
    /// <param name="Seeds">Seeds per m (seeds 1..Seeds).</param>
    /// <param name="CountSteps">The η of the m-scans: a small one (the m^{-1/2} regime over the whole range) and a
    /// large one (the error saturates at its η-bias inside the range).</param>
    /// <param name="BiasSteps">The η of the η-scan.</param>
    /// <param name="BiasCount">m of the η-scan.</param>
    /// <param name="BiasSeeds">Seeds per η.</param>
    /// <param name="Cells">The two PDE grids (cells per axis), coarse then fine; the fine one is the reference.</param>
    /// <param name="Times">Output times, multiples of every η; the first is the one the slopes and the crossing
    /// are stated for (early enough that the residuals still move: the η-bias is largest in the transient).</param>
    /// <param name="HalfWidth">Half width of the PDE's box.</param>
    public sealed record Settings(int[] Counts, int Seeds, double[] CountSteps, double[] BiasSteps, int BiasCount, int BiasSeeds,
        int[] Cells, double[] Times, double HalfWidth = 7.0)
    {
        /// <summary>The committed study (m up to 10⁵).</summary>
        public static Settings Full { get; } = new(
            [100, 316, 1000, 3162, 10_000, 31_623, 100_000], 32, [0.001, 0.05],
            [0.1, 0.05, 0.025, 0.0125], 100_000, 32, [128, 256], [0.5, 1.0]);

        /// <summary>The quick version (m up to 10⁴, fewer η and seeds).</summary>
        public static Settings Quick { get; } = new(
            [100, 316, 1000, 3162, 10_000], 32, [0.002, 0.05],
            [0.1, 0.05, 0.025], 20_000, 8, [64, 128], [0.5]);
    }

    /// <summary>The m-scan at one time: RMS error over seeds and samples, its fluctuation and bias parts.</summary>
    /// <param name="RmsError">sqrt(mean over seeds and i of (r_i^m − r_i)²).</param>
    /// <param name="Fluctuation">sqrt(mean over i of the variance over seeds of r_i^m).</param>
    /// <param name="Bias">The RMS bias over i (see <see cref="Bias"/>).</param>
    /// <param name="Step">η.</param>
    /// <param name="Count">m.</param>
    /// <param name="Seeds">Seeds (independent runs).</param>
    /// <param name="Time">The output time.</param>
    /// <param name="Seconds">Wall time of the runs.</param>
    public sealed record CountRow(double Step, int Count, int Seeds, double Time, double RmsError, double Fluctuation, double Bias, double Seconds);

    /// <summary>The η-scan at one time: the RMS bias and the noise of its estimate.</summary>
    public sealed record StepRow(double Step, int Count, int Seeds, double Time, double Bias, double BiasError, double Seconds);

    /// <summary>The PDE on the two grids at one time: max_i |r_coarse − r_fine| and the Richardson estimate of the fine grid's error.</summary>
    public sealed record GridRow(double Time, int Coarse, int Fine, double Difference, double FineError);

    /// <summary>The fit of one m-scan at the first time.</summary>
    /// <param name="Slope">Least-squares slope of log(RMS error) against log m.</param>
    /// <param name="Prefactor">Mean of fluctuation·√m: the constant of the m^{-1/2} law.</param>
    /// <param name="EtaBias">The η-bias predicted by the η-scan's fit at this η.</param>
    /// <param name="CrossingCount">m where Prefactor/√m meets max(EtaBias, grid error).</param>
    /// <param name="Step">η of the m-scan.</param>
    public sealed record CountFit(double Step, double Slope, double Prefactor, double EtaBias, double CrossingCount);

    /// <summary>Everything measured, with the fits.</summary>
    public sealed record Result(Settings Settings, IReadOnlyList<CountRow> Counts, IReadOnlyList<StepRow> Steps,
        IReadOnlyList<GridRow> Grid, IReadOnlyList<CountFit> Fits, double StepSlope, double StepPrefactor, double GridError);

    /// <inheritdoc/>
    public StudyResult Run(StudyOptions options) =>
        Write(Measure(options.Quick ? Settings.Quick : Settings.Full, options.Log), options);

    /// <summary>Writes the Markdown and CSV tables of a measured study into the output folder.</summary>
    public static StudyResult Write(Result result, StudyOptions options)
    {
        string md = Markdown(result, options.Quick);
        AtomicFile.WriteText(Path.Combine(options.OutputDirectory, "particle-limit.md"), md);
        AtomicFile.WriteText(Path.Combine(options.OutputDirectory, "particle-limit-m.csv"), CountCsv(result));
        AtomicFile.WriteText(Path.Combine(options.OutputDirectory, "particle-limit-eta.csv"), StepCsv(result));
        return new StudyResult(md, Series(result));
    }

    /// <summary>The residuals of seeds 1..S of one (η, m): <c>Residuals[seed − 1][time][i]</c>, and the wall time of all of them.</summary>
    public sealed record SeedRuns(double[][][] Residuals, double Seconds);

    /// <summary>Runs the PDE on both grids, the η-scan and the m-scan in this process, and fits the slopes (<see cref="Analyze"/>).</summary>
    public static Result Measure(Settings s, Action<string> log)
    {
        var problem = Problem.Default;
        var pde = new double[s.Cells.Length][][];
        for (int g = 0; g < s.Cells.Length; g++)
        {
            var watch = Stopwatch.StartNew();
            var model = new PdeModel(problem, UniformGrid.Cube(problem.Dimension + 1, s.Cells[g], s.HalfWidth));
            pde[g] = Residuals(model, () => model.Solver.Diagnose().Residuals, s.Times);
            log(Invariant($"PDE N = {s.Cells[g]}: {model.Steps} steps, {watch.Elapsed.TotalSeconds:F1} s"));
        }
        return Analyze(s, pde, (eta, m, seeds) =>
        {
            var watch = Stopwatch.StartNew();
            var runs = Simulate(problem, m, eta, seeds, s.Times);
            return new SeedRuns(runs, watch.Elapsed.TotalSeconds);
        }, log);
    }

    /// <summary>
    /// The study's measures and fits from the residuals, wherever they were computed (in this process, <see cref="Measure"/>, or
    /// by the tasks of a sweep, <see cref="FromSweep(string, Action{string})"/>): the grid error from the PDE's residuals <paramref name="pde"/>[grid][time][i]
    /// (grids as in <see cref="Settings.Cells"/>, the last the reference), the η-bias and the m-scans from
    /// <paramref name="particles"/>(η, m, seeds).
    /// </summary>
    public static Result Analyze(Settings s, double[][][] pde, Func<double, int, int, SeedRuns> particles, Action<string> log)
    {
        var times = s.Times;
        int n = pde[^1][0].Length;
        var reference = pde[^1];
        var grid = new List<GridRow>();
        double ratio = (double)s.Cells[^1] / s.Cells[0];
        for (int k = 0; k < times.Length; k++)
        {
            double diff = Norms.MaxAbsDifference(pde[0][k], reference[k]);
            grid.Add(new GridRow(times[k], s.Cells[0], s.Cells[^1], diff, diff / (ratio * ratio - 1))); // second order
        }

        // The η-scan: seed averages at large m isolate the O(η) bias.
        var stepRows = new List<StepRow>();
        foreach (double eta in s.BiasSteps.OrderDescending())
        {
            var (runs, seconds) = particles(eta, s.BiasCount, s.BiasSeeds);
            for (int k = 0; k < times.Length; k++)
            {
                var (bias, error) = Bias(runs, k, reference[k]);
                stepRows.Add(new StepRow(eta, s.BiasCount, s.BiasSeeds, times[k], bias, error, seconds));
            }
            log(Invariant($"η = {eta}: bias at t = {times[0]} {stepRows[^times.Length].Bias:E3} ± {stepRows[^times.Length].BiasError:E2} ({seconds:F1} s)"));
        }

        var stepFirst = stepRows.Where(r => r.Time == times[0]).ToArray();
        var (stepSlope, logB) = LeastSquares(stepFirst.Select(r => Math.Log(r.Step)).ToArray(), stepFirst.Select(r => Math.Log(r.Bias)).ToArray());
        double gridError = grid[0].FineError;
        log(Invariant($"η-bias slope {stepSlope:F2}, grid error {gridError:E2}"));

        // The m-scans.
        var countRows = new List<CountRow>();
        var fits = new List<CountFit>();
        foreach (double eta in s.CountSteps)
        foreach (int m in s.Counts)
        {
            var (runs, seconds) = particles(eta, m, s.Seeds);
            for (int k = 0; k < times.Length; k++)
            {
                double sq = 0, variance = 0;
                for (int i = 0; i < n; i++)
                {
                    double mean = runs.Average(r => r[k][i]);
                    foreach (var r in runs) sq += Math.Pow(r[k][i] - reference[k][i], 2);
                    variance += runs.Sum(r => Math.Pow(r[k][i] - mean, 2)) / (runs.Length - 1);
                }
                var (bias, _) = Bias(runs, k, reference[k]);
                countRows.Add(new CountRow(eta, m, s.Seeds, times[k], Math.Sqrt(sq / (n * runs.Length)), Math.Sqrt(variance / n), bias, seconds));
            }
            log(Invariant($"η = {eta}, m = {m}: RMS error at t = {times[0]} {countRows[^times.Length].RmsError:E3} ({seconds:F1} s)"));
        }
        foreach (double eta in s.CountSteps)
        {
            var atFirst = countRows.Where(r => r.Step == eta && r.Time == times[0]).ToArray();
            var (slope, _) = LeastSquares(atFirst.Select(r => Math.Log(r.Count)).ToArray(), atFirst.Select(r => Math.Log(r.RmsError)).ToArray());
            double prefactor = atFirst.Average(r => r.Fluctuation * Math.Sqrt(r.Count));
            double etaBias = Math.Exp(logB) * Math.Pow(eta, stepSlope);
            double crossing = Math.Pow(prefactor / Math.Max(etaBias, gridError), 2);
            fits.Add(new CountFit(eta, slope, prefactor, etaBias, crossing));
            log(Invariant($"η = {eta}: slope {slope:F3}, prefactor {prefactor:F3}, η-bias {etaBias:E2} → crossing at m ≈ {crossing:E2}"));
        }
        return new Result(s, countRows, stepRows, grid, fits, stepSlope, Math.Exp(logB), gridError);
    }

    /// <summary>Residuals at each time for seeds 1..S: result[seed][time][i].</summary>
    private static double[][][] Simulate(Problem problem, int m, double eta, int seeds, double[] times)
    {
        var runs = new double[seeds][][];
        for (int seed = 1; seed <= seeds; seed++)
        {
            var particles = new ParticleModel(problem, new ParticleOptions(m, eta, seed));
            runs[seed - 1] = Residuals(particles, () => particles.System.Residuals.ToArray(), times);
        }
        return runs;
    }

    /// <summary>The residuals of a model at each of the times (ascending).</summary>
    private static double[][] Residuals(IModel model, Func<double[]> residuals, double[] times)
    {
        var simulation = new Simulation(times[^1], model);
        var series = simulation.Record("residuals", new SpecifiedTimes(times), residuals);
        simulation.Run();
        return [.. series];
    }

    /// <summary>
    /// The RMS over i of the bias b_i = E[r_i^m] − r_i,PDE, estimated without the noise of the seed average:
    /// with b̂_i = mean_s r_i^m − r_i and its squared standard error e_i² = var_s/S, E[b̂_i²] = b_i² + e_i², so
    /// sqrt(max(0, mean_i (b̂_i² − e_i²))). Returned with the noise level sqrt(mean_i e_i²).
    /// </summary>
    private static (double Bias, double Error) Bias(double[][][] runs, int k, double[] reference)
    {
        double b2 = 0, e2 = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double mean = runs.Average(r => r[k][i]);
            double se2 = runs.Sum(r => Math.Pow(r[k][i] - mean, 2)) / (runs.Length - 1) / runs.Length;
            b2 += Math.Pow(mean - reference[i], 2) - se2;
            e2 += se2;
        }
        return (Math.Sqrt(Math.Max(0, b2 / reference.Length)), Math.Sqrt(e2 / reference.Length));
    }

    /// <summary>Least squares y = slope·x + intercept.</summary>
    internal static (double Slope, double Intercept) LeastSquares(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < x.Length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); }
        double slope = sxy / sxx;
        return (slope, my - slope * mx);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Markdown(Result r, bool quick)
    {
        var s = r.Settings;
        double t0 = s.Times[0];
        var md = new StringBuilder();
        md.AppendLine("# Particle limit: the finite-width network against the mean-field PDE");
        md.AppendLine();
        md.AppendLine(Invariant($"Default problem (tanh, α = 2, λ = 0.1, d = 1, n = 4, p0 = N(0, I)){(quick ? ", quick settings" : "")}. ") +
            "Particles: Euler–Maruyama on the mean-field time scale (docs/model.md), seeds 1..S, output times reached exactly " +
            "(every time is a multiple of every η). " +
            Invariant($"PDE reference: the finite-volume solver on {s.Cells[^1]}² cells of [−{s.HalfWidth}, {s.HalfWidth}]², ") +
            Invariant($"its grid error estimated from {s.Cells[0]}² cells."));
        md.AppendLine();
        md.AppendLine("Errors at the n = 4 data points, with S seeds: RMS error = sqrt(mean over seeds and i of (r_i^m − r_i)²); " +
            "fluctuation = sqrt(mean over i of the variance of r_i^m over seeds); RMS bias = sqrt(mean over i of " +
            "(b̂_i² − e_i²)) with b̂_i = mean over seeds of r_i^m − r_i and e_i its standard error (the seed average's noise " +
            "removed; noise = sqrt(mean e_i²); 0 when the bias is below that noise). RMS error² ≈ fluctuation² + RMS bias², so " +
            "the RMS error levels off at the RMS bias. Seconds: wall time of all seeds of one row (from a sweep: the sum of its tasks' wall times).");
        md.AppendLine();
        md.AppendLine("## The PDE's grid error");
        md.AppendLine();
        md.AppendLine(Invariant($"| t | max_i abs(r_{s.Cells[0]} − r_{s.Cells[^1]}) | estimated error of the {s.Cells[^1]}² grid (second order: difference/(ratio² − 1)) |"));
        md.AppendLine("|---|---|---|");
        foreach (var g in r.Grid)
            md.AppendLine(Invariant($"| {g.Time} | {g.Difference:E3} | {g.FineError:E3} |"));
        md.AppendLine();
        md.AppendLine(Invariant($"## Euler–Maruyama bias against η (m = {s.BiasCount}, {s.BiasSeeds} seeds each)"));
        md.AppendLine();
        md.AppendLine("| η | steps to t | t | RMS bias | noise (SE) | seconds |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var e in r.Steps.OrderBy(e => e.Time).ThenByDescending(e => e.Step))
            md.AppendLine(Invariant($"| {e.Step} | {Math.Round(e.Time / e.Step)} | {e.Time} | {e.Bias:E3} | {e.BiasError:E1} | {e.Seconds:F1} |"));
        md.AppendLine();
        md.AppendLine(Invariant($"Least-squares slope of log(bias) against log η at t = {t0}: **{r.StepSlope:F2}** (expected 1: the weak order of ") +
            Invariant($"Euler–Maruyama); fit: bias ≈ {r.StepPrefactor:F3}·η^{r.StepSlope:F2}."));
        foreach (var fit in r.Fits)
        {
            md.AppendLine();
            md.AppendLine(Invariant($"## Error against m at η = {fit.Step} ({s.Seeds} seeds each)"));
            md.AppendLine();
            md.AppendLine("| m | t | RMS error | fluctuation | fluctuation·√m | RMS bias | seconds |");
            md.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var c in r.Counts.Where(c => c.Step == fit.Step))
                md.AppendLine(Invariant($"| {c.Count} | {c.Time} | {c.RmsError:E3} | {c.Fluctuation:E3} | {c.Fluctuation * Math.Sqrt(c.Count):F3} | {c.Bias:E2} | {c.Seconds:F1} |"));
            md.AppendLine();
            double floor = Math.Max(fit.EtaBias, r.GridError);
            string which = fit.EtaBias >= r.GridError ? "the η-bias" : "the PDE's grid error";
            md.AppendLine(Invariant($"Least-squares slope of log(RMS error) against log m at t = {t0}: **{fit.Slope:F3}** (expected −1/2 ") +
                Invariant($"while the fluctuation dominates). The fluctuation is {fit.Prefactor:F3}/√m (the CLT constant); it meets the larger ") +
                Invariant($"floor, {which} ({floor:E2}: η-bias {fit.EtaBias:E2} from the fit above, grid error {r.GridError:E2}), at ") +
                Invariant($"**m ≈ {fit.CrossingCount:G2}**. ") +
                (fit.CrossingCount > s.Counts.Max()
                    ? Invariant($"That is beyond the largest m = {s.Counts.Max()}: the whole scan is in the m^(-1/2) regime.")
                    : "Beyond it the error stops falling and levels off at the floor, which flattens the fitted slope."));
        }
        return md.ToString();
    }

    private static string CountCsv(Result r) => StudyTables.Csv("eta,m,seeds,t,rms_error,fluctuation,rms_bias,seconds", r.Counts,
        c => $"{c.Step:R},{c.Count},{c.Seeds},{c.Time:R},{c.RmsError:R},{c.Fluctuation:R},{c.Bias:R},{c.Seconds:R}");

    private static string StepCsv(Result r) => StudyTables.Csv("eta,m,seeds,t,rms_bias,noise,seconds", r.Steps,
        e => $"{e.Step:R},{e.Count},{e.Seeds},{e.Time:R},{e.Bias:R},{e.BiasError:R},{e.Seconds:R}");

    private static List<PlotSeries> Series(Result r)
    {
        var series = new List<PlotSeries>();
        var xs = r.Settings.Counts.Select(m => (double)m).ToArray();
        foreach (var fit in r.Fits)
        {
            foreach (var g in r.Counts.Where(c => c.Step == fit.Step).GroupBy(c => c.Time))
                series.Add(new PlotSeries("particle error vs m", Invariant($"RMS error, η = {fit.Step}, t = {g.Key}"), "m", "|r^m − r|",
                    g.Select(c => (double)c.Count).ToArray(), g.Select(c => c.RmsError).ToArray()));
            double floor = Math.Max(fit.EtaBias, r.GridError);
            series.Add(new PlotSeries("particle error vs m", Invariant($"floor at η = {fit.Step}"), "m", "|r^m − r|", [xs[0], xs[^1]], [floor, floor]));
        }
        var first = r.Fits[0];
        series.Add(new PlotSeries("particle error vs m", "fluctuation constant·m^(-1/2)", "m", "|r^m − r|", xs,
            xs.Select(m => first.Prefactor / Math.Sqrt(m)).ToArray()));
        foreach (var g in r.Steps.GroupBy(e => e.Time))
            series.Add(new PlotSeries("η-bias", Invariant($"bias, t = {g.Key}"), "η", "|mean r^m − r|", g.Select(e => e.Step).ToArray(),
                g.Select(e => e.Bias).ToArray()));
        series.Add(new PlotSeries("η-bias", "fit", "η", "|mean r^m − r|", r.Settings.BiasSteps,
            r.Settings.BiasSteps.Select(eta => r.StepPrefactor * Math.Pow(eta, r.StepSlope)).ToArray()));
        return series;
    }
}
