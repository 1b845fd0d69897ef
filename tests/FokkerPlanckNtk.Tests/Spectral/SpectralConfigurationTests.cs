using FokkerPlanckNtk.Configuration;

namespace FokkerPlanckNtk.Tests.Spectral;

public class SpectralConfigurationTests
{
    private static RunConfiguration Read(params (string Key, string Value)[] values) =>
        RunConfiguration.Read(new ConfigurationTree(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))));

    [Test]
    public void DefaultsAndRoundTrip()
    {
        var fv = Read();
        Assert.That(fv.Solver.Kind, Is.EqualTo("finiteVolume"));
        Assert.That(fv.Time.Tolerance, Is.Null); // each solver's own default
        var spectral = Read(("solver:kind", "Spectral"), ("solver:basis:0", "48"), ("solver:basis:1", "20"), ("time:tolerance", "1e-10"));
        Assert.That(spectral.Solver.Kind, Is.EqualTo("spectral"));
        Assert.That(spectral.Solver.Basis, Is.EqualTo(new[] { 48, 20 }));
        Assert.That(spectral.Time.Tolerance, Is.EqualTo(1e-10));
        var again = RunConfiguration.Read(new ConfigurationTree(JsonFlattener.Flatten(spectral.ToJson())));
        Assert.That(again, Is.EqualTo(spectral));
        Assert.That(Read(("solver:kind", "spectral")).Solver.Basis, Is.EqualTo(new[] { 64, 24 }));
        Assert.That(Read(("solver:kind", "spectral"), ("solver:basis", "32")).Solver.Basis, Is.EqualTo(new[] { 32, 32 }));
    }

    [TestCase("solver:kind", "chebyshev", "solver.kind")]
    [TestCase("time:tolerance", "0", "time.tolerance")]
    [TestCase("time:tolerance", "-1e-9", "time.tolerance")]
    public void BadValuesNameTheKey(string key, string value, string expected)
    {
        var e = Assert.Throws<InputException>(() => Read((key, value)));
        Assert.That(e!.Key, Is.EqualTo(expected));
    }

    [Test]
    public void BasisNeedsTheSpectralSolverAndOneValuePerAxis()
    {
        var e = Assert.Throws<InputException>(() => Read(("solver:basis", "32")));
        Assert.That(e!.Key, Is.EqualTo("solver.basis"));
        e = Assert.Throws<InputException>(() => Read(("solver:kind", "spectral"), ("solver:basis:0", "32"), ("solver:basis:1", "16"), ("solver:basis:2", "8")));
        Assert.That(e!.Key, Is.EqualTo("solver.basis"));
        e = Assert.Throws<InputException>(() => Read(("solver:kind", "spectral"), ("solver:basis:0", "32"), ("solver:basis:1", "1")));
        Assert.That(e!.Key, Is.EqualTo("solver.basis[1]"));
    }
}
