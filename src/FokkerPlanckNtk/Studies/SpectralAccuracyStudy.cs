using System.Diagnostics;
using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Simulations;
using FokkerPlanckNtk.Spectral;
using FokkerPlanckNtk.Stationary;

namespace FokkerPlanckNtk.Studies;

/// <summary>
/// `fpntk study spectral`: the accuracy of the spectral solver against exact answers and the finite-volume solver:
/// the linear activation's Gaussian solutions (moment ODE) in d = 1, 2 from non-standard initial laws; α = 0 against
/// the diagonal Ornstein–Uhlenbeck flow; the error against the basis size (exponential for the linear activation,
/// root-exponential for tanh); the default tanh problem against the finite-volume solver and its own refinement;
/// and a long run against the stationary solver's r*.
/// </summary>
public sealed class SpectralAccuracyStudy : IStudy
{
    /// <inheritdoc/>
    public string Name => "spectral";

    /// <inheritdoc/>
    public string Description => "spectral solver accuracy: exact Gaussian solutions (d = 1, 2), OU, error vs basis, FV agreement, self-convergence, stationary limit";

    /// <summary>A correlated Gaussian initial law in (θ, u) (d = 1).</summary>
    public static InitialLaw Law1 => InitialLaw.Gaussian([0.3, -0.2], new double[,] { { 1.2, 0.3 }, { 0.3, 0.8 } });

    /// <summary>A correlated Gaussian initial law in (θ_1, θ_2, u) (d = 2).</summary>
    public static InitialLaw Law2 =>
        InitialLaw.Gaussian([0.2, -0.1, 0.15], new double[,] { { 1.1, 0.1, 0.05 }, { 0.1, 0.9, -0.1 }, { 0.05, -0.1, 1.15 } });

    /// <summary>Three data points in d = 2.</summary>
    public static DataSet Data2 => new([[0.6, 0.3], [-0.2, 0.9], [-0.7, -0.5]], [0.4, -0.3, 0.6]);

    /// <summary>The times of the exact-solution comparisons.</summary>
    public static IReadOnlyList<double> ExactTimes { get; } = [0.5, 1, 5];

    /// <summary>max_i |r_i − r_i(moment ODE)| at each time.</summary>
    /// <param name="truncate">Start from the truncated initial expansion even where it exceeds the solver's 1e-8 check (convergence tables).</param>
    /// <param name="problem">A problem with the linear activation (exact Gaussian solution).</param>
    /// <param name="basis">Spectral modes per axis.</param>
    /// <param name="tolerance">The time integration's tolerance.</param>
    /// <param name="times">The times of the errors.</param>
    /// <param name="steps">The solver's step count.</param>
    public static double[] LinearErrors(Problem problem, int[] basis, double tolerance, IReadOnlyList<double> times, out long steps, bool truncate = false)
    {
        var ode = new GaussianMomentOde(problem);
        var model = new SpectralModel(problem, new SpectralBasis(basis));
        var solver = new SpectralSolver(model, new SpectralSolverOptions(tolerance), model.InitialCoefficients(out _, enforce: !truncate));
        var r = new double[problem.SampleCount];
        var errors = Simulation.Sample(new SpectralPdeModel(solver), times, () =>
        {
            model.Residuals(solver.Coefficients, r);
            return Norms.MaxAbsDifference(r, ode.Residuals(ode.At(solver.Time)));
        }).ToArray();
        steps = solver.Steps;
        return errors;
    }

    /// <summary>
    /// ‖p_t/p0 − p_exact/p0‖ in L²(p0) at time <paramref name="t"/> for the linear activation (the exact solution is the
    /// moment ODE's Gaussian): the coefficients inside the basis against the exact ones, plus the exact solution's part
    /// outside the basis. Started from the truncated initial expansion (no 1e-8 check).
    /// </summary>
    public static double LinearDensityError(Problem problem, int[] basis, double tolerance, double t)
    {
        var ode = new GaussianMomentOde(problem);
        var model = new SpectralModel(problem, new SpectralBasis(basis));
        var solver = new SpectralSolver(model, new SpectralSolverOptions(tolerance), model.InitialCoefficients(out _, enforce: false));
        solver.AdvanceTo(t);
        var exact = model.GaussianExpansion(ode.At(t), out double outside);
        double sq = outside * outside;
        for (int c = 0; c < exact.Length; c++) sq += (solver.Coefficients[c] - exact[c]) * (solver.Coefficients[c] - exact[c]);
        return Math.Sqrt(sq);
    }

    /// <summary>α = 0: max over coefficients of |b_k(t) − b_k(0) e^{−λ|k|t}| at each time.</summary>
    public static double[] OrnsteinUhlenbeckErrors(Problem problem, int[] basis, double tolerance, IReadOnlyList<double> times)
    {
        var model = new SpectralModel(problem.With(alpha: 0), new SpectralBasis(basis));
        var b0 = model.InitialCoefficients();
        var solver = new SpectralSolver(model, new SpectralSolverOptions(tolerance));
        return Simulation.Sample(new SpectralPdeModel(solver), times, () =>
        {
            double worst = 0;
            for (int c = 0; c < b0.Length; c++)
                worst = Math.Max(worst, Math.Abs(solver.Coefficients[c] - b0[c] * Math.Exp(-problem.Lambda * model.Basis.TotalDegree[c] * solver.Time)));
            return worst;
        }).ToArray();
    }

    /// <summary>Residuals of the spectral solver at the given times.</summary>
    public static double[][] SpectralResiduals(Problem problem, int[] basis, double tolerance, IReadOnlyList<double> times, out long steps)
    {
        var model = new SpectralModel(problem, new SpectralBasis(basis));
        var solver = new SpectralSolver(model, new SpectralSolverOptions(tolerance));
        var result = Simulation.Sample(new SpectralPdeModel(solver), times, () =>
        {
            var r = new double[problem.SampleCount];
            model.Residuals(solver.Coefficients, r);
            return r;
        }).ToArray();
        steps = solver.Steps;
        return result;
    }

    /// <summary>Residuals of the finite-volume solver (default options, box ±7) at the given times.</summary>
    public static double[][] FiniteVolumeResiduals(Problem problem, int cells, IReadOnlyList<double> times)
    {
        var pde = new PdeModel(problem, UniformGrid.Cube(problem.Dimension + 1, cells, 7));
        return Simulation.Sample(pde, times, () => pde.Solver.Diagnose().Residuals).ToArray();
    }

    /// <inheritdoc/>
    public StudyResult Run(StudyOptions options)
    {
        var watch = Stopwatch.StartNew();
        var inv = CultureInfo.InvariantCulture;
        bool quick = options.Quick;
        var md = new StringBuilder();
        var csv = new StringBuilder("table,case,parameter,t,value\n");
        void Csv(string table, string name, string parameter, double t, double v) =>
            csv.AppendLine(string.Create(inv, $"{table},{name},{parameter},{t:R},{v:R}"));
        var series = new List<PlotSeries>();
        md.AppendLine("# The spectral solver: accuracy");
        md.AppendLine();

        // 1. Linear activation, exact Gaussian solutions.
        md.AppendLine("## Linear activation: the exact Gaussian solution (moment ODE, DOPRI5 at rtol 1e-13)");
        md.AppendLine();
        md.AppendLine("max_i |r_i − r_i(ODE)|; non-standard initial Gaussians (d = 1: mean (0.3, −0.2), covariance [[1.2, 0.3], [0.3, 0.8]]; d = 2: mean (0.2, −0.1, 0.15), covariance eigenvalues in [0.8, 1.25]); α = 2, λ = 0.1, time tolerance 1e-11.");
        md.AppendLine();
        md.AppendLine("| case | basis | t = 0.5 | t = 1 | t = 5 | steps |");
        md.AppendLine("|---|---|---|---|---|---|");
        var cases = new List<(string Name, Problem Problem, int[] Basis)>
        {
            ("d = 1", new Problem(Activation.Linear, 2, 0.1, DataSet.Default, Law1), [48, 48]),
            ("d = 2", new Problem(Activation.Linear, 2, 0.1, Data2, Law2), quick ? [24, 24, 24] : [32, 32, 32]),
        };
        foreach (var (name, problem, basis) in cases)
        {
            var e = LinearErrors(problem, basis, 1e-11, ExactTimes, out long steps);
            md.AppendLine(string.Create(inv, $"| {name} | {string.Join("x", basis)} | {e[0]:E2} | {e[1]:E2} | {e[2]:E2} | {steps} |"));
            for (int k = 0; k < e.Length; k++) Csv("linear", name, string.Join("x", basis), ExactTimes[k], e[k]);
            options.Log(string.Create(inv, $"linear {name}: {string.Join(", ", e.Select(v => v.ToString("E2", inv)))}"));
        }
        md.AppendLine();

        // 2. Ornstein–Uhlenbeck.
        var ou = OrnsteinUhlenbeckErrors(cases[0].Problem, [48, 48], 1e-13, ExactTimes);
        md.AppendLine("## α = 0: the Ornstein–Uhlenbeck flow");
        md.AppendLine();
        md.AppendLine(string.Create(inv, $"max_k |b_k(t) − b_k(0) e^(−λ|k|t)| (exact: the OU operator is diagonal in the basis), d = 1, basis 48x48, tolerance 1e-13: t = 0.5: {ou[0]:E2}, t = 1: {ou[1]:E2}, t = 5: {ou[2]:E2}."));
        md.AppendLine();
        for (int k = 0; k < ou.Length; k++) Csv("ou", "d = 1", "48x48", ExactTimes[k], ou[k]);

        // 3. Error against the basis size.
        md.AppendLine("## Error against the basis size");
        md.AppendLine();
        md.AppendLine("Linear activation, d = 1, α = 2, from the non-standard Gaussian above (its expansion decays geometrically; below 48 modes the initial expansion is truncated beyond the solver's 1e-8 check, on purpose), t = 1, K modes on both axes, tolerance 1e-12: the L²(p0) error of p/p0 against the exact Gaussian (coefficients inside the basis, plus the exact solution's part outside it), and max_i |r_i − r_i(ODE)|. The residuals do not depend on K ≥ 3: with σ linear the Galerkin system is triangular in the total degree (the drift maps degree n to n and n + 2), so the degree-2 coefficients r is made of never see the truncation; the density does.");
        md.AppendLine();
        md.AppendLine("| K | L²(p0) error of p/p0 | residual error |");
        md.AppendLine("|---|---|---|");
        var linearLaw1 = cases[0].Problem;
        int[] ks = quick ? [8, 16, 24, 32] : [8, 12, 16, 20, 24, 32, 40, 48];
        var kErr = new List<double>();
        foreach (int k in ks)
        {
            double e = LinearDensityError(linearLaw1, [k, k], 1e-12, 1.0);
            double er = LinearErrors(linearLaw1, [k, k], 1e-12, [1.0], out _, truncate: true)[0];
            kErr.Add(Math.Max(e, 1e-17));
            md.AppendLine(string.Create(inv, $"| {k} | {e:E2} | {er:E2} |"));
            Csv("basis-linear", "d = 1", k.ToString(inv), 1, e);
            Csv("basis-linear-residual", "d = 1", k.ToString(inv), 1, er);
        }
        series.Add(new PlotSeries("error vs basis", "linear activation: L²(p0) error of p/p0, t = 1", "modes K per axis", "error", ks.Select(k => (double)k).ToArray(), kErr.ToArray(), LogLog: false, LogY: true));
        md.AppendLine();

        var tanh = Problem.Default;
        double[] selfTimes = [0.5, 1, 2, 5];
        int[] reference = quick ? [128, 24] : [256, 32];
        var refR = SpectralResiduals(tanh, reference, 1e-12, selfTimes, out _);
        md.AppendLine(string.Create(inv, $"Default tanh problem (d = 1, α = 2), max over t ∈ {{0.5, 1, 2, 5}} of max_i |r_i − r_i(reference)| against the basis {string.Join("x", reference)} (tolerance 1e-12 for all): θ modes K at {reference[1]} u modes, and u modes at K = {reference[0]}."));
        md.AppendLine();
        md.AppendLine("| θ modes K | error | | u modes | error |");
        md.AppendLine("|---|---|---|---|---|");
        int[] thetaKs = quick ? [16, 32, 64] : [16, 24, 32, 48, 64, 96, 128];
        int[] uKs = quick ? [6, 12] : [6, 8, 12, 16, 24];
        var thetaErr = thetaKs.Select(k =>
        {
            var r = SpectralResiduals(tanh, [k, reference[1]], 1e-12, selfTimes, out _);
            return r.Select((v, i) => Norms.MaxAbsDifference(v, refR[i])).Max();
        }).ToArray();
        var uErr = uKs.Select(k =>
        {
            var r = SpectralResiduals(tanh, [reference[0], k], 1e-12, selfTimes, out _);
            return r.Select((v, i) => Norms.MaxAbsDifference(v, refR[i])).Max();
        }).ToArray();
        for (int i = 0; i < Math.Max(thetaKs.Length, uKs.Length); i++)
            md.AppendLine(string.Create(inv,
                $"| {(i < thetaKs.Length ? thetaKs[i].ToString(inv) : "")} | {(i < thetaKs.Length ? thetaErr[i].ToString("E2", inv) : "")} | | {(i < uKs.Length ? uKs[i].ToString(inv) : "")} | {(i < uKs.Length ? uErr[i].ToString("E2", inv) : "")} |"));
        for (int i = 0; i < thetaKs.Length; i++) Csv("basis-tanh-theta", "default", thetaKs[i].ToString(inv), 5, thetaErr[i]);
        for (int i = 0; i < uKs.Length; i++) Csv("basis-tanh-u", "default", uKs[i].ToString(inv), 5, uErr[i]);
        series.Add(new PlotSeries("error vs basis", "tanh: max |r − r_reference|, θ modes (root-exponential in K)", "modes K per axis", "error", thetaKs.Select(k => (double)k).ToArray(), thetaErr.Select(e => Math.Max(e, 1e-17)).ToArray(), LogLog: false, LogY: true));
        md.AppendLine();

        // 4. Default problem: spectral against finite volumes, and the spectral self-convergence.
        var times = Configuration.RunConfiguration.Default.Time.OutputTimes;
        int[] fvCells = quick ? [64, 128] : [128, 256, 512];
        var fv = fvCells.Select(n => FiniteVolumeResiduals(tanh, n, times)).ToArray();
        int[] spectralBasis = quick ? [64, 16] : [128, 32];
        int[] doubledBasis = quick ? [128, 24] : [256, 48];
        var sp = SpectralResiduals(tanh, spectralBasis, 1e-11, times, out long spSteps);
        var sp2 = SpectralResiduals(tanh, doubledBasis, 1e-12, times, out _);
        md.AppendLine(string.Create(inv, $"## Default tanh problem: spectral ({string.Join("x", spectralBasis)}, tolerance 1e-11, {spSteps} steps) against finite volumes"));
        md.AppendLine();
        md.AppendLine(string.Create(inv, $"max_i |r_i|-differences at the default output times. FV: default stepper, box ±7, N = {string.Join("/", fvCells)}; its refinement estimate is |r(N_max) − r(N_max/2)|. Spectral self-convergence: against {string.Join("x", doubledBasis)} at tolerance 1e-12."));
        md.AppendLine();
        md.AppendLine("| t | spectral − FV (finest) | FV refinement estimate | within | spectral self-convergence |");
        md.AppendLine("|---|---|---|---|---|");
        bool allWithin = true;
        double worstSelf = 0;
        for (int k = 0; k < times.Length; k++)
        {
            double diff = Norms.MaxAbsDifference(sp[k], fv[^1][k]), est = Norms.MaxAbsDifference(fv[^1][k], fv[^2][k]), self = Norms.MaxAbsDifference(sp[k], sp2[k]);
            allWithin &= diff <= est;
            worstSelf = Math.Max(worstSelf, self);
            md.AppendLine(string.Create(inv, $"| {times[k]:G4} | {diff:E2} | {est:E2} | {(diff <= est ? "yes" : "NO")} | {self:E2} |"));
            Csv("fv", "spectral - fv", fvCells[^1].ToString(inv), times[k], diff);
            Csv("fv", "fv refinement", fvCells[^1].ToString(inv), times[k], est);
            Csv("self", "spectral", string.Join("x", spectralBasis), times[k], self);
        }
        md.AppendLine();
        md.AppendLine(string.Create(inv, $"Spectral within the FV refinement estimate at every output time: {(allWithin ? "yes" : "NO")}; worst spectral self-convergence {worstSelf:E2}."));
        md.AppendLine();

        // 5. Long run to the stationary state.
        double longEnd = quick ? 150 : 400;
        var stationary = new StationarySolver(tanh).Solve();
        var longR = SpectralResiduals(tanh, spectralBasis, 1e-10, [longEnd], out long longSteps)[0];
        double toStar = stationary.Converged ? Norms.MaxAbsDifference(longR, stationary.Residuals.ToArray()) : double.NaN;
        md.AppendLine("## Long run: the stationary state");
        md.AppendLine();
        md.AppendLine(string.Create(inv, $"Default problem to t = {longEnd:G4} (λt = {0.1 * longEnd:G3}), basis {string.Join("x", spectralBasis)}, tolerance 1e-10: {longSteps} steps; max_i |r_i(T) − r*_i| = {toStar:E2} against the stationary solver's whole-space r* ({stationary.Status})."));
        Csv("stationary", "default", string.Join("x", spectralBasis), longEnd, toStar);
        string markdown = StudyTables.WriteMarkdown(Path.Combine(options.OutputDirectory, "spectral.md"), md, watch);
        AtomicFile.WriteText(Path.Combine(options.OutputDirectory, "spectral.csv"), csv.ToString());
        return new StudyResult(markdown, series);
    }
}
