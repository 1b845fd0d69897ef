using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// One row of <c>particles.csv</c> (INTERFACE.md): <c>t,loss,kl_p0,chi2_p0,w2_p0,r1..rn</c>. KL and χ² are
/// binned estimates (biased, see <see cref="ParticleMeasures.BinnedDivergences"/>); W2 is measured by
/// <see cref="ParticleMeasures.W2"/> (its method, and its bracket when not exact, in <see cref="W2Method"/>,
/// which is not written to the file).
/// </summary>
public sealed record ParticleRow(double Time, double Loss, double KlP0, double Chi2P0, double W2P0, double[] Residuals,
    string W2Method = "")
{
    public static IReadOnlyList<string> Columns(int sampleCount) =>
        ["t", "loss", "kl_p0", "chi2_p0", "w2_p0", .. Enumerable.Range(1, sampleCount).Select(i => $"r{i}")];

    public double[] Values() => [Time, Loss, KlP0, Chi2P0, W2P0, .. Residuals];

    /// <summary>The header line (no newline).</summary>
    public static string Header(int sampleCount) => string.Join(",", Columns(sampleCount));

    /// <summary>The row, culture-invariant round-trip ("R") numbers (no newline).</summary>
    public string ToCsvLine() => string.Join(",", Values().Select(CsvTable.Format));
}

/// <summary>
/// One row of <c>comparison.csv</c> (INTERFACE.md): <c>t,max_abs_dr,w2,w2_theta,w2_u</c>, the particles against
/// the PDE density at the same time. <c>w2_u</c> (and <c>w2_theta</c> for d = 1) is the exact 1D W2 between the
/// particles' marginal and the grid density's piecewise-constant marginal; for d ≥ 2 <c>w2_theta</c> is the
/// root-sum-square of the per-axis θ marginals' W2 (a lower bound of the W2 between the θ-marginals).
/// </summary>
public sealed record ComparisonRow(double Time, double MaxAbsDr, double W2, double W2Theta, double W2U, string W2Method = "")
{
    public static IReadOnlyList<string> Columns { get; } = ["t", "max_abs_dr", "w2", "w2_theta", "w2_u"];

    public double[] Values() => [Time, MaxAbsDr, W2, W2Theta, W2U];

    public static string Header => string.Join(",", Columns);

    public string ToCsvLine() => string.Join(",", Values().Select(CsvTable.Format));
}
