using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// Stateless Gaussian noise: the normals of one (seed, stream, step, block) are a pure function of those
/// four numbers. A simulation's whole random state is therefore its seed and step index, which makes the
/// results independent of the thread count and lets a checkpoint resume bit for bit.
/// </summary>
/// <remarks>
/// Key: SplitMix64's finalizer chained over the four numbers (a strong 64-bit mix). Generator: four
/// xoshiro256** streams in the lanes of a 256-bit vector, each lane seeded by SplitMix64 from the key
/// (the seeding Vigna recommends). Output <c>4t + lane</c> is the t-th draw of that lane, so the bits
/// do not depend on the SIMD width of the machine. Normals: Box–Muller on 52-bit uniforms,
/// <c>r = sqrt(−2 log u1)</c> with <c>u1 ∈ (0, 1]</c> (finite, |ξ| ≤ 8.6) and angle <c>2π(u2 − ½)</c>.
/// The transcendental functions are the runtime's vector kernels: on one machine the numbers are
/// fixed; a CPU with a different instruction set may differ in the last bits.
/// </remarks>
internal static class ParticleNoise
{
    /// <summary>Normals are produced in groups of this many; destinations are multiples of it.</summary>
    public const int Granularity = 8;

    /// <summary>The key of one block of normals.</summary>
    public static ulong Key(long seed, int stream, long step, long block)
    {
        ulong h = Mix((ulong)seed ^ 0x6A09E667F3BCC909UL);
        h = Mix(h ^ (ulong)stream * 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ (ulong)step);
        return Mix(h ^ (ulong)block * 0xD1B54A32D192ED03UL);
    }

    /// <summary>Rounds a count of normals up to <see cref="Granularity"/>.</summary>
    public static int Padded(int count) => (count + Granularity - 1) / Granularity * Granularity;

    /// <summary>
    /// Fills <paramref name="destination"/> (length a multiple of 8) with independent N(0, 1) draws of
    /// the stream <paramref name="key"/>: in each group of 8, entries 0..3 are r·cos and 4..7 are r·sin
    /// of the same four pairs.
    /// </summary>
    public static void Normals(ulong key, Span<double> destination)
    {
        if (destination.Length % Granularity != 0)
            throw new ArgumentException("length must be a multiple of 8", nameof(destination));
        var rng = new Xoshiro256x4(key);
        var one = Vector256.Create(0x3FF0000000000000UL);
        var two = Vector256.Create(2.0);
        var half = Vector256.Create(1.5);
        var twoPi = Vector256.Create(2 * Math.PI);
        var minusTwo = Vector256.Create(-2.0);
        ref double d = ref MemoryMarshal.GetReference(destination);
        for (int t = 0; t < destination.Length; t += Granularity)
        {
            // Uniforms in [1, 2) from the top 52 bits: exact, no conversion instruction needed.
            var v1 = (Vector256.ShiftRightLogical(rng.Next(), 12) | one).AsDouble();
            var v2 = (Vector256.ShiftRightLogical(rng.Next(), 12) | one).AsDouble();
            var r = Vector256.Sqrt(minusTwo * Vector256.Log(two - v1)); // 2 − v1 ∈ (0, 1]
            var (sin, cos) = Vector256.SinCos(twoPi * (v2 - half));     // angle ∈ [−π, π)
            (r * cos).StoreUnsafe(ref d, (nuint)t);
            (r * sin).StoreUnsafe(ref d, (nuint)(t + 4));
        }
    }

    /// <summary>SplitMix64's output function (Stafford's Mix13): a bijection with full avalanche.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Four independent xoshiro256** generators, one per lane.</summary>
    internal struct Xoshiro256x4
    {
        private Vector256<ulong> _s0, _s1, _s2, _s3;

        public Xoshiro256x4(ulong key)
        {
            // SplitMix64 sequence from the key: 16 words, lane-major within each state word.
            ulong x = key;
            Span<ulong> w = stackalloc ulong[16];
            for (int i = 0; i < 16; i++) { x += 0x9E3779B97F4A7C15UL; w[i] = Mix(x); }
            _s0 = Vector256.Create(w[0], w[1], w[2], w[3]);
            _s1 = Vector256.Create(w[4], w[5], w[6], w[7]);
            _s2 = Vector256.Create(w[8], w[9], w[10], w[11]);
            _s3 = Vector256.Create(w[12], w[13], w[14], w[15]);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<ulong> Next()
        {
            // result = rotl(s1 · 5, 7) · 9, with the multiplications as shift-adds (no 64-bit vector multiply).
            var s5 = Vector256.ShiftLeft(_s1, 2) + _s1;
            var rot = Vector256.ShiftLeft(s5, 7) | Vector256.ShiftRightLogical(s5, 57);
            var result = Vector256.ShiftLeft(rot, 3) + rot;
            var t = Vector256.ShiftLeft(_s1, 17);
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = Vector256.ShiftLeft(_s3, 45) | Vector256.ShiftRightLogical(_s3, 19);
            return result;
        }
    }
}
