using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// Everything a run recorded, as plain typed data: the output times and, per part of the run, one record per
/// output time (index k is output time k). The files and plots are made from it.
/// </summary>
public sealed class RunResults
{
    /// <summary>The run's configuration.</summary>
    public required RunConfiguration Configuration { get; init; }

    /// <summary>Which job ran (run, solve, simulate).</summary>
    public required RunKind Kind { get; init; }

    /// <summary>The command name (<c>run</c>, <c>solve</c>, <c>simulate</c>).</summary>
    public string Command => Kind.Command();

    /// <summary>The PDE's time stepper as resolved (<c>time.stepper = auto</c> → <c>ssprk3</c> or <c>implicitfeedback</c>); null without a PDE.</summary>
    public string? Stepper { get; init; }

    /// <summary>The reduction to the span of the inputs when the run solved on it (the grid's θ axes are then the coordinates
    /// ζ = Bᵀθ on the span, and the particle records carry the θ_⊥ check); null when the grid's axes are θ.</summary>
    public Model.ReducedProblem? Reduction { get; init; }

    /// <summary>The grid of the densities and measures.</summary>
    public required UniformGrid Grid { get; init; }

    /// <summary>Output times: 0 and the configured times.</summary>
    public required double[] Times { get; init; }

    /// <summary>The PDE's records at the output times; null without a PDE part.</summary>
    public IReadOnlyList<PdeRecord>? Pde { get; init; }

    /// <summary>The particles' records at the output times; null without particles.</summary>
    public IReadOnlyList<ParticleRecord>? Particles { get; init; }

    /// <summary>PDE against particles at the output times; null unless both ran.</summary>
    public IReadOnlyList<ComparisonRecord>? Comparison { get; init; }

    /// <summary>The linearized (NTK) prediction at the output times; null unless <c>run</c>.</summary>
    public IReadOnlyList<NtkRecord>? Ntk { get; init; }

    /// <summary>The rows of <c>diagnostics.csv</c> (see <see cref="RunDiagnostics"/>); null when <c>output.diagnosticsRows</c> is 0.</summary>
    public IReadOnlyList<DiagnosticsRecord>? Diagnostics { get; init; }
}
