#:project ../src/FokkerPlanckNtk/FokkerPlanckNtk.csproj
// The self-consistent stationary state p* ∝ p0·exp(−u c*(θ)/λ) of the default problem (Newton on the residuals,
// Gauss–Hermite quadrature in θ), and, for the linear activation, against its closed form.
// Run: dotnet run examples/stationary-state.cs   (prints: loss, KL, free energy of the default problem; then the
// linear activation's max_i |r*_Newton − r*_closed form|)
using System.Globalization;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Stationary;

var state = new StationarySolver(Problem.Default).Solve();
Console.WriteLine(state);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{state.Loss:R} {state.KlP0:R} {state.FreeEnergy:R}"));

var linear = Problem.Default.With(activation: Activation.Linear, alpha: 0.5);
var newton = new StationarySolver(linear).Solve();
var closedForm = new LinearStationaryState(linear);
Console.WriteLine(Norms.MaxAbsDifference(newton.Residuals.ToArray(), closedForm.Residuals.ToArray()).ToString("R", CultureInfo.InvariantCulture));
