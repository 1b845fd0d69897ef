using System.Text.RegularExpressions;

namespace FokkerPlanckNtk.Tests.Trust;

/// <summary>
/// Issue 9, defect 8: the product's docs stand alone. Sources, docs/ and the README never point to the design notes
/// a user of the repository does not have (DESIGN.md, INTERFACE.md, ../shared); what users need is in docs/.
/// </summary>
public class DocsStandAloneTests
{
    [Test]
    public void NoReferenceToFilesOutsideTheRepository()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FokkerPlanckNtk.sln"))) root = root.Parent;
        Assume.That(root, Is.Not.Null, "run from inside the repository");
        var files = new[] { "src", "docs" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root!.FullName, d), "*", SearchOption.AllDirectories))
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".md", StringComparison.Ordinal))
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Append(Path.Combine(root!.FullName, "README.md"));
        var pattern = new Regex(@"DESIGN\.md|INTERFACE\.md|\.\./shared");
        var offending = files.Where(f => pattern.IsMatch(File.ReadAllText(f))).Select(f => Path.GetRelativePath(root.FullName, f)).ToList();
        Assert.That(offending, Is.Empty);
    }
}
