using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Ntk;

namespace FokkerPlanckNtk.Tests.Ntk;

public class TheoremBoundsTests
{
    // Hand evaluation of DESIGN.md §3.5 for tanh (G = G5 = 2), d = 1, n = 4, α = 10, λ = 0.1 and a kernel with
    // Λ = 0.04 (so λ0 = 0.1): A1 = 2G(d+1) + 4G√2 = 8 + 8√2, A2 = 16G√2 + 4G = 32√2 + 8,
    // loss floor 2A1²λ²/(α²λ0⁴), KL bound (4A2² + 4A1²λ)/(α²λ0⁴), α_nec = 8√(A2² + λA1²)/(λ0²√2).
    [Test]
    public void QuantitiesMatchHandEvaluation()
    {
        var p = Problem.Default.With(alpha: 10);
        var h = new GramMatrix(new double[,] { { 0.04, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 2, 0 }, { 0, 0, 0, 3 } }, "test");
        var b = new TheoremBounds(p, h);
        double a1 = 8 + 8 * Math.Sqrt(2), a2 = 32 * Math.Sqrt(2) + 8, l4 = 1e-4;
        Assert.That(b.Lambda, Is.EqualTo(0.04).Within(1e-16));
        Assert.That(b.Lambda0, Is.EqualTo(0.1).Within(1e-16));
        Assert.That(b.G, Is.EqualTo(2).Within(1e-12));
        Assert.That(b.A1, Is.EqualTo(a1).Within(1e-11));
        Assert.That(b.A2, Is.EqualTo(a2).Within(1e-11));
        Assert.That(b.LossFloor, Is.EqualTo(2 * a1 * a1 * 0.01 / (100 * l4)).Within(1e-9));
        Assert.That(b.KlBound, Is.EqualTo((4 * a2 * a2 + 4 * a1 * a1 * 0.1) / (100 * l4)).Within(1e-7));
        Assert.That(b.W2Bound, Is.EqualTo(Math.Sqrt(2 * b.KlBound)).Within(1e-12));
        Assert.That(b.AlphaNecessary, Is.EqualTo(8 * Math.Sqrt(a2 * a2 + 0.1 * a1 * a1) / (0.01 * Math.Sqrt(2))).Within(1e-7));
        Assert.That(b.AlphaConditionNotExcluded, Is.False);
        // The rate of the loss bound: 2 exp(−2α²λ0² t) + floor.
        Assert.That(b.LossBound(0.3), Is.EqualTo(2 * Math.Exp(-2 * 100 * 0.01 * 0.3) + b.LossFloor).Within(1e-9));
        Assert.That(b.Notes, Is.Empty);
        string text = b.Summary();
        Assert.That(text, Does.Contain("NECESSARY, not sufficient"));
        Assert.That(text, Does.Contain("R = √(d+1)"));
    }

    // Lemma 5.1 and Talagrand as checks on measured numbers.
    [Test]
    public void ChecksCompareMeasuredValuesWithTheStatements()
    {
        var h = new GramMatrix(new double[,] { { 0.04, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 2, 0 }, { 0, 0, 0, 3 } }, "test");
        var b = new TheoremBounds(Problem.Default.With(alpha: 10), h);
        var ok = b.Check(1.0, loss: 0.01, kl: 0.5, lambdaMinH: 0.03, w2: 0.9);
        Assert.That(ok.LossWithinBound && ok.KlWithinBound, Is.True);
        // Lemma 5.1: 0.03 ≥ 0.04/2.
        Assert.That(ok.Lemma51Holds, Is.True);
        Assert.That(ok.TalagrandBound, Is.EqualTo(1.0).Within(1e-15));
        // Talagrand: 0.9 ≤ √(2·0.5).
        Assert.That(ok.TalagrandHolds, Is.True);
        var bad = b.Check(1.0, loss: 0.01, kl: 0.5, lambdaMinH: 0.019, w2: 1.1);
        Assert.That(bad.Lemma51Holds, Is.False);
        Assert.That(bad.TalagrandHolds, Is.False);
        var none = b.Check(1.0, 0.01, 0.5);
        Assert.That(none.Lemma51Holds, Is.Null);
        Assert.That(none.TalagrandHolds, Is.Null);
    }

    // Linear σ violates Assumption 4.2 (G = ∞) and its H(p0) = 2xxᵀ is singular for n > d: every bound is +∞
    // (never NaN) and the notes say why.
    [Test]
    public void UnboundedActivationGivesInfiniteBoundsWithNotes()
    {
        var p = Problem.Default.With(activation: Activation.Linear);
        var b = new TheoremBounds(p, GramMatrix.AtReference(p));
        Assert.That(double.IsPositiveInfinity(b.KlBound) && double.IsPositiveInfinity(b.LossFloor) && double.IsPositiveInfinity(b.AlphaNecessary), Is.True);
        Assert.That(double.IsNaN(b.LossBound(1)), Is.False);
        Assert.That(b.Notes.Any(n => n.Contains("unbounded")), Is.True);
        Assert.That(b.Notes.Any(n => n.Contains("Assumption 4.3")), Is.True);
    }
}
