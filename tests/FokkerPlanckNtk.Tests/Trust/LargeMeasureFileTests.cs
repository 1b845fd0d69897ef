using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Tests.Trust;

/// <summary><c>fpntk w2</c> on files the user writes: a 10⁵-row uniform CSV against a one-atom CSV (defect 1).</summary>
public class LargeMeasureFileTests
{
    // W2² between m uniform atoms x_i and δ_a is the mean of (x_i − a)²: here x_i = i/m, a = 0.5.
    [Test]
    public void HundredThousandRowsAgainstOneAtom()
    {
        string dir = Directory.CreateTempSubdirectory("fpntk-mass-").FullName;
        try
        {
            int m = 100_000;
            var text = new System.Text.StringBuilder("x1\n");
            double expected = 0;
            for (int i = 0; i < m; i++)
            {
                double x = (double)i / m;
                text.Append(x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
                expected += (x - 0.5) * (x - 0.5) / m;
            }
            File.WriteAllText(Path.Combine(dir, "many.csv"), text.ToString());
            File.WriteAllText(Path.Combine(dir, "one.csv"), "x1\n0.5\n");
            var report = MeasureFiles.Compare(Path.Combine(dir, "many.csv"), Path.Combine(dir, "one.csv"));
            // Both sides of the comparison are sums of m terms: agreement to ~m·u relative.
            Assert.That(report.W2Squared, Is.EqualTo(expected).Within(1e-10 * expected));
        }
        finally { Directory.Delete(dir, true); }
    }
}
