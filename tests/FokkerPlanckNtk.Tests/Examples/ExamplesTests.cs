using System.Diagnostics;
using System.Globalization;
using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Tests.Examples;

/// <summary>
/// Every program in examples/ runs as a user runs it (<c>dotnet run examples/NAME.cs</c>, a .NET 10 file-based
/// program on the library) and its numbers are pinned against exact answers (Trixi.jl's habit: every example
/// is a test). The default problem at full size is in the Slow category.
/// </summary>
[NonParallelizable]
public class ExamplesTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fpntk-example-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FokkerPlanckNtk.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository root (FokkerPlanckNtk.sln) is not above the test binaries");
    }

    /// <summary>Runs an example with <c>dotnet run -c Release</c> and returns its standard output lines.</summary>
    private string[] Run(string example, params string[] args)
    {
        string root = RepositoryRoot();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        foreach (var a in (string[])["run", "-c", "Release", Path.Combine(root, "examples", example), "--", .. args]) info.ArgumentList.Add(a);
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(TimeSpan.FromMinutes(10)), Is.True, example);
        Assert.That(p.ExitCode, Is.Zero, $"{example}: {output.Result} {error.Result}");
        return output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static double[] Numbers(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    // Against the exact Gaussian solution at t = 1: the errors of the committed grid-convergence table
    // (validation/grid-convergence, the same case) at N = 128, L1 = 4.796e-4 and max |Δr| = 3.032e-5, reproduced to
    // their four printed digits, and the observed order between N = 64 and 128 within 0.05 of 2 (second order).
    [Test]
    public void LinearActivationMatchesTheExactGaussianAtSecondOrder()
    {
        var coarse = Numbers(Run("linear-activation.cs", "64")[^1]);
        var fine = Numbers(Run("linear-activation.cs", "128")[^1]);
        Assert.That(fine[1], Is.EqualTo(3.032e-5).Within(0.0005e-5), "max |r − r_exact| at N = 128");
        Assert.That(fine[2], Is.EqualTo(4.796e-4).Within(0.0005e-4), "L1 error at N = 128");
        Assert.That(Math.Log2(coarse[1] / fine[1]), Is.EqualTo(2).Within(0.05));
        Assert.That(Math.Log2(coarse[2] / fine[2]), Is.EqualTo(2).Within(0.05));
    }

    // The free energy is loss + λ KL (λ = 0.1) to round-off; for the linear activation the Newton solution equals
    // the closed form (LinearStationaryState) to the solver's tolerance (1e-13 on |F(r)|, a condition number of
    // order 1 here: 1e-12).
    [Test]
    public void StationaryStateMatchesTheLinearClosedForm()
    {
        var lines = Run("stationary-state.cs");
        var (loss, kl, freeEnergy) = (Numbers(lines[^2])[0], Numbers(lines[^2])[1], Numbers(lines[^2])[2]);
        Assert.That(freeEnergy, Is.EqualTo(loss + 0.1 * kl).Within(1e-15));
        Assert.That(kl, Is.GreaterThan(0));
        Assert.That(Numbers(lines[^1])[0], Is.LessThan(1e-12));
    }

    // The candidate is the coarse solution itself (same arithmetic), so every deviation equals its stored tolerance
    // exactly and passes; the file reads back with the refined grid.
    [Test]
    public void ReferenceFileHoldsTheCoarseSolutionAtItsTolerance()
    {
        var lines = Run("reference-file.cs", Path.Combine(_dir, "reference.json"));
        var reference = ReferenceSolution.Load(Path.Combine(_dir, "reference.json"));
        Assert.That(reference.Grid.Cells, Is.EqualTo(new[] { 64, 64 }));
        var rows = lines.Skip(1).Select(l => l.Split(' ')).ToArray();
        Assert.That(rows, Has.Length.EqualTo(3));
        for (int k = 0; k < rows.Length; k++)
        {
            Assert.That(rows[k][1], Is.EqualTo(rows[k][2]), "deviation = tolerance");
            Assert.That(rows[k][3], Is.EqualTo("True"));
            Assert.That(double.Parse(rows[k][2], CultureInfo.InvariantCulture), Is.EqualTo(reference.Snapshots[k].ResidualTolerance));
        }
    }

    // The 12-statement program of docs/architecture.md at its full size (128² cells, 10⁴ particles, t ≤ 5). At t = 0
    // the PDE starts from p0_h, whose u-moment vanishes by symmetry, so r(0) = −y and max_i |r_i^m(0) − r_i(0)| =
    // max_i |f_m(x_i)|, a mean of m terms u_j σ(θ_j·x_i) of variance ≤ α² E[u²] = α²: within 4 standard deviations,
    // 4α/√m = 0.08. Every stored density has mass 1 (the scheme conserves it to round-off: 1e-12).
    [Test]
    [Category("Slow")]
    public void DefaultProblemWritesItsFilesAndStartsAtTheSamplingLevel()
    {
        Run("default-problem.cs", Path.Combine(_dir, "out"));
        var comparison = CsvTable.Read(Path.Combine(_dir, "out", "comparison.csv"));
        Assert.That(comparison.Column("t"), Is.EqualTo(Enumerable.Range(0, 11).Select(k => k * 0.5)));
        Assert.That(comparison.Column("max_abs_dr")[0], Is.LessThan(4 * 2.0 / Math.Sqrt(10_000)));
        var snapshots = SnapshotFile.Read(Path.Combine(_dir, "out", "snapshots.h5"));
        foreach (var density in snapshots.PdeDensities)
            Assert.That(density.Sum() * snapshots.Grid.CellVolume, Is.EqualTo(1).Within(1e-12));
        Assert.That(snapshots.ParticlePositions[^1], Has.Length.EqualTo(2 * 10_000));
    }
}
