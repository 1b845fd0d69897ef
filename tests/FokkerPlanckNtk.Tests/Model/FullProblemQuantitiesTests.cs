using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Stationary;

namespace FokkerPlanckNtk.Tests.Model;

/// <summary>The NTK Gram matrix, the Theorem 4.4 constants and the stationary state of a full problem from its reduction.</summary>
public class FullProblemQuantitiesTests
{
    private static Problem TenDimensional(Activation activation, double alpha = 2.0, double lambda = 0.1)
    {
        var q = SpanProblems.Rotation(10, seed: 3);
        return new Problem(activation, alpha, lambda, SpanProblems.Data(q, [[0.6, 0.2], [-0.3, 0.7], [0.5, 0.5]], [0.4, -0.3, 0.6]));
    }

    // H(p0) depends on θ only through θ·x_i and on x_i·x_j, both kept by the reduction: the reduced problem's quadrature
    // value (2 θ axes) against the CLT estimate from 10^5 samples of p0 in the full R^11 (GramMatrix.FromParticles), every
    // entry within 4.5 standard errors (Bonferroni over the 6 distinct entries: P(any |z| > 4.5) < 4e-5).
    [Test]
    public void GramMatrixOfTheFullProblemIsTheReducedOne()
    {
        var full = TenDimensional(Activation.Tanh);
        var reduction = new ReducedProblem(full);
        var reduced = GramMatrix.AtReference(reduction.Reduced);
        var sampled = GramMatrix.FromParticles(new ParticleSystem(full, 100_000, 1e-3, seed: 9));
        for (int i = 0; i < 3; i++)
            for (int j = 0; j <= i; j++)
            {
                double z = (sampled[i, j] - reduced[i, j]) / sampled.StandardErrors![i, j];
                TestContext.Out.WriteLine($"H[{i},{j}]: quadrature {reduced[i, j]:F6}, sampled in R^11 {sampled[i, j]:F6}, z = {z:F2}");
                Assert.That(Math.Abs(z), Is.LessThan(4.5));
            }
    }

    // Theorem 4.4 is stated in the full dimension: A1 = 2G(d+1) + 4G√(d+1), A2 = 16G√(d+1) + 4G with d = 10, not k = 2,
    // while Λ = λ_min(H(p0)) is the reduced Gram matrix's (the same matrix).
    [Test]
    public void TheoremConstantsUseTheFullDimension()
    {
        var full = TenDimensional(Activation.Tanh);
        var reduction = new ReducedProblem(full);
        var bounds = new TheoremBounds(reduction.Full, GramMatrix.AtReference(reduction.Reduced));
        double g = bounds.G, sq = Math.Sqrt(11);
        Assert.That(bounds.A1, Is.EqualTo(2 * g * 11 + 4 * g * sq).Within(1e-12 * bounds.A1));
        Assert.That(bounds.A2, Is.EqualTo(16 * g * sq + 4 * g).Within(1e-12 * bounds.A2));
        Assert.That(bounds.Summary(), Does.Contain("d = 10").And.Contain("√(d+1) = 3.31662"));
    }

    // The stationary state p* = q* ⊗ N(0, I): for the linear activation the closed form exists in any d
    // (LinearStationaryState, a scalar root found to the last bit), so the full one in R^11 is compared with the Newton
    // solution of the reduced Gibbs equations (Gauss–Hermite in 2 θ dimensions, quadrature tolerance 1e-12, Newton
    // 1e-13): residuals and KL(p*‖p0) within 1e-10. The full closed form's θ_⊥ block is the identity (to 1e-12).
    [Test]
    public void StationaryStateOfTheFullProblemIsTheReducedOne()
    {
        var full = TenDimensional(Activation.Linear, alpha: 1.0, lambda: 0.5);
        var reduction = new ReducedProblem(full);
        var exact = new LinearStationaryState(full);
        var solved = new StationarySolver(reduction.Reduced).Solve();
        Assert.That(solved.Converged, Is.True, solved.Status);
        for (int i = 0; i < 3; i++) Assert.That(solved.Residuals[i], Is.EqualTo(exact.Residuals[i]).Within(1e-10));
        Assert.That(solved.KlP0, Is.EqualTo(exact.KlP0).Within(1e-10));
        var perp = ReductionTests.Projector(reduction.Span, complement: true);
        var theta = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(10, 10, (i, j) => exact.Covariance[i, j]);
        var block = perp * theta * perp;
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 10; j++) Assert.That(block[i, j], Is.EqualTo(perp[i, j]).Within(1e-12));
    }
}
