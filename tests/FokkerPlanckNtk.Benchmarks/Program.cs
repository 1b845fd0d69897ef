using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using FokkerPlanckNtk;
using FokkerPlanckNtk.Benchmarks;

// Quick stopwatch modes, each in one process (ratios within one run; set DOTNET_TieredCompilation=0 to
// skip JIT warm-up effects): `quick-pde` (ns per cell per SSP-RK3 step, 1 and 2 threads), `parts [CASE…]`
// (the step's pieces: fluxes, step bound, update, stiff-mode rate), `ou-accuracy` (time to an L1 error of
// 1.1e-3 on the Ornstein–Uhlenbeck test), `quick-particles` (ns per particle per step), `quick-dimension [d…]`
// (ns per particle per step against the input dimension d), `quick-reduction [d]` (d = 1000 against the
// equivalent k = 3 problem: reduction setup, PDE, particles), `before-after DIR_A DIR_B [pairs [case…]]` (two builds of the
// library in one process, steps interleaved: see BeforeAfter), `transport-before-after DIR_A DIR_B [pairs [case…]]` (exact W2 of
// two builds in one process, solves interleaved: see TransportBeforeAfter), `transport-speed CASE` and `density-w2 ALPHA T`
// (W2 at the sizes users run; the NTK-regime study's W2 of the densities: see below).
// Anything else goes to BenchmarkDotNet, e.g. `--filter '*PdeStepBenchmarks*'`.
if (args.Length > 1 && args[0] == "transport-speed")
{
    // W2 at the sizes users run, one case per process (peak working set of the process): `transport-speed grid128 [atomic]`
    // (two 128² densities, N((0.1, 0), I) against N(0, I) at the cell centres, product measures: the exact W2 of the
    // piecewise-constant densities is the 1D sum), `transport-speed particles M [atomic]` (the 128² cell values of N(0, I)
    // against M samples of N(0, I)). `atomic`: the cell-centre atoms by the network simplex (no time budget).
    // `cells=N`: N² cells instead of 128² (8: the coarse grid of `fpntk simulate --grid:cells=8`); `progress`: the Newton's
    // progress with the elapsed time on stderr.
    // `dim=3`: a 3D grid (N³ cells, the d = 2 problem's θ1, θ2, u) and 3D samples.
    int cellsPerAxis = args.Where(a => a.StartsWith("cells=", StringComparison.Ordinal)).Select(a => int.Parse(a[6..], CultureInfo.InvariantCulture)).DefaultIfEmpty(128).Last();
    int dim = args.Where(a => a.StartsWith("dim=", StringComparison.Ordinal)).Select(a => int.Parse(a[4..], CultureInfo.InvariantCulture)).DefaultIfEmpty(2).Last();
    var grid = FokkerPlanckNtk.Grids.UniformGrid.Cube(dim, cellsPerAxis, 7);
    bool atomic = args.Contains("atomic");
    // `budget=S`: output.w2Seconds (default: none, so that the method itself is timed, not its fallback).
    double budget = args.Where(a => a.StartsWith("budget=", StringComparison.Ordinal)).Select(a => double.Parse(a[7..], CultureInfo.InvariantCulture)).DefaultIfEmpty(1e9).Last();
    var options = FokkerPlanckNtk.Metrics.W2Options.ProbabilityMeasures with { Atomic = atomic, ExactSecondsBudget = budget };
    double[] Density(double shift)
    {
        var p = new double[grid.Count];
        var z = new double[dim];
        for (int c = 0; c < grid.Count; c++)
        {
            grid.Center(c, z);
            double r2 = (z[0] - shift) * (z[0] - shift);
            for (int k = 1; k < dim; k++) r2 += z[k] * z[k];
            p[c] = Math.Exp(-0.5 * r2);
        }
        double mass = p.Sum() * grid.CellVolume;
        return p.Select(v => v / mass).ToArray();
    }
    var watch = Stopwatch.StartNew();
    FokkerPlanckNtk.Metrics.W2Result r;
    string reference = "";
    if (args[1] == "grid128")
    {
        var p = Density(0.1);
        var q = Density(0);
        r = FokkerPlanckNtk.Metrics.Wasserstein.Between(grid, p, q, options);
        double exact = Math.Sqrt(FokkerPlanckNtk.Metrics.Transport1D.MarginalW2Squared(grid, p, grid, q, 0, FokkerPlanckNtk.Metrics.GridMeasure.PiecewiseConstant)
            + FokkerPlanckNtk.Metrics.Transport1D.MarginalW2Squared(grid, p, grid, q, 1, FokkerPlanckNtk.Metrics.GridMeasure.PiecewiseConstant));
        reference = FormattableString.Invariant($" exact(pc)={exact:G8} error={(r.W2 - exact) / exact:E2}");
    }
    else
    {
        int m = int.Parse(args[2], CultureInfo.InvariantCulture);
        var x = new double[dim * m];
        var noise = new double[FokkerPlanckNtk.Particles.ParticleNoise.Padded(dim * m)];
        FokkerPlanckNtk.Particles.ParticleNoise.Normals(FokkerPlanckNtk.Particles.ParticleNoise.Key(7, 0, 0, 0), noise);
        Array.Copy(noise, x, dim * m);
        var atoms = new FokkerPlanckNtk.Metrics.AtomicMeasure(x, dim, null, "particles");
        // `trace`: one line per Newton step (mass error, step length, CG iterations, elapsed time) on stderr.
        if (args.Contains("trace")) FokkerPlanckNtk.Metrics.SemiDiscrete.SemiDiscreteTransport.Trace = Console.Error.WriteLine;
        // `diagonal`: the Newton systems preconditioned by their diagonal instead of multigrid (the solver itself, as `progress`).
        if (args.Contains("progress") || args.Contains("diagonal"))
        {
            var sd = FokkerPlanckNtk.Metrics.SemiDiscrete.SemiDiscreteTransport.Solve(grid, Density(0), atoms,
                FokkerPlanckNtk.Metrics.SemiDiscrete.SemiDiscreteOptions.Default with
                {
                    AllowAtomsOutsideBox = true,
                    Multigrid = !args.Contains("diagonal"),
                    // `maxevals=N`: stop after N cell evaluations (the cost of one evaluation at sizes whose solve takes minutes).
                    MaxEvaluations = args.Where(a => a.StartsWith("maxevals=", StringComparison.Ordinal)).Select(a => int.Parse(a[9..], CultureInfo.InvariantCulture)).DefaultIfEmpty(int.MaxValue).Last(),
                },
                new Progress<double>(v => Console.Error.WriteLine(FormattableString.Invariant($"{watch.Elapsed.TotalSeconds:F1} s: progress {v:F3}"))));
            Console.WriteLine(FormattableString.Invariant($"semi-discrete {sd.Seconds:F1} s peakMB={Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} [{sd.Lower:G8}, {sd.Upper:G8}] {sd.Status}: {sd.Message}"));
            return;
        }
        r = FokkerPlanckNtk.Metrics.Wasserstein.Between(grid, Density(0), atoms, options);
    }
    double seconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine(FormattableString.Invariant(
        $"case={string.Join(' ', args.Skip(1))} seconds={seconds:F1} peakMB={Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} W2={r.W2:G8} ±{r.ErrorBound:E2} bracket=[{r.Lower:G8}, {r.Upper:G8}] status={r.Status}{reference} method={r.Method}"));
    Console.WriteLine(r.Message);
    return;
}
if (args.Length > 2 && args[0] == "density-w2")
{
    // The NTK-regime study's W2 of the densities at one (α, t): spectral p_t (basis 256 × 24, tolerance 1e-10/α) against p0,
    // exact cell averages on 128² cells of ±7, negative averages clamped to 0 (as the study does). Usage: density-w2 ALPHA T [FILE]
    // (FILE: p_t and p0 as raw doubles, for re-use by density-w2-file).
    double alpha = double.Parse(args[1], CultureInfo.InvariantCulture), t = double.Parse(args[2], CultureInfo.InvariantCulture);
    var grid = FokkerPlanckNtk.Grids.UniformGrid.Cube(2, 128, 7);
    var model = new FokkerPlanckNtk.Spectral.SpectralModel(FokkerPlanckNtk.Model.Problem.Default.With(alpha: alpha), new FokkerPlanckNtk.Spectral.SpectralBasis([256, 24]));
    var solver = new FokkerPlanckNtk.Spectral.SpectralSolver(model, new FokkerPlanckNtk.Spectral.SpectralSolverOptions(1e-10 / Math.Max(1, alpha)));
    solver.AdvanceTo(t);
    var p = model.CellAverages(solver.Coefficients, grid);
    var unit = new double[model.Count];
    unit[0] = 1;
    var p0 = model.CellAverages(unit, grid);
    double clamped = 0;
    for (int c = 0; c < p.Length; c++) if (p[c] < 0) { clamped -= p[c] * grid.CellVolume; p[c] = 0; }
    Console.WriteLine(FormattableString.Invariant($"clamped mass {clamped:E2}; zero cells {p.Count(v => v == 0)}"));
    if (args.Length > 3)
    {
        using var f = File.Create(args[3]);
        f.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.AsSpan()));
        f.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p0.AsSpan()));
    }
    var watch = Stopwatch.StartNew();
    var r = FokkerPlanckNtk.Metrics.Wasserstein.Between(grid, p, p0, FokkerPlanckNtk.Metrics.W2Options.ProbabilityMeasures);
    Console.WriteLine(FormattableString.Invariant($"W2={r.W2:G8} ±{r.ErrorBound:E2} status={r.Status} {watch.Elapsed.TotalSeconds:F1} s"));
    Console.WriteLine(r.Message);
    return;
}
if (args.Length > 2 && args[0] == "product-w2")
{
    // The product path's W2(p_t, p0) of `fpntk solve` (FV, auto stepper, 128² on ±7 unless CELLS), at COUNT equally spaced
    // output times up to END: PDE wall time, then each W2 with its time and the solver's message. Usage:
    // product-w2 ALPHA END [CELLS [COUNT [DIR]]] [--no-w2] (DIR: p_t of each time and p0 as raw doubles, t_K.bin and p0.bin).
    double alpha = double.Parse(args[1], CultureInfo.InvariantCulture), end = double.Parse(args[2], CultureInfo.InvariantCulture);
    int cells = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 128;
    int count = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 10;
    string? dir = args.Length > 5 && !args[5].StartsWith("--", StringComparison.Ordinal) ? args[5] : null;
    var model = new FokkerPlanckNtk.FiniteVolume.FiniteVolumeModel(FokkerPlanckNtk.Model.Problem.Default.With(alpha: alpha),
        FokkerPlanckNtk.Grids.UniformGrid.Cube(2, cells, 7));
    var solver = new FokkerPlanckNtk.FiniteVolume.PdeSolver(model,
        new FokkerPlanckNtk.FiniteVolume.PdeSolverOptions(Stepper: FokkerPlanckNtk.FiniteVolume.StepperKind.Auto));
    var p0 = model.ReferenceDensity();
    if (dir is not null) File.WriteAllBytes(Path.Combine(dir, "p0.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(p0.AsSpan()).ToArray());
    double pdeSeconds = 0, w2Seconds = 0;
    for (int k = 1; k <= count; k++)
    {
        double t = end * k / count;
        var watch = Stopwatch.StartNew();
        solver.AdvanceTo(t);
        pdeSeconds += watch.Elapsed.TotalSeconds;
        var p = solver.Density;
        if (dir is not null) File.WriteAllBytes(Path.Combine(dir, $"t_{k}.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.AsSpan()).ToArray());
        if (args.Contains("--no-w2")) continue;
        watch.Restart();
        var r = FokkerPlanckNtk.Metrics.Wasserstein.Between(model.Grid, p, p0, FokkerPlanckNtk.Metrics.W2Options.ProbabilityMeasures);
        w2Seconds += watch.Elapsed.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant(
            $"t={t:G4} steps={solver.Steps} W2={r.W2:G8} ±{r.ErrorBound:E2} bracket=[{r.Lower:G8}, {r.Upper:G8}] status={r.Status} w2s={watch.Elapsed.TotalSeconds:F2}"));
        Console.WriteLine("  " + r.Message);
    }
    Console.WriteLine(FormattableString.Invariant($"PDE {pdeSeconds:F1} s ({solver.Steps} steps, explicit bound {solver.ExplicitBoundSteps:E3}), W2 {w2Seconds:F1} s"));
    return;
}
if (args.Length > 1 && args[0] == "grid-w2-file")
{
    // GridTransport on two raw-double density files of one grid (from product-w2 or density-w2): grid-w2-file P Q [--trace] (--trace: each Newton step).
    var p = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(args[1])).ToArray();
    var q = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(args[2])).ToArray();
    int cells = (int)Math.Round(Math.Sqrt(p.Length));
    var grid = FokkerPlanckNtk.Grids.UniformGrid.Cube(2, cells, 7);
    // A local function: the mode also runs against an older library build (copied over FokkerPlanckNtk.dll) without --trace.
    static void EnableTrace() => FokkerPlanckNtk.Metrics.SemiDiscrete.SemiDiscreteTransport.Trace = Console.WriteLine;
    if (args.Contains("--trace")) EnableTrace();
    var watch = Stopwatch.StartNew();
    var r = FokkerPlanckNtk.Metrics.Wasserstein.Between(grid, p, q, FokkerPlanckNtk.Metrics.W2Options.ProbabilityMeasures);
    Console.WriteLine(FormattableString.Invariant(
        $"W2={r.W2:G8} ±{r.ErrorBound:E2} bracket=[{r.Lower:G8}, {r.Upper:G8}] status={r.Status} {watch.Elapsed.TotalSeconds:F2} s"));
    Console.WriteLine(r.Message);
    return;
}
if (args.Length > 1 && args[0] == "grid-work")
{
    // The cost model of GridTransport's work cap: for each case the work (cell evaluations × cells, all levels and both
    // directions), the wall time and the process CPU time, uncapped; the CPU time over the work is the idle rate per unit (on
    // two idle cores the wall time is about half the CPU time). Cases: KIND:DELTA:CELLS:DIM (KIND shift, scale or rotate of
    // N(0, I) against N(0, I), midpoint cell values on ±7) or FILE_P,FILE_Q (raw doubles of a 128² or other square 2D grid,
    // from product-w2 DIR). Usage: grid-work CASE… [--budget=S] (S: the facade's budget instead of no cap).
    double budget = args.FirstOrDefault(a => a.StartsWith("--budget=", StringComparison.Ordinal)) is { } b
        ? double.Parse(b["--budget=".Length..], CultureInfo.InvariantCulture) : double.PositiveInfinity;
    foreach (var c in args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal)))
    {
        FokkerPlanckNtk.Grids.UniformGrid grid;
        double[] p, q;
        if (c.Contains(','))
        {
            var files = c.Split(',');
            p = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(files[0])).ToArray();
            q = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(files[1])).ToArray();
            grid = FokkerPlanckNtk.Grids.UniformGrid.Cube(2, (int)Math.Round(Math.Sqrt(p.Length)), 7);
        }
        else
        {
            var parts = c.Split(':');
            double delta = double.Parse(parts[1], CultureInfo.InvariantCulture);
            int cells = int.Parse(parts[2], CultureInfo.InvariantCulture), dim = int.Parse(parts[3], CultureInfo.InvariantCulture);
            grid = FokkerPlanckNtk.Grids.UniformGrid.Cube(dim, cells, 7);
            var mean = new double[dim];
            var scale = Enumerable.Repeat(1.0, dim).ToArray();
            if (parts[0] == "shift") mean[0] = delta;
            else if (parts[0] == "scale") scale[0] = 1 + delta;
            else { mean[0] = 0.3 * delta; mean[1] = -0.2 * delta; scale[0] = (1 + delta) * (1 + delta); scale[1] = 1 / scale[0]; }
            double Rotated(double[] z, int k) => parts[0] == "rotate" && k < 2
                ? (k == 0 ? Math.Cos(Math.PI / 6) * z[0] + Math.Sin(Math.PI / 6) * z[1] : -Math.Sin(Math.PI / 6) * z[0] + Math.Cos(Math.PI / 6) * z[1]) : z[k];
            p = new double[grid.Count];
            q = new double[grid.Count];
            var z = new double[dim];
            var d = new double[dim];
            for (int cell = 0; cell < grid.Count; cell++)
            {
                grid.Center(cell, z);
                for (int k = 0; k < dim; k++) d[k] = z[k] - mean[k];
                double e = 0, e0 = 0;
                for (int k = 0; k < dim; k++) { double u = Rotated(d, k) / scale[k]; e += u * u; e0 += z[k] * z[k]; }
                p[cell] = Math.Exp(-0.5 * e);
                q[cell] = Math.Exp(-0.5 * e0);
            }
            double sp = p.Sum() * grid.CellVolume, sq = q.Sum() * grid.CellVolume;
            for (int cell = 0; cell < grid.Count; cell++) { p[cell] /= sp; q[cell] /= sq; }
        }
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var r = double.IsPositiveInfinity(budget)
            ? FokkerPlanckNtk.Metrics.SemiDiscrete.GridTransport.Between(grid, p, q, normalize: true)
            : FokkerPlanckNtk.Metrics.Wasserstein.Between(grid, p, q, FokkerPlanckNtk.Metrics.W2Options.ProbabilityMeasures with { ExactSecondsBudget = budget });
        double wall = watch.Elapsed.TotalSeconds;
        process.Refresh();
        double cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        var m = System.Text.RegularExpressions.Regex.Match(r.Message, @"work ([0-9.eE+]+)");
        double work = m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
        Console.WriteLine(FormattableString.Invariant(
            $"{Path.GetFileName(c)} grid={string.Join("x", grid.Cells)} work={work:G4} wall={wall:F2} cpu={cpuSeconds:F2} cpu/work={cpuSeconds / work:E3} W2={r.W2:G6} ±{r.ErrorBound:E2} [{r.Lower:G6}, {r.Upper:G6}] status={r.Status} load={File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        if (args.Contains("--messages")) Console.WriteLine("  " + r.Message);
    }
    return;
}
if (args.Length > 2 && args[0] == "transport-before-after")
{
    TransportBeforeAfter.Run(args);
    return;
}
if (args.Length > 2 && args[0] == "before-after")
{
    BeforeAfter.Run(args);
    return;
}
if (args.Length > 0 && args[0] == "feedback")
{
    // The implicit-feedback stepper on the default problem (128², d = 1) at large α, to t = 1: steps, rejections,
    // Newton iterations, wall time, and the number of steps the explicit bound would need on the same trajectory.
    // Usage: feedback [alpha [tolerance [cells [end [threads]]]]].
    double alpha = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
    double tol = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : FokkerPlanckNtk.FiniteVolume.PdeSolver.DefaultTolerance;
    int cells = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 128;
    double end = args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 1;
    Parallelism.Threads = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 2;
    var model = new FokkerPlanckNtk.FiniteVolume.FiniteVolumeModel(FokkerPlanckNtk.Model.Problem.Default.With(alpha: alpha),
        FokkerPlanckNtk.Grids.UniformGrid.Cube(2, cells, 7));
    var solver = new FokkerPlanckNtk.FiniteVolume.PdeSolver(model,
        new FokkerPlanckNtk.FiniteVolume.PdeSolverOptions(Stepper: FokkerPlanckNtk.FiniteVolume.StepperKind.ImplicitFeedback, Tolerance: tol));
    double qPrev = solver.Diagnose().FreeEnergy, worst = double.NegativeInfinity, min = double.PositiveInfinity;
    bool track = args.Contains("--energy");
    void AfterStep(FokkerPlanckNtk.FiniteVolume.PdeSolver s)
    {
        min = Math.Min(min, TensorPrimitivesMin(s.Density));
        if (!track) return;
        double q = s.Diagnose().FreeEnergy;
        worst = Math.Max(worst, (q - qPrev) / Math.Abs(qPrev));
        qPrev = q;
    }
    var watch = Stopwatch.StartNew();
    foreach (double t in new[] { 1e-4, 1e-3, 1e-2, 0.1, 0.5, 1.0 }.Where(t => t < end).Append(end))
    {
        while (solver.Time < t)
        {
            solver.StepToward(t);
            AfterStep(solver);
        }
        var d = solver.Diagnose();
        Console.WriteLine(FormattableString.Invariant(
            $"t={t,-7:G4} steps={solver.Steps,6} rejected={solver.RejectedSteps,4} (error {solver.ErrorRejectedSteps,4}) newton={solver.NewtonIterations,6} explicitBound={solver.ExplicitBoundSteps,10:E3} wall={watch.Elapsed.TotalSeconds,7:F2}s loss={d.Loss:E4} Q={d.FreeEnergy:E6} mass-1={d.Mass - 1:E1} min={min:E1} estSum={solver.ErrorEstimateSum:E2} dt={solver.LastStep:E2}"));
    }
    if (track) Console.WriteLine(FormattableString.Invariant($"largest relative increase of Q over a step: {worst:E2}"));
    Console.WriteLine("r = " + string.Join(" ", solver.Diagnose().Residuals.Select(v => v.ToString("E6", CultureInfo.InvariantCulture))));
    return;
}
if (args.Length > 0 && args[0] == "spectral-feedback")
{
    // The spectral solver (ROS34PW2 with the rank-n feedback in W) on the default problem (d = 1) at large α, to t = 1:
    // steps, rejections, wall time, and the steps the explicit stiff-mode bound (CFL 0.5) would need on the same
    // trajectory. Usage: spectral-feedback [alpha [tolerance [thetaModes [uModes [end [threads]]]]]].
    double alpha = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
    double tol = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : FokkerPlanckNtk.Spectral.SpectralSolverOptions.DefaultTolerance;
    int k = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64;
    int nu = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 24;
    double end = args.Length > 5 ? double.Parse(args[5], CultureInfo.InvariantCulture) : 1;
    Parallelism.Threads = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 2;
    var model = new FokkerPlanckNtk.Spectral.SpectralModel(FokkerPlanckNtk.Model.Problem.Default.With(alpha: alpha), new FokkerPlanckNtk.Spectral.SpectralBasis([k, nu]));
    var solver = new FokkerPlanckNtk.Spectral.SpectralSolver(model, new FokkerPlanckNtk.Spectral.SpectralSolverOptions(tol));
    var watch = Stopwatch.StartNew();
    try
    {
        foreach (double t in new[] { 1e-4, 1e-3, 1e-2, 0.1, 0.2, 0.3, 0.5, 1.0 }.Where(t => t < end).Append(end))
        {
            solver.AdvanceTo(t);
            var d = solver.Diagnose();
            Console.WriteLine(FormattableString.Invariant(
                $"t={t,-7:G4} steps={solver.Steps,6} rejected={solver.RejectedSteps,4} explicitBound={solver.ExplicitBoundSteps,10:E3} wall={watch.Elapsed.TotalSeconds,7:F2}s loss={d.Loss:E4} Q={d.FreeEnergy:E6} chi2={d.Chi2P0:E3} tail={d.TailNorm:E1} (share {model.TailFraction(solver.Coefficients):E1}) dt={solver.LastStep:E2}"));
        }
    }
    catch (NumericalFailureException e)
    {
        Console.WriteLine(FormattableString.Invariant($"stopped after {watch.Elapsed.TotalSeconds:F2}s: {e.Message}"));
        return;
    }
    Console.WriteLine("r = " + string.Join(" ", solver.Diagnose().Residuals.Select(v => v.ToString("E6", CultureInfo.InvariantCulture))));
    return;
}
if (args.Length > 0 && args[0] == "accuracy")
{
    // Time error against the same grid's converged-in-time solution (SSP-RK3 at CFL 0.02), for SSP-RK3 at its
    // default CFL and the implicit-feedback stepper at several tolerances: L1 of the density and max |Δr| at the end.
    // Usage: accuracy [alpha [cells [end [tolerances...]]]].
    double alpha = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 2;
    int cells = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
    double end = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 1;
    var tols = args.Length > 4 ? args[4..].Select(a => double.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1e-3, 1e-4, 1e-5, 1e-6];
    Parallelism.Threads = 2;
    var model = new FokkerPlanckNtk.FiniteVolume.FiniteVolumeModel(FokkerPlanckNtk.Model.Problem.Default.With(alpha: alpha),
        FokkerPlanckNtk.Grids.UniformGrid.Cube(2, cells, 7));
    (double[] P, double[] R, long Steps, double Seconds, FokkerPlanckNtk.FiniteVolume.PdeSolver S) Run(FokkerPlanckNtk.FiniteVolume.PdeSolverOptions o)
    {
        var s = new FokkerPlanckNtk.FiniteVolume.PdeSolver(model, o);
        var watch = Stopwatch.StartNew();
        s.AdvanceTo(end);
        return (s.Density, s.Diagnose().Residuals, s.Steps, watch.Elapsed.TotalSeconds, s);
    }
    // At large α the explicit reference is out of reach (its bound needs ~10⁶ steps per unit time): then the
    // reference is the implicit-feedback stepper itself at τ = 1e-10.
    bool stiff = alpha > 64;
    var reference = Run(stiff ? new FokkerPlanckNtk.FiniteVolume.PdeSolverOptions(Stepper: FokkerPlanckNtk.FiniteVolume.StepperKind.ImplicitFeedback, Tolerance: 1e-10)
        : new FokkerPlanckNtk.FiniteVolume.PdeSolverOptions(Cfl: 0.02));
    void Show(string name, (double[] P, double[] R, long Steps, double Seconds, FokkerPlanckNtk.FiniteVolume.PdeSolver S) x)
    {
        double l1 = FokkerPlanckNtk.FiniteVolume.ColumnKernels.L1Distance(x.P, reference.P) * model.Grid.CellVolume;
        double dr = x.R.Zip(reference.R, (a, b) => Math.Abs(a - b)).Max();
        Console.WriteLine(FormattableString.Invariant(
            $"{name,-22} steps={x.Steps,6} rejected={x.S.RejectedSteps,4} newton={x.S.NewtonIterations,6} wall={x.Seconds,7:F2}s L1={l1:E2} |dr|={dr:E2} estSum={x.S.ErrorEstimateSum:E2}"));
    }
    Show(stiff ? "feedback 1e-10 (ref)" : "ssprk3 cfl 0.02 (ref)", reference);
    if (!stiff) Show("ssprk3 cfl 0.5", Run(new FokkerPlanckNtk.FiniteVolume.PdeSolverOptions()));
    foreach (double tol in tols)
        foreach (double cfl in stiff ? new[] { 0.5 } : new[] { 0.5, 1.0 })
            Show(FormattableString.Invariant($"feedback {tol:G2} cfl {cfl}"), Run(new FokkerPlanckNtk.FiniteVolume.PdeSolverOptions(cfl, FokkerPlanckNtk.FiniteVolume.StepperKind.ImplicitFeedback, Tolerance: tol)));
    return;
}
if (args.Length > 0 && args[0] == "stiff-order")
{
    // The time order in the stiff regime: from t0 (after the fast transient, reached at τ = 1e-10) fixed steps
    // h = span/N with h·(2α²/n)λ_max(H) ≫ 1, against the stepper at τ = 1e-10 over the same span.
    // Usage: stiff-order [alpha [cells [t0 [span]]]].
    double alpha = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
    int cells = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 32;
    double t0 = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 0.02;
    double span = args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 0.2;
    Parallelism.Threads = 2;
    var model = new FokkerPlanckNtk.FiniteVolume.FiniteVolumeModel(FokkerPlanckNtk.Model.Problem.Default.With(alpha: alpha),
        FokkerPlanckNtk.Grids.UniformGrid.Cube(2, cells, 7));
    FokkerPlanckNtk.FiniteVolume.PdeSolverOptions Tight() => new(Stepper: FokkerPlanckNtk.FiniteVolume.StepperKind.ImplicitFeedback, Tolerance: 1e-10);
    var start = new FokkerPlanckNtk.FiniteVolume.PdeSolver(model, Tight());
    start.AdvanceTo(t0);
    var state = start.Save() with { NextStep = 0, PreviousError = 1 };
    var reference = new FokkerPlanckNtk.FiniteVolume.PdeSolver(model, Tight());
    reference.Restore(state);
    reference.AdvanceTo(t0 + span);
    var rRef = reference.Diagnose().Residuals;
    double previousL1 = double.NaN, previousR = double.NaN;
    foreach (int n in new[] { 10, 20, 40, 80, 160, 320 })
    {
        var s = new FokkerPlanckNtk.FiniteVolume.PdeSolver(model,
            new FokkerPlanckNtk.FiniteVolume.PdeSolverOptions(1.0, FokkerPlanckNtk.FiniteVolume.StepperKind.ImplicitFeedback, span / n, double.PositiveInfinity));
        s.Restore(state);
        s.AdvanceTo(t0 + span);
        double l1 = FokkerPlanckNtk.FiniteVolume.ColumnKernels.L1Distance(s.Density, reference.Density) * model.Grid.CellVolume;
        double dr = s.Diagnose().Residuals.Zip(rRef, (a, b) => Math.Abs(a - b)).Max();
        Console.WriteLine(FormattableString.Invariant(
            $"N={n,4} h={span / n:E2} h·rate={0.5 * s.ExplicitBoundSteps / n:E2} steps={s.Steps - state.Steps,4} L1={l1:E3} ({Math.Log2(previousL1 / l1):F2}) |dr|={dr:E3} ({Math.Log2(previousR / dr):F2})"));
        previousL1 = l1;
        previousR = dr;
    }
    return;
}
static double TensorPrimitivesMin(double[] x) => System.Numerics.Tensors.TensorPrimitives.Min(x);
if (args.Length > 0 && args[0] == "w2-estimate")
{
    // The exact W2's time estimate against its wall and CPU time: a 128² grid density (N(0, I) on [±7]²) against m particles
    // (N(0, I) samples), the comparison of a run, solved exactly (no budget), with the load average beside it.
    var grid = FokkerPlanckNtk.Grids.UniformGrid.Cube(2, 128, 7);
    var density = grid.Sample(z => Math.Exp(-0.5 * (z[0] * z[0] + z[1] * z[1])));
    double norm = density.Sum() * grid.CellVolume;
    for (int c = 0; c < density.Length; c++) density[c] /= norm;
    var self = Process.GetCurrentProcess();
    foreach (int m in args.Length > 1 ? args[1..].Select(int.Parse).ToArray() : [2000, 5000, 10_000, 20_000])
    {
        var random = new TransportProblems.SplitMix64(7);
        var x = new double[2 * m];
        for (int i = 0; i < x.Length; i++) x[i] = random.Gaussian();
        var particles = new FokkerPlanckNtk.Metrics.AtomicMeasure(x, 2, name: "particles");
        var options = FokkerPlanckNtk.Metrics.W2Options.ProbabilityMeasures with { ExactSecondsBudget = double.PositiveInfinity, Atomic = true };
        string load0 = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        double share = CpuShare.Measure();
        self.Refresh();
        var cpu0 = self.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var r = FokkerPlanckNtk.Metrics.Wasserstein.Between(grid, density, particles, options);
        double wall = watch.Elapsed.TotalSeconds;
        self.Refresh();
        double cpu = (self.TotalProcessorTime - cpu0).TotalSeconds;
        string load1 = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        double estimate = FokkerPlanckNtk.Metrics.Wasserstein.EstimatedExactSeconds(grid.Count, m);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"m={m} estimate={estimate:F2}s wall={wall:F2}s cpu={cpu:F2}s wall/estimate={wall / estimate:F2} cpu/estimate={cpu / estimate:F2} share={share:F3} estimate/share={estimate / share:F2}s load={load0}..{load1} threads={Parallelism.Threads}"));
        Console.WriteLine("  " + r.Message);
    }
    return;
}
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
    // The same through the run (RunSession, as fpntk solve and fpntk simulate build it): configuration, reduction, the
    // records at t = 0 and t = 1 (diagnostics, W2 to p0) for solve; for simulate m = 10^4 particles to t = 0.02 (20 steps)
    // with their records at t = 0 and 0.02 (projections, binned measures, W2, θ_⊥ moments).
    foreach (var (name, problem, mode) in cases.Concat(cases))
    {
        var settings = new FokkerPlanckNtk.Configuration.ProblemSettings(problem.Activation, problem.Alpha, problem.Lambda, problem.Data, problem.Initial)
        {
            Reduction = new FokkerPlanckNtk.Model.ReductionOptions(mode),
        };
        var solve = FokkerPlanckNtk.Configuration.RunConfiguration.Default with
        {
            Problem = settings,
            Grid = new FokkerPlanckNtk.Configuration.GridSettings([24, 24, 24, 24], [7, 7, 7, 7]),
            Time = new FokkerPlanckNtk.Configuration.TimeSettings(1.0, [1.0], 0.5, FokkerPlanckNtk.FiniteVolume.StepperKind.Auto),
        };
        var watch = Stopwatch.StartNew();
        var pde = FokkerPlanckNtk.Runs.RunSession.InMemory(solve, FokkerPlanckNtk.Runs.RunKind.Solve).Execute().Pde![^1];
        double pdeSeconds = watch.Elapsed.TotalSeconds;
        var simulate = solve with
        {
            Time = new FokkerPlanckNtk.Configuration.TimeSettings(0.02, [0.02], 0.5, FokkerPlanckNtk.FiniteVolume.StepperKind.Auto),
            Particles = new FokkerPlanckNtk.Configuration.ParticleSettings(10_000, 1e-3, 1),
        };
        watch.Restart();
        var particles = FokkerPlanckNtk.Runs.RunSession.InMemory(simulate, FokkerPlanckNtk.Runs.RunKind.Simulate).Execute().Particles![^1];
        Console.WriteLine($"run {name,-12}: solve 24⁴ to t = 1 {pdeSeconds,7:F2} s (r1 = {pde.Diagnostics.Residuals[0]:F6}, W2 {pde.W2P0.Method}), simulate m = 10^4, 20 steps {watch.Elapsed.TotalSeconds,7:F2} s (r1 = {particles.Residuals[0]:F6})");
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
        var rho = solver.Diagnose().Residuals;
        var g = new double[rho.Length];
        var k = new double[rho.Length * rho.Length];
        T("face sums (one Newton iteration)", () => solver.FeedbackRates(dens, rho, g, k));
        T("face sums, pass only", () => solver.FaceSumPass(dens));
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
            // SSP-RK3 and the implicit-feedback stepper at the same step 1e-4 (its estimate is far below 1e-5 there,
            // so every step is accepted); the latter's Newton iterations per step are shown.
            foreach (var kind in new[] { FokkerPlanckNtk.FiniteVolume.StepperKind.SspRk3, FokkerPlanckNtk.FiniteVolume.StepperKind.ImplicitFeedback })
            {
                var solver = PdeStepBenchmarks.MakeSolver(c, n, new FokkerPlanckNtk.FiniteVolume.PdeSolverOptions(Stepper: kind, Tolerance: 1e-5));
                for (int i = 0; i < 20; i++) solver.Step(1e-4);
                int steps = 200;
                long newton = solver.NewtonIterations;
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < steps; i++) solver.Step(1e-4);
                double ns = watch.Elapsed.TotalNanoseconds / steps / solver.Model.Grid.Count;
                Console.WriteLine(FormattableString.Invariant(
                    $"{c} n={n,2} threads={threads} {kind,-16}: {ns,6:F2} ns/cell/step, {(double)(solver.NewtonIterations - newton) / steps:F2} Newton iterations/step"));
            }
        }
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(PdeStepBenchmarks).Assembly).Run(args);
