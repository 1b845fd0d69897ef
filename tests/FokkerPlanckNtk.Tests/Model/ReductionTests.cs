using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Tests.Particles;
using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Tests.Model;

/// <summary>The span of the data, the reduced problem and the closed-form ⊥ factor (DESIGN.md §1, §3.1).</summary>
public class ReductionTests
{
    private static readonly double[][] Coefficients2 = [[0.6, 0.2], [-0.3, 0.7], [0.5, 0.5]];
    private static readonly double[] Targets3 = [0.4, -0.3, 0.6];

    private static (Matrix<double> Q, DataSet Data) TenDimensional()
    {
        var q = SpanProblems.Rotation(10, seed: 3);
        return (q, SpanProblems.Data(q, Coefficients2, Targets3));
    }

    /// <summary>d = 10, k = 2, a factorized initial law with a non-standard ⊥ part (variances 0.5..1.4).</summary>
    internal static InitialLaw NonStandardFactorized(Matrix<double> q, int k, double perpScale = 1)
    {
        int p = q.RowCount - k;
        var (mean, _) = SpanProblems.PerpPart(p);
        var cov = SpanProblems.Correlated(Enumerable.Range(0, p).Select(j => perpScale * (0.5 + 0.9 * j / Math.Max(1, p - 1))).ToArray(), 0.15);
        double[] meanS = k == 2 ? SpanProblems.MeanS2 : [.. Enumerable.Repeat(0.2, k), -0.3];
        var covS = k == 2 ? SpanProblems.CovS2 : SpanProblems.Correlated(Enumerable.Repeat(0.9, k + 1).ToArray(), 0.2);
        return SpanProblems.Factorized(q, k, meanS, covS, mean, cov);
    }

    // The rank, the basis and the singular values. The singular values are checked against the square roots of
    // the eigenvalues of the Gram matrix XXᵀ (an independent route, accurate to ~ε·σ_max²/σ, so 1e-12·σ_max here);
    // orthonormality and P_S x_i = x_i hold to round-off (a few ε for unit-size vectors: 1e-14).
    [Test]
    public void SpanOfLowRankDataInTenDimensions()
    {
        var (q, data) = TenDimensional();
        var span = DataSpan.Of(data);
        Assert.That(span.DataRank, Is.EqualTo(2));
        Assert.That(span.Dimension, Is.EqualTo(2));
        Assert.That(span.AmbientDimension, Is.EqualTo(10));
        Assert.That(span.MaxDistance, Is.LessThan(1e-14));
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
            {
                double dot = 0;
                for (int i = 0; i < 10; i++) dot += span.BasisVector(a)[i] * span.BasisVector(b)[i];
                Assert.That(dot, Is.EqualTo(a == b ? 1 : 0).Within(1e-14));
            }
        // span(B) = span(q_1, q_2): both q_a are unchanged by P_S.
        for (int a = 0; a < 2; a++)
        {
            var z = new double[2];
            var back = new double[10];
            var qa = q.Column(a).ToArray();
            span.Project(qa, z);
            span.Lift(z, back);
            for (int i = 0; i < 10; i++) Assert.That(back[i], Is.EqualTo(qa[i]).Within(1e-14));
        }
        var x = Matrix<double>.Build.Dense(3, 10, (i, j) => data.X(i)[j]);
        var gram = (x * x.Transpose()).Evd(Symmetricity.Symmetric).EigenValues.Select(v => Math.Sqrt(Math.Max(0, v.Real))).OrderDescending().ToArray();
        for (int j = 0; j < 2; j++) Assert.That(span.SingularValues[j], Is.EqualTo(gram[j]).Within(1e-12 * gram[0]));
        Assert.That(span.SingularValues[2], Is.LessThan(1e-15 * 10 * span.SingularValues[0]));
        // Reduced inputs keep every inner product: x_i·x_j = Bᵀx_i·Bᵀx_j.
        var reduced = span.Reduce(data);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                Assert.That(reduced.Dot(i, j), Is.EqualTo(data.Dot(i, j)).Within(1e-15));
    }

    // A perturbation of 1e-7 off the plane is a third dimension at the default tolerance (1e-10) and is discarded at
    // 1e-5, with a warning that states how far the data lie from S. S is then the best-fitting plane, so the squared
    // distances of the inputs from it sum to σ_3² (Eckart–Young): max distance ∈ [σ_3/√n, σ_3], and σ_3 ≤ 1e-7.
    [Test]
    public void ToleranceDecidesTheRank()
    {
        var (q, _) = TenDimensional();
        var data = SpanProblems.Data(q, [[0.6, 0.2, 0], [-0.3, 0.7, 1e-7], [0.5, 0.5, 0]], Targets3);
        Assert.That(DataSpan.Of(data).DataRank, Is.EqualTo(3));
        var loose = new ReducedProblem(new Problem(Activation.Tanh, 1, 0.1, data), new ReductionOptions(Tolerance: 1e-5));
        Assert.That(loose.Span.DataRank, Is.EqualTo(2));
        double s3 = loose.Span.SingularValues[2];
        Assert.That(s3, Is.LessThanOrEqualTo(1e-7));
        Assert.That(loose.Span.MaxDistance, Is.InRange(s3 / Math.Sqrt(3) * (1 - 1e-6), s3 * (1 + 1e-6)));
        Assert.That(loose.Warnings, Has.Some.Contains("projected onto S"));
        Assert.Throws<InputException>(() => DataSpan.Of(data, 0));
    }

    [Test]
    public void ZeroInputsSpanALine()
    {
        var data = new DataSet([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], [0.1, -0.2]);
        var reduced = new ReducedProblem(new Problem(Activation.Tanh, 1, 0.1, data));
        Assert.That(reduced.Span.DataRank, Is.EqualTo(0));
        Assert.That(reduced.GridDimension, Is.EqualTo(2));
        Assert.That(reduced.Reduced.Dimension, Is.EqualTo(1));
    }

    // k = d = 3: nothing changes in the automatic mode (the same Problem instance, so every output is byte-identical);
    // mode "always" solves in the rotated singular-vector basis.
    [Test]
    public void FullRankDataKeepTheirCoordinatesUnlessAsked()
    {
        var data = new DataSet([[0.3, 0.5, 0.1], [0.5, -0.2, 0.6], [-0.4, 0.1, 0.3]], [0.3, -0.4, 0.2]);
        var problem = new Problem(Activation.Tanh, 2, 0.1, data);
        var auto = new ReducedProblem(problem);
        Assert.That(auto.IsIdentity, Is.True);
        Assert.That(auto.Reduced, Is.SameAs(problem));
        Assert.That(auto.Orthogonal.Dimension, Is.Zero);
        var rotated = new ReducedProblem(problem, new ReductionOptions(ReductionMode.Always));
        Assert.That(rotated.IsIdentity, Is.False);
        Assert.That(rotated.Reduced.Dimension, Is.EqualTo(3));
        Assert.That(rotated.Span.BasisVector(0).ToArray(), Is.Not.EqualTo(new[] { 1.0, 0, 0 }));
        Assert.That(rotated.Reduced.Initial.IsStandard, Is.True);
    }

    [Test]
    public void StandardInitialLawReducesToStandard()
    {
        var (_, data) = TenDimensional();
        var reduced = new ReducedProblem(new Problem(Activation.Tanh, 1, 0.1, data));
        Assert.That(reduced.Reduced.Dimension, Is.EqualTo(2));
        Assert.That(reduced.Reduced.Initial.IsStandard, Is.True);
        Assert.That(reduced.Orthogonal.IsStandard, Is.True);
        Assert.That(reduced.Orthogonal.Dimension, Is.EqualTo(8));
        Assert.That(reduced.Orthogonal.At(3.0).DistancesToStandard(), Is.EqualTo(FactorDistances.Zero));
        Assert.That(reduced.FullDistances(new FactorDistances(0.1, 0.2, 0.3), 1), Is.EqualTo(new FactorDistances(0.1, 0.2, 0.3)));
    }

    [Test]
    public void CouplingCovarianceIsANamedError()
    {
        var (q, data) = TenDimensional();
        var (mean, cov) = SpanProblems.PerpPart(8);
        var law = SpanProblems.Factorized(q, 2, SpanProblems.MeanS2, SpanProblems.CovS2, mean, cov, coupling: 0.1);
        var e = Assert.Throws<InputException>(() => _ = new ReducedProblem(new Problem(Activation.Tanh, 1, 0.1, data, law)))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Key, Does.StartWith("problem.initial.covariance["));
        Assert.That(e.Message, Does.Contain("does not factorize").And.Contain("d + 1 = 11").And.Contain("k = 2 of d = 10"));
    }

    // d = 2 with collinear inputs and a coupling covariance: the automatic mode solves unreduced (as before the
    // reduction existed) and says why; mode "always" refuses.
    [Test]
    public void CouplingInLowDimensionFallsBackToTheFullGrid()
    {
        var data = new DataSet([[0.3, 0.6], [0.1, 0.2]], [0.2, -0.1]);
        var law = InitialLaw.Gaussian([0, 0, 0], new[,] { { 1.0, 0.3, 0 }, { 0.3, 1.0, 0 }, { 0, 0, 1.0 } });
        var problem = new Problem(Activation.Tanh, 1, 0.1, data, law);
        var auto = new ReducedProblem(problem);
        Assert.That(auto.IsIdentity, Is.True);
        Assert.That(auto.Warnings, Has.Some.Contains("not reduced"));
        var e = Assert.Throws<InputException>(() => _ = new ReducedProblem(problem, new ReductionOptions(ReductionMode.Always)))!;
        Assert.That(e.Message, Does.Contain("reduction.mode = never"));
    }

    [Test]
    public void RankAboveThreeIsANamedErrorOnTheGrid()
    {
        var q = SpanProblems.Rotation(10, seed: 5);
        var data = SpanProblems.Data(q, [[0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 0.5], [0.2, 0.2, 0.2, 0.2]], [0.1, 0.2, 0.3, 0.4, 0.5]);
        var reduced = new ReducedProblem(new Problem(Activation.Tanh, 1, 0.1, data));
        Assert.That(reduced.GridDimension, Is.EqualTo(5));
        var e = Assert.Throws<InputException>(() => reduced.RequireGridDimension())!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Key, Is.EqualTo("problem.data.x"));
        Assert.That(e.Message, Does.Contain("n = 5").And.Contain("R^10").And.Contain("k = 4").And.Contain("k + 1 = 5"));
        var never = new ReducedProblem(new Problem(Activation.Tanh, 1, 0.1, TenDimensional().Data), new ReductionOptions(ReductionMode.Never));
        Assert.That(() => never.RequireGridDimension(), Throws.TypeOf<InputException>().With.Message.Contains("d + 1 = 11"));
    }

    [Test]
    public void AssumptionWarningSurvivesTheReduction()
    {
        var q = SpanProblems.Rotation(10, seed: 3);
        var data = SpanProblems.Data(q, [[1.2, 0.9], [-0.3, 0.7], [0.5, 0.5]], Targets3);
        var reduced = new ReducedProblem(new Problem(Activation.Tanh, 1, 0.1, data));
        Assert.That(reduced.Warnings, Has.Some.Contains("‖x_1‖ = 1.5").And.Some.Contains("Assumption 4.1"));
        Assert.That(new FokkerPlanckNtk.Ntk.TheoremBounds(reduced.Full, FokkerPlanckNtk.Ntk.GramMatrix.AtReference(reduced.Reduced)).Notes, Has.Some.Contains("Assumption 4.1"));
    }

    // KL, χ² and W2² of a factorized Gaussian with a non-standard ⊥ part: the composition (reduced Gaussian in
    // k + 1 = 3 dimensions, ⊥ factor in closed form) against the Gaussian closed forms in the full 11 dimensions,
    // at t = 0 and along the Ornstein–Uhlenbeck flow (α = 0, exact). Two routes to the same numbers through
    // different eigen-decompositions: agreement to 1e-10 relative (measured ~1e-14).
    [TestCase(0.0, 1.0), TestCase(0.7, 1.0), TestCase(0.0, 1.8), TestCase(2.5, 1.8)]
    public void DistancesOfAFactorizedGaussianCompose(double t, double perpScale)
    {
        var (q, data) = TenDimensional();
        var problem = new Problem(Activation.Tanh, 0, 0.4, data, NonStandardFactorized(q, 2, perpScale));
        var reduced = new ReducedProblem(problem);
        Assert.That(reduced.Orthogonal.IsStandard, Is.False);
        var full = GaussianMomentOde.OrnsteinUhlenbeck(problem.Initial, problem.Lambda, t);
        var fullP0 = GaussianLaw.Standard(11);
        var part = GaussianMomentOde.OrnsteinUhlenbeck(reduced.Reduced.Initial, problem.Lambda, t);
        var partP0 = GaussianLaw.Standard(3);
        var composed = reduced.FullDistances(
            new FactorDistances(GaussianDistances.KullbackLeibler(part, partP0), GaussianDistances.ChiSquared(part, partP0), GaussianDistances.W2Squared(part, partP0)), t);
        double kl = GaussianDistances.KullbackLeibler(full, fullP0), chi2 = GaussianDistances.ChiSquared(full, fullP0), w2 = GaussianDistances.W2Squared(full, fullP0);
        TestContext.Out.WriteLine($"t={t}: KL {kl:R} vs {composed.Kl:R}; chi2 {chi2:R} vs {composed.Chi2:R}; W2² {w2:R} vs {composed.W2Squared:R}");
        Assert.That(composed.Kl, Is.EqualTo(kl).Within(1e-10 * kl));
        Assert.That(composed.W2Squared, Is.EqualTo(w2).Within(1e-10 * w2));
        double partW2 = GaussianDistances.W2(part, partP0);
        var (lower, upper) = reduced.FullW2(0.9 * partW2, partW2, t); // a bracket of the q-part combined end by end
        Assert.That(upper * upper, Is.EqualTo(w2).Within(1e-10 * w2));
        Assert.That(lower, Is.LessThan(upper));
        if (double.IsPositiveInfinity(chi2)) Assert.That(composed.Chi2, Is.EqualTo(double.PositiveInfinity));
        else Assert.That(composed.Chi2, Is.EqualTo(chi2).Within(1e-10 * chi2));
        // perpScale 1.8: a ⊥ variance above 2 makes χ² infinite at t = 0; the OU flow brings it back below 2.
        Assert.That(double.IsPositiveInfinity(chi2), Is.EqualTo(t == 0 && perpScale > 1.5));

        // The ⊥ law's mean and covariance are the P_⊥ blocks of the full closed form.
        var law = reduced.Orthogonal.At(t);
        var perp = Projector(reduced.Span, complement: true);
        var mu = perp * Vector<double>.Build.Dense(10, i => full.Mean[i]);
        var sigma = perp * Matrix<double>.Build.Dense(10, 10, (i, j) => full.Covariance[i, j]) * perp;
        var m = law.Mean();
        var c = law.Covariance();
        for (int i = 0; i < 10; i++)
        {
            Assert.That(m[i], Is.EqualTo(mu[i]).Within(1e-13));
            for (int j = 0; j < 10; j++) Assert.That(c[i, j], Is.EqualTo(sigma[i, j]).Within(1e-13));
        }
    }

    // The ⊥ coordinates of the particle scheme are an exact Euler–Maruyama OU chain: its law after K steps against
    // the mean-field Euler–Maruyama recursion of the full Gaussian (α = 0), to round-off.
    [Test]
    public void EulerMaruyamaLawOfThePerpendicularChain()
    {
        var (q, data) = TenDimensional();
        var problem = new Problem(Activation.Linear, 0, 0.3, data, NonStandardFactorized(q, 2));
        var reduced = new ReducedProblem(problem);
        const double eta = 0.05;
        const long steps = 37;
        var (mean, cov) = GaussianMoments.EulerMaruyama(problem, eta, steps);
        var perp = Projector(reduced.Span, complement: true);
        var mu = perp * Vector<double>.Build.Dense(10, i => mean[i]);
        var sigma = perp * Matrix<double>.Build.Dense(10, 10, (i, j) => cov[i, j]) * perp;
        var law = reduced.Orthogonal.EulerMaruyama(eta, steps);
        var m = law.Mean();
        var c = law.Covariance();
        for (int i = 0; i < 10; i++)
        {
            Assert.That(m[i], Is.EqualTo(mu[i]).Within(1e-13));
            for (int j = 0; j < 10; j++) Assert.That(c[i, j], Is.EqualTo(sigma[i, j]).Within(1e-13));
        }
    }

    // The linear activation: the moment ODE integrated in the full d + 1 = 11 dimensions (DOPRI5 at rtol 1e-13)
    // against the same ODE for the reduced problem in k + 1 = 3 dimensions, and its ⊥ block against the closed form:
    // the reduction is exact, so they agree to the integrator's accuracy (1e-11 absolute on O(1) values).
    [TestCase(false), TestCase(true)]
    public void MomentOdeReducesExactly(bool nonStandard)
    {
        var (q, data) = TenDimensional();
        var initial = nonStandard ? NonStandardFactorized(q, 2) : InitialLaw.StandardGaussian(11);
        var problem = new Problem(Activation.Linear, 1.0, 0.5, data, initial);
        var reduced = new ReducedProblem(problem);
        var fullOde = new GaussianMomentOde(problem);
        var reducedOde = new GaussianMomentOde(reduced.Reduced);
        foreach (double t in new[] { 0.5, 2.0 })
        {
            var full = fullOde.At(t);
            var part = reducedOde.At(t);
            var rFull = fullOde.Residuals(full);
            var rPart = reducedOde.Residuals(part);
            for (int i = 0; i < 3; i++) Assert.That(rPart[i], Is.EqualTo(rFull[i]).Within(1e-11));
            var perp = Projector(reduced.Span, complement: true);
            var sigma = Matrix<double>.Build.Dense(11, 11, (i, j) => full.Covariance[i, j]);
            var thetaBlock = sigma.SubMatrix(0, 10, 0, 10);
            var law = reduced.Orthogonal.At(t).Covariance();
            var perpBlock = perp * thetaBlock * perp;
            var cross = perp * sigma.SubMatrix(0, 10, 10, 1); // P_⊥Σ_θu
            var coupling = perp * thetaBlock * Projector(reduced.Span, complement: false); // P_⊥Σ_θθP_S
            for (int i = 0; i < 10; i++)
            {
                for (int j = 0; j < 10; j++) Assert.That(perpBlock[i, j], Is.EqualTo(law[i, j]).Within(1e-11));
                // Independence: the blocks that couple θ_⊥ with (θ_S, u) stay 0.
                for (int j = 0; j < 10; j++) Assert.That(coupling[i, j], Is.EqualTo(0).Within(1e-11));
                Assert.That(cross[i, 0], Is.EqualTo(0).Within(1e-11));
            }
        }
    }

    /// <summary>P_S = BBᵀ or P_⊥ = I − BBᵀ.</summary>
    internal static Matrix<double> Projector(DataSpan span, bool complement)
    {
        int d = span.AmbientDimension;
        var b = Matrix<double>.Build.Dense(d, span.Dimension, (i, a) => span.BasisVector(a)[i]);
        var p = b * b.Transpose();
        return complement ? Matrix<double>.Build.DenseIdentity(d) - p : p;
    }
}
