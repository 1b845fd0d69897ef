using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Runs;

namespace FokkerPlanckNtk.Tests.IO;

public class ReferenceSolutionTests
{
    private static readonly RunConfiguration Small = RunConfiguration.Read(new ConfigurationTree(new Dictionary<string, string?>
    {
        ["grid:cells"] = "16", ["time:outputTimes:0"] = "0.1", ["time:outputTimes:1"] = "0.2",
    }));

    private static ReferenceSolution? _reference;
    private static ReferenceSolution Reference => _reference ??= ReferenceBuilder.Compute(Small);

    // The file is JSON with numbers in shortest round-trip form: everything reads back bit-identically.
    [Test]
    public void RoundTripsExactly()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fpntk-reference-{Environment.ProcessId}.json");
        try
        {
            Reference.Write(path);
            var back = ReferenceSolution.Load(path);
            Assert.That(RunConfiguration.FromJson(back.Configuration), Is.EqualTo(RunConfiguration.FromJson(Reference.Configuration)));
            Assert.That(back.Grid.Cells, Is.EqualTo(new[] { 32, 32 }));
            Assert.That(back.CoarseCells, Is.EqualTo(new[] { 16, 16 }));
            Assert.That(back.Inputs, Is.EqualTo(Reference.Inputs));
            Assert.That(back.Snapshots, Has.Count.EqualTo(3));
            for (int k = 0; k < 3; k++)
            {
                var (a, b) = (Reference.Snapshots[k], back.Snapshots[k]);
                Assert.That(b.Density, Is.EqualTo(a.Density));
                Assert.That(b.Residuals, Is.EqualTo(a.Residuals));
                Assert.That(b.F, Is.EqualTo(a.F));
                Assert.That(b with { Density = a.Density, Residuals = a.Residuals, F = a.F }, Is.EqualTo(a));
            }
            Assert.That(back.ToJson(), Is.EqualTo(Reference.ToJson()));
        }
        finally { File.Delete(path); }
    }

    // The stored tolerances are the N-vs-2N differences: comparing the N solution itself reproduces them
    // exactly (same arithmetic), so it passes at equality; a perturbation beyond the tolerance fails.
    [Test]
    public void CoarseSolutionSitsExactlyAtTheTolerance()
    {
        var grid = Small.Grid.ToGrid();
        var model = new FiniteVolumeModel(Small.Problem.ToProblem(), grid);
        var solver = new PdeSolver(model, Small.Time.ToSolverOptions());
        var residuals = new List<double[]>();
        var densities = new List<double[]>();
        foreach (double t in new[] { 0, 0.1, 0.2 })
        {
            solver.AdvanceTo(t);
            var r = new double[4];
            model.Residuals(solver.Density, r);
            residuals.Add(r);
            densities.Add((double[])solver.Density.Clone());
        }
        var deviations = Reference.Compare(residuals, densities, grid);
        Assert.That(deviations.All(d => d.Passes), Is.True);
        Assert.That(deviations.Select(d => d.Deviation), Is.EqualTo(Reference.Snapshots.SelectMany(s => new[] { s.ResidualTolerance, s.DensityTolerance })));
        Assert.That(Reference.Snapshots[^1].ResidualTolerance, Is.GreaterThan(0));
        residuals[^1][0] += 2 * Reference.Snapshots[^1].ResidualTolerance;
        Assert.That(Reference.Compare(residuals)[^1].Passes, Is.False);
    }

    // f at the data inputs is y + r (an independent evaluation: column moments and σ per input, against the
    // scheme's σ tables): equal to round-off, ~1e-15 for values of order 1.
    [Test]
    public void FAtTheDataMatchesTheResiduals()
    {
        var y = Small.Problem.Data.Y.ToArray();
        foreach (var s in Reference.Snapshots)
            for (int i = 0; i < y.Length; i++)
                Assert.That(s.F[i], Is.EqualTo(y[i] + s.Residuals[i]).Within(1e-14));
    }

    // Averaging onto a coarser grid conserves mass, and reproduces a density that is constant on the blocks.
    [Test]
    public void RestrictionIsExactOnBlockConstantDensities()
    {
        var coarse = new UniformGrid([3, 4], [2.0, 1.0]);
        var fine = new UniformGrid([6, 12], [2.0, 1.0]);
        var coarseValues = Enumerable.Range(0, coarse.Count).Select(c => 1.0 + c).ToArray();
        var fineValues = new double[fine.Count];
        for (int c = 0; c < fine.Count; c++)
            fineValues[c] = coarseValues[fine.AxisIndex(c, 0) / 2 * coarse.Stride(0) + fine.AxisIndex(c, 1) / 3];
        var restricted = ReferenceSolution.Restrict(fine, fineValues, coarse);
        // Each value is the mean of six equal numbers (weights 1/6): round-off of a few ulps of values up to 12.
        Assert.That(restricted, Is.EqualTo(coarseValues).Within(1e-14));
        Assert.That(ReferenceSolution.DensityDistance(fine, fineValues, coarse, coarseValues), Is.LessThan(1e-13));
        Assert.That(() => ReferenceSolution.Restrict(fine, fineValues, new UniformGrid([4, 4], [2.0, 1.0])), Throws.TypeOf<InputException>());
    }

    [Test]
    public void RefusesOtherFiles()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fpntk-not-reference-{Environment.ProcessId}.json");
        try
        {
            File.WriteAllText(path, """{ "format": "something-else", "version": 1 }""");
            Assert.That(() => ReferenceSolution.Load(path), Throws.TypeOf<InputException>().With.Message.Contains("is not an fpntk-reference file"));
            File.WriteAllText(path, """{ "format": "fpntk-reference", "version": 99 }""");
            Assert.That(() => ReferenceSolution.Load(path), Throws.TypeOf<InputException>().With.Message.Contains("format version 99"));
        }
        finally { File.Delete(path); }
    }
}
