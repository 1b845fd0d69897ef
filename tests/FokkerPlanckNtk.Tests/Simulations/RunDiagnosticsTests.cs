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

    private static RunConfiguration Config(int rows, params (string Key, string Value)[] extra)
    {
        var keys = new Dictionary<string, string?>
        {
            ["grid:cells"] = "24", ["particles:count"] = "300", ["particles:step"] = "0.01", ["time:end"] = "0.5",
            ["time:outputTimes:0"] = "0.2", ["output:diagnosticsRows"] = rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra) keys[key] = value;
        return RunConfiguration.Read(new ConfigurationTree(keys));
    }

    private static RunResults Run(int rows, RunKind kind = RunKind.Run, params (string Key, string Value)[] extra) =>
        RunSession.InMemory(Config(rows, extra), kind).Execute();

    // The rows of a run: every row at its time exactly (the PDE's state there by a side step, or its own state where
    // it stands there) and the particles at their nearest step; the last row and the last output record measure the
    // same state with the same code, so they agree bit for bit; a row's steps and dt are the PDE's own (steps taken
    // before the row's time, the size of the last of them); mass is conserved to round-off (|mass − 1| < 1e-13) in the
    // side steps as in the steps.
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
        Assert.That(rows.Max(r => Math.Abs(r.Pde!.Mass - 1)), Is.LessThan(1e-13));
        Assert.That(rows.Zip(rows.Skip(1), (a, b) => b.PdeSteps >= a.PdeSteps), Is.All.True);
        Assert.That(rows[^1].PdeSteps, Is.EqualTo(results.Pde[^1].Steps));
        // Fewer PDE steps than rows: many rows lie inside one step, which the landing schedule would have cut.
        Assert.That(rows[^1].PdeSteps, Is.LessThan(rows.Count / 2));

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

    // output.diagnosticsRows = 0 records nothing, and the rows change nothing else the run records: the PDE takes the
    // same steps with or without them (side steps, no landing) and the particles' steps do not depend on the schedule,
    // so every output record is the same bit for bit, for the finite-volume solver (d = 1 and d = 2) and the spectral one.
    [TestCase(RunKind.Run)]
    [TestCase(RunKind.Solve, "problem:data:x:0:0", "1", "problem:data:x:0:1", "0", "problem:data:x:1:0", "0", "problem:data:x:1:1", "1",
        "problem:data:x:2:0", "0.6", "problem:data:x:2:1", "0.8", "problem:data:x:3:0", "-0.6", "problem:data:x:3:1", "0.8",
        "problem:data:y:0", "0.2", "problem:data:y:1", "0.6", "problem:data:y:2", "-0.3", "problem:data:y:3", "0.4", "grid:cells", "14", "output:w2Seconds", "0")]
    [TestCase(RunKind.Solve, "time:stepper", "implicitfeedback")]
    [TestCase(RunKind.Solve, "solver:kind", "spectral")]
    public void DiagnosticsChangeNoOtherRecord(RunKind kind, params string[] pairs)
    {
        var extra = Enumerable.Range(0, pairs.Length / 2).Select(i => (pairs[2 * i], pairs[2 * i + 1])).ToArray();
        var (with, without) = (Run(40, kind, extra), Run(0, kind, extra));
        Assert.That(without.Diagnostics, Is.Null);
        Assert.That(with.Diagnostics, Has.Count.EqualTo(41));
        Assert.That(with.Pde!, Has.Count.EqualTo(without.Pde!.Count));
        for (int k = 0; k < with.Pde.Count; k++)
        {
            var (a, b) = (with.Pde[k], without.Pde[k]);
            Assert.That((a.Time, a.Steps, a.Diagnostics.Loss, a.Diagnostics.FreeEnergy, a.Diagnostics.KlP0, a.Diagnostics.Chi2P0, a.W2P0.Value),
                Is.EqualTo((b.Time, b.Steps, b.Diagnostics.Loss, b.Diagnostics.FreeEnergy, b.Diagnostics.KlP0, b.Diagnostics.Chi2P0, b.W2P0.Value)), $"pde record {k}");
            Assert.That(a.Diagnostics.Residuals, Is.EqualTo(b.Diagnostics.Residuals), $"pde residuals {k}");
            Assert.That(a.Density, Is.EqualTo(b.Density), $"pde density {k}");
            if (with.Particles is not null) Assert.That(with.Particles[k].Residuals, Is.EqualTo(without.Particles![k].Residuals), $"particles record {k}");
        }
    }
}
