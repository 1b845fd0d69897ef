using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Runs;

/// <summary>The NTK analysis of a problem: the prediction (H, spectrum, Theorem 4.4) and its records at the output times.</summary>
public sealed record NtkAnalysis(NtkPrediction Prediction, double[] Times, IReadOnlyList<NtkRecord> Records);

/// <summary>The analyses without time stepping of a model (<c>fpntk ntk</c>).</summary>
public static class Analyses
{
    /// <summary>
    /// H(p_init), its spectrum, the Theorem 4.4 constants and the linearized prediction at t = 0 and the output
    /// times; in a folder also <c>ntk.csv</c> (<see cref="RunTables.Ntk"/>) and <c>ntk.json</c> (<see cref="NtkDocument"/>).
    /// </summary>
    public static NtkAnalysis Ntk(RunConfiguration config, RunFolder? folder = null)
    {
        var ntk = new NtkPrediction(config.Problem.ToReducedProblem());
        var simulation = new Simulation(config.Time.End) { OutputDirectory = folder?.Path };
        var records = simulation.Record("ntk", new SpecifiedTimes([0, .. config.Time.OutputTimes]), () => ntk.At(simulation.Time));
        if (folder is not null)
        {
            simulation.Writers.Add(CsvWriter.For("ntk.csv", records, RunTables.Ntk));
            simulation.Writers.Add(new TextFileWriter("ntk.json", () => NtkDocument.ToJson(ntk)));
        }
        simulation.Run();
        return new NtkAnalysis(ntk, [.. records.Times], [.. records]);
    }
}
