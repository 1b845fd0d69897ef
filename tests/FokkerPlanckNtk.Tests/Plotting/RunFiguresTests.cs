using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Plotting;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Tests.FiniteVolume;
using FokkerPlanckNtk.Tests.Simulations;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace FokkerPlanckNtk.Tests.Plotting;

/// <summary>The report's figures and tables, made from runs on the path of fpntk run (RunSession, RunFigures, RunReport).</summary>
public class RunFiguresTests
{
    private static RunResults SmallRun() => RunSession.InMemory(RunConfiguration.Default with
    {
        Grid = new GridSettings([16, 16], [7.0, 7.0]),
        Time = new TimeSettings(0.1, [0.05, 0.1], 0.5, FokkerPlanckNtk.FiniteVolume.StepperKind.Auto),
        Particles = new ParticleSettings(300, 1e-2, 3),
        Output = RunConfiguration.Default.Output with { DiagnosticsRows = 0, FloorRepetitions = 0 }, // floors below are synthetic or absent
    }, RunKind.Run).Execute();

    private static RunResults WithComparison(RunResults r, IReadOnlyList<ComparisonRecord> comparison) => new()
    {
        Configuration = r.Configuration, Kind = r.Kind, Stepper = r.Stepper, Reduction = r.Reduction, Grid = r.Grid, Times = r.Times,
        Pde = r.Pde, Particles = r.Particles, Comparison = comparison, Ntk = r.Ntk, Diagnostics = r.Diagnostics,
    };

    private static PlotModel Panel(IEnumerable<ReportFigure> figures, string name) =>
        figures.SelectMany(f => f.Panels).Single(p => p.Name == name).Model;

    private static IEnumerable<string> AxisTitles(IEnumerable<ReportFigure> figures) =>
        figures.SelectMany(f => f.Panels).SelectMany(p => p.Model.Axes).Select(a => a.Title ?? "");

    // With w2_floor/w2_floor_sd the W2 plot shows the floor as a band of exactly mean ± sd (clipped at 0), labelled, and
    // the t = 0 stand-in is gone; comparison.csv gains the two columns and a checkpoint keeps them.
    [Test]
    public void MeasuredSamplingFloorIsABandOfMeanPlusMinusSd()
    {
        var run = SmallRun();
        double[] floor = [0.05, 0.04, 0.03], sd = [0.01, 0.06, 0.002]; // synthetic; sd > mean at t = 0.05 exercises the clip
        var comparison = run.Comparison!.Select((c, k) => c with { W2Floor = floor[k], W2FloorSd = sd[k] }).ToList();
        var figures = RunFigures.Of(WithComparison(run, comparison)).ToList();
        var w2 = Panel(figures, "w2");
        var band = w2.Series.OfType<AreaSeries>().Single(s => s.Title == "sampling floor (m samples of the PDE density)");
        Assert.That(band.Points.Select(p => p.X), Is.EqualTo(run.Times));
        Assert.That(band.Points.Select(p => p.Y), Is.EqualTo(new[] { 0.06, 0.1, 0.032 }).Within(1e-15));
        Assert.That(band.Points2.Select(p => p.Y), Is.EqualTo(new[] { 0.04, 0, 0.028 }).Within(1e-15));
        Assert.That(w2.Series.Select(s => s.Title ?? ""), Has.None.StartsWith("stand-in"));
        Assert.That(figures.Single(f => f.Panels.Any(p => p.Name == "w2")).Caption, Does.Contain("sampling floor").And.Not.Contain("stand-in"));

        var csv = RunTables.Comparison(run.Times, comparison).ToString().Split('\n');
        Assert.That(csv[0].Trim(), Is.EqualTo("t,max_abs_dr,w2,w2_theta,w2_u,w2_lower,w2_upper,w2_floor,w2_floor_sd"));
        Assert.That(csv[2].Trim(), Does.EndWith(",0.04,0.06"));
        var codec = RecordCodecs.For<ComparisonRecord>()!;
        var archive = new ArrayArchive();
        codec.Save(comparison[1], archive);
        Assert.That(codec.Load(archive), Is.EqualTo(comparison[1]));
    }

    // Without the floor columns: the labelled t = 0 stand-in, comparison.csv as before, and old checkpoints load as NaN.
    [Test]
    public void WithoutAFloorTheStandInIsDrawnAndTheColumnsAreAbsent()
    {
        var run = SmallRun();
        var w2 = Panel(RunFigures.Of(run).ToList(), "w2");
        var standIn = w2.Series.OfType<LineSeries>().Single(s => s.Title == "stand-in floor: W2(PDE, particles) at t = 0");
        Assert.That(standIn.Points.Select(p => p.Y), Is.All.EqualTo(run.Comparison![0].W2.Value));
        Assert.That(w2.Series.OfType<AreaSeries>().Select(s => s.Title), Has.None.StartsWith("sampling floor"));
        Assert.That(RunTables.Comparison(run.Times, run.Comparison).ToString().Split('\n')[0].Trim(), Is.EqualTo("t,max_abs_dr,w2,w2_theta,w2_u,w2_lower,w2_upper"));
        var archive = new ArrayArchive();
        RecordCodecs.For<ComparisonRecord>()!.Save(run.Comparison[0], archive);
        Assert.That(RecordCodecs.For<ComparisonRecord>()!.Load(archive).HasFloor, Is.False);
    }

    // Axis labels follow the snapshot file's variable names: theta1 → θ1, zeta1 → ζ1, u.
    [Test]
    public void AxisNamesAreTheSnapshotVariablesInGreek()
    {
        var plane = UniformGrid.Cube(2, 4, 7);
        var cube = UniformGrid.Cube(3, 4, 7);
        Assert.That(new[] { 0, 1 }.Select(a => DensityImages.AxisName(plane, a)), Is.EqualTo(new[] { "θ", "u" }));
        Assert.That(new[] { 0, 1, 2 }.Select(a => DensityImages.AxisName(cube, a)), Is.EqualTo(new[] { "θ1", "θ2", "u" }));
        Assert.That(new[] { 0, 1, 2 }.Select(a => DensityImages.AxisName(cube, a, onSpan: true)), Is.EqualTo(new[] { "ζ1", "ζ2", "u" }));
        Assert.That(new[] { 0, 1, 2 }.Select(a => SnapshotFile.AxisVariable(cube, a, reduced: true)), Is.EqualTo(new[] { "zeta1", "zeta2", "u" }));
    }

    // A run on the span of its inputs (d = 10, k = 2): every axis is ζ1, ζ2 or u (never θ), and the θ_⊥ check of
    // orthogonal.csv is a figure (its z-scores, exactly the records') and a table in the report. Labels and figures do not
    // depend on the W2s: no exact W2 (output.w2Seconds = 0; 20³ spent two minutes in the records' 3D W2s; 8³ cells do not resolve the initial law).
    [Test]
    public void RunOnTheSpanLabelsZetaAndShowsTheOrthogonalCheck()
    {
        var config = ReducedRunTests.Configuration(ReducedPdeTests.LinearTenDimensional(nonStandard: true), 20, 0.05, particles: 300, step: 1e-2,
            outputTimes: [0.025, 0.05]) with { Output = RunConfiguration.Default.Output with { DiagnosticsRows = 0, W2Seconds = 0 } };
        var run = RunSession.InMemory(config, RunKind.Run).Execute();
        Assert.That(run.Reduction, Is.Not.Null);
        var figures = RunFigures.Of(run).ToList();
        var titles = AxisTitles(figures).ToList();
        Assert.That(titles, Does.Contain("ζ1"));
        Assert.That(titles, Has.None.StartsWith("θ"));
        Assert.That(figures[0].Caption, Does.Contain("ζ = Bᵀθ"));
        var orthogonal = Panel(figures, "orthogonal");
        var z = orthogonal.Series.OfType<LineSeries>().ToDictionary(s => s.Title, s => s.Points.Select(p => p.Y).ToArray());
        Assert.That(z["mean"], Is.EqualTo(run.Particles!.Select(p => p.Orthogonal!.MeanZ)));
        Assert.That(z["covariance"], Is.EqualTo(run.Particles!.Select(p => p.Orthogonal!.CovarianceZ)));
        Assert.That(z["cross-covariance with (ζ, u)"], Is.EqualTo(run.Particles!.Select(p => p.Orthogonal!.CrossZ)));

        string dir = Path.Combine(Path.GetTempPath(), "fpntk-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(dir);
            string html = File.ReadAllText(RunReport.Write(run, dir, plots: false));
            Assert.That(html, Does.Contain("θ_⊥ (orthogonal.csv)").And.Contain("W2 ζ"));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    // The default problem's report keeps θ.
    [Test]
    public void RunWithoutReductionLabelsTheta()
    {
        var figures = RunFigures.Of(SmallRun()).ToList();
        Assert.That(AxisTitles(figures), Does.Contain("θ").And.None.StartsWith("ζ"));
        Assert.That(figures.SelectMany(f => f.Panels).Select(p => p.Name), Has.None.EqualTo("orthogonal"));
    }
}
