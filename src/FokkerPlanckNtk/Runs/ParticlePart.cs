using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.Grids;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Model;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Runs;

/// <summary>
/// The finite-width network (m particles, Euler–Maruyama with step η) as a part of a run. Its state for
/// checkpoints is (positions, step index, seed): the noise of every step is a pure function of them.
/// At an output time t the particles stand at step round(t/η), within η/2 of t.
/// </summary>
internal sealed class ParticlePart : IRunPart
{
    private readonly Problem _problem;
    private readonly double _end;
    private readonly UniformGrid _histogramGrid;
    private readonly double[] _histogramReference;
    private readonly UniformGrid _grid;
    private readonly double[] _reference;
    private ParticleSystem _system;

    public ParticlePart(RunConfiguration config)
    {
        _problem = config.Problem.ToProblem();
        Warnings = new[] { ParticleStability.Check(config), ResourceEstimate.ParticleStepWarning(config) }.OfType<string>().ToList();
        _system = new ParticleSystem(_problem, config.Particles.Count, config.Particles.Step, config.Particles.Seed);
        _end = config.Time.End;
        _histogramGrid = HistogramGrid(config.Grid.ToGrid(), config.Particles.Count);
        _histogramReference = DiscreteStandardGaussian(_histogramGrid);
        _grid = config.Grid.ToGrid();
        _reference = DiscreteStandardGaussian(_grid);
    }

    /// <summary>Warnings about the step (<see cref="ParticleStability"/>, step count), for log, manifest and report.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public string Name => "particles";

    public double Time => _system.Time;

    public ParticleSystem System => _system;

    public void AdvanceTo(double t, RunControl control)
    {
        long target = _system.StepsFor(t);
        while (_system.Steps < target)
        {
            _system.Step();
            control.AfterStep(Name, _system.Time, _end, _system.StepSize, () => _system.Loss);
        }
    }

    public void SaveState(ArrayArchive state)
    {
        var s = _system.Capture();
        state.Set("particles.count", s.Count).Set("particles.dimension", s.Dimension).Set("particles.step", s.StepSize)
             .Set("particles.seed", s.Seed).Set("particles.steps", s.Steps).Set("particles.positions", s.Positions);
    }

    public void RestoreState(ArrayArchive state) =>
        _system = new ParticleSystem(_problem, new ParticleSystem.State(
            checked((int)state.Long("particles.count")), checked((int)state.Long("particles.dimension")), state.Double("particles.step"),
            state.Long("particles.seed"), state.Long("particles.steps"), state.Doubles("particles.positions")));

    public void Record(ArrayArchive record, RunControl control)
    {
        var positions = _system.Positions();
        var histogram = Histogram(_histogramGrid, positions, _system.Count);
        double v = _histogramGrid.CellVolume;
        record.Set(RunRecords.ParticleDiagnostics,
                [_system.Loss, Divergences.KullbackLeibler(histogram, _histogramReference, v), Divergences.ChiSquared(histogram, _histogramReference, v)])
              .Set(RunRecords.ParticleResiduals, _system.Residuals.ToArray())
              .Set(RunRecords.ParticlePositions, positions)
              .Set(RunRecords.ParticleSteps, _system.Steps);
        var atoms = new AtomicMeasure(positions, _system.Dimension, name: "particles");
        var w2 = control.MeasureW2("W2(particles, p0)", _system.Time, _grid.Count, atoms.Count,
            options => Wasserstein.Between(_grid, _reference, atoms, options));
        record.Set(RunRecords.ParticleW2P0, [w2.W2, w2.ErrorBound]).Set(RunRecords.ParticleW2P0Method, w2.Method);
    }

    /// <summary>
    /// The histogram grid of the binned KL/χ²: the run's box with K cells per axis, K = ⌊(m/10)^{1/D}⌋ clamped
    /// to [2, N_k], so that a cell holds about ten particles on average (the estimates are biased, and labelled so).
    /// </summary>
    internal static UniformGrid HistogramGrid(UniformGrid grid, int count)
    {
        int k = (int)Math.Floor(Math.Pow(count / 10.0, 1.0 / grid.Dimension));
        return new UniformGrid(grid.Cells.Select(n => Math.Clamp(k, 2, n)).ToArray(), grid.HalfWidths.ToArray());
    }

    /// <summary>Particle density per cell (count/(m·V)); particles outside the box are not counted.</summary>
    internal static double[] Histogram(UniformGrid grid, ReadOnlySpan<double> positions, int count)
    {
        var h = new double[grid.Count];
        int dim = grid.Dimension;
        double weight = 1.0 / (count * grid.CellVolume);
        for (int j = 0; j < count; j++)
        {
            int index = 0;
            bool inside = true;
            for (int k = 0; k < dim && inside; k++)
            {
                double z = positions[j * dim + k];
                int i = (int)Math.Floor((z + grid.HalfWidths[k]) / grid.Spacing(k));
                inside = z >= -grid.HalfWidths[k] && i >= 0 && i < grid.Cells[k];
                index += Math.Min(i, grid.Cells[k] - 1) * grid.Stride(k);
            }
            if (inside) h[index] += weight;
        }
        return h;
    }

    /// <summary>The normalized cell-centre standard Gaussian (the discrete p0 on a histogram grid).</summary>
    internal static double[] DiscreteStandardGaussian(UniformGrid grid)
    {
        var p = grid.Sample(z => Math.Exp(-0.5 * z.Sum(x => x * x)));
        double scale = 1 / GridDensity.Mass(grid, p);
        for (int c = 0; c < p.Length; c++) p[c] *= scale;
        return p;
    }
}
