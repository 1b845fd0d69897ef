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
    internal static (double Residual, double Kl, double KlExact, double Chi2Error) Errors(Problem full, int cells, double t = 1.0)
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
        double kl = reduced.Lift(diag).KlP0;
        Assert.That(kl, Is.EqualTo(reduced.FullDistances(new FactorDistances(diag.KlP0, diag.Chi2P0, 0), t).Kl));
        double chi2Error = Math.Abs(reduced.Lift(diag).Chi2P0 - GaussianDistances.ChiSquared(exact, GaussianLaw.Standard(full.Dimension + 1)));
        return (err, kl, GaussianDistances.KullbackLeibler(exact, GaussianLaw.Standard(full.Dimension + 1)), chi2Error);
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
            TestContext.Out.WriteLine(FormattableString.Invariant($"| {n}³ | {e.Residual:E3} | {order} | {Math.Abs(e.Kl - e.KlExact):E3} | {e.Chi2Error:E3} | {watch.Elapsed.TotalSeconds:F1} |"));
            previous = e.Residual;
        }
        static int Prev(int n) => n switch { 30 => 20, 40 => 30, _ => 40 };
    }
}

public class RotatedGridTests
{
    internal static Problem ThreeDimensional() =>
        new(Activation.Tanh, 2, 0.1, new DataSet([[0.3, 0.5, 0.1], [0.5, -0.2, 0.6], [-0.4, 0.1, 0.3]], [0.3, -0.4, 0.2]));

    internal static double[] Residuals(Problem problem, ReductionMode mode, int cells, double t)
    {
        var reduced = new ReducedProblem(problem, new ReductionOptions(mode));
        var solver = new PdeSolver(new FiniteVolumeModel(reduced.Reduced, UniformGrid.Cube(reduced.GridDimension, cells, 7)));
        solver.AdvanceTo(t);
        return solver.Diagnose().Residuals;
    }

    // Acceptance (issue 13): d = 3, k = 3 solved on the 4D grid in the given coordinates and in the rotated basis of
    // the span (mode "always"). Both are second-order approximations of the same solution, so (i) at N = 24 they differ
    // by less than the grid error of the direct solution (Richardson estimate |r_24 − r_16|/((24/16)² − 1), ≈ 5e-3), and
    // (ii) their difference itself falls at order ≥ 1.8 between N = 16 and 24 (measured 2.0: 1.37e-3 → 6.1e-4, and
    // 3.4e-4 at N = 32): they converge to the same limit.
    [Test]
    public void RotatedBasisAndDirectGridAgreeWithinTheGridError()
    {
        var problem = ThreeDimensional();
        var d16 = Residuals(problem, ReductionMode.Auto, 16, 1.0);
        var d24 = Residuals(problem, ReductionMode.Auto, 24, 1.0);
        var r16 = Residuals(problem, ReductionMode.Always, 16, 1.0);
        var r24 = Residuals(problem, ReductionMode.Always, 24, 1.0);
        double gridError = d24.Zip(d16, (a, b) => Math.Abs(a - b)).Max() / (1.5 * 1.5 - 1);
        double diff16 = d16.Zip(r16, (a, b) => Math.Abs(a - b)).Max(), diff24 = d24.Zip(r24, (a, b) => Math.Abs(a - b)).Max();
        double order = Math.Log(diff16 / diff24) / Math.Log(1.5);
        TestContext.Out.WriteLine(FormattableString.Invariant($"grid error (24⁴) ≈ {gridError:E3}; rotated − direct: {diff16:E3} (16⁴), {diff24:E3} (24⁴), order {order:F2}"));
        Assert.That(diff24, Is.LessThan(gridError));
        Assert.That(order, Is.GreaterThanOrEqualTo(1.8));
    }

    [Test, Explicit("measurement")]
    public void MeasureRotatedAgainstDirect()
    {
        var problem = ThreeDimensional();
        foreach (int n in new[] { 16, 24, 32 })
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var direct = Residuals(problem, ReductionMode.Auto, n, 1.0);
            double t1 = watch.Elapsed.TotalSeconds;
            var rotated = Residuals(problem, ReductionMode.Always, n, 1.0);
            TestContext.Out.WriteLine(FormattableString.Invariant(
                $"N={n}: direct [{string.Join(", ", direct.Select(v => v.ToString("R")))}] rotated [{string.Join(", ", rotated.Select(v => v.ToString("R")))}] max diff {direct.Zip(rotated, (a, b) => Math.Abs(a - b)).Max():E3} ({t1:F1} s + {watch.Elapsed.TotalSeconds - t1:F1} s)"));
        }
    }
}
