using FokkerPlanckNtk.Particles;
using MathNet.Numerics.Distributions;

namespace FokkerPlanckNtk.Tests.Particles;

public class ParticleNoiseTests
{
    // Vigna's reference xoshiro256** (scalar), seeded like the vector lanes: the lanes must reproduce it bit for bit.
    private static ulong[] ReferenceLane(ulong key, int lane, int count)
    {
        ulong x = key;
        var w = new ulong[16];
        for (int i = 0; i < 16; i++) { x += 0x9E3779B97F4A7C15UL; w[i] = ParticleNoise.Mix(x); }
        ulong s0 = w[lane], s1 = w[4 + lane], s2 = w[8 + lane], s3 = w[12 + lane];
        var r = new ulong[count];
        for (int i = 0; i < count; i++)
        {
            r[i] = ulong.RotateLeft(s1 * 5, 7) * 9;
            ulong t = s1 << 17;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = ulong.RotateLeft(s3, 45);
        }
        return r;
    }

    [Test]
    public void VectorLanesAreReferenceXoshiro()
    {
        ulong key = ParticleNoise.Key(123, 1, 456, 7);
        var rng = new ParticleNoise.Xoshiro256x4(key);
        var lanes = Enumerable.Range(0, 4).Select(l => ReferenceLane(key, l, 50)).ToArray();
        for (int t = 0; t < 50; t++)
        {
            var v = rng.Next();
            for (int l = 0; l < 4; l++) Assert.That(v[l], Is.EqualTo(lanes[l][t]), $"draw {t}, lane {l}");
        }
    }

    // N = 2^20 normals: mean, variance and fourth moment within 4 standard errors of 0, 1, 3
    // (Var z = 1, Var z² = 2, Var z⁴ = 96), and the Kolmogorov–Smirnov statistic √N·D below 1.95
    // (the 0.1% critical value).
    [Test]
    public void NormalsHaveTheNormalLaw()
    {
        const int n = 1 << 20;
        var z = new double[n];
        const int chunk = 4096;
        for (int b = 0; b < n / chunk; b++)
            ParticleNoise.Normals(ParticleNoise.Key(9, 1, 3, b), z.AsSpan(b * chunk, chunk));
        double m1 = z.Average(), m2 = z.Average(v => v * v), m4 = z.Average(v => v * v * v * v);
        Assert.That(m1, Is.EqualTo(0).Within(4 * Math.Sqrt(1.0 / n)));
        Assert.That(m2, Is.EqualTo(1).Within(4 * Math.Sqrt(2.0 / n)));
        Assert.That(m4, Is.EqualTo(3).Within(4 * Math.Sqrt(96.0 / n)));
        Array.Sort(z);
        double dmax = 0;
        for (int i = 0; i < n; i++)
        {
            double f = Normal.CDF(0, 1, z[i]);
            dmax = Math.Max(dmax, Math.Max(Math.Abs(f - (double)i / n), Math.Abs(f - (i + 1.0) / n)));
        }
        Assert.That(Math.Sqrt(n) * dmax, Is.LessThan(1.95));
    }

    // Pairs from the same Box–Muller draw (entries t and t + 4) and from neighbouring blocks are uncorrelated:
    // sample correlations within 4/√N of 0.
    [Test]
    public void StreamsAreUncorrelated()
    {
        const int n = 1 << 18;
        var a = new double[n];
        var b = new double[n];
        ParticleNoise.Normals(ParticleNoise.Key(9, 1, 3, 0), a);
        ParticleNoise.Normals(ParticleNoise.Key(9, 1, 3, 1), b);
        double across = 0, within = 0;
        for (int i = 0; i < n; i++) across += a[i] * b[i];
        for (int t = 0; t < n; t += 8)
            for (int l = 0; l < 4; l++) within += a[t + l] * a[t + l + 4];
        Assert.That(across / n, Is.EqualTo(0).Within(4 / Math.Sqrt(n)));
        Assert.That(within / (n / 2), Is.EqualTo(0).Within(4 / Math.Sqrt(n / 2)));
        var c = new double[n];
        ParticleNoise.Normals(ParticleNoise.Key(10, 1, 3, 0), c);
        Assert.That(c, Is.Not.EqualTo(a));
        ParticleNoise.Normals(ParticleNoise.Key(9, 1, 3, 0), c);
        Assert.That(c, Is.EqualTo(a));
    }
}
