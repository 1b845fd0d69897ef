using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;

namespace FokkerPlanckNtk.Tests.Model;

/// <summary>Bad input stops with an <see cref="InputException"/> naming the key and the value.</summary>
public class InputValidationTests
{
    private static void ExpectKey(Action action, string key, string value)
    {
        var e = Assert.Throws<InputException>(() => action());
        Assert.That(e!.Key, Is.EqualTo(key));
        Assert.That(e.Message, Does.StartWith(key).And.Contain(value));
    }

    [TestCase(0.0, "0"), TestCase(-0.1, "-0.1"), TestCase(double.NaN, "NaN"), TestCase(double.PositiveInfinity, "Infinity")]
    public void NonPositiveLambda(double lambda, string shown) =>
        ExpectKey(() => _ = new Problem(Activation.Tanh, 1, lambda, DataSet.Default), "problem.lambda", shown);

    [Test]
    public void NegativeOrNonFiniteAlpha()
    {
        ExpectKey(() => _ = new Problem(Activation.Tanh, -1, 0.1, DataSet.Default), "problem.alpha", "-1");
        ExpectKey(() => _ = new Problem(Activation.Tanh, double.NaN, 0.1, DataSet.Default), "problem.alpha", "NaN");
    }

    [Test]
    public void RowsOfDifferentLengths() =>
        ExpectKey(() => _ = new DataSet([[0.1, 0.2], [0.3]], [0.1, 0.2]), "problem.data.x[1]", "1 coordinates");

    [Test]
    public void NonFiniteData()
    {
        ExpectKey(() => _ = new DataSet([[0.1], [double.NaN]], [0.1, 0.2]), "problem.data.x[1][0]", "NaN");
        ExpectKey(() => _ = new DataSet([[0.1], [0.2]], [0.1, double.PositiveInfinity]), "problem.data.y[1]", "Infinity");
    }

    [Test]
    public void EmptyDataSet() => ExpectKey(() => _ = new DataSet([], []), "problem.data.x", "n = 0");

    [Test]
    public void MismatchedTargets() => ExpectKey(() => _ = new DataSet([[0.1], [0.2]], [0.1]), "problem.data.y", "1 values");

    [TestCase(0), TestCase(-4), TestCase(1)]
    public void TooFewCells(int cells) =>
        ExpectKey(() => _ = UniformGrid.Cube(2, cells, 7), "grid.cells[0]", cells.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Test]
    public void NonPositiveHalfWidth() => ExpectKey(() => _ = UniformGrid.Cube(2, 32, -1), "grid.halfWidth[0]", "-1");

    [Test]
    public void BoxCannotHoldTheInitialGaussian()
    {
        // Mean 5 on [−7, 7]: Φ(−2) = 0.023 of the mass is outside, above the grid's discretization error
        // Σ (Δ/σ)²/24 = 2·(14/64)²/24 = 0.004 (a mean of 3 loses 3e-5: a warning, not a refusal).
        var initial = InitialLaw.Gaussian([5.0, 0.0], new[,] { { 1.0, 0.0 }, { 0.0, 1.0 } });
        var problem = Problem.Default.With(initial: initial);
        ExpectKey(() => new FiniteVolumeModel(problem, UniformGrid.Cube(2, 64, 7)).InitialDensity(), "grid.halfWidth", "7,7");
    }

    [Test]
    public void GridTooCoarseForTheInitialLaw() =>
        ExpectKey(() => _ = new FiniteVolumeModel(Problem.Default, UniformGrid.Cube(2, 6, 7)), "grid.cells[0]", "6");

    [Test]
    public void GridOfTheWrongDimension() =>
        ExpectKey(() => _ = new FiniteVolumeModel(Problem.Default, UniformGrid.Cube(3, 16, 7)), "grid.cells", "3 axes");

    [Test]
    public void CovarianceNotPositiveDefinite() =>
        ExpectKey(() => InitialLaw.Gaussian([0.0, 0.0], new[,] { { 1.0, 2.0 }, { 2.0, 1.0 } }), "problem.initial.covariance", "matrix");

    [TestCase(0.0), TestCase(1.5), TestCase(double.NaN)]
    public void CflOutOfRange(double cfl)
    {
        var model = new FiniteVolumeModel(Problem.Default, UniformGrid.Cube(2, 32, 7));
        Assert.Throws<InputException>(() => _ = new PdeSolver(model, new PdeSolverOptions(cfl)));
    }

    // α so large that c(θ) overflows: the step bound becomes non-finite and the solver stops with a
    // message naming time.cfl instead of writing NaN.
    [Test]
    public void ExplodingTimeStepIsReported()
    {
        var problem = Problem.Default.With(alpha: 1e200);
        var initial = InitialLaw.Gaussian([0.0, 0.5], new[,] { { 1.0, 0.0 }, { 0.0, 1.0 } });
        var model = new FiniteVolumeModel(problem.With(initial: initial), UniformGrid.Cube(2, 32, 7));
        var solver = new PdeSolver(model);
        // A numerical failure, not bad input: what diverged, when, and the keys that could help.
        var e = Assert.Throws<NumericalFailureException>(() => solver.AdvanceTo(1));
        Assert.That(e!.Keys, Does.Contain("time.cfl"));
        Assert.That(e.What, Is.EqualTo("the PDE density"));
        Assert.That(e.Message, Does.Contain("non-finite"));
    }
}
