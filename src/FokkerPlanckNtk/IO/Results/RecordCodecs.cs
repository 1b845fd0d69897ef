using FokkerPlanckNtk.FiniteVolume;
using FokkerPlanckNtk.Metrics;
using FokkerPlanckNtk.Ntk;
using FokkerPlanckNtk.Particles;

namespace FokkerPlanckNtk.IO.Results;

/// <summary>How a record is stored in an <see cref="ArrayArchive"/> (bit-exactly: checkpoints restore records from it).</summary>
public interface IRecordCodec<T>
{
    /// <summary>Writes <paramref name="record"/> into <paramref name="archive"/>.</summary>
    void Save(T record, ArrayArchive archive);

    /// <summary>Reads back a record written by <see cref="Save"/>, bit-identically.</summary>
    T Load(ArrayArchive archive);
}

/// <summary>The codecs of the library's records (PDE, particles, comparison, NTK, diagnostics rows), with named entries.</summary>
public static class RecordCodecs
{
    /// <summary>The codec of <typeparamref name="T"/>, or null when the library has none.</summary>
    public static IRecordCodec<T>? For<T>() => Known.GetValueOrDefault(typeof(T)) as IRecordCodec<T>;

    private static readonly Dictionary<Type, object> Known = new()
    {
        [typeof(PdeRecord)] = new PdeCodec(),
        [typeof(ParticleRecord)] = new ParticleCodec(),
        [typeof(ComparisonRecord)] = new ComparisonCodec(),
        [typeof(NtkRecord)] = new NtkCodec(),
        [typeof(DiagnosticsRecord)] = new DiagnosticsCodec(),
    };

    private static void SaveW2(ArrayArchive a, string key, W2Value w) =>
        a.Set(key + ".value", w.Value).Set(key + ".error", w.ErrorBound).Set(key + ".method", w.Method);

    private static W2Value LoadW2(ArrayArchive a, string key) => new(a.Double(key + ".value"), a.Double(key + ".error"), a.String(key + ".method"));

    private sealed class PdeCodec : IRecordCodec<PdeRecord>
    {
        public void Save(PdeRecord r, ArrayArchive a)
        {
            var d = r.Diagnostics;
            a.Set("time", d.Time).Set("loss", d.Loss).Set("freeEnergy", d.FreeEnergy).Set("klP0", d.KlP0).Set("chi2P0", d.Chi2P0)
             .Set("mass", d.Mass).Set("minDensity", d.MinDensity).Set("outerLayerMass", d.OuterLayerMass).Set("residuals", d.Residuals)
             .Set("steps", r.Steps).Set("density", r.Density);
            SaveW2(a, "w2p0", r.W2P0);
        }

        public PdeRecord Load(ArrayArchive a) => new(
            new PdeDiagnostics(a.Double("time"), a.Double("loss"), a.Double("freeEnergy"), a.Double("klP0"), a.Double("chi2P0"), a.Double("mass"),
                a.Double("minDensity"), a.Double("outerLayerMass"), a.Doubles("residuals")),
            a.Long("steps"), a.Doubles("density"), LoadW2(a, "w2p0"));
    }

    private sealed class ParticleCodec : IRecordCodec<ParticleRecord>
    {
        public void Save(ParticleRecord r, ArrayArchive a)
        {
            a.Set("time", r.Time).Set("steps", r.Steps).Set("loss", r.Loss).Set("binnedKlP0", r.BinnedKlP0).Set("binnedChi2P0", r.BinnedChi2P0)
             .Set("residuals", r.Residuals).Set("positions", r.Positions);
            SaveW2(a, "w2p0", r.W2P0);
            if (r.Orthogonal is { } o)
                a.Set("orthogonal.samples", o.SampleCount).Set("orthogonal.dimension", o.Dimension)
                 .Set("orthogonal.values", [o.MeanStatistic, o.MeanExpected, o.MeanZ, o.CovarianceStatistic, o.CovarianceExpected, o.CovarianceZ,
                     o.CrossStatistic, o.CrossExpected, o.CrossZ]);
        }

        public ParticleRecord Load(ArrayArchive a) => new(a.Double("time"), a.Long("steps"), a.Double("loss"), a.Double("binnedKlP0"),
            a.Double("binnedChi2P0"), a.Doubles("residuals"), a.Doubles("positions"), LoadW2(a, "w2p0"))
        {
            Orthogonal = a.Contains("orthogonal.values") && a.Doubles("orthogonal.values") is { Length: 9 } v
                ? new OrthogonalMoments(checked((int)a.Long("orthogonal.samples")), checked((int)a.Long("orthogonal.dimension")),
                    v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8])
                : null,
        };
    }

    private sealed class ComparisonCodec : IRecordCodec<ComparisonRecord>
    {
        public void Save(ComparisonRecord r, ArrayArchive a)
        {
            a.Set("time", r.Time).Set("maxResidualDifference", r.MaxResidualDifference).Set("w2Theta", r.W2Theta).Set("w2U", r.W2U);
            SaveW2(a, "w2", r.W2);
            if (r.HasFloor) a.Set("w2Floor", r.W2Floor).Set("w2FloorSd", r.W2FloorSd);
        }

        public ComparisonRecord Load(ArrayArchive a) =>
            new(a.Double("time"), a.Double("maxResidualDifference"), LoadW2(a, "w2"), a.Double("w2Theta"), a.Double("w2U"))
            {
                W2Floor = a.Contains("w2Floor") ? a.Double("w2Floor") : double.NaN,
                W2FloorSd = a.Contains("w2FloorSd") ? a.Double("w2FloorSd") : double.NaN,
            };
    }

    private sealed class NtkCodec : IRecordCodec<NtkRecord>
    {
        public void Save(NtkRecord r, ArrayArchive a)
        {
            a.Set("time", r.Time).Set("loss", r.Loss).Set("residuals", r.Residuals);
            if (r.LossBound is { } bound) a.Set("lossBound", bound);
        }

        public NtkRecord Load(ArrayArchive a) =>
            new(a.Double("time"), a.Double("loss"), a.Doubles("residuals"), a.Contains("lossBound") ? a.Double("lossBound") : null);
    }

    private sealed class DiagnosticsCodec : IRecordCodec<DiagnosticsRecord>
    {
        public void Save(DiagnosticsRecord r, ArrayArchive a)
        {
            a.Set("time", r.Time).Set("pde.steps", r.PdeSteps).Set("pde.step", r.PdeStep);
            if (r.Pde is { } d)
                a.Set("pde.time", d.Time).Set("pde.loss", d.Loss).Set("pde.freeEnergy", d.FreeEnergy).Set("pde.klP0", d.KlP0)
                 .Set("pde.chi2P0", d.Chi2P0).Set("pde.mass", d.Mass).Set("pde.minDensity", d.MinDensity)
                 .Set("pde.outerLayerMass", d.OuterLayerMass).Set("pde.residuals", d.Residuals);
            if (r.Particles is { } m)
                a.Set("particles.time", m.Time).Set("particles.steps", m.Steps).Set("particles.loss", m.Loss).Set("particles.residuals", m.Residuals);
            if (r.NtkResiduals is { } q) a.Set("ntk.residuals", q);
        }

        public DiagnosticsRecord Load(ArrayArchive a) => new(
            a.Double("time"),
            a.Contains("pde.residuals")
                ? new PdeDiagnostics(a.Double("pde.time"), a.Double("pde.loss"), a.Double("pde.freeEnergy"), a.Double("pde.klP0"),
                    a.Double("pde.chi2P0"), a.Double("pde.mass"), a.Double("pde.minDensity"), a.Double("pde.outerLayerMass"), a.Doubles("pde.residuals"))
                : null,
            a.Long("pde.steps"), a.Double("pde.step"),
            a.Contains("particles.residuals")
                ? new ParticleDiagnostics(a.Double("particles.time"), a.Long("particles.steps"), a.Double("particles.loss"), a.Doubles("particles.residuals"))
                : null,
            a.Contains("ntk.residuals") ? a.Doubles("ntk.residuals") : null);
    }
}
