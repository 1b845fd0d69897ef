#:project ../src/FokkerPlanckNtk/FokkerPlanckNtk.csproj
// The linear activation σ(s) = s keeps a Gaussian Gaussian: the exact solution is a closed ODE for the mean and
// covariance (ExactSolutions.GaussianMomentOde). The PDE from a shifted, correlated Gaussian against it at t = 1.
// Run: dotnet run examples/linear-activation.cs [CELLS]   (prints: cells, max_i |r_i − r_i,exact|, L1 density error)
using System.Globalization;
using FokkerPlanckNtk.ExactSolutions;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Numerics;
using FokkerPlanckNtk.Simulations;

int cells = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 128;
var initial = InitialLaw.Gaussian([0.6, -0.4], new[,] { { 1.0, 0.3 }, { 0.3, 0.7 } });
var problem = new Problem(Activation.Linear, alpha: 1.0, lambda: 0.5, DataSet.Default, initial);
var grid = UniformGrid.Cube(problem.Dimension + 1, cells, 7.0);
var pde = new PdeModel(problem, grid);
new Simulation(stopTime: 1.0, pde).Run();

var ode = new GaussianMomentOde(problem);
var exact = ode.At(1.0);
double residualError = Norms.MaxAbsDifference(pde.Solver.Diagnose().Residuals, ode.Residuals(exact));
var density = pde.Solver.Density;
var z = new double[grid.Dimension];
double l1 = 0;
for (int c = 0; c < grid.Count; c++)
{
    grid.Center(c, z);
    l1 += Math.Abs(density[c] - exact.Density(z)) * grid.CellVolume;
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cells} {residualError:R} {l1:R}"));
