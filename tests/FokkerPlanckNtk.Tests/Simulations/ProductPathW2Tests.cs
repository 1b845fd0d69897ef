using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Metrics.SemiDiscrete;
using FokkerPlanckNtk.Runs;

namespace FokkerPlanckNtk.Tests.Simulations;

/// <summary>
/// Issue 11: the W2(p_t, p0) of `fpntk solve --problem:alpha=1024` (the product path at large α, where on 128² the grid–grid
/// solves crawled for minutes per output time) is bounded by output.w2Seconds through the deterministic work cap, and every
/// W2 the run records is a number or a labelled certified bracket. 32² to t = 0.2 so that it runs in seconds; the solves
/// and the cap are those of the 128² run (the hierarchy 32 → 16 → 8).
/// </summary>
public class ProductPathW2Tests
{
    private static RunResults Solve(double? w2Seconds)
    {
        var keys = new Dictionary<string, string?>
        {
            ["problem:alpha"] = "1024", ["grid:cells"] = "32", ["time:end"] = "0.2", ["time:outputTimes:0"] = "0.1",
            ["output:diagnosticsRows"] = "0",
        };
        if (w2Seconds is double s) keys["output:w2Seconds"] = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return RunSession.InMemory(RunConfiguration.Read(new ConfigurationTree(keys)), RunKind.Solve).Execute();
    }

    // Default budget: the method of the densities, uncapped (at 32² its error estimate is ~15 % of the value at t = 0.1, so
    // the file shows that bracket: the grid's accuracy, not the cap's). A budget of 1 ms (a work cap of ~170 cell evaluations × cells,
    // below one evaluation of the 32² level): every W2 after t = 0 is the certified bracket of the stopped solves, labelled by
    // its method, written as a bracket (no number), and it holds the converged value within that value's error estimate.
    // At t = 0, p = p0 bitwise: W2 = 0 from the starts (no Newton step needed), a number either way.
    [Test]
    public void EveryW2OfTheRunIsANumberOrALabelledBracket()
    {
        var full = Solve(null).Pde!;
        var capped = Solve(1e-3).Pde!;
        Assert.That(capped, Has.Count.EqualTo(full.Count));
        for (int k = 0; k < full.Count; k++)
        {
            var (f, c) = (full[k].W2P0, capped[k].W2P0);
            TestContext.Out.WriteLine($"t = {full[k].Time}: default {f.Value:G6} ± {f.ErrorBound:G2} ({f.Method}); 1 ms [{c.Lower:G6}, {c.Upper:G6}] ({c.Method})");
            Assert.That(f.Method, Is.EqualTo(GridTransport.Method), "the default budget holds these solves");
            Assert.That(double.IsFinite(f.Lower) && double.IsFinite(f.Upper) && f.Lower <= f.Value && f.Value <= f.Upper, Is.True);
            if (k == 0)
            {
                Assert.That(c.Value, Is.EqualTo(0).Within(1e-8));
                continue;
            }
            Assert.That(c.Method, Is.EqualTo(GridTransport.CappedMethod));
            Assert.That(c.IsNumber, Is.False, "a capped W2 is written as its bracket");
            Assert.That(c.Shown, Is.NaN);
            Assert.That(f.Value, Is.InRange(c.Lower - f.ErrorBound, c.Upper + f.ErrorBound));
        }
    }
}
