using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Metrics;

/// <summary>Mean and standard deviation over <see cref="Repetitions"/> seeded repetitions of a sampling floor.</summary>
/// <param name="Mean">The mean of the repetitions' W2.</param>
/// <param name="Sd">Their sample standard deviation (n − 1; 0 for one repetition).</param>
/// <param name="Repetitions">How many repetitions.</param>
/// <param name="Seconds">Wall-clock seconds of all repetitions.</param>
public readonly record struct SamplingFloorValue(double Mean, double Sd, int Repetitions, double Seconds)
{
    /// <summary>The standard error of <see cref="Mean"/>, Sd/√R.</summary>
    public double StandardError => Repetitions > 0 ? Sd / Math.Sqrt(Repetitions) : double.NaN;
}

/// <summary>
/// The sampling floor of a W2 between a grid density and m particles: the W2 that m independent samples of the density
/// itself show against it (what W2(density, particles) is for particles that follow the density exactly). Each sample
/// picks a cell with probability its mass p_c V and a point uniform inside it (the piecewise-constant density the
/// transport methods see); its W2 is measured by the same method as the particles' (<see cref="Wasserstein.Between(UniformGrid, ReadOnlySpan{double}, AtomicMeasure, W2Options?)"/>
/// with the given options). Repetition r draws from the SplitMix64 stream of key (seed, stream, step, r): the values are
/// a pure function of the seed and the step, independent of the thread count.
/// </summary>
public static class SamplingFloor
{
    /// <summary>The random stream of the floor's samples (distinct from the particles' initial and dynamics streams).</summary>
    public const int Stream = 7;

    /// <summary>m samples of the piecewise-constant density (positions m × D, row-major), drawn from the stream <paramref name="key"/>.</summary>
    public static double[] Sample(UniformGrid grid, ReadOnlySpan<double> density, int m, ulong key)
    {
        GridDensity.Validate(grid, density, "density");
        int dim = grid.Dimension;
        var cumulative = new double[density.Length];
        double sum = 0;
        for (int c = 0; c < density.Length; c++) cumulative[c] = sum += Math.Max(0, density[c]);
        if (!(sum > 0)) throw new InputException("density", "all zero", "the density must have positive mass");
        var positions = new double[m * dim];
        var lower = new double[dim];
        ulong state = key;
        for (int j = 0; j < m; j++)
        {
            double u = ParticleNoise.Uniform(ref state) * sum;
            int c = Array.BinarySearch(cumulative, u);
            c = c >= 0 ? c + 1 : ~c;        // first cell whose cumulative mass exceeds u
            while (c < density.Length - 1 && !(density[c] > 0)) c++;
            c = Math.Min(c, density.Length - 1);
            int rest = c;
            for (int k = 0; k < dim; k++)
            {
                int index = rest / grid.Stride(k);
                rest -= index * grid.Stride(k);
                lower[k] = -grid.HalfWidths[k] + index * grid.Spacing(k);
            }
            for (int k = 0; k < dim; k++) positions[j * dim + k] = lower[k] + ParticleNoise.Uniform(ref state) * grid.Spacing(k);
        }
        return positions;
    }

    /// <summary>
    /// Mean and standard deviation of W2(density, m samples of it) over <paramref name="repetitions"/> ≥ 1 seeded
    /// repetitions (keys (seed, <see cref="Stream"/>, step, r)), each by the method the options choose; NaN (not measured)
    /// when a repetition's W2 is only known as a bracket wider than <see cref="W2Value.NumberTolerance"/> (over its budget).
    /// </summary>
    public static SamplingFloorValue Measure(UniformGrid grid, ReadOnlySpan<double> density, int m, int repetitions, long seed, long step,
        W2Options options)
    {
        if (m < 1) throw new InputException("m", m, "must be at least 1");
        if (repetitions < 1) throw new InputException("repetitions", repetitions, "must be at least 1");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var values = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            var samples = new AtomicMeasure(Sample(grid, density, m, ParticleNoise.Key(seed, Stream, step, r)), grid.Dimension, null, "samples");
            var w2 = Wasserstein.Between(grid, density, samples, options).ToValue();
            // A bracket (the method's fallback over budget) is no value to average: the floor is then not measured.
            if (!w2.IsNumber) return new SamplingFloorValue(double.NaN, double.NaN, r, clock.Elapsed.TotalSeconds);
            values[r] = w2.Value;
        }
        double mean = values.Average();
        double sd = repetitions > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (repetitions - 1)) : 0;
        return new SamplingFloorValue(mean, sd, repetitions, clock.Elapsed.TotalSeconds);
    }
}
