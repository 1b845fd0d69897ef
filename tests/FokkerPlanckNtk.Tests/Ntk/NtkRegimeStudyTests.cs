using FokkerPlanckNtk.Studies;

namespace FokkerPlanckNtk.Tests.Ntk;

public class NtkRegimeStudyTests
{
    // The slope fit is exact on power laws (least squares through exact points).
    [Test]
    public void LogLogSlopeIsExactOnPowerLaws()
    {
        double[] x = [1, 2, 4, 8, 16];
        Assert.That(NtkRegimeStudy.LogLogSlope(x, x.Select(v => 3 * Math.Pow(v, -1.5)).ToArray()), Is.EqualTo(-1.5).Within(1e-14));
    }

    // The quick study (spectral bases 24x12 / 48x20, every other α, 50 comparison times): the lazy-regime
    // scalings of the full study (gap −2.00, KL −2.00, W2 −1.00 over α ≥ 8, validation/ntk-regime) hold to
    // ±0.05 already on these bases, every gap is resolved to 1%, and Lemma 5.1 holds along every run.
    [Test, Category("Slow")]
    public void QuickStudyShowsTheLazyRegimeScaling()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fpntk-ntk-regime-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var study = new NtkRegimeStudy();
            var rows = study.Rows(quick: true, _ => { });
            var slopes = NtkRegimeStudy.Fit(rows);
            Assert.That(slopes.Gap, Is.EqualTo(-2).Within(0.05));
            Assert.That(slopes.Kl, Is.EqualTo(-2).Within(0.05));
            Assert.That(slopes.W2, Is.EqualTo(-1).Within(0.05));
            Assert.That(rows.All(r => r.GapResolved), Is.True);
            Assert.That(rows.Min(r => r.Fine.MinLambdaRatio), Is.GreaterThanOrEqualTo(0.5));
            var result = study.Run(new StudyOptions(dir, Quick: true, _ => { }));
            Assert.That(File.Exists(Path.Combine(dir, "ntk-regime.csv")), Is.True);
            Assert.That(result.Markdown, Does.Contain("NECESSARY"));
            Assert.That(result.Markdown, Does.Not.Contain("NaN"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
