using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.IO.Results;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.Simulations;

/// <summary>A CSV table (written atomically, round-trip numbers) made when the run completes; a null table writes nothing.</summary>
public sealed class CsvWriter(string path, Func<CsvTable?> table) : IOutputWriter
{
    /// <inheritdoc/>
    public string Path { get; } = path;

    /// <summary>A table of a series: <paramref name="table"/> gets the series' times and records (e.g. <see cref="RunTables.Pde"/>).</summary>
    public static CsvWriter For<T>(string path, TimeSeries<T> series, Func<IReadOnlyList<double>, IReadOnlyList<T>, CsvTable?> table) =>
        new(path, () => table(series.Times, series));

    /// <inheritdoc/>
    public void Write(string path) => table()?.Write(path);
}

/// <summary>A text file (JSON, Markdown) made when the run completes, written atomically.</summary>
public sealed class TextFileWriter(string path, Func<string> text) : IOutputWriter
{
    /// <inheritdoc/>
    public string Path { get; } = path;

    /// <inheritdoc/>
    public void Write(string path) => AtomicFile.WriteText(path, text());
}

/// <summary>
/// <c>snapshots.h5</c> (<see cref="SnapshotFile"/>): the grid, the PDE densities and the particle positions of
/// the records of a PDE series and a particle series (either may be null), at the series' times.
/// </summary>
public sealed class SnapshotWriter(string path, UniformGrid grid, TimeSeries<PdeRecord>? pde, TimeSeries<ParticleRecord>? particles) : IOutputWriter
{
    /// <inheritdoc/>
    public string Path { get; } = path;

    /// <summary>The effective configuration stored as the file's <c>config</c> attribute.</summary>
    public string Configuration { get; init; } = "";

    /// <summary>The span of the inputs of a reduced problem (its basis is stored with the densities on (ζ, u)); null otherwise.</summary>
    public Model.DataSpan? Span { get; init; }

    /// <inheritdoc/>
    public void Write(string path)
    {
        var file = new SnapshotFile
        {
            Grid = grid, Configuration = Configuration, Version = RunManifest.ProgramVersion,
            Basis = Span is null ? null : Enumerable.Range(0, Span.Dimension).Select(a => Span.BasisVector(a).ToArray()).ToArray(),
        };
        if (pde is not null)
        {
            file.PdeTimes.AddRange(pde.Times);
            file.PdeDensities.AddRange(pde.Select(r => r.Density));
        }
        if (particles is not null)
        {
            file.ParticleTimes.AddRange(particles.Times);
            file.ParticlePositions.AddRange(particles.Select(r => r.Positions));
        }
        file.Write(path);
    }
}
