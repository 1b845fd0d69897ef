using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// Everything a run recorded, as plain typed data: the output times and, per part of the run, one record per
/// output time (index k is output time k). The files and plots are made from it.
/// </summary>
public sealed class RunResults
{
    public required RunConfiguration Configuration { get; init; }

    public required RunKind Kind { get; init; }

    /// <summary>The command name (<c>run</c>, <c>solve</c>, <c>simulate</c>).</summary>
    public string Command => Kind.Command();

    /// <summary>The PDE's time stepper as resolved (<c>time.stepper = auto</c> → <c>ssprk3</c> or <c>implicitfeedback</c>); null without a PDE.</summary>
    public string? Stepper { get; init; }

    public required UniformGrid Grid { get; init; }

    /// <summary>Output times: 0 and the configured times.</summary>
    public required double[] Times { get; init; }

    public IReadOnlyList<PdeRecord>? Pde { get; init; }

    public IReadOnlyList<ParticleRecord>? Particles { get; init; }

    public IReadOnlyList<ComparisonRecord>? Comparison { get; init; }

    public IReadOnlyList<NtkRecord>? Ntk { get; init; }

    /// <summary>The rows of <c>diagnostics.csv</c> (see <see cref="RunDiagnostics"/>); null when <c>output.diagnosticsRows</c> is 0.</summary>
    public IReadOnlyList<DiagnosticsRecord>? Diagnostics { get; init; }
}
