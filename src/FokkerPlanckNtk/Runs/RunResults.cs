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
            };
        }
        return new RunResults
        {
            Configuration = config,
            Command = command,
            Grid = config.Grid.ToGrid(),
            Times = records.Select(r => r.Double(RunRecords.Time)).ToArray(),
            Pde = pde,
        };
    }

    /// <summary>
    /// <c>pde.csv</c>: one row per output time, <c>t,loss,free_energy,kl_p0,chi2_p0,w2_p0,mass,r1..rn</c>.
    /// </summary>
    public CsvTable? PdeTable()
    {
        if (Pde is null) return null;
        int n = Configuration.Problem.Data.Count;
        var table = new CsvTable(["t", "loss", "free_energy", "kl_p0", "chi2_p0", "mass", .. ResidualColumns(n)]);
        for (int k = 0; k < Times.Length; k++)
            table.Add([Times[k], Pde.Loss[k], Pde.FreeEnergy[k], Pde.KlP0[k], Pde.Chi2P0[k], Pde.Mass[k], .. Pde.Residuals[k]]);
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
        return file;
    }

    /// <summary>Writes the data files of the run (CSV tables and snapshots.h5), each atomically.</summary>
    public IReadOnlyList<string> WriteDataFiles(string directory)
    {
        var written = new List<string>();
        if (PdeTable() is { } pde) { pde.Write(Path.Combine(directory, "pde.csv")); written.Add("pde.csv"); }
        Snapshots().Write(Path.Combine(directory, "snapshots.h5"));
        written.Add("snapshots.h5");
        return written;
    }
}
