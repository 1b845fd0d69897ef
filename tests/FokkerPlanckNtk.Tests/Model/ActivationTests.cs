using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Tests.Model;

public class ActivationTests
{
    // Closed forms of Assumption 4.2 for tanh: sup|σ| = 1, sup|σ'| = 1, sup|σ''| = 4/(3√3),
    // sup|σ'''| = 2 (at 0). The numerical sup is refined by golden section to ~1e-12.
    [Test]
    public void TanhConstantsMatchClosedForms()
    {
        var g = Activation.Tanh.Constants;
        Assert.That(g.G1, Is.EqualTo(1).Within(1e-12));
        Assert.That(g.G2, Is.EqualTo(1).Within(1e-12));
        Assert.That(g.G3, Is.EqualTo(4 / (3 * Math.Sqrt(3))).Within(1e-12));
        Assert.That(g.G5, Is.EqualTo(2).Within(1e-12));
    }

    // Derivatives against central differences (error O(h²) with h = 1e-4: ~1e-8).
    [TestCase("tanh"), TestCase("sigmoid"), TestCase("erf"), TestCase("linear")]
    public void DerivativesMatchFiniteDifferences(string name)
    {
        var a = Activation.FromName(name);
        const double h = 1e-4;
        foreach (double s in new[] { -2.3, -0.4, 0.0, 0.7, 1.9 })
        {
            Assert.That(a.D1(s), Is.EqualTo((a.Value(s + h) - a.Value(s - h)) / (2 * h)).Within(1e-7));
            Assert.That(a.D2(s), Is.EqualTo((a.D1(s + h) - a.D1(s - h)) / (2 * h)).Within(1e-7));
            Assert.That(a.D3(s), Is.EqualTo((a.D2(s + h) - a.D2(s - h)) / (2 * h)).Within(1e-7));
        }
    }

    [Test]
    public void VectorKernelsMatchScalar()
    {
        var s = Enumerable.Range(0, 37).Select(i => -9 + 0.5 * i).ToArray();
        var v = new double[s.Length];
        var d = new double[s.Length];
        foreach (var a in new[] { Activation.Tanh, Activation.Sigmoid, Activation.Erf, Activation.Linear })
        {
            a.Value(s, v);
            a.D1(s, d);
            for (int i = 0; i < s.Length; i++)
            {
                Assert.That(v[i], Is.EqualTo(a.Value(s[i])).Within(4e-16 * (1 + Math.Abs(s[i]))), a.Name);
                Assert.That(d[i], Is.EqualTo(a.D1(s[i])).Within(1e-15), a.Name);
            }
        }
    }

    [Test]
    public void UnknownActivationNamesTheKey()
    {
        var e = Assert.Throws<InputException>(() => Activation.FromName("relu"));
        Assert.That(e!.Message, Does.Contain("problem.activation").And.Contain("relu"));
    }
}
