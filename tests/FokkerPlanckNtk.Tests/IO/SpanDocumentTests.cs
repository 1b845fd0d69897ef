using System.Text.Json;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Tests.Model;

namespace FokkerPlanckNtk.Tests.IO;

public class SpanDocumentTests
{
    // span.json holds the basis in round-trip form: read back, every entry is bit-identical, and ζ = Bᵀx_i computed from
    // the file reproduces the reduced inputs exactly.
    [Test]
    public void BasisRoundTripsExactly()
    {
        var q = SpanProblems.Rotation(10, seed: 3);
        var data = SpanProblems.Data(q, [[0.6, 0.2], [-0.3, 0.7], [0.5, 0.5]], [0.4, -0.3, 0.6]);
        var reduction = new ReducedProblem(new Problem(Activation.Tanh, 1, 0.1, data, ReductionTests.NonStandardFactorized(q, 2)));
        using var doc = JsonDocument.Parse(SpanDocument.ToJson(reduction));
        var root = doc.RootElement;
        Assert.That(root.GetProperty("ambientDimension").GetInt32(), Is.EqualTo(10));
        Assert.That(root.GetProperty("dimension").GetInt32(), Is.EqualTo(2));
        var basis = root.GetProperty("basis").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        Assert.That(basis, Has.Length.EqualTo(2));
        for (int a = 0; a < 2; a++) Assert.That(basis[a], Is.EqualTo(reduction.Span.BasisVector(a).ToArray()));
        for (int i = 0; i < 3; i++)
            for (int a = 0; a < 2; a++)
            {
                double z = 0;
                for (int k = 0; k < 10; k++) z += basis[a][k] * data.X(i)[k];
                Assert.That(z, Is.EqualTo(reduction.Reduced.Data.X(i)[a]));
            }
        var perp = root.GetProperty("orthogonal");
        Assert.That(perp.GetProperty("dimension").GetInt32(), Is.EqualTo(8));
        Assert.That(perp.GetProperty("standard").GetBoolean(), Is.False);
        Assert.That(perp.GetProperty("initialEigenvalues").EnumerateArray().Select(v => v.GetDouble()), Is.EqualTo(reduction.Orthogonal.InitialEigenvalues));
    }
}
