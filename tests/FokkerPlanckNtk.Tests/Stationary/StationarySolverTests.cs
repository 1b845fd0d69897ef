using System.Text.Json;
using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Stationary;

namespace FokkerPlanckNtk.Tests.Stationary;

public class StationarySolverTests
{
    private static readonly DataSet Data2 = new([[0.6, 0.8], [1.0, 0.0], [-0.3, 0.5], [0.2, -0.9], [0.0, 0.4]], [0.5, -0.2, 0.1, 0.7, -0.4]);

    private static double MaxDiff(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    // Linear σ: the stationary Gaussian up to one scalar equation (LinearStationaryState). The solver's generic
    // quadrature must agree to 1e-10 (the bar; measured ≤ 2e-16). The last case has a first Newton step
    // outside the normalizable set β|a| < 1 (β|Xᵀy|/(1 + αβ|X|²) = 5.6), which the line search must reject.
    [TestCase(1, 2.0, 0.1), TestCase(1, 0.1, 1e-3), TestCase(2, 1.0, 0.3), TestCase(2, 0.5, 0.05), TestCase(1, 0.05, 1e-6)]
    public void LinearActivationMatchesTheScalarEquation(int d, double alpha, double lambda)
    {
        var p = new Problem(Activation.Linear, alpha, lambda, d == 1 ? DataSet.Default : Data2);
        var exact = new LinearStationaryState(p);
        var s = new StationarySolver(p).Solve();
        Assert.That(s.Converged, Is.True, s.Status);
        Assert.That(MaxDiff(s.Residuals, exact.Residuals), Is.LessThan(1e-10));
        Assert.That(s.Loss, Is.EqualTo(exact.Loss).Within(1e-10));
        Assert.That(s.KlP0, Is.EqualTo(exact.KlP0).Within(1e-10));
        Assert.That(s.FreeEnergy, Is.EqualTo(exact.FreeEnergy).Within(1e-10));
        Assert.That(exact.Kappa, Is.LessThan(1));
    }

    // The closed form against an independent method: the moment ODE of DESIGN.md §3.2 (Dormand–Prince, rtol
    // 1e-13) run from p0 to t = 80/λ relaxes to the stationary Gaussian (slowest mode e^{−λt} ≈ e^{−80}); its
    // covariance and residuals must match to the ODE's tolerance (1e-9 allows for the accumulated rtol).
    [Test]
    public void LinearClosedFormIsTheMomentOdeSteadyState()
    {
        var p = new Problem(Activation.Linear, 1.0, 0.5, Data2);
        var exact = new LinearStationaryState(p);
        var ode = new GaussianMomentOde(p);
        var g = ode.At(80 / p.Lambda);
        Assert.That(MaxDiff(ode.Residuals(g), exact.Residuals), Is.LessThan(1e-9));
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                Assert.That(g.Covariance[i, j], Is.EqualTo(exact.Covariance[i, j]).Within(1e-9));
    }

    // Self-consistency to 1e-12 for the bounded activations, and two independent quadratures (trapezoid and
    // Gauss–Hermite, each converged by its own measured sequence) agreeing to their error estimates (~1e-14).
    [TestCase("tanh"), TestCase("sigmoid"), TestCase("erf")]
    public void BoundedActivationsAreSelfConsistentAndRuleIndependent(string name)
    {
        var p = Problem.Default.With(activation: Activation.FromName(name));
        var trapezoid = new StationarySolver(p).Solve();
        var hermite = new StationarySolver(p, new StationaryOptions(Rule: ThetaRule.GaussHermite)).Solve();
        Assert.That(trapezoid.Converged && hermite.Converged, Is.True, trapezoid.Status + " / " + hermite.Status);
        Assert.That(trapezoid.ResidualNorm, Is.LessThan(1e-12));
        Assert.That(hermite.ResidualNorm, Is.LessThan(1e-12));
        double bound = 2 * Math.Max(trapezoid.QuadratureError!.Value, hermite.QuadratureError!.Value) + 1e-14;
        Assert.That(MaxDiff(trapezoid.Residuals, hermite.Residuals), Is.LessThanOrEqualTo(bound));
        Assert.That(trapezoid.KlP0, Is.EqualTo(hermite.KlP0).Within(1e-12));
        Assert.That(trapezoid.KlP0, Is.GreaterThan(0));
    }

    // Tensor machinery: data along the first axis in d = 2, 3 makes the other θ-axes integrate out exactly, so
    // the d-dimensional Gauss–Hermite solution equals the d = 1 one at the same order to round-off (KL: the
    // log-partition sum over 48³ nodes, measured 8e-14).
    [TestCase(2), TestCase(3)]
    public void DataOnOneAxisReducesToOneDimension(int d)
    {
        var rows = DataSet.Default;
        var x = Enumerable.Range(0, rows.Count).Select(i => (IReadOnlyList<double>)Enumerable.Range(0, d).Select(k => k == 0 ? rows.X(i)[0] : 0.0).ToArray()).ToArray();
        var lifted = new DataSet(x, rows.Y.ToArray());
        var options = new StationaryOptions(Order: 48, Rule: ThetaRule.GaussHermite);
        var one = new StationarySolver(Problem.Default, options).Solve();
        var many = new StationarySolver(new Problem(Activation.Tanh, 2.0, 0.1, lifted), options).Solve();
        Assert.That(MaxDiff(one.Residuals, many.Residuals), Is.LessThan(1e-14));
        Assert.That(many.KlP0, Is.EqualTo(one.KlP0).Within(1e-12));
    }

    // Rotation invariance (p0 is isotropic): rotating every x_i by the same orthogonal matrix leaves r* unchanged;
    // the tensor rule is not rotation invariant, so agreement is to the quadrature tolerance (1e-12).
    [Test]
    public void RotatedDataGiveTheSameState()
    {
        double c = Math.Cos(0.7), s = Math.Sin(0.7);
        var rotated = new DataSet(Enumerable.Range(0, Data2.Count).Select(i =>
        {
            var v = Data2.X(i);
            return (IReadOnlyList<double>)new[] { c * v[0] - s * v[1], s * v[0] + c * v[1] };
        }).ToArray(), Data2.Y.ToArray());
        var p = new Problem(Activation.Tanh, 2, 0.2, Data2);
        var a = new StationarySolver(p).Solve();
        var b = new StationarySolver(p.With(data: rotated)).Solve();
        Assert.That(MaxDiff(a.Residuals, b.Residuals), Is.LessThan(1e-12));
        Assert.That(a.FreeEnergy, Is.EqualTo(b.FreeEnergy).Within(1e-12));
    }

    // The whole-space, box and grid fixed points: on a wide box (B = 9, p0 mass outside ~1e-19) all agree;
    // the grid's midpoint sums are spectrally accurate for this smooth, decaying integrand (measured 8.7e-10 at
    // N = 48, Δ = 0.375, and 2e-12 at N = 64). A narrow box (B = 4) changes r* by ~1.6e-4, far above its grid
    // error (~1e-6): warned.
    [Test]
    public void BoxAndGridFixedPointsAndTheWarning()
    {
        var solver = new StationarySolver(Problem.Default);
        var wide = solver.CompareWithBox(UniformGrid.Cube(2, 64, 9));
        Assert.That(wide.Gap, Is.LessThan(1e-13));
        Assert.That(wide.GridError, Is.LessThan(1e-10));
        Assert.That(wide.Warning, Is.Null);
        Assert.That(wide.Grid.KlP0, Is.EqualTo(wide.Whole.KlP0).Within(1e-10));
        var narrow = solver.CompareWithBox(UniformGrid.Cube(2, 48, 4));
        Assert.That(narrow.Gap, Is.GreaterThan(1e-4));
        Assert.That(narrow.GridError, Is.LessThan(narrow.Gap / 10));
        Assert.That(narrow.Warning, Does.Contain("outside the box"));
    }

    // The density p* on a grid is normalized, and the exact Gibbs form p0 e^{−u c̃}/Z agrees with the normalized
    // cell values to the (spectral) normalization error of the midpoint sum on a wide box; for the grid
    // result the two coincide by construction (to round-off).
    [Test]
    public void DensityOnGridIsTheGibbsForm()
    {
        var solver = new StationarySolver(Problem.Default);
        var grid = UniformGrid.Cube(2, 64, 9);
        var whole = solver.Solve();
        var p = whole.DensityOnGrid(grid);
        Assert.That(p.Sum() * grid.CellVolume, Is.EqualTo(1).Within(1e-13));
        var z = new double[2];
        foreach (int c in new[] { 100, 2080, 2500, 4000 })
        {
            grid.Center(c, z);
            Assert.That(whole.Density(z), Is.EqualTo(p[c]).Within(1e-10 * p[c]));
        }
        var discrete = solver.SolveOnGrid(grid);
        var pg = discrete.DensityOnGrid(grid);
        foreach (int c in new[] { 100, 2080, 2500, 4000 })
        {
            grid.Center(c, z);
            Assert.That(discrete.Density(z), Is.EqualTo(pg[c]).Within(1e-13 * pg[c]));
        }
        // u | θ ~ N(−c̃(θ), 1): the discrete conditional mean on a fine column matches −c̃ (midpoint: spectral).
        int column = 40, nu = grid.ColumnLength;
        var theta = new double[1];
        grid.ThetaCenter(column, theta);
        var u = grid.Centers(1);
        double m0 = 0, m1 = 0;
        for (int j = 0; j < nu; j++) { m0 += p[column * nu + j]; m1 += u[j] * p[column * nu + j]; }
        Assert.That(m1 / m0, Is.EqualTo(-whole.Tilt(theta)).Within(1e-10));
    }

    // Same bits for any thread count (fixed node blocks combined in order).
    [Test]
    public void ResultDoesNotDependOnThreadCount()
    {
        var p = new Problem(Activation.Tanh, 2, 0.2, Data2);
        int saved = Parallelism.Threads;
        try
        {
            Parallelism.Threads = 1;
            var a = new StationarySolver(p).Solve();
            Parallelism.Threads = 3;
            var b = new StationarySolver(p).Solve();
            Assert.That(b.Residuals, Is.EqualTo(a.Residuals));
            Assert.That(b.KlP0, Is.EqualTo(a.KlP0));
        }
        finally { Parallelism.Threads = saved; }
    }

    // Failures are reported with a status and never as numbers.
    [Test]
    public void FailuresAreReportedAsSuch()
    {
        var capped = new StationarySolver(Problem.Default, new StationaryOptions(MaxIterations: 1)).Solve();
        Assert.That(capped.Converged, Is.False);
        Assert.That(capped.Status, Does.Contain("no convergence within 1 Newton iterations"));
        Assert.Throws<InvalidOperationException>(() => _ = capped.Residuals);
        Assert.Throws<InvalidOperationException>(() => _ = capped.FreeEnergy);
        using (var doc = JsonDocument.Parse(capped.ToJson()))
        {
            Assert.That(doc.RootElement.GetProperty("converged").GetBoolean(), Is.False);
            Assert.That(doc.RootElement.GetProperty("residuals").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(doc.RootElement.GetProperty("loss").ValueKind, Is.EqualTo(JsonValueKind.Null));
        }

        // An unreachable quadrature tolerance: the order sequence ends without convergence.
        var unconverged = new StationarySolver(Problem.Default, new StationaryOptions(QuadratureTolerance: 1e-30)).Solve();
        Assert.That(unconverged.Converged, Is.False);
        Assert.That(unconverged.Status, Does.StartWith("quadrature did not converge"));

        // An unbounded activation other than the linear one has no known normalizability test: bad input.
        Assert.Throws<InputException>(() => new StationarySolver(Problem.Default, new StationaryOptions(Tolerance: 0)));
    }

    // stationary.json (INTERFACE.md): the agreed keys, numbers that round-trip exactly.
    [Test]
    public void JsonHasTheInterfaceKeysAndRoundTrips()
    {
        var s = new StationarySolver(Problem.Default).Solve();
        using var doc = JsonDocument.Parse(s.ToJson());
        var root = doc.RootElement;
        var r = root.GetProperty("residuals").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.That(r, Is.EqualTo(s.Residuals.ToArray()));
        Assert.That(root.GetProperty("loss").GetDouble(), Is.EqualTo(s.Loss));
        Assert.That(root.GetProperty("kl_p0").GetDouble(), Is.EqualTo(s.KlP0));
        Assert.That(root.GetProperty("free_energy").GetDouble(), Is.EqualTo(s.FreeEnergy));
        Assert.That(root.GetProperty("iterations").GetInt32(), Is.EqualTo(s.Iterations));
        Assert.That(root.GetProperty("converged").GetBoolean(), Is.True);
    }
}
