using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Tests.Model;

namespace FokkerPlanckNtk.Tests.FiniteVolume;

/// <summary>The PDE solved on the span of the data (k + 1 axes) against exact references in the full d + 1 dimensions.</summary>
public class ReducedPdeTests
{
    private static readonly double[][] Coefficients = [[0.6, 0.2], [-0.3, 0.7], [0.5, 0.5]];
    private static readonly double[] Targets = [0.4, -0.3, 0.6];

    /// <summary>Linear activation (α = 1, λ = 0.5) with inputs in R^10 spanning k = 2 dimensions.</summary>
    internal static Problem LinearTenDimensional(bool nonStandard)
    {
        var q = SpanProblems.Rotation(10, seed: 3);
        var data = SpanProblems.Data(q, Coefficients, Targets);
        var initial = nonStandard ? ReductionTests.NonStandardFactorized(q, 2) : InitialLaw.StandardGaussian(11);
        return new Problem(Activation.Linear, 1.0, 0.5, data, initial);
    }

    /// <summary>max_i |r_i − r_i,exact| at t = 1 of the reduced PDE on N^3 cells, and its KL(p_t‖p0) composed with the ⊥ factor.</summary>
    internal static (double Residual, double Kl, double KlExact) Errors(Problem full, int cells, double t = 1.0)
    {
        var reduced = new ReducedProblem(full);
        reduced.RequireGridDimension();
        var model = new FiniteVolumeModel(reduced.Reduced, UniformGrid.Cube(reduced.GridDimension, cells, 7));
        var solver = new PdeSolver(model);
        solver.AdvanceTo(t);
        var diag = solver.Diagnose();
        var ode = new GaussianMomentOde(full);
        var exact = ode.At(t);
        var r = ode.Residuals(exact);
        double err = diag.Residuals.Zip(r, (a, b) => Math.Abs(a - b)).Max();
        double kl = reduced.FullDistances(new FactorDistances(diag.KlP0, diag.Chi2P0, 0), t).Kl;
        return (err, kl, GaussianDistances.KullbackLeibler(exact, GaussianLaw.Standard(full.Dimension + 1)));
    }

    // Acceptance (issue 13): linear activation, d = 10, data spanning k = 2. The reduced PDE on 20³ and 40³ cells
    // against the moment ODE integrated in the full 11 dimensions. The scheme is second order for this smooth,
    // diffusion-dominated solution (validation/grid-convergence measures 2.0 in d = 2); the residual error must fall
    // with an observed order ≥ 1.8 — so the difference is the reduced grid's own error and nothing else (an inexact
    // reduction would leave an N-independent floor). KL(p_t‖p0), composed from the grid's KL of q_t and the ⊥
    // factor's closed form, converges to the exact Gaussian KL in 11 dimensions the same way.
    [TestCase(false), TestCase(true)]
    public void LinearActivationInTenDimensionsConvergesToTheFullMomentOde(bool nonStandard)
    {
        var problem = LinearTenDimensional(nonStandard);
        var coarse = Errors(problem, 20);
        var fine = Errors(problem, 40);
        double order = Math.Log(coarse.Residual / fine.Residual) / Math.Log(2);
        double klOrder = Math.Log(Math.Abs(coarse.Kl - coarse.KlExact) / Math.Abs(fine.Kl - fine.KlExact)) / Math.Log(2);
        TestContext.Out.WriteLine(FormattableString.Invariant(
            $"max|dr|: 20³ {coarse.Residual:E3}, 40³ {fine.Residual:E3}, order {order:F2}; KL {fine.Kl:R} vs exact {fine.KlExact:R}: errors {Math.Abs(coarse.Kl - coarse.KlExact):E3} → {Math.Abs(fine.Kl - fine.KlExact):E3}, order {klOrder:F2}"));
        Assert.That(order, Is.GreaterThanOrEqualTo(1.8));
        Assert.That(klOrder, Is.GreaterThanOrEqualTo(1.8));
    }

    [Test, Explicit("measurement: the table of the acceptance")]
    public void MeasureLinearTenDimensional([Values(false, true)] bool nonStandard)
    {
        var problem = LinearTenDimensional(nonStandard);
        double? previous = null;
        foreach (int n in new[] { 20, 30, 40, 60 })
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var e = Errors(problem, n);
            string order = previous is double p ? (Math.Log(p / e.Residual) / Math.Log(n / (double)Prev(n))).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "";
            TestContext.Out.WriteLine(FormattableString.Invariant($"| {n}³ | {e.Residual:E3} | {order} | {Math.Abs(e.Kl - e.KlExact):E3} | {watch.Elapsed.TotalSeconds:F1} |"));
            previous = e.Residual;
        }
        static int Prev(int n) => n switch { 30 => 20, 40 => 30, _ => 40 };
    }
}
