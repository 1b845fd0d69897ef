using FokkerPlanckNtk.Cli;

namespace FokkerPlanckNtk.Tests.Spectral;

/// <summary>
/// The spectral solver's bad inputs through the product's command line (in process): exit code 2, one line on
/// standard error that names the key and its value, no stack trace, nothing on standard output, no results file.
/// </summary>
public class SpectralBadInputTests
{
    private static readonly string[] Gaussian = ["--problem:initial:kind=gaussian", "--problem:initial:covariance:0:0=1",
        "--problem:initial:covariance:0:1=0", "--problem:initial:covariance:1:0=0", "--problem:initial:covariance:1:1=1"];

    private static TestCaseData Case(string named, params string[] args) =>
        new(named, args) { TestName = "{m}(" + string.Join(" ", args) + ")" };

    public static IEnumerable<TestCaseData> Cases()
    {
        yield return Case("solver.kind = chebyshev: unknown solver kind", "solve", "--solver:kind=chebyshev");
        yield return Case("time.tolerance = 0: must be a finite positive number", "solve", "--solver:kind=spectral", "--time:tolerance=0");
        yield return Case("time.tolerance = -1E-09: must be a finite positive number", "run", "--solver:kind=spectral", "--time:tolerance=-1e-9");
        yield return Case("time.tolerance = 0: must be a finite positive number", "reference", "--solver:kind=spectral", "--time:tolerance=0");
        // NaN is refused where numbers are read, before the tolerance rule.
        yield return Case("time.tolerance = NaN: must be a finite number", "solve", "--solver:kind=spectral", "--time:tolerance=NaN");
        // The same key and rule for the finite-volume solver's implicit-feedback stepper (one key, read once).
        yield return Case("time.tolerance = 0: must be a finite positive number", "solve", "--time:stepper=implicitFeedback", "--time:tolerance=0");
        yield return Case("solver.kind = chebyshev: unknown solver kind", "run", "--solver:kind=chebyshev");
        yield return Case("solver.kind = chebyshev: unknown solver kind", "reference", "--solver:kind=chebyshev");
        yield return Case("solver.basis[1] = 1", "solve", "--solver:kind=spectral", "--solver:basis:0=32", "--solver:basis:1=1");
        yield return Case("solver.basis = 32,16: applies only to solver.kind = spectral", "solve", "--solver:basis:0=32", "--solver:basis:1=16");
        // N(μ, I) with μ_θ = 1: its θ-coefficients are μ^k/√k!, so 12 modes leave an L²(p0) error of (e − Σ_{k<12} 1/k!)^½ = 4.8e-5 > 1e-8.
        yield return Case("solver.basis = 12x12: a basis too small for the initial law", ["solve", "--solver:kind=spectral", "--solver:basis=12",
            .. Gaussian, "--problem:initial:mean:0=1", "--problem:initial:mean:1=0"]);
        // N(μ, I) with μ_θ = 5 against the default box ±7: 2.3e-2 of its mass lies outside the written grid.
        yield return Case("grid.halfWidth = 7,7: the box holds the initial law only up to a mass of 0.0228 outside, more than the spectral solver's default 1E-08",
            ["solve", "--solver:kind=spectral", .. Gaussian, "--problem:initial:mean:0=5", "--problem:initial:mean:1=0"]);
        // Variance 2.5 > 2: p/p0 is not in L²(p0) (the box is widened so that it holds the law).
        yield return Case("problem.initial.covariance = largest eigenvalue 2.5", ["solve", "--solver:kind=spectral", "--grid:halfWidth=12", .. Gaussian[..1],
            "--problem:initial:covariance:0:0=2.5", .. Gaussian[2..], "--problem:initial:mean:0=0", "--problem:initial:mean:1=0"]);
    }

    [TestCaseSource(nameof(Cases))]
    public void IsRefusedWithTheKey(string named, string[] args)
    {
        string dir = Path.Combine(Path.GetTempPath(), "fpntk-spectral-bad-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exit, output, error) = Cli.CommandLineTests.Fpntk([.. args, "--output:plots=false", "--out", dir]);
            Assert.That(exit, Is.EqualTo(FpntkCommandLine.InputError), error);
            Assert.That(error, Does.Contain(named));
            Assert.That(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), "one paragraph");
            Assert.That(error, Does.Not.Match(@"(?m)^\s+at \S+\.\S+\(").And.Not.Contain("Exception"), "no stack trace");
            Assert.That(output, Is.Empty);
            if (Directory.Exists(dir))
                Assert.That(Directory.GetFiles(dir, "*.csv", SearchOption.AllDirectories).Concat(Directory.GetFiles(dir, "*.h5", SearchOption.AllDirectories)),
                    Is.Empty, "no results file");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
