using System.Text.Json;
using FokkerPlanckNtk.Spectral;

namespace FokkerPlanckNtk.Configuration;

/// <summary>
/// <c>solver</c>: which PDE solver a run uses. <c>finiteVolume</c> (default): the Scharfetter–Gummel scheme on the
/// grid. <c>spectral</c>: the Hermite–Galerkin solver (<see cref="SpectralSolver"/>) with <see cref="Basis"/> modes
/// per axis (θ_1..θ_d, u, or ζ_1..ζ_k, u for a problem reduced to the span of its inputs); the grid then only says where its density is written (exact cell averages).
/// </summary>
public sealed record SolverSettings(string Kind, int[] Basis)
{
    /// <summary>The values of <c>solver.kind</c>.</summary>
    public const string FiniteVolumeKind = "finiteVolume", SpectralKind = "spectral";

    /// <summary>Every accepted <c>solver.kind</c>.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [FiniteVolumeKind, SpectralKind];

    /// <summary>Default spectral modes per θ axis and along u (resolves the default problem to ~1e-9 at α ≤ 8).</summary>
    public const int DefaultThetaModes = 64, DefaultUModes = 24;

    /// <summary>The default: the finite-volume solver.</summary>
    public static SolverSettings FiniteVolume { get; } = new(FiniteVolumeKind, []);

    /// <summary>Whether the run uses the spectral solver.</summary>
    public bool IsSpectral => Kind == SpectralKind;

    /// <summary>The spectral basis (throws unless <see cref="IsSpectral"/>).</summary>
    public SpectralBasis ToBasis() =>
        IsSpectral ? new SpectralBasis(Basis) : throw new InvalidOperationException("the finite-volume solver has no spectral basis");

    /// <param name="t">The configuration.</param>
    /// <param name="dimension">The axes of the solved problem: d + 1, or k + 1 when it is reduced to the span of the inputs.</param>
    /// <param name="axes">How many axes and what they are, for messages.</param>
    internal static SolverSettings Read(ConfigurationTree t, int dimension, string? axes = null)
    {
        axes ??= $"d + 1 = {dimension} (θ_1..θ_d, u)";
        string given = t.String("solver:kind", FiniteVolumeKind);
        string? kind = Kinds.FirstOrDefault(k => k.Equals(given.Trim(), StringComparison.OrdinalIgnoreCase));
        if (kind is null)
            throw new InputException("solver.kind", given, $"unknown solver kind; allowed: {string.Join(", ", Kinds)}");
        var basis = t.Ints("solver:basis");
        if (kind == FiniteVolumeKind)
        {
            if (basis is not null)
                throw new InputException("solver.basis", string.Join(",", basis), "applies only to solver.kind = spectral");
            return FiniteVolume;
        }
        int[] modes;
        if (basis is null)
            modes = [.. Enumerable.Repeat(DefaultThetaModes, dimension - 1), DefaultUModes];
        else if (basis.Length == 1)
            modes = Enumerable.Repeat(basis[0], dimension).ToArray();
        else if (basis.Length == dimension)
            modes = basis;
        else
            throw new InputException("solver.basis", $"{basis.Length} values", $"give one number for every axis or one per axis: {axes}");
        _ = new SpectralBasis(modes); // range checks with the key's name
        return new SolverSettings(kind, modes);
    }

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("solver");
        w.WriteString("kind", Kind);
        if (IsSpectral)
        {
            w.WriteStartArray("basis");
            foreach (int m in Basis) w.WriteNumberValue(m);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>Same kind and same modes per axis.</summary>
    public bool Equals(SolverSettings? other) => other is not null && Kind == other.Kind && Basis.SequenceEqual(other.Basis);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Basis.Length);
}
