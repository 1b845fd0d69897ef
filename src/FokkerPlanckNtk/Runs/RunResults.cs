using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;

namespace FokkerPlanckNtk.Runs;

/// <summary>Names of the entries of one output record (one per output time, see <see cref="RunSession"/>).</summary>
internal static class RunRecords
{
    public const string Time = "t";
    /// <summary>[t, loss, free energy, KL(p‖p0_h), χ²(p‖p0_h), mass, min density, outer-layer mass].</summary>
    public const string PdeDiagnostics = "pde.diagnostics";
    public const string PdeResiduals = "pde.residuals";
    public const string PdeDensity = "pde.density";
    public const string PdeSteps = "pde.steps";
    /// <summary>[W2(p_t, p0_h), its error bound] (<see cref="Wasserstein"/>: exact, or a certified bracket).</summary>
    public const string PdeW2P0 = "pde.w2p0";
    public const string PdeW2P0Method = "pde.w2p0.method";
    public const string ParticleW2P0 = "particles.w2p0";
    public const string ParticleW2P0Method = "particles.w2p0.method";
    public const string ComparisonMethod = "comparison.method";
    /// <summary>[loss, binned KL(p‖p0), binned χ²(p‖p0)].</summary>
    public const string ParticleDiagnostics = "particles.diagnostics";
    public const string ParticleResiduals = "particles.residuals";
    public const string ParticlePositions = "particles.positions";
    public const string ParticleSteps = "particles.steps";
    /// <summary>[max_i |r_i^m − r_i|, W2, its error bound, W2 of the θ-marginals, W2 of the u-marginals].</summary>
    public const string Comparison = "comparison";
    public const string NtkResiduals = "ntk.residuals";
    public const string NtkLoss = "ntk.loss";
    public const string NtkLossBound = "ntk.lossBound";
}

/// <summary>The PDE's results at the output times (index k of every array is output time k).</summary>
public sealed class PdeResults
{
    public required double[] Loss { get; init; }
    public required double[] FreeEnergy { get; init; }
    public required double[] KlP0 { get; init; }
    public required double[] Chi2P0 { get; init; }
    public required double[] Mass { get; init; }
    public required double[] MinDensity { get; init; }
    public required double[] OuterLayerMass { get; init; }
    /// <summary>Residuals r_i = f(p_t, x_i) − y_i, one array of length n per output time.</summary>
    public required double[][] Residuals { get; init; }
    /// <summary>Cell averages, one array per output time (grid order, u last).</summary>
    public required double[][] Densities { get; init; }
    public required long[] Steps { get; init; }
    /// <summary>W2(p_t, p0_h) between the grid densities as atoms at the cell centres.</summary>
    public required W2Value[] W2P0 { get; init; }
}

/// <summary>
/// A W2 value: the true W2 lies in [Value − ErrorBound, Value + ErrorBound] (0 when exact); how it was computed. A value
/// whose bracket is wide (half-width above <see cref="NumberTolerance"/> of it) is reported as the bracket
/// [<see cref="Lower"/>, <see cref="Upper"/>], never as a number: <see cref="Shown"/> is NaN then (an empty CSV field).
/// </summary>
public sealed record W2Value(double Value, double ErrorBound, string Method)
{
    /// <summary>Largest relative half-width at which the value is still written as a number (two significant digits hold).</summary>
    public const double NumberTolerance = 0.01;

    public double Lower => Math.Max(0, Value - ErrorBound);

    public double Upper => Value + ErrorBound;

    /// <summary>True when the value is known to better than <see cref="NumberTolerance"/> (exact methods: always).</summary>
    public bool IsNumber => ErrorBound <= NumberTolerance * Value || ErrorBound <= 1e-14;

    /// <summary>The value where it is a number, NaN (written as an empty field) where only the bracket is known.</summary>
    public double Shown => IsNumber ? Value : double.NaN;
}

/// <summary>The particles' results at the output times (step round(t/η), within η/2 of t).</summary>
public sealed class ParticleResults
{
    public required double[] Loss { get; init; }
    /// <summary>KL(histogram‖p0) on a coarse histogram grid: a biased estimate.</summary>
    public required double[] BinnedKlP0 { get; init; }
    /// <summary>χ²(histogram‖p0) on a coarse histogram grid: a biased estimate.</summary>
    public required double[] BinnedChi2P0 { get; init; }
    public required double[][] Residuals { get; init; }
    /// <summary>Positions m × D (row-major) per output time.</summary>
    public required double[][] Positions { get; init; }
    public required long[] Steps { get; init; }
    /// <summary>W2 between the particles and the discrete p0 on the run's grid (atoms at the cell centres).</summary>
    public required W2Value[] W2P0 { get; init; }
}

/// <summary>PDE against particles at the output times.</summary>
public sealed class ComparisonResults
{
    /// <summary>max_i |r_i(particles) − r_i(PDE)|.</summary>
    public required double[] MaxResidualDifference { get; init; }
    /// <summary>W2 between the PDE density (atoms at the cell centres) and the particles.</summary>
    public required W2Value[] W2 { get; init; }
    /// <summary>
    /// W2 between the θ-marginals (d = 1: exact 1D; d ≥ 2: the root-sum-square of the per-axis marginal W2,
    /// a lower bound), with the grid density as atoms at the cell centres.
    /// </summary>
    public required double[] W2Theta { get; init; }
    /// <summary>W2 between the u-marginals (exact 1D).</summary>
    public required double[] W2U { get; init; }
}

/// <summary>The linearized (NTK) prediction at the output times, and the Theorem 4.4 loss bound where it applies.</summary>
public sealed class NtkResults
{
    public required double[] Loss { get; init; }
    public required double[][] Residuals { get; init; }
    public double[]? LossBound { get; init; }
}

/// <summary>Everything a run computed, assembled from its output records; the files and plots are made from it.</summary>
public sealed class RunResults
{
    public required RunConfiguration Configuration { get; init; }
    public required string Command { get; init; }
    public required UniformGrid Grid { get; init; }
    /// <summary>Output times: 0 and the configured times.</summary>
    public required double[] Times { get; init; }
    public PdeResults? Pde { get; init; }
    public ParticleResults? Particles { get; init; }
    public ComparisonResults? Comparison { get; init; }
    public NtkResults? Ntk { get; init; }

    internal static RunResults FromRecords(RunConfiguration config, string command, IReadOnlyList<ArrayArchive> records)
    {
        double[] Column(string key, int index) => records.Select(r => r.Doubles(key)[index]).ToArray();
        PdeResults? pde = null;
        if (records.Count > 0 && records[0].Contains(RunRecords.PdeDiagnostics))
        {
            pde = new PdeResults
            {
                Loss = Column(RunRecords.PdeDiagnostics, 1),
                FreeEnergy = Column(RunRecords.PdeDiagnostics, 2),
                KlP0 = Column(RunRecords.PdeDiagnostics, 3),
                Chi2P0 = Column(RunRecords.PdeDiagnostics, 4),
                Mass = Column(RunRecords.PdeDiagnostics, 5),
                MinDensity = Column(RunRecords.PdeDiagnostics, 6),
                OuterLayerMass = Column(RunRecords.PdeDiagnostics, 7),
                Residuals = records.Select(r => r.Doubles(RunRecords.PdeResiduals)).ToArray(),
                Densities = records.Select(r => r.Doubles(RunRecords.PdeDensity)).ToArray(),
                Steps = records.Select(r => r.Long(RunRecords.PdeSteps)).ToArray(),
                W2P0 = W2Values(records, RunRecords.PdeW2P0, RunRecords.PdeW2P0Method, 0),
            };
        }
        bool Has(string key) => records.Count > 0 && records[0].Contains(key);
        ParticleResults? particles = !Has(RunRecords.ParticleDiagnostics) ? null : new ParticleResults
        {
            Loss = Column(RunRecords.ParticleDiagnostics, 0),
            BinnedKlP0 = Column(RunRecords.ParticleDiagnostics, 1),
            BinnedChi2P0 = Column(RunRecords.ParticleDiagnostics, 2),
            Residuals = records.Select(r => r.Doubles(RunRecords.ParticleResiduals)).ToArray(),
            Positions = records.Select(r => r.Doubles(RunRecords.ParticlePositions)).ToArray(),
            Steps = records.Select(r => r.Long(RunRecords.ParticleSteps)).ToArray(),
            W2P0 = W2Values(records, RunRecords.ParticleW2P0, RunRecords.ParticleW2P0Method, 0),
        };
        ComparisonResults? comparison = !Has(RunRecords.Comparison) ? null : new ComparisonResults
        {
            MaxResidualDifference = Column(RunRecords.Comparison, 0),
            W2 = W2Values(records, RunRecords.Comparison, RunRecords.ComparisonMethod, 1),
            W2Theta = Column(RunRecords.Comparison, 3),
            W2U = Column(RunRecords.Comparison, 4),
        };
        NtkResults? ntk = !Has(RunRecords.NtkLoss) ? null : new NtkResults
        {
            Loss = Column(RunRecords.NtkLoss, 0),
            Residuals = records.Select(r => r.Doubles(RunRecords.NtkResiduals)).ToArray(),
            LossBound = Has(RunRecords.NtkLossBound) ? Column(RunRecords.NtkLossBound, 0) : null,
        };
        return new RunResults
        {
            Configuration = config,
            Command = command,
            Grid = config.Grid.ToGrid(),
            Times = records.Select(r => r.Double(RunRecords.Time)).ToArray(),
            Pde = pde,
            Particles = particles,
            Comparison = comparison,
            Ntk = ntk,
        };
    }

    private static W2Value[] W2Values(IReadOnlyList<ArrayArchive> records, string key, string methodKey, int index) =>
        records.Select(r => new W2Value(r.Doubles(key)[index], r.Doubles(key)[index + 1], r.String(methodKey))).ToArray();

    /// <summary>
    /// <c>pde.csv</c>: one row per output time, <c>t,loss,free_energy,kl_p0,chi2_p0,w2_p0,mass,r1..rn,w2_p0_lower,w2_p0_upper</c>
    /// (<c>w2_p0</c> empty where only the bracket is known, <see cref="W2Value"/>).
    /// </summary>
    public CsvTable? PdeTable()
    {
        if (Pde is null) return null;
        int n = Configuration.Problem.Data.Count;
        var table = new CsvTable(["t", "loss", "free_energy", "kl_p0", "chi2_p0", "w2_p0", "mass", .. ResidualColumns(n), "w2_p0_lower", "w2_p0_upper"]);
        for (int k = 0; k < Times.Length; k++)
            table.Add([Times[k], Pde.Loss[k], Pde.FreeEnergy[k], Pde.KlP0[k], Pde.Chi2P0[k], Pde.W2P0[k].Shown, Pde.Mass[k], .. Pde.Residuals[k],
                Pde.W2P0[k].Lower, Pde.W2P0[k].Upper]);
        return table;
    }

    /// <summary><c>particles.csv</c>: <c>t,loss,kl_p0,chi2_p0,w2_p0,r1..rn,w2_p0_lower,w2_p0_upper</c> (KL and χ² binned, biased).</summary>
    public CsvTable? ParticleTable()
    {
        if (Particles is null) return null;
        int n = Configuration.Problem.Data.Count;
        var table = new CsvTable(["t", "loss", "kl_p0", "chi2_p0", "w2_p0", .. ResidualColumns(n), "w2_p0_lower", "w2_p0_upper"]);
        for (int k = 0; k < Times.Length; k++)
            table.Add([Times[k], Particles.Loss[k], Particles.BinnedKlP0[k], Particles.BinnedChi2P0[k], Particles.W2P0[k].Shown, .. Particles.Residuals[k],
                Particles.W2P0[k].Lower, Particles.W2P0[k].Upper]);
        return table;
    }

    /// <summary><c>comparison.csv</c>: <c>t,max_abs_dr,w2,w2_theta,w2_u,w2_lower,w2_upper</c>.</summary>
    public CsvTable? ComparisonTable()
    {
        if (Comparison is null) return null;
        var table = new CsvTable(["t", "max_abs_dr", "w2", "w2_theta", "w2_u", "w2_lower", "w2_upper"]);
        for (int k = 0; k < Times.Length; k++)
            table.Add(Times[k], Comparison.MaxResidualDifference[k], Comparison.W2[k].Shown, Comparison.W2Theta[k], Comparison.W2U[k],
                Comparison.W2[k].Lower, Comparison.W2[k].Upper);
        return table;
    }

    /// <summary>
    /// <c>w2_bounds.csv</c>: every W2 of the run with its error bound (the W2 of the atomic measures lies within
    /// ± the bound; 0 when exact): <c>t</c>, then a value/error pair per measured pair. With a PDE part also
    /// <c>grid_atomic</c> = sqrt(Σ_k Δ_k²/12), the W2 between the grid's atomic measure and its
    /// piecewise-constant density (so the W2 between the piecewise-constant p_t and p0_h lies within
    /// <c>pde_p0 ± (pde_p0_error + 2 grid_atomic)</c>), and Talagrand's bound <c>talagrand = sqrt(2 kl_p0)</c>
    /// with <c>talagrand_holds</c> = 1 when <c>pde_p0 − pde_p0_error − 2 grid_atomic ≤ talagrand</c>.
    /// </summary>
    public CsvTable? W2BoundsTable()
    {
        var pairs = new List<(string Name, W2Value[] Values)>();
        if (Pde is not null) pairs.Add(("pde_p0", Pde.W2P0));
        if (Particles is not null) pairs.Add(("particles_p0", Particles.W2P0));
        if (Comparison is not null) pairs.Add(("pde_particles", Comparison.W2));
        if (pairs.Count == 0) return null;
        string[] talagrand = Pde is null ? [] : ["grid_atomic", "talagrand", "talagrand_holds"];
        var table = new CsvTable(["t", .. pairs.SelectMany(p => new[] { p.Name, p.Name + "_error" }), .. talagrand]);
        var grid = Configuration.Grid;
        double atomic = Math.Sqrt(Enumerable.Range(0, grid.Cells.Length)
            .Sum(k => Math.Pow(2 * grid.HalfWidth[k] / grid.Cells[k], 2) / 12));
        for (int k = 0; k < Times.Length; k++)
        {
            double[] check = [];
            if (Pde is not null)
            {
                var talagrandCheck = Metrics.Wasserstein.Talagrand(Pde.W2P0[k].Value, Pde.KlP0[k], Pde.W2P0[k].ErrorBound + 2 * atomic);
                check = [atomic, talagrandCheck.Bound, talagrandCheck.Holds ? 1 : 0];
            }
            table.Add([Times[k], .. pairs.SelectMany(p => new[] { p.Values[k].Value, p.Values[k].ErrorBound }), .. check]);
        }
        return table;
    }

    /// <summary><c>ntk.csv</c>: <c>t,loss,r1..rn</c> of the linearized prediction, and <c>loss_bound</c> (Theorem 4.4) where it applies.</summary>
    public CsvTable? NtkTable()
    {
        if (Ntk is null) return null;
        int n = Configuration.Problem.Data.Count;
        var table = Ntk.LossBound is null
            ? new CsvTable(["t", "loss", .. ResidualColumns(n)])
            : new CsvTable(["t", "loss", "loss_bound", .. ResidualColumns(n)]);
        for (int k = 0; k < Times.Length; k++)
            table.Add(Ntk.LossBound is null
                ? [Times[k], Ntk.Loss[k], .. Ntk.Residuals[k]]
                : [Times[k], Ntk.Loss[k], Ntk.LossBound[k], .. Ntk.Residuals[k]]);
        return table;
    }

    private static IEnumerable<string> ResidualColumns(int n) =>
        Enumerable.Range(1, n).Select(i => "r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The HDF5 snapshots (grid, PDE densities, particle positions, configuration).</summary>
    public SnapshotFile Snapshots()
    {
        var file = new SnapshotFile { Grid = Grid, Configuration = Configuration.ToJson(), Version = RunManifest.ProgramVersion };
        if (Pde is not null)
        {
            file.PdeTimes.AddRange(Times);
            file.PdeDensities.AddRange(Pde.Densities);
        }
        if (Particles is not null)
        {
            file.ParticleTimes.AddRange(Times);
            file.ParticlePositions.AddRange(Particles.Positions);
        }
        return file;
    }

    /// <summary>Writes the data files of the run (CSV tables and snapshots.h5), each atomically.</summary>
    public IReadOnlyList<string> WriteDataFiles(string directory)
    {
        var written = new List<string>();
        foreach (var (name, table) in new[] { ("pde.csv", PdeTable()), ("particles.csv", ParticleTable()), ("comparison.csv", ComparisonTable()), ("ntk.csv", NtkTable()), ("w2_bounds.csv", W2BoundsTable()) })
        {
            if (table is null) continue;
            table.Write(Path.Combine(directory, name));
            written.Add(name);
        }
        Snapshots().Write(Path.Combine(directory, "snapshots.h5"));
        written.Add("snapshots.h5");
        return written;
    }
}
