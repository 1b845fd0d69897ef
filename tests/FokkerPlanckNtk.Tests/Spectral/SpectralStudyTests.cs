using FokkerPlanckNtk.Studies;

namespace FokkerPlanckNtk.Tests.Spectral;

public class SpectralStudyTests
{
    // The quick theorem study (bases 16²×8 / 24²×12, α = 1, 4, …, 1024; minutes): the measured loss rate is the
    // NTK rate, twice the theorem's 2α²λ0² (to ±2.5%, measured 1.99–2.00 for α ≥ 64); the runs end at the
    // stationary solver's floor (relative 1e-3: the quick bases' accuracy); the floor falls like α⁻⁴ and sup KL
    // like α⁻² (slopes measured −3.96 and −1.97 over α ≥ 16); Lemma 5.1 and the stated KL bound hold.
    [Test, Category("Slow")]
    public void QuickTheoremStudy()
    {
        var rows = new TheoremStudy().Rows(quick: true, _ => { });
        foreach (var r in rows.Where(r => r.Alpha >= 64))
            Assert.That(r.DecayRate / r.TheoremRate, Is.EqualTo(2).Within(0.05), $"α = {r.Alpha}");
        foreach (var r in rows)
        {
            Assert.That(r.Stationary.Converged, Is.True);
            Assert.That(r.Fine.FinalLoss, Is.EqualTo(r.Stationary.Loss).Within(1e-3 * r.Stationary.Loss), $"α = {r.Alpha}");
            Assert.That(r.Fine.SupKl, Is.LessThanOrEqualTo(r.Bounds.KlBound));
            Assert.That(r.Fine.MinLambdaRatio, Is.GreaterThanOrEqualTo(0.5));
        }
        var large = rows.Where(r => r.Alpha >= 16).ToList();
        var a = large.Select(r => r.Alpha).ToList();
        Assert.That(NtkRegimeStudy.LogLogSlope(a, large.Select(r => r.Stationary.Loss).ToList()), Is.InRange(-4.1, -3.8));
        Assert.That(NtkRegimeStudy.LogLogSlope(a, large.Select(r => r.Fine.SupKl).ToList()), Is.InRange(-2.1, -1.9));
    }

    // At large α the floor of the theorem's problem is kernel ridge regression with the random-features kernel
    // E_p0[σσ] and ridge nλ/(2α²) (TheoremStudy.RidgeRegressionFloor), an independent closed form for the stationary
    // solver. The relative correction is O(α⁻²): measured (1 − L(p*)/ridge)·α² = 31, 38, 40, 40, 40, 40, 40 at α = 16 … 1024, so
    // the tolerance is 100/α² (2.5× the measured constant).
    [TestCase(256.0), TestCase(1024.0)]
    public void TheoremFloorIsRidgeRegressionAtLargeAlpha(double alpha)
    {
        var problem = TheoremStudy.ProblemFor(alpha);
        var stationary = new FokkerPlanckNtk.Stationary.StationarySolver(problem).Solve();
        Assert.That(stationary.Converged, Is.True);
        Assert.That(stationary.Loss / TheoremStudy.RidgeRegressionFloor(problem), Is.EqualTo(1).Within(100 / (alpha * alpha)));
    }

    // The quick accuracy study end to end (its tables are validation/spectral; the acceptance numbers are asserted
    // in SpectralSolverTests and below on its output).
    [Test, Category("Slow")]
    public void QuickAccuracyStudy()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fpntk-spectral-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var result = new SpectralAccuracyStudy().Run(new StudyOptions(dir, Quick: true, _ => { }));
            Assert.That(result.Markdown, Does.Contain("within the FV refinement estimate at every output time: yes"));
            Assert.That(result.Markdown, Does.Not.Contain("NaN"));
            var lines = File.ReadAllLines(Path.Combine(dir, "spectral.csv")).Skip(1).Select(l => l.Split(',')).ToList();
            double Value(string[] f) => double.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture);
            // Linear activation, d = 1 and 2, against the moment ODE: within 1e-10 at t = 0.5, 1, 5.
            Assert.That(lines.Where(f => f[0] == "linear").Select(Value), Has.All.LessThan(1e-10));
            // α = 0 within 1e-12 of the diagonal OU flow.
            Assert.That(lines.Where(f => f[0] == "ou").Select(Value), Has.All.LessThan(1e-12));
            // Exponential decay with the basis (linear activation, L²(p0) error of the density at time tolerance τ = 1e-12):
            // every step of K gains at least a factor 5 until the time integration's error floor (measured 5.7e-13 = 0.57τ;
            // 1e-11 = 10τ leaves the floor a factor 17).
            const double tau = 1e-12;
            var basis = lines.Where(f => f[0] == "basis-linear").Select(Value).ToList();
            for (int i = 1; i < basis.Count; i++) Assert.That(basis[i], Is.LessThan(basis[i - 1] / 5).Or.LessThan(10 * tau));
            // The residual rows beside them (7.55e-13 for every K) are the time integrator's global error, not the basis,
            // the reference or round-off: the Galerkin system of the linear activation is triangular in the total degree,
            // so r does not depend on K ≥ 3 (spread measured 2e-15 over K = 8..48); the moment-ODE reference (DOPRI5,
            // rtol 1e-13) is within 8e-15 of rtol 1e-14; and the error is proportional to τ: 0.73τ, 0.74τ, 0.76τ, 0.84τ at
            // τ = 1e-10, 1e-11, 1e-12, 1e-13 (SpectralSolverTests.GlobalErrorIsProportionalToTheTolerance). Limits: 2τ
            // (a factor 2.6 over the measured 0.76τ), spread 0.1τ.
            var residual = lines.Where(f => f[0] == "basis-linear-residual").Select(Value).ToList();
            Assert.That(residual, Has.All.LessThan(2 * tau));
            Assert.That(residual.Max() - residual.Min(), Is.LessThan(0.1 * tau));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
