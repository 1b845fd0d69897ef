using System.Diagnostics;
using BenchmarkDotNet.Running;
using FokkerPlanckNtk;
using FokkerPlanckNtk.Benchmarks;

// Quick stopwatch modes, each in one process (ratios within one run; set DOTNET_TieredCompilation=0 to
// skip JIT warm-up effects): `quick-pde` (ns per cell per SSP-RK3 step, 1 and 2 threads), `parts [CASE…]`
// (the step's pieces: fluxes, step bound, update, stiff-mode rate), `ou-accuracy` (time to an L1 error of
// 1.1e-3 on the Ornstein–Uhlenbeck test), `quick-particles` (ns per particle per step), `quick-dimension [d…]`
// (ns per particle per step against the input dimension d), `quick-reduction [d]` (d = 1000 against the
// equivalent k = 3 problem: reduction setup, PDE, particles).
// Anything else goes to BenchmarkDotNet, e.g. `--filter '*PdeStepBenchmarks*'`.
if (args.Length > 0 && args[0] == "quick-particles")
{
    // ns per particle per step, 1 and 2 threads back to back in one process (ratios within one run).
    foreach (var (m, n, d) in new[] { (100_000, 4, 1), (100_000, 16, 1), (100_000, 4, 2), (1_000_000, 4, 1) })
        foreach (int threads in new[] { 1, 2 })
        {
            Parallelism.Threads = threads;
            var system = new FokkerPlanckNtk.Particles.ParticleSystem(
                new FokkerPlanckNtk.Model.Problem(FokkerPlanckNtk.Model.Activation.Tanh, 2.0, 0.1, ParticleBenchmarks.Data(n, d)), m, 1e-3, seed: 1);
            system.Advance(m >= 1_000_000 ? 10 : 100); // past the JIT tiers
            int steps = m >= 1_000_000 ? 10 : 50;
            double best = double.PositiveInfinity;
            for (int rep = 0; rep < 3; rep++)
            {
                var watch = Stopwatch.StartNew();
                system.Advance(steps);
                best = Math.Min(best, watch.Elapsed.TotalNanoseconds / steps / m);
            }
            Console.WriteLine($"m={m} n={n,2} d={d} threads={threads}: {best,6:F2} ns/particle/step");
        }
    return;
}
if (args.Length > 0 && args[0] == "quick-dimension")
{
    // ns per particle per step against the input dimension d (n = 3 inputs spanning k = 3 dimensions of R^d,
    // m = 10^4, tanh), one thread, and the same divided by d + 1 (the normals per particle and step).
    Parallelism.Threads = 1;
    foreach (int d in args.Length > 1 ? args[1..].Select(int.Parse).ToArray() : [3, 10, 50, 200, 1000])
    {
        var data = new FokkerPlanckNtk.Model.DataSet(Enumerable.Range(0, 3).Select(i =>
            (IReadOnlyList<double>)Enumerable.Range(0, d).Select(j => Math.Cos(1.7 * i + 0.3 * j) / Math.Sqrt(d)).ToArray()).ToArray(), [0.3, -0.2, 0.5]);
        var system = new FokkerPlanckNtk.Particles.ParticleSystem(
            new FokkerPlanckNtk.Model.Problem(FokkerPlanckNtk.Model.Activation.Tanh, 2.0, 0.1, data), 10_000, 1e-3, seed: 1);
        system.Advance(50);
        double best = double.PositiveInfinity;
        for (int rep = 0; rep < 3; rep++)
        {
            var watch = Stopwatch.StartNew();
            system.Advance(20);
            best = Math.Min(best, watch.Elapsed.TotalNanoseconds / 20 / system.Count);
        }
        Console.WriteLine($"d={d,5}: {best,9:F1} ns/particle/step, {best / (d + 1),6:F2} ns per coordinate");
    }
    return;
}
if (args.Length > 0 && args[0] == "quick-reduction")
{
    // d = 1000, n = 3 against the equivalent k = 3 problem (the same three inputs in R^3): the reduction's setup, the
    // PDE on the reduced 4D grid (24⁴, t = 1) and the particles (m = 10^4, 20 steps), one thread, wall times in one run.
    Parallelism.Threads = 1;
    double[][] x3 = [[0.3, 0.5, 0.1], [0.5, -0.2, 0.6], [-0.4, 0.1, 0.3]];
    double[] y = [0.3, -0.4, 0.2];
    var small = new FokkerPlanckNtk.Model.Problem(FokkerPlanckNtk.Model.Activation.Tanh, 2.0, 0.1,
        new FokkerPlanckNtk.Model.DataSet(x3.Select(r => (IReadOnlyList<double>)r).ToArray(), y));
    int dBig = args.Length > 1 ? int.Parse(args[1]) : 1000;
    var rng = new Random(7);
    var g = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(dBig, 3, (_, _) => rng.NextDouble() - 0.5);
    var q = g.QR().Q; // dBig × 3, orthonormal columns: x ↦ Qx embeds R^3 isometrically
    var big = small.With(data: new FokkerPlanckNtk.Model.DataSet(x3.Select(r => (IReadOnlyList<double>)(q * MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(r)).ToArray()).ToArray(), y));
    var cases = new[] { ("d=3 rotated", small, FokkerPlanckNtk.Model.ReductionMode.Always), ("d=3 direct", small, FokkerPlanckNtk.Model.ReductionMode.Auto), ($"d={dBig}", big, FokkerPlanckNtk.Model.ReductionMode.Auto) };
    foreach (var (name, problem, mode) in cases.Concat(cases)) // the first pass warms the JIT up
    {
        var watch = Stopwatch.StartNew();
        var reduction = new FokkerPlanckNtk.Model.ReducedProblem(problem, new FokkerPlanckNtk.Model.ReductionOptions(mode));
        double setup = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var solver = new FokkerPlanckNtk.FiniteVolume.PdeSolver(new FokkerPlanckNtk.FiniteVolume.FiniteVolumeModel(reduction.Reduced, FokkerPlanckNtk.Grids.UniformGrid.Cube(reduction.GridDimension, 24, 7)));
        solver.AdvanceTo(1.0);
        double pde = watch.Elapsed.TotalSeconds;
        var system = new FokkerPlanckNtk.Particles.ParticleSystem(problem, 10_000, 1e-3, seed: 1);
        system.Advance(5);
        watch.Restart();
        system.Advance(20);
        double particles = watch.Elapsed.TotalSeconds / 20;
        watch.Restart();
        var perp = FokkerPlanckNtk.Particles.OrthogonalMoments.Measure(system, reduction, reduction.Orthogonal.EulerMaruyama(system.StepSize, system.Steps));
        double moments = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"{name,-12}: reduction setup {setup * 1e3,8:F2} ms, PDE 24⁴ to t = 1 {pde,7:F2} s ({solver.Steps} steps, r1 = {solver.Diagnose().Residuals[0]:F6}), particles {particles * 1e3,8:F2} ms per step, ⊥ moments {moments:F2} s (worst z {perp.WorstZ:F2})");
    }
    return;
}
if (args.Length > 0 && args[0] == "ou-accuracy")
{
    // Time to reach an L1 error of 1.1e-3 at t = 1 on the Ornstein–Uhlenbeck case of the grid-convergence
    // study (the FiPy peer: about 2 minutes on 128² cells). Best of three wall times per grid, one thread.
    Parallelism.Threads = 1;
    var problem = FokkerPlanckNtk.Studies.GridConvergenceStudy.Case("ou", 1);
    foreach (int cells in new[] { 76, 80, 84, 88, 128 })
    {
        double best = double.PositiveInfinity, l1 = 0;
        for (int rep = 0; rep < 3; rep++)
        {
            var m = FokkerPlanckNtk.Studies.GridConvergenceStudy.Measure(problem, cells);
            best = Math.Min(best, m.Seconds);
            l1 = m.L1;
        }
        Console.WriteLine($"N = {cells}: L1 = {l1:E3}, {best:F3} s");
    }
    return;
}
if (args.Length > 0 && args[0] == "parts")
{
    Parallelism.Threads = 1;
    foreach (var c in args.Length > 1 ? args[1..] : ["d1-N256", "d2-N64"])
    {
        var solver = PdeStepBenchmarks.MakeSolver(c, 4);
        var dens = solver.Density; var outp = new double[dens.Length]; var m1 = new double[solver.Model.Grid.ColumnCount];
        double cells = solver.Model.Grid.Count;
        void T(string name, Action act)
        {
            for (int i = 0; i < 30; i++) act();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var w = Stopwatch.StartNew();
            for (int i = 0; i < 300; i++) act();
            double cpuNs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds;
            Console.WriteLine($"{c} {name}: wall {w.Elapsed.TotalNanoseconds / 300 / cells:F3} cpu {cpuNs / 300 / cells:F3} ns/cell");
        }
        T("fluxes", () => solver.ComputeFluxes(dens));
        T("rate", () => solver.MaxOutflowRate());
        T("update", () => solver.Update(dens, 1.0, dens, 0.0, 1e-5, outp, m1, null, null));
        T("stiff", () => solver.StiffModeRate());
        T("step", () => solver.Step(1e-5));
    }
    return;
}
if (args.Length > 0 && args[0] == "quick-pde")
{
    foreach (var (c, n) in new[] { ("d1-N256", 4), ("d1-N256", 16), ("d2-N64", 4), ("d2-N64", 16) })
        foreach (int threads in new[] { 1, 2 })
        {
            Parallelism.Threads = threads;
            var solver = PdeStepBenchmarks.MakeSolver(c, n);
            for (int i = 0; i < 20; i++) solver.Step(1e-4);
            int steps = 200;
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) solver.Step(1e-4);
            double ns = watch.Elapsed.TotalNanoseconds / steps / solver.Model.Grid.Count;
            Console.WriteLine($"{c} n={n,2} threads={threads}: {ns,6:F2} ns/cell/step");
        }
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(PdeStepBenchmarks).Assembly).Run(args);
