using System.Text.Json;
using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Configuration;

/// <summary>
/// The configuration of docs/user-guide.md (camelCase JSON): problem, grid, time, particles, plus output options.
/// <see cref="Read"/> fills defaults and validates every value, so that a run fails at start (never midway)
/// on bad input; <see cref="ToJson"/> writes the effective configuration (config.json), which reads back
/// to an equal configuration.
/// </summary>
public sealed record RunConfiguration
{
    /// <summary><c>problem</c>: activation, α, λ, data, initial law.</summary>
    public required ProblemSettings Problem { get; init; }
    /// <summary><c>grid</c>: cells and half widths per axis.</summary>
    public required GridSettings Grid { get; init; }
    /// <summary><c>time</c>: end, output times, CFL, stepper.</summary>
    public required TimeSettings Time { get; init; }
    /// <summary><c>particles</c>: count, step, seed.</summary>
    public required ParticleSettings Particles { get; init; }
    /// <summary><c>output</c>: plots, checkpoint interval, diagnostics rows.</summary>
    public required OutputSettings Output { get; init; }

    /// <summary>The PDE solver (finite volume by default).</summary>
    public SolverSettings Solver { get; init; } = SolverSettings.FiniteVolume;

    /// <summary>Every key the configuration understands, with its meaning, allowed values and default.</summary>
    public static IReadOnlyList<(string Key, string Meaning)> Keys { get; } =
    [
        ("problem.activation", "tanh | sigmoid | erf | linear (default tanh)"),
        ("problem.alpha", "scaling α ≥ 0 (default 2)"),
        ("problem.lambda", "regularization λ > 0 (default 0.1)"),
        ("problem.data.x", "inputs: one row [x1..xd] per sample (default: the 4 points of the built-in problem)"),
        ("problem.data.y", "targets, one per row of x"),
        ("problem.data.file", "instead of x and y: a CSV file with header x1,...,xd,y (relative to the --config file)"),
        ("problem.initial.kind", "standardGaussian (p0, default) | gaussian"),
        ("problem.initial.mean", "gaussian only: mean over (θ_1..θ_d, u) (default 0)"),
        ("problem.initial.covariance", "gaussian only: (d+1)×(d+1) symmetric positive definite (default I)"),
        ("problem.reduction.mode", "auto | always | never: solve the PDE on the span of the inputs, k + 1 grid axes (ζ_1..ζ_k, u), when they span k < d dimensions (default auto; always: also when k = d, in the rotated basis; never: d + 1 axes)"),
        ("problem.reduction.tolerance", $"relative tolerance in (0, 1) of the rank of the inputs (singular values ≤ tol·σ_max count as zero) and of the factorization test of the initial law (default {DataSpan.DefaultTolerance:G})"),
        ("grid.cells", "cells per axis, integer ≥ 2: one number or one per axis θ_1..θ_d, u — ζ_1..ζ_k, u when reduced (default 128)"),
        ("grid.halfWidth", "box half width B > 0: one number or one per axis (default 7)"),
        ("grid.maxOutsideMass", "largest mass of the initial law outside the box that is accepted (default: the grid's discretization error Σ_k (Δ_k/σ_k)²/24); above 1e-8 a warning"),
        ("time.end", "final time > 0 (default 5, or the last output time)"),
        ("time.outputTimes", $"increasing times in (0, end] (default {TimeSettings.DefaultOutputCount} equally spaced); t = 0 and end are always recorded"),
        ("time.cfl", "fraction of the positivity step bound, in (0, 1] (default 0.5)"),
        ("time.stepper", string.Join(" | ", TimeSettings.Steppers) + " (default auto: implicitfeedback where the residual feedback is over 10× stiffer than the transport, else ssprk3; backwardeuler: implicit, first order, for long runs; implicitfeedback: second order, implicit residual feedback, for large α)"),
        ("time.maxStep", "upper limit of the PDE step > 0 (default: none; backwardeuler needs one when α = 0)"),
        ("time.tolerance", "local error tolerance of one step > 0, for the steppers with an error estimate (implicitfeedback, and the spectral solver): finite volumes: density change in L1 and residuals in max norm (default 1e-5); spectral: L²(p0) norm of δ(p/p0), which bounds the L1 norm of δp (default 1e-8)"),
        ("solver.kind", "finiteVolume (default) | spectral (Hermite–Galerkin in the basis of p0; d = 1, 2)"),
        ("solver.basis", "spectral only: Hermite modes per axis, integer ≥ 2: one number or one per axis θ_1..θ_d, u — ζ_1..ζ_k, u when reduced (default 64 per θ axis, 24 along u)"),
        ("particles.count", "number of particles m ≥ 1 (default 10000)"),
        ("particles.step", "Euler–Maruyama step η > 0 (default 0.001)"),
        ("particles.seed", "random seed, integer in 0..2^53−1 (default 1)"),
        ("output.plots", "true | false: draw the PNG/SVG plots (default true)"),
        ("output.checkpointSeconds", "wall-clock seconds between checkpoints > 0 (default 180)"),
        ("output.diagnosticsRows", "K, integer ≥ 0: diagnostics.csv has K + 1 rows at t = end·(k/K)³, dense at the start (default 300; 0: none)"),
        ("output.w2Seconds", "budget in seconds ≥ 0 of each W2 at an output time (default 10; 0: always the cheapest certified bracket, e.g. for sweeps of many runs): an exact W2 between atoms whose solve is estimated to take longer is written as its certified bracket (w2_lower, w2_upper) from coarsened measures; the W2 of two grid densities (2D, 3D up to 32³) has its work capped at the budget's worth in an idle-machine cost model, the same on any machine and load, a capped one written as its certified bracket (method '… capped by the work budget …'); a 2D grid density against particles is solved exactly, semi-discrete, when its estimate fits the budget, else written as the certified bracket from the cell-centre atoms, method 'cell-centre atoms widened by the cell offset'"),
        ("output.w2FloorRepetitions", "run only: seeded repetitions R ≥ 0 of the sampling floor in comparison.csv (w2_floor, w2_floor_sd: mean and sd of the W2 between m samples of the PDE density and the density, by the method of w2; default " + OutputSettings.DefaultFloorRepetitions + "; 0: none)"),
    ];

    /// <summary>The key names of <see cref="Keys"/>.</summary>
    public static IReadOnlyList<string> KnownKeys { get; } = Keys.Select(k => k.Key).ToArray();

    /// <summary>The built-in default problem (docs/user-guide.md) with every default filled in.</summary>
    public static RunConfiguration Default => Read(new ConfigurationTree([]));

    /// <summary>
    /// Reads and validates a configuration. Relative data-file paths are resolved against
    /// <paramref name="baseDirectory"/> (the folder of the --config file), or the current folder.
    /// </summary>
    public static RunConfiguration Read(ConfigurationTree tree, string? baseDirectory = null, params string[] ignoredPrefixes)
    {
        var problem = ProblemSettings.Read(tree, baseDirectory);
        var reduction = problem.ToReducedProblem(); // the factorization test of the initial law, the span's rank
        reduction.RequireGridDimension();
        string axes = reduction.IsIdentity
            ? $"d + 1 = {reduction.GridDimension} (θ_1..θ_d, u)"
            : $"k + 1 = {reduction.GridDimension} (ζ_1..ζ_k, u: the coordinates of the span of the inputs, see problem.reduction)";
        var config = new RunConfiguration
        {
            Problem = problem,
            Grid = GridSettings.Read(tree, reduction.GridDimension, axes),
            Time = TimeSettings.Read(tree),
            Particles = ParticleSettings.Read(tree),
            Output = OutputSettings.Read(tree),
            Solver = SolverSettings.Read(tree, reduction.GridDimension, axes),
        };
        tree.RejectUnknownKeys(KnownKeys, ignoredPrefixes);
        return config;
    }

    /// <summary>Reads a JSON configuration file (as written by <see cref="ToJson"/> or by hand).</summary>
    public static RunConfiguration Load(string path)
    {
        if (!File.Exists(path)) throw new InputException("--config", path, "the configuration file does not exist");
        return Read(JsonFlattener.FlattenFile(path), Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Reads a configuration from JSON text (as written by <see cref="ToJson"/>); <paramref name="source"/> names it in messages.</summary>
    public static RunConfiguration FromJson(string json, string source = "configuration") =>
        Read(new ConfigurationTree(JsonFlattener.Flatten(json, source)));

    /// <summary>The effective configuration as indented JSON, data inline, numbers in round-trip form.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = IO.JsonText.Writer(buffer))
        {
            w.WriteStartObject();
            Problem.Write(w);
            Grid.Write(w);
            Time.Write(w);
            Particles.Write(w);
            Output.Write(w);
            Solver.Write(w);
            w.WriteEndObject();
        }
        return IO.JsonText.CompactNumberArrays(Encoding.UTF8.GetString(buffer.ToArray())) + "\n";
    }

    internal static void WriteArray(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }
}

/// <summary><c>problem</c>: activation, α, λ, the data set (inline or a CSV file), the initial law and the reduction
/// to the span of the inputs.</summary>
public sealed record ProblemSettings(Activation Activation, double Alpha, double Lambda, DataSet Data, InitialLaw Initial)
{
    /// <summary><c>problem.reduction</c>: when and with what tolerance the PDE is solved on the span of the inputs.</summary>
    public ReductionOptions Reduction { get; init; } = ReductionOptions.Default;

    internal static ProblemSettings Read(ConfigurationTree t, string? baseDirectory)
    {
        var defaults = Model.Problem.Default;
        var activation = Activation.FromName(t.String("problem:activation", defaults.Activation.Name));
        double alpha = t.Double("problem:alpha", defaults.Alpha);
        double lambda = t.Double("problem:lambda", defaults.Lambda);
        var data = ReadData(t, baseDirectory);
        var initial = ReadInitial(t, data.Dimension + 1);
        var reduction = new ReductionOptions(
            ReductionOptions.ParseMode(t.String("problem:reduction:mode", "auto")),
            t.Double("problem:reduction:tolerance", DataSpan.DefaultTolerance));
        // The Problem constructor checks α ≥ 0, λ > 0 and the dimensions against each other.
        var problem = new Problem(activation, alpha, lambda, data, initial);
        return new ProblemSettings(problem.Activation, problem.Alpha, problem.Lambda, problem.Data, problem.Initial) { Reduction = reduction };
    }

    /// <summary>The problem reduced to the span of its inputs (the identity when nothing is reduced): the PDE solvers
    /// take <see cref="ReducedProblem.Reduced"/>, the particles <see cref="ReducedProblem.Full"/>.</summary>
    public ReducedProblem ToReducedProblem() => new(ToProblem(), Reduction);

    private static DataSet ReadData(ConfigurationTree t, string? baseDirectory)
    {
        string? file = t.OptionalString("problem:data:file");
        bool inline = t.Exists("problem:data:x") || t.Exists("problem:data:y");
        if (file is not null)
        {
            if (inline)
                throw new InputException("problem.data", "file and x/y", "give either problem.data.file or problem.data.x and problem.data.y, not both");
            string path = Path.IsPathRooted(file) ? file : Path.GetFullPath(Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), file));
            return DataSet.FromCsv(path);
        }
        if (!inline) return DataSet.Default;
        var x = t.Matrix("problem:data:x") ?? throw new InputException("problem.data.x", null, "is required when problem.data.y is given");
        var y = t.Doubles("problem:data:y") ?? throw new InputException("problem.data.y", null, "is required when problem.data.x is given");
        return new DataSet(x, y);
    }

    private static InitialLaw ReadInitial(ConfigurationTree t, int dimension)
    {
        string kind = t.String("problem:initial:kind", "standardGaussian");
        var mean = t.Doubles("problem:initial:mean");
        var cov = t.Matrix("problem:initial:covariance");
        switch (kind.ToLowerInvariant())
        {
            case "standardgaussian":
                if (mean is not null || cov is not null)
                    throw new InputException("problem.initial.kind", kind, "mean and covariance are only allowed with kind = gaussian");
                return InitialLaw.StandardGaussian(dimension);
            case "gaussian":
                mean ??= new double[dimension];
                if (mean.Length != dimension)
                    throw new InputException("problem.initial.mean", $"{mean.Length} entries", $"must have d + 1 = {dimension} entries (θ_1..θ_d, u)");
                var c = new double[dimension, dimension];
                if (cov is null)
                    for (int i = 0; i < dimension; i++) c[i, i] = 1;
                else
                {
                    if (cov.Length != dimension || cov.Any(r => r.Length != dimension))
                        throw new InputException("problem.initial.covariance", $"{cov.Length} rows", $"must be a {dimension}x{dimension} matrix (θ_1..θ_d, u)");
                    for (int i = 0; i < dimension; i++)
                        for (int j = 0; j < dimension; j++) c[i, j] = cov[i][j];
                }
                return InitialLaw.Gaussian(mean, c);
            default:
                throw new InputException("problem.initial.kind", kind, "must be standardGaussian or gaussian");
        }
    }

    /// <summary>The problem these settings describe.</summary>
    public Problem ToProblem() => new(Activation, Alpha, Lambda, Data, Initial);

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("problem");
        w.WriteString("activation", Activation.Name);
        w.WriteNumber("alpha", Alpha);
        w.WriteNumber("lambda", Lambda);
        w.WriteStartObject("data");
        JsonText.WriteMatrix(w, "x", Data.Count, Data.Dimension, (i, j) => Data.X(i)[j]);
        RunConfiguration.WriteArray(w, "y", Data.Y.ToArray());
        w.WriteEndObject();
        w.WriteStartObject("initial");
        if (Initial.IsStandard) w.WriteString("kind", "standardGaussian");
        else
        {
            w.WriteString("kind", "gaussian");
            RunConfiguration.WriteArray(w, "mean", Initial.Mean);
            JsonText.WriteMatrix(w, "covariance", Initial.Dimension, Initial.Dimension, (i, j) => Initial.Covariance[i, j]);
        }
        w.WriteEndObject();
        if (Reduction != ReductionOptions.Default) // written when set, so that a run without it keeps its config.json
        {
            w.WriteStartObject("reduction");
            w.WriteString("mode", Reduction.Mode.ToString().ToLowerInvariant());
            w.WriteNumber("tolerance", Reduction.Tolerance);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>Equal settings: same activation, α, λ, data and initial law.</summary>
    public bool Equals(ProblemSettings? other) =>
        other is not null && Activation.Name == other.Activation.Name && Alpha.Equals(other.Alpha) && Lambda.Equals(other.Lambda)
        && Data.XFlat.SequenceEqual(other.Data.XFlat) && Data.Y.SequenceEqual(other.Data.Y) && Data.Dimension == other.Data.Dimension
        && Initial.IsStandard == other.Initial.IsStandard && Initial.Mean.SequenceEqual(other.Initial.Mean)
        && Initial.Covariance.Cast<double>().SequenceEqual(other.Initial.Covariance.Cast<double>()) && Reduction == other.Reduction;

    /// <summary>A hash consistent with <see cref="Equals(ProblemSettings?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(Activation.Name, Alpha, Lambda, Data.Count);
}

/// <summary><c>grid</c>: cells and half widths per axis (θ_1..θ_d, u); one number in the file means every axis.</summary>
/// <param name="MaxOutsideMass">Largest mass of the initial law outside the box that is accepted; null: the grid's own
/// discretization error (<see cref="FiniteVolume.FiniteVolumeModel.DiscretizationError"/>). Smaller losses above 1e-8 are warnings.</param>
/// <param name="Cells">Cells per axis (θ_1..θ_d, u).</param>
/// <param name="HalfWidth">Half width B per axis: the box is [−B, B].</param>
public sealed record GridSettings(int[] Cells, double[] HalfWidth, double? MaxOutsideMass = null)
{
    /// <summary>
    /// 128 cells per axis, as in the user guide's example: with 10⁴ particles and 10 output times every W2 of
    /// the default run is exact (network simplex with column generation) and the run takes about a minute.
    /// </summary>
    public const int DefaultCells = 128;

    /// <param name="t">The configuration.</param>
    /// <param name="dimension">The axes of the grid: d + 1, or k + 1 when the problem is reduced to the span of the inputs.</param>
    /// <param name="axes">How many axes and what they are, for messages.</param>
    internal static GridSettings Read(ConfigurationTree t, int dimension, string? axes = null)
    {
        axes ??= $"d + 1 = {dimension} (θ_1..θ_d, u)";
        var cells = Expand(t.Ints("grid:cells", 2) ?? [DefaultCells], dimension, "grid.cells", axes);
        var half = Expand(t.Doubles("grid:halfWidth") ?? [7.0], dimension, "grid.halfWidth", axes);
        for (int k = 0; k < dimension; k++)
        {
            if (cells[k] < 2) throw new InputException(Key("grid.cells", k, cells), cells[k], "must be a whole number ≥ 2");
            if (!(half[k] > 0)) throw new InputException(Key("grid.halfWidth", k, half), half[k], "must be a finite positive number");
        }
        double? maxOutside = t.OptionalDouble("grid:maxOutsideMass");
        if (maxOutside is double m && !(m >= 0 && m <= 1))
            throw new InputException("grid.maxOutsideMass", m, "must be a mass in [0, 1]");
        var settings = new GridSettings(cells, half, maxOutside);
        _ = settings.ToGrid(); // size and range checks of the grid itself
        return settings;
    }

    private static string Key<T>(string key, int k, T[] values) => values.Distinct().Count() == 1 ? key : $"{key}[{k}]";

    private static T[] Expand<T>(T[] values, int dimension, string key, string axes)
    {
        if (values.Length == 1) return Enumerable.Repeat(values[0], dimension).ToArray();
        if (values.Length != dimension)
            throw new InputException(key, $"{values.Length} values", $"give one number for every axis or one per axis: {axes}");
        return values;
    }

    /// <summary>The grid these settings describe.</summary>
    public UniformGrid ToGrid() => new(Cells, HalfWidth);

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("grid");
        w.WriteStartArray("cells");
        foreach (var c in Cells) w.WriteNumberValue(c);
        w.WriteEndArray();
        RunConfiguration.WriteArray(w, "halfWidth", HalfWidth);
        if (MaxOutsideMass is double m) w.WriteNumber("maxOutsideMass", m);
        w.WriteEndObject();
    }

    /// <summary>Equal settings: the same cells, half widths and outside-mass limit.</summary>
    public bool Equals(GridSettings? other) =>
        other is not null && Cells.SequenceEqual(other.Cells) && HalfWidth.SequenceEqual(other.HalfWidth) && MaxOutsideMass == other.MaxOutsideMass;
    /// <summary>A hash consistent with <see cref="Equals(GridSettings?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(Cells.Length, Cells[0], HalfWidth[0]);
}

/// <summary>
/// <c>time</c>: end time, output times (ascending, in (0, end]; the end is always an output time; t = 0 is
/// recorded too), CFL factor, stepper name and the local error tolerance (null: the solver's default). Without
/// output times, <see cref="DefaultOutputCount"/> equally spaced times up to the end.
/// </summary>
public sealed record TimeSettings(double End, double[] OutputTimes, double Cfl, StepperKind Stepper, double MaxStep = double.PositiveInfinity,
    double? Tolerance = null)
{
    /// <summary>Output times when none are configured: this many, equally spaced up to the end.</summary>
    public const int DefaultOutputCount = 10;

    /// <summary>
    /// The configuration's stepper: <see cref="StepperKind.Auto"/> (implicit feedback where the residual feedback
    /// dominates, else SSP-RK3; the library's <see cref="PdeSolverOptions"/> default to SSP-RK3).
    /// </summary>
    public const StepperKind DefaultStepper = StepperKind.Auto;

    /// <summary>Stepper names understood by the PDE solver (the <see cref="StepperKind"/> names, lower case).</summary>
    public static IReadOnlyList<string> Steppers { get; } = Enum.GetNames<StepperKind>().Select(n => n.ToLowerInvariant()).ToArray();

    /// <summary>The configuration name of a stepper (<c>ssprk3</c>, <c>backwardeuler</c>).</summary>
    public static string StepperName(StepperKind stepper) => stepper.ToString().ToLowerInvariant();

    /// <summary>The solver options these settings describe.</summary>
    public PdeSolverOptions ToSolverOptions() => new(Cfl, Stepper, MaxStep, Tolerance ?? PdeSolver.DefaultTolerance);

    internal static TimeSettings Read(ConfigurationTree t)
    {
        var times = t.Doubles("time:outputTimes");
        double? endGiven = t.OptionalDouble("time:end");
        double end = endGiven ?? (times is { Length: > 0 } ? times.Max() : 5.0);
        InputException.RequirePositive("time.end", end);
        if (times is null)
            times = Enumerable.Range(1, DefaultOutputCount).Select(k => k == DefaultOutputCount ? end : end * k / DefaultOutputCount).ToArray();
        for (int i = 0; i < times.Length; i++)
        {
            if (!(times[i] > 0) || times[i] > end)
                throw new InputException($"time.outputTimes[{i}]", times[i], $"output times must lie in (0, time.end = {end.ToString("R", CultureInfo.InvariantCulture)}]");
            if (i > 0 && !(times[i] > times[i - 1]))
                throw new InputException($"time.outputTimes[{i}]", times[i], "output times must be strictly increasing");
        }
        if (times.Length == 0 || times[^1] < end) times = [.. times, end];
        var defaults = PdeSolverOptions.Default;
        double cfl = t.Double("time:cfl", defaults.Cfl);
        if (!(cfl > 0) || cfl > 1) throw new InputException("time.cfl", cfl, "must lie in (0, 1] (the positivity bound of the scheme)");
        string stepper = t.String("time:stepper", StepperName(DefaultStepper));
        int kind = Array.IndexOf(Steppers.ToArray(), stepper.ToLowerInvariant());
        if (kind < 0)
            throw new InputException("time.stepper", stepper, $"unknown stepper; allowed: {string.Join(", ", Steppers)}");
        double maxStep = t.OptionalDouble("time:maxStep") is { } given ? InputException.RequirePositive("time.maxStep", given) : defaults.MaxStep;
        double? tolerance = t.OptionalDouble("time:tolerance");
        if (tolerance is double tau && !(tau > 0 && double.IsFinite(tau)))
            throw new InputException("time.tolerance", tau, "must be a finite positive number");
        return new TimeSettings(end, times, cfl, Enum.GetValues<StepperKind>()[kind], maxStep, tolerance);
    }

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("time");
        w.WriteNumber("end", End);
        RunConfiguration.WriteArray(w, "outputTimes", OutputTimes);
        w.WriteNumber("cfl", Cfl);
        w.WriteString("stepper", StepperName(Stepper));
        if (double.IsFinite(MaxStep)) w.WriteNumber("maxStep", MaxStep); // no limit: absent (JSON has no infinity)
        if (Tolerance is double tau) w.WriteNumber("tolerance", tau);
        w.WriteEndObject();
    }

    /// <summary>Equal settings: the same end, output times, CFL, stepper and tolerance.</summary>
    public bool Equals(TimeSettings? other) =>
        other is not null && End.Equals(other.End) && OutputTimes.SequenceEqual(other.OutputTimes) && Cfl.Equals(other.Cfl)
        && Stepper == other.Stepper && MaxStep.Equals(other.MaxStep) && Tolerance.Equals(other.Tolerance);
    /// <summary>A hash consistent with <see cref="Equals(TimeSettings?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(End, OutputTimes.Length, Cfl, Stepper, MaxStep);
}

/// <summary><c>particles</c>: number m, Euler–Maruyama step η and random seed.</summary>
public sealed record ParticleSettings(int Count, double Step, long Seed)
{
    /// <summary>10⁴ particles (<see cref="ParticleOptions"/>): see <see cref="GridSettings.DefaultCells"/>.</summary>
    public static int DefaultCount => ParticleOptions.Default.Count;

    /// <summary>The particle system's options these settings describe.</summary>
    public ParticleOptions ToOptions() => new(Count, Step, Seed);

    internal static ParticleSettings Read(ConfigurationTree t)
    {
        var defaults = ParticleOptions.Default;
        int count = t.Int("particles:count", defaults.Count, 1);
        double step = t.Double("particles:step", defaults.Step);
        InputException.RequirePositive("particles.step", step);
        long seed = t.Long("particles:seed", defaults.Seed);
        if (seed < 0 || seed > Particles.ParticleSystem.MaxSeed)
            throw new InputException("particles.seed", seed, $"must be an integer in 0..{Particles.ParticleSystem.MaxSeed} (2^53 − 1)");
        return new ParticleSettings(count, step, seed);
    }

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("particles");
        w.WriteNumber("count", Count);
        w.WriteNumber("step", Step);
        w.WriteNumber("seed", Seed);
        w.WriteEndObject();
    }
}

/// <summary><c>output</c>: whether to draw plots, the wall-clock interval between checkpoints (seconds), the diagnostics rows and the W2 budget.</summary>
public sealed record OutputSettings(bool Plots, double CheckpointSeconds)
{
    /// <summary>K of <c>diagnostics.csv</c> (K + 1 rows, see <see cref="Runs.RunDiagnostics"/>); 0: no diagnostics.</summary>
    public int DiagnosticsRows { get; init; } = Runs.RunDiagnostics.DefaultRows;

    /// <summary><c>output.w2Seconds</c>: the budget of an exact W2 (<see cref="Metrics.W2Options.ExactSecondsBudget"/>); null: its default.</summary>
    public double? W2Seconds { get; init; }

    /// <summary><c>output.w2FloorRepetitions</c>: repetitions of the sampling floor of comparison.csv's w2 (0: none); null: <see cref="DefaultFloorRepetitions"/>.</summary>
    public int? FloorRepetitions { get; init; }

    /// <summary>Repetitions of the sampling floor when <c>output.w2FloorRepetitions</c> is absent.</summary>
    // 2: the floor is measured in every default run; it costs 1.2× the run without it (58.6 s against 48.4 s, measured
    // interleaved, one session), still below the run before the semi-discrete transport (64.3 s).
    public const int DefaultFloorRepetitions = 2;

    /// <summary>The repetitions of the sampling floor in effect.</summary>
    public int EffectiveFloorRepetitions => FloorRepetitions ?? DefaultFloorRepetitions;

    /// <summary>The W2 options of a run's measures: between probability measures, with the budget of <see cref="W2Seconds"/>.</summary>
    public Metrics.W2Options W2Options => W2Seconds is double budget
        ? Metrics.W2Options.ProbabilityMeasures with { ExactSecondsBudget = budget }
        : Metrics.W2Options.ProbabilityMeasures;

    internal static OutputSettings Read(ConfigurationTree t)
    {
        bool plots = t.Bool("output:plots", true);
        double every = t.Double("output:checkpointSeconds", 180);
        InputException.RequirePositive("output.checkpointSeconds", every);
        int rows = t.Int("output:diagnosticsRows", Runs.RunDiagnostics.DefaultRows);
        if (rows < 0 || rows > 1_000_000) throw new InputException("output.diagnosticsRows", rows, "must be an integer in 0..1000000 (0: no diagnostics.csv)");
        double? w2 = t.OptionalDouble("output:w2Seconds");
        if (w2 is double b && !(b >= 0 && double.IsFinite(b)))
            throw new InputException("output.w2Seconds", b, "must be a finite number of seconds ≥ 0 (0: always the certified bracket)");
        int floor = t.Int("output:w2FloorRepetitions", -1, 0); // −1: absent
        if (floor > 1000) throw new InputException("output.w2FloorRepetitions", floor, "must be an integer in 0..1000 (0: no sampling floor)");
        return new OutputSettings(plots, every) { DiagnosticsRows = rows, W2Seconds = w2, FloorRepetitions = floor < 0 ? null : floor };
    }

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("output");
        w.WriteBoolean("plots", Plots);
        w.WriteNumber("checkpointSeconds", CheckpointSeconds);
        w.WriteNumber("diagnosticsRows", DiagnosticsRows);
        if (W2Seconds is double budget) w.WriteNumber("w2Seconds", budget); // written only when given: older config.json files stay as they were
        if (FloorRepetitions is int repetitions) w.WriteNumber("w2FloorRepetitions", repetitions); // the same
        w.WriteEndObject();
    }
}
