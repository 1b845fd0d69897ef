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
        var (s0, s1, s2, s3) = ParticleNoise.Xoshiro256x4.Seed(key);
        var lanes = Enumerable.Range(0, 4).Select(l => ReferenceLane(key, l, 50)).ToArray();
        for (int t = 0; t < 50; t++)
        {
            var v = ParticleNoise.Xoshiro256x4.Next(ref s0, ref s1, ref s2, ref s3);
            for (int l = 0; l < 4; l++) Assert.That(v[l], Is.EqualTo(lanes[l][t]), $"draw {t}, lane {l}");
        }
    }

    // The ziggurat table solved by bisection reproduces Marsaglia and Tsang's published constants for 256 blocks
    // (R = 3.6541528853610088 to round-off, 1e-15 relative; V = 4.92867323399e-3, printed with 12 digits, to
    // 1e-11) and closes the top block to round-off.
    [Test]
    public void ZigguratTableMatchesMarsagliaTsang()
    {
        Assert.That(ParticleNoise.TailStart, Is.EqualTo(3.6541528853610088).Within(1e-15 * 3.6541528853610088));
        Assert.That(ParticleNoise.BlockArea, Is.EqualTo(4.92867323399e-3).Within(1e-11 * 4.92867323399e-3));
        var x = ParticleNoise.Edges;
        double top = x[ParticleNoise.Blocks - 1] * (1 - Math.Exp(-0.5 * x[ParticleNoise.Blocks - 1] * x[ParticleNoise.Blocks - 1]));
        TestContext.Out.WriteLine($"R = {ParticleNoise.TailStart:R}, V = {ParticleNoise.BlockArea:R}");
        Assert.That(top, Is.EqualTo(ParticleNoise.BlockArea).Within(1e-12 * ParticleNoise.BlockArea));
    }

    // The tail beyond R = 3.65 and the wedges take the scalar slow path: the counts of |z| > 2, > R and > 4.5
    // among N = 2^22 draws lie within 4 binomial standard deviations of N·P(|Z| > c).
    [Test]
    public void TailFrequenciesAreNormal()
    {
        const int n = 1 << 22;
        var z = new double[n];
        const int chunk = 1 << 16;
        for (int b = 0; b < n / chunk; b++)
            ParticleNoise.Normals(ParticleNoise.Key(17, 1, 0, b), z.AsSpan(b * chunk, chunk));
        foreach (double c in new[] { 2.0, ParticleNoise.TailStart, 4.5 })
        {
            double p = 2 * (1 - Normal.CDF(0, 1, c));
            int count = z.Count(v => Math.Abs(v) > c);
            Assert.That(count, Is.EqualTo(n * p).Within(4 * Math.Sqrt(n * p * (1 - p))), $"|z| > {c}");
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

    // Neighbouring outputs (lanes of one draw, consecutive draws of one lane) and neighbouring blocks are
    // uncorrelated: sample correlations within 4/√N of 0.
    [Test]
    public void StreamsAreUncorrelated()
    {
        const int n = 1 << 18;
        var a = new double[n];
        var b = new double[n];
        ParticleNoise.Normals(ParticleNoise.Key(9, 1, 3, 0), a);
        ParticleNoise.Normals(ParticleNoise.Key(9, 1, 3, 1), b);
        double across = 0, lanes = 0, draws = 0;
        for (int i = 0; i < n; i++) across += a[i] * b[i];
        for (int i = 0; i + 1 < n; i++) lanes += a[i] * a[i + 1];
        for (int i = 0; i + 4 < n; i++) draws += a[i] * a[i + 4];
        Assert.That(across / n, Is.EqualTo(0).Within(4 / Math.Sqrt(n)));
        Assert.That(lanes / n, Is.EqualTo(0).Within(4 / Math.Sqrt(n)));
        Assert.That(draws / n, Is.EqualTo(0).Within(4 / Math.Sqrt(n)));
        var c = new double[n];
        ParticleNoise.Normals(ParticleNoise.Key(10, 1, 3, 0), c);
        Assert.That(c, Is.Not.EqualTo(a));
        ParticleNoise.Normals(ParticleNoise.Key(9, 1, 3, 0), c);
        Assert.That(c, Is.EqualTo(a));
    }

    // The large-d particle step draws a block's normals row by row: pieces of any length (here 1..600, most not
    // multiples of 4, and long enough to cross the generator's 1024-value chunks and its slow path) must give the
    // numbers of one draw, bit for bit.
    [Test]
    public void StreamDrawnInPiecesEqualsOneDraw()
    {
        const int total = 1 << 15;
        var whole = new double[total];
        ulong key = ParticleNoise.Key(3, 1, 8, 2);
        ParticleNoise.Normals(key, whole);
        var pieces = new double[total];
        var stream = new ParticleNoise.NormalStream(key);
        var rng = new Random(4);
        for (int at = 0; at < total;)
        {
            int len = Math.Min(total - at, rng.Next(1, 601));
            stream.Fill(pieces.AsSpan(at, len));
            at += len;
        }
        Assert.That(pieces, Is.EqualTo(whole));
    }
}
