using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.Runs;

namespace FokkerPlanckNtk.Tests.Simulations;

public class RunDiagnosticsTests
{
    // t_k = T (k/K)³: K + 1 strictly increasing times from 0 to exactly T; t_k ≤ T/10 ⇔ k ≤ K·10^(−1/3), so
    // ⌊K·10^(−1/3)⌋ + 1 of them lie in the first tenth (140 for the default K = 300).
    [TestCase(300, 5.0)]
    [TestCase(7, 0.25)]
    public void TimesAreCubicFromZeroToTheEnd(int rows, double end)
    {
        var t = RunDiagnostics.Times(end, rows);
        Assert.That(t, Has.Length.EqualTo(rows + 1));
        Assert.That(t[0], Is.EqualTo(0));
        Assert.That(t[^1], Is.EqualTo(end));
        Assert.That(t.Zip(t.Skip(1), (a, b) => b > a), Is.All.True);
        Assert.That(t.Count(v => v <= end / 10), Is.EqualTo((int)Math.Floor(rows * Math.Pow(10, -1.0 / 3)) + 1));
        Assert.That(RunDiagnostics.Times(end, 0), Is.Empty);
    }

    private static RunResults Run(int rows) => RunSession.InMemory(RunConfiguration.Read(new ConfigurationTree(new Dictionary<string, string?>
    {
        ["grid:cells"] = "24", ["particles:count"] = "300", ["particles:step"] = "0.01", ["time:end"] = "0.5",
        ["time:outputTimes:0"] = "0.2", ["output:diagnosticsRows"] = rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
    })), RunKind.Run).Execute();

    // The rows of a run: the PDE stands exactly at each row's time and the particles at their nearest step; the
    // last row and the last output record measure the same state with the same code, so they agree bit for bit;
    // the scheme dissipates the discrete free energy at every step and conserves mass to round-off, so along the
    // rows Q_h never increases (beyond round-off, 1e-15 relative) and |mass − 1| stays below 1e-13.
    [Test]
    public void RunRecordsDiagnosticsAtTheScheduledTimes()
    {
        var results = Run(40);
        var rows = results.Diagnostics!;
        var times = RunDiagnostics.Times(0.5, 40);
        Assert.That(rows.Select(r => r.Time), Is.EqualTo(times));
        Assert.That(rows.Select(r => r.Pde!.Time), Is.EqualTo(times));
        Assert.That(rows.Select(r => r.Particles!.Time), Is.EqualTo(times.Select(t => Math.Round(t / 0.01) * 0.01)).Within(1e-12));
        Assert.That(rows[^1].Pde!.Loss, Is.EqualTo(results.Pde![^1].Diagnostics.Loss));
        Assert.That(rows[^1].Pde!.Residuals, Is.EqualTo(results.Pde![^1].Diagnostics.Residuals));
        Assert.That(rows[^1].Particles!.Residuals, Is.EqualTo(results.Particles![^1].Residuals));
        Assert.That(rows[^1].NtkResiduals, Is.EqualTo(results.Ntk![^1].Residuals));
        for (int k = 1; k < rows.Count; k++)
            Assert.That(rows[k].Pde!.FreeEnergy, Is.LessThanOrEqualTo(rows[k - 1].Pde!.FreeEnergy * (1 + 1e-15)), $"row {k}");
        Assert.That(rows.Max(r => Math.Abs(r.Pde!.Mass - 1)), Is.LessThan(1e-13));
        Assert.That(rows.Select(r => r.PdeStep).Skip(1).Zip(times.Zip(times.Skip(1), (a, b) => b - a), (dt, gap) => dt <= gap * (1 + 1e-12)), Is.All.True,
            "the PDE lands on every row, so no step is longer than the spacing");

        var table = FokkerPlanckNtk.IO.Results.RunTables.Diagnostics(rows)!;
        Assert.That(table.Rows, Has.Count.EqualTo(41));
        Assert.That(table.Columns, Is.EqualTo(new[]
        {
            "t", "steps", "dt", "loss", "free_energy", "kl_p0", "chi2_p0", "mass", "min_density", "outer_mass", "r1", "r2", "r3", "r4",
            "particles_t", "particles_loss", "particles_r1", "particles_r2", "particles_r3", "particles_r4",
            "ntk_loss", "ntk_r1", "ntk_r2", "ntk_r3", "ntk_r4", "max_abs_dr_ntk", "max_abs_dr_particles",
        }));
        var last = rows[^1];
        Assert.That(table.Column("max_abs_dr_particles")[^1],
            Is.EqualTo(last.Particles!.Residuals.Zip(last.Pde!.Residuals, (a, b) => Math.Abs(a - b)).Max()));
    }

    // output.diagnosticsRows = 0 records nothing (and changes nothing else the run records).
    [Test]
    public void ZeroRowsMeansNoDiagnostics() => Assert.That(Run(0).Diagnostics, Is.Null);
}
