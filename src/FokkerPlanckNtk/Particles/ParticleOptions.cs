namespace FokkerPlanckNtk.Particles;

/// <summary>The particle system's settings, with the library's defaults (the configuration's <c>particles</c> section).</summary>
/// <param name="Count">m ≥ 1 particles (10⁴: with the default 128² grid every W2 of the default run is exact).</param>
/// <param name="Step">The Euler–Maruyama step η &gt; 0.</param>
/// <param name="Seed">0 ≤ seed ≤ <see cref="ParticleSystem.MaxSeed"/>; the random streams are a pure function of it.</param>
public sealed record ParticleOptions(int Count = 10_000, double Step = 0.001, long Seed = 1)
{
    /// <summary>m = 10⁴, η = 0.001, seed 1.</summary>
    public static ParticleOptions Default { get; } = new();
}
