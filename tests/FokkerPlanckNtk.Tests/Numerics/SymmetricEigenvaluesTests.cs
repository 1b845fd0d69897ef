using FokkerPlanckNtk.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace FokkerPlanckNtk.Tests.Numerics;

public class SymmetricEigenvaluesTests
{
    /// <summary>λ_max by MathNet's symmetric EVD (an independent implementation).</summary>
    private static double Reference(double[] a, int n) =>
        Matrix<double>.Build.Dense(n, n, a).Evd(Symmetricity.Symmetric).EigenValues.Max(e => e.Real);

    // Random symmetric matrices, Gram matrices (PSD, fast-decaying spectra as the NTK's), repeated and zero
    // eigenvalues: both methods are backward stable, so they agree to a few n·ε·‖A‖ (8 n ε max|λ| allowed).
    [Test]
    public void LargestEigenvalueMatchesAFullDecomposition()
    {
        var random = new Random(5);
        var cases = new List<(double[] A, int N)>();
        for (int n = 1; n <= 12; n++)
        {
            var a = new double[n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = random.NextDouble() * 2 - 1;
            cases.Add((a, n));
            // Gram matrix of n vectors of length 3n with decaying scales.
            var g = new double[n * n];
            var v = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, 3 * n).Select(_ => Math.Pow(0.1, i) * (random.NextDouble() - 0.5)).ToArray()).ToArray();
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) g[i * n + j] = v[i].Zip(v[j], (x, y) => x * y).Sum();
            cases.Add((g, n));
        }
        cases.Add(([2, 0, 0, 0, 2, 0, 0, 0, 2], 3)); // triple eigenvalue
        cases.Add((new double[16], 4));             // zero matrix
        cases.Add(([-3, 0, 0, -5], 2));             // negative definite
        foreach (var (a, n) in cases)
        {
            double expected = Reference(a, n);
            double got = SymmetricEigenvalues.Largest((double[])a.Clone(), n, new double[3 * n]);
            double scale = Matrix<double>.Build.Dense(n, n, a).Evd(Symmetricity.Symmetric).EigenValues.Max(e => Math.Abs(e.Real));
            Assert.That(got, Is.EqualTo(expected).Within(8 * n * Math.Pow(2, -52) * Math.Max(scale, 1e-300)), $"n = {n}");
        }
    }
}
