using FokkerPlanckNtk.FiniteVolume;

namespace FokkerPlanckNtk.Particles;

/// <summary>The particles' loss and residuals at one diagnostics time (at their nearest step).</summary>
/// <param name="Time">The particles' own time: their step count times η.</param>
/// <param name="Steps">Euler–Maruyama steps taken.</param>
/// <param name="Loss">(1/n) Σ r_i².</param>
/// <param name="Residuals">r_i = f_m(x_i) − y_i of the finite-width network.</param>
public sealed record ParticleDiagnostics(double Time, long Steps, double Loss, double[] Residuals);

/// <summary>
/// One row of <c>diagnostics.csv</c>: what each part of a run is at one diagnostics time. Light (no densities,
/// no positions), so that a run can record a few hundred of them.
/// </summary>
/// <param name="Time">The diagnostics time.</param>
/// <param name="Pde">The PDE's diagnostics there (a side step from the PDE's last step before the time, or the PDE's
/// own state where it stands at the time); null without a PDE part.</param>
/// <param name="PdeSteps">The PDE's own step count (steps taken before the time; the side step is not counted).</param>
/// <param name="PdeStep">The size of the last of those steps (set by the PDE's step control, not by the rows).</param>
/// <param name="Particles">The particles at their step nearest the time; null without a particle part.</param>
/// <param name="NtkResiduals">The linearized (NTK) prediction r(t) = exp(−(2α²/n) H t) r(0); null unless the run has it.</param>
public sealed record DiagnosticsRecord(double Time, PdeDiagnostics? Pde, long PdeSteps, double PdeStep,
    ParticleDiagnostics? Particles, double[]? NtkResiduals);
