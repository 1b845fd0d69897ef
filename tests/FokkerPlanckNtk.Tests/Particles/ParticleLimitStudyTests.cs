using FokkerPlanckNtk.Studies;

namespace FokkerPlanckNtk.Tests.Particles;

public class ParticleLimitStudyTests
{
    // Quick settings (m = 10^2..10^4, 32 seeds, η = 0.002). Each RMS error estimates a standard deviation from
    // 32 seeds (the 4 residuals are strongly correlated, so they add little): ~13% relative noise (1/√(2·31)),
    // hence a slope standard error ~0.036 over two decades (divided by sqrt(Σ(ln m − mean)²) = 3.6). The η-bias
    // at η = 0.002 (~7e-4 by the η-scan's fit) is under a quarter of the fluctuation at m = 10^4, flattening the
    // slope by < 0.02. The acceptance window [−0.6, −0.4] is thus ~±3 standard errors around −0.5.
    [Test]
    public void QuickStudyShowsTheInverseSquareRootLaw()
    {
        var dir = Directory.CreateTempSubdirectory("particle-limit-");
        try
        {
            var log = new List<string>();
            var measured = ParticleLimitStudy.Measure(ParticleLimitStudy.Settings.Quick, log.Add);
            var result = ParticleLimitStudy.Write(measured, new StudyOptions(dir.FullName, Quick: true, log.Add));
            TestContext.Out.WriteLine(result.Markdown);
            Assert.That(measured.Fits[0].Slope, Is.InRange(-0.6, -0.4), result.Markdown);
            Assert.That(File.Exists(Path.Combine(dir.FullName, "particle-limit-m.csv")), Is.True);
            Assert.That(result.Series, Is.Not.Empty);
        }
        finally { dir.Delete(recursive: true); }
    }

    // The committed table of validation/particle-limit/README.md (about a minute on an idle machine with two cores).
    [Test, Explicit("writes the full study into the test's work directory")]
    public void FullStudy()
    {
        var dir = Directory.CreateDirectory(Path.Combine(TestContext.CurrentContext.WorkDirectory, "particle-limit"));
        var result = new ParticleLimitStudy().Run(new StudyOptions(dir.FullName, Quick: false, TestContext.Out.WriteLine));
        TestContext.Out.WriteLine(result.Markdown);
        TestContext.Out.WriteLine($"written to {dir.FullName}");
    }
}
