using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Plotting;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Stationary;
using Microsoft.Extensions.Logging;

namespace FokkerPlanckNtk.Cli;

/// <summary>The commands that analyse a problem or files without time stepping: stationary, ntk, w2.</summary>
internal static class AnalysisCommands
{
    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>fpntk stationary</c>: the self-consistent Gibbs fixed point on the whole space (stationary.json), and
    /// the fixed points restricted to the configured box and to its grid, with a warning when the box changes
    /// the answer by more than the grid error (docs/mathematics.md, stationary state).
    /// </summary>
    public static int Stationary(CommandContext context)
    {
        var config = context.ReadRunConfiguration();
        // p* = q* ⊗ N(0, I) for inputs spanning S: the Gibbs equations in k dimensions; loss, residuals and KL are the full ones.
        var reduction = config.Problem.ToReducedProblem();
        var problem = reduction.Reduced;
        var grid = config.Grid.ToGrid();
        var solver = new StationarySolver(problem);
        var folder = context.CreateFolder(config);
        context.Logger.LogInformation("stationary: {Problem}; output in {Directory}", Commands.Describe(config), folder.Path);
        var whole = solver.Solve();
        AtomicFile.WriteText(folder.File("stationary.json"), whole.ToJson() + "\n");
        var comparison = solver.CompareWithBox(grid);
        AtomicFile.WriteText(folder.File("stationary-box.json"), comparison.Box.ToJson() + "\n");
        AtomicFile.WriteText(folder.File("stationary-grid.json"), comparison.Grid.ToJson() + "\n");
        if (comparison.Warning is { } warning) context.Logger.LogWarning("{Warning}", warning);

        var report = new HtmlReport($"fpntk stationary: {Commands.Describe(config)}");
        report.Paragraph("The stationary state p* ∝ p0·exp(−u c*(θ)/λ) with c* built from its own residuals (docs/model.md), "
            + "solved by Newton with quadrature in θ: on the whole space, on the box of the grid, and at the grid's cell centres."
            + (reduction.IsIdentity ? "" : $" {Commands.SpanSentence(reduction)} p* = q* ⊗ N(0, I) with q* the stationary state on S ⊕ u: "
                + "its residuals, loss, KL(p*‖p0) and free energy are those of the full problem; the grid and the plot are on (ζ, u)."));
        var results = new[] { whole, comparison.Box, comparison.Grid };
        int n = problem.SampleCount;
        report.Table(["domain", "converged", "loss", "KL(p*‖p0)", "free energy", "iterations", .. Enumerable.Range(1, n).Select(i => $"r*{i}")],
            results.Select(r => (IReadOnlyList<string>)(r.Converged
                ? [r.Domain, "yes", F(r.Loss), F(r.KlP0), F(r.FreeEnergy), r.Iterations.ToString(CultureInfo.InvariantCulture), .. r.Residuals.Select(F)]
                : [r.Domain, "no: " + r.Status, "", "", "", r.Iterations.ToString(CultureInfo.InvariantCulture), .. Enumerable.Repeat("", n)])));
        report.Paragraph(FormattableString.Invariant(
            $"Box effect max|r*_whole − r*_box| = {comparison.Gap:G3}; grid error max|r*_box − r*_grid| = {comparison.GridError:G3}.")
            + (comparison.Warning is null ? "" : " Warning: " + comparison.Warning), "note");
        if (config.Output.Plots && comparison.Grid.Converged)
        {
            var density = comparison.Grid.DensityOnGrid(grid);
            var model = Charts.DensityMap("Stationary density p* on the grid", DensityImages.Marginal(grid, density, 0, grid.UAxis),
                DensityImages.AxisName(grid, 0, !reduction.IsIdentity), "u");
            string axis = DensityImages.AxisName(grid, 0, !reduction.IsIdentity);
            report.Figure(PlotFiles.Save(model, folder.File("plots"), "stationary-density"),
                grid.ThetaDimension == 1 ? (reduction.IsIdentity ? "p*(θ, u) at the cell centres" : "q*(ζ, u) at the cell centres") : $"marginal of {(reduction.IsIdentity ? "p*" : "q*")} on ({axis}, u)");
        }
        string path = WriteReport(report, config, folder);
        if (!whole.Converged)
        {
            folder.Finish(RunManifest.Failed, whole.Status);
            context.Console.WriteLine($"fpntk stationary: no stationary state found ({whole.Status}); see {folder.File("stationary.json")}");
            return FpntkCommandLine.Failure;
        }
        folder.Complete();
        context.Output.WriteLine(whole.ToString());
        context.Output.WriteLine($"report: {path}");
        return FpntkCommandLine.Success;
    }

    /// <summary>
    /// <c>fpntk ntk</c>: the Gram matrix H(p_init) by quadrature, its spectrum, the Theorem 4.4 constants and
    /// bounds (for p0), and the linearized prediction at the output times.
    /// </summary>
    public static int Ntk(CommandContext context)
    {
        var config = context.ReadRunConfiguration();
        var folder = context.CreateFolder(config);
        context.Logger.LogInformation("ntk: {Problem}; output in {Directory}", Commands.Describe(config), folder.Path);
        var ntk = Analyses.Ntk(config, folder);
        var (prediction, gram, bounds) = (ntk.Prediction.Prediction, ntk.Prediction.Prediction.Kernel, ntk.Prediction.Bounds);

        var report = new HtmlReport($"fpntk ntk: {Commands.Describe(config)}");
        report.Paragraph($"H(p_init) by Gauss–Hermite quadrature ({gram.Method}; estimated error {F(gram.ErrorEstimate)}). "
            + "Linearized prediction r(t) = exp(−(2α²/n) H t) r(0)."
            + (config.Problem.ToReducedProblem() is { IsIdentity: false } reduction
                ? $" {Commands.SpanSentence(reduction)} H is computed on S ⊕ u (exact: σ(θ·x_i) = σ(ζ·Bᵀx_i), x_i·x_j = Bᵀx_i·Bᵀx_j); the Theorem 4.4 constants use the full d = {reduction.Full.Dimension}."
                : ""));
        report.Table(["k", "eigenvalue λ_k(H)", "decay rate (2α²/n) λ_k"], Enumerable.Range(0, gram.Size).Select(k => (IReadOnlyList<string>)
            [(k + 1).ToString(CultureInfo.InvariantCulture), F(gram.Eigenvalues[k]), F(prediction.Rates[k])]));
        report.Preformatted(bounds.Summary());
        if (config.Output.Plots)
        {
            var curves = new List<Curve> { new("NTK prediction", ntk.Times, ntk.Records.Select(r => r.Loss).ToArray()) };
            var model = Charts.Lines("Linearized (NTK) loss", "t", "L", curves, logY: true);
            report.Figure(PlotFiles.Save(model, folder.File("plots"), "ntk-loss"), "Loss of the linearized prediction");
        }
        string path = WriteReport(report, config, folder);
        folder.Complete();
        context.Output.Write(bounds.Summary());
        context.Output.WriteLine($"report: {path}");
        return FpntkCommandLine.Success;
    }

    /// <summary>Ends a report with the effective configuration and writes it as the folder's report.html; returns its path.</summary>
    private static string WriteReport(HtmlReport report, RunConfiguration config, RunFolder folder)
    {
        report.Heading("Configuration (config.json)");
        report.Preformatted(config.ToJson());
        string path = folder.File("report.html");
        AtomicFile.WriteText(path, report.ToString());
        return path;
    }

    /// <summary><c>fpntk reference</c>: a reference-solution file (reference.json) for other projects' tests.</summary>
    public static int Reference(CommandContext context)
    {
        var config = context.ReadRunConfiguration();
        ResourceEstimate.RequireMemory(config, "reference");
        var folder = context.CreateFolder(config);
        context.Logger.LogInformation("reference: {Problem}; output in {Directory}", Commands.Describe(config), folder.Path);
        var reference = ReferenceBuilder.Compute(config, context.Observer, context.Cancellation);
        reference.Write(folder.File("reference.json"));
        folder.Complete();
        var last = reference.Snapshots[^1];
        context.Console.ClearProgress();
        context.Output.WriteLine(FormattableString.Invariant(
            $"{reference}; at t = {last.Time:G6}: tolerance L1 {last.DensityTolerance:G3}, residuals {last.ResidualTolerance:G3}"));
        context.Output.WriteLine($"reference: {folder.File("reference.json")}");
        return FpntkCommandLine.Success;
    }

    public static Command W2Command(TextWriter output, TextWriter error, bool interactive)
    {
        var a = new Argument<string>("A") { Description = "a measure file: CSV atoms (x1..xk[,weight]), CSV cells (left,right,mass), snapshots.h5:density[k] or snapshots.h5:positions[k] (output k), or file.h5:/dataset" };
        var b = new Argument<string>("B") { Description = "the second measure file (same forms)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object {\"w2\",\"w2_squared\",\"kl\",\"chi2\",\"method\",\"status\",\"seconds\",\"error_bound\"}" };
        var normalize = new Option<bool>("--normalize") { Description = "rescale both measures to total mass 1 (otherwise the totals must agree)" };
        var command = FpntkCommandLine.Declare("w2",
            "KL, χ² and exact W2 between two measures stored in files (atoms or densities; KL and χ² only when both live on the same cells or atoms).",
            a, b, json, normalize, FpntkCommandLine.ThreadsOption);
        command.SetAction(parse => FpntkCommandLine.Execute(parse, "w2", output, error, interactive, context =>
        {
            var result = MeasureFiles.Compare(parse.GetRequiredValue(a), parse.GetRequiredValue(b), parse.GetValue(normalize));
            context.Output.WriteLine(parse.GetValue(json) ? result.ToJson() : result.ToString());
            return FpntkCommandLine.Success;
        }));
        return command;
    }
}
