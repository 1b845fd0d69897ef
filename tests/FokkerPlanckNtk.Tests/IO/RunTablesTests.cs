using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Tests.IO;

/// <summary>The schemas of the run tables (the file formats of docs/file-formats.md), made in one place.</summary>
public class RunTablesTests
{
    private static readonly W2Value Exact = new(0.5, 0, "exact");

    [Test]
    public void ColumnsFollowTheContract()
    {
        var pde = new PdeRecord(new PdeDiagnostics(0.1, 1.0 / 3, 0.4, 0.25, 2e-17, 1, 0, 0, [-0.1, 1e300]), 7, [1], Exact);
        var pdeTable = RunTables.Pde([0.1], [pde]);
        Assert.That(pdeTable.Columns, Is.EqualTo(new[] { "t", "loss", "free_energy", "kl_p0", "chi2_p0", "w2_p0", "mass", "r1", "r2", "w2_p0_lower", "w2_p0_upper" }));
        // Round-trip ("R") numbers, culture-invariant.
        Assert.That(pdeTable.ToString().Split('\n')[1], Is.EqualTo("0.1,0.3333333333333333,0.4,0.25,2E-17,0.5,1,-0.1,1E+300,0.5,0.5"));
        var particles = new ParticleRecord(0.1, 3, 0.2, 0.3, 0.4, [0.5], [0, 0], Exact);
        Assert.That(RunTables.Particles([0.1], [particles]).Columns, Is.EqualTo(new[] { "t", "loss", "kl_p0", "chi2_p0", "w2_p0", "r1", "w2_p0_lower", "w2_p0_upper" }));
        var comparison = new ComparisonRecord(1, 2, new W2Value(3, 0, ""), 4, 5.5);
        var comparisonTable = RunTables.Comparison([1], [comparison]);
        Assert.That(comparisonTable.Columns, Is.EqualTo(new[] { "t", "max_abs_dr", "w2", "w2_theta", "w2_u", "w2_lower", "w2_upper" }));
        Assert.That(comparisonTable.ToString(), Is.EqualTo("t,max_abs_dr,w2,w2_theta,w2_u,w2_lower,w2_upper\n1,2,3,4,5.5,3,3\n"));
    }

    // One ntk.csv schema for `fpntk run` and `fpntk ntk`: loss_bound after loss where Theorem 4.4 applies.
    [Test]
    public void NtkTableHasTheBoundWhereTheTheoremApplies()
    {
        Assert.That(RunTables.Ntk([0], [new NtkRecord(0, 1, [2, 3], 4)]).ToString(), Is.EqualTo("t,loss,loss_bound,r1,r2\n0,1,4,2,3\n"));
        Assert.That(RunTables.Ntk([0], [new NtkRecord(0, 1, [2, 3], null)]).ToString(), Is.EqualTo("t,loss,r1,r2\n0,1,2,3\n"));
    }

    // grid_atomic = sqrt(Σ_k Δ_k²/12) and Talagrand's bound sqrt(2 KL), with the check against the bracket.
    [Test]
    public void W2BoundsCheckTalagrandAgainstTheBracket()
    {
        var grid = UniformGrid.Cube(2, 4, 2.0); // Δ = 1
        var pde = new PdeRecord(new PdeDiagnostics(0, 0, 0, 0.02, 0, 1, 0, 0, [0]), 0, new double[16], new W2Value(0.3, 0.01, "bracket"));
        var table = RunTables.W2Bounds([0], grid, [pde], null, null)!;
        Assert.That(table.Columns, Is.EqualTo(new[] { "t", "pde_p0", "pde_p0_error", "grid_atomic", "talagrand", "talagrand_holds", "talagrand_proven" }));
        Assert.That(table.Column("grid_atomic")[0], Is.EqualTo(Math.Sqrt(2.0 / 12)).Within(1e-15));
        Assert.That(table.Column("talagrand")[0], Is.EqualTo(0.2).Within(1e-15));
        Assert.That(table.Column("talagrand_holds")[0], Is.EqualTo(1), "0.3 − 0.01 − 2·0.408 ≤ 0.2");
        Assert.That(table.Column("talagrand_proven")[0], Is.EqualTo(0), "0.3 + 0.01 + 2·0.408 > 0.2: consistent, not proven");
        Assert.That(RunTables.W2Bounds([0], grid, null, null, null), Is.Null);
    }

    // The three verdicts for the W2 of the densities (no grid slack): holds (1, 1), undecided (1, 0), violated (0, 0).
    [TestCase(0.15, 0.01, 1, 1)]
    [TestCase(0.19, 0.02, 1, 0)]
    [TestCase(0.25, 0.01, 0, 0)]
    public void W2BoundsSayWhetherTalagrandIsProvenOrOnlyConsistent(double w2, double error, int holds, int proven)
    {
        var grid = UniformGrid.Cube(2, 4, 2.0);
        var pde = new PdeRecord(new PdeDiagnostics(0, 0, 0, 0.02, 0, 1, 0, 0, [0]), 0, new double[16],
            new W2Value(w2, error, FokkerPlanckNtk.Metrics.SemiDiscrete.GridTransport.Method)); // √(2·0.02) = 0.2
        var table = RunTables.W2Bounds([0], grid, [pde], null, null)!;
        Assert.That(table.Column("talagrand_holds")[0], Is.EqualTo(holds));
        Assert.That(table.Column("talagrand_proven")[0], Is.EqualTo(proven));
    }
}
