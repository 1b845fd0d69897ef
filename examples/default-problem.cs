#:project ../src/FokkerPlanckNtk/FokkerPlanckNtk.csproj
// The default problem (tanh, α = 2, λ = 0.1, d = 1, four data points): the PDE on 128² cells and 10⁴
// particles to t = 5, compared every 0.5 (max |Δr| and W2), with comparison.csv and snapshots.h5.
// Run: dotnet run examples/default-problem.cs [OUTPUT-FOLDER]
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;
using FokkerPlanckNtk.Simulations;

var problem = Problem.Default;
var grid = UniformGrid.Cube(problem.Dimension + 1, 128, 7.0);
var pde = new PdeModel(problem, grid);
var particles = new ParticleModel(problem, new ParticleOptions(Count: 10_000, Step: 0.001, Seed: 1));
var simulation = new Simulation(stopTime: 5, pde, particles) { OutputDirectory = Directory.CreateDirectory(args.FirstOrDefault() ?? "default-problem").FullName };
var times = new TimeInterval(0.5);
var pdeSeries = simulation.Record("pde", times, pde.Record);
var particleSeries = simulation.Record("particles", times, () => particles.Record(grid));
var comparison = simulation.Record("comparison", times, () => ComparisonRecord.Between(pdeSeries[^1], particleSeries[^1], grid));
simulation.Writers.Add(CsvWriter.For("comparison.csv", comparison, RunTables.Comparison));
simulation.Writers.Add(new SnapshotWriter("snapshots.h5", grid, pdeSeries, particleSeries));
simulation.Run();
