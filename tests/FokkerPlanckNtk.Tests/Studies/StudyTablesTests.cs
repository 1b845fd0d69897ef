using System.Diagnostics;
using System.Globalization;
using System.Text;
using FokkerPlanckNtk.Studies;

namespace FokkerPlanckNtk.Tests.Studies;

public class StudyTablesTests
{
    // The study tables are read back by tests and scripts as invariant-culture CSV: the numbers must not follow the
    // thread's culture (here one with a decimal comma, as de-DE; the tests run in globalization-invariant mode, so it is
    // built by hand), R round-trips doubles, missing values stay empty, every line ends in '\n'.
    [Test]
    public void CsvIsInvariantWithOneLinePerRow()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            CultureInfo.CurrentCulture = comma;
            Assert.That(0.5.ToString(), Is.EqualTo("0,5"));
            (double X, int? N)[] rows = [(0.1 + 0.2, 3), (-1e-300, null)];
            string csv = StudyTables.Csv("x,n", rows, r => $"{r.X:R},{r.N}");
            Assert.That(csv, Is.EqualTo("x,n\n0.30000000000000004,3\n-1E-300,\n"));
            Assert.That(double.Parse(csv.Split('\n')[1].Split(',')[0], CultureInfo.InvariantCulture), Is.EqualTo(0.1 + 0.2));
        }
        finally { CultureInfo.CurrentCulture = saved; }
    }

    // The Markdown ends with the wall-time line, and the file holds exactly the returned text.
    [Test]
    public void MarkdownEndsWithTheWallTimeAndIsWritten()
    {
        string path = Path.Combine(Path.GetTempPath(), "fpntk-tables-" + Guid.NewGuid().ToString("N") + ".md");
        try
        {
            var md = new StringBuilder("# Title").AppendLine();
            string text = StudyTables.WriteMarkdown(path, md, new Stopwatch());
            Assert.That(text, Is.EqualTo("# Title" + Environment.NewLine + Environment.NewLine + "Wall time of the study: 0 s." + Environment.NewLine));
            Assert.That(File.ReadAllText(path), Is.EqualTo(text));
        }
        finally { File.Delete(path); }
    }

    // The lazy-regime studies share one α list: powers of two 1..1024, quick every other one.
    [Test]
    public void AlphasArePowersOfTwo()
    {
        Assert.That(NtkRegimeStudy.Alphas(quick: false), Is.EqualTo(Enumerable.Range(0, 11).Select(k => Math.Pow(2, k))));
        Assert.That(NtkRegimeStudy.Alphas(quick: true), Is.EqualTo(new double[] { 1, 4, 16, 64, 256, 1024 }));
    }
}
