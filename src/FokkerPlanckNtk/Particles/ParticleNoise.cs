using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FokkerPlanckNtk.Particles;

/// <summary>
/// Stateless Gaussian noise: the normals of one (seed, stream, step, block) are a pure function of those
/// four numbers. A simulation's whole random state is therefore its seed and step index, which makes the
/// results independent of the thread count and lets a checkpoint resume bit for bit.
/// </summary>
/// <remarks>
/// <para>Key: SplitMix64's finalizer chained over the four numbers (a strong 64-bit mix).</para>
/// <para>Uniforms: four xoshiro256** generators in the lanes of a 256-bit vector, each lane seeded by
/// SplitMix64 from the key (the seeding Vigna recommends). Draw t of lane l gives output 4t + l, so the
/// bits do not depend on the SIMD width of the machine.</para>
/// <para>Normals: the ziggurat method in Doornik's form (ZIGNOR, 2005: the rectangle test first, then the
/// wedge and Marsaglia's tail method) with Marsaglia and Tsang's 256 blocks, exact for the normal law up
/// to the 52-bit resolution of the uniforms. The rectangle test decides ~99.3% of draws with a table
/// look-up and a multiplication, four lanes at a time; the rest continue in scalar code with uniforms
/// from a SplitMix64 stream of the same key, in output order, so the result is still a pure function of
/// the key.</para>
/// </remarks>
internal static class ParticleNoise
{
    /// <summary>Normals are produced in groups of this many; destinations are multiples of it.</summary>
    public const int Granularity = 4;

    /// <summary>Outputs per pass of <see cref="Normals"/> (a multiple of <see cref="Granularity"/>).</summary>
    private const int ChunkLength = 1024;

    /// <summary>Number of ziggurat blocks (a power of two: the block is the low bits of a draw).</summary>
    internal const int Blocks = 256;

    private static readonly double[] s_x = new double[Blocks + 1]; // block edges, s_x[0] = V/f(R), s_x[1] = R
    private static readonly double[] s_ratio = new double[Blocks];  // s_x[i+1]/s_x[i]: the rectangle test
    private static readonly double[] s_f = new double[Blocks + 1];  // f(s_x[i]) = exp(−s_x[i]²/2): the wedge test

    static ParticleNoise()
    {
        TailStart = SolveTailStart(out double v);
        BlockArea = v;
        Fill(TailStart, v, s_x);
        for (int i = 0; i < Blocks; i++) s_ratio[i] = s_x[i + 1] / s_x[i];
        for (int i = 0; i <= Blocks; i++) s_f[i] = Math.Exp(-0.5 * s_x[i] * s_x[i]);
    }

    /// <summary>R, where the tail starts (Marsaglia and Tsang: 3.6541528853610088).</summary>
    internal static double TailStart { get; }

    /// <summary>V, the common area of the blocks under f(x) = exp(−x²/2) (Marsaglia and Tsang: 4.92867323399e-3).</summary>
    internal static double BlockArea { get; }

    internal static ReadOnlySpan<double> Edges => s_x;

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

    /// <summary>Fills <paramref name="destination"/> (length a multiple of 4) with independent N(0, 1) draws
    /// of the stream <paramref name="key"/>.</summary>
    public static void Normals(ulong key, Span<double> destination)
    {
        if (destination.Length % Granularity != 0)
            throw new ArgumentException("length must be a multiple of 4", nameof(destination));
        var stream = new NormalStream(key);
        stream.Fill(destination);
    }

    /// <summary>
    /// The normals of one key drawn in pieces of any length: consecutive <see cref="Fill"/> calls give exactly the
    /// numbers of one <see cref="Normals"/> call over their concatenation (each of the two generators behind it
    /// is consumed in output order, however the output is cut; a group of four cut by a piece's end is kept for
    /// the next piece). The large-d particle step draws a block's noise row by row, in cache, this way.
    /// </summary>
    internal struct NormalStream
    {
        private Vector256<ulong> _s0, _s1, _s2, _s3;
        private ulong _slow;
        private Vector256<double> _carry;
        private int _carryStart = Granularity; // _carry[_carryStart..4) not yet handed out

        public NormalStream(ulong key)
        {
            (_s0, _s1, _s2, _s3) = Xoshiro256x4.Seed(key);
            _slow = Mix(key ^ 0xBB67AE8584CAA73BUL); // the scalar stream of the rare slow path
        }

        /// <summary>The next <c>destination.Length</c> normals of the stream.</summary>
        public void Fill(Span<double> destination)
        {
            int at = 0;
            while (_carryStart < Granularity && at < destination.Length) destination[at++] = _carry[_carryStart++];
            int whole = (destination.Length - at) / Granularity * Granularity;
            Groups(destination.Slice(at, whole));
            at += whole;
            if (at == destination.Length) return;
            Span<double> group = stackalloc double[Granularity];
            Groups(group);
            _carry = Vector256.Create(group[0], group[1], group[2], group[3]);
            _carryStart = 0;
            while (at < destination.Length) destination[at++] = _carry[_carryStart++];
        }

        /// <summary>Whole groups of four (destination length a multiple of 4).</summary>
        private unsafe void Groups(Span<double> destination)
        {
            var (s0, s1, s2, s3, slow) = (_s0, _s1, _s2, _s3, _slow); // locals: the loop keeps them in registers
            var one = Vector256.Create(0x3FF0000000000000UL);
            var mask = Vector256.Create((ulong)(Blocks - 1));
            var two = Vector256.Create(2.0);
            var three = Vector256.Create(3.0);
            ref double d = ref MemoryMarshal.GetReference(destination);
            // Two passes per chunk, so that the vector loop has no call in it (a call would push the generator state
            // out of the registers): the first stores the accepted values, and the raw draw where the rectangle test
            // failed, with a 4-bit rejection mask per draw; the second finishes those few in output order.
            Span<byte> rejected = stackalloc byte[ChunkLength / Granularity];
            fixed (double* px = s_x, pr = s_ratio)
            {
                for (int chunk = 0; chunk < destination.Length; chunk += ChunkLength)
                {
                    int end = Math.Min(destination.Length, chunk + ChunkLength);
                    bool any = false;
                    for (int t = chunk; t < end; t += Granularity)
                    {
                        var r = Xoshiro256x4.Next(ref s0, ref s1, ref s2, ref s3);
                        var index = (r & mask).AsInt64();                                           // bits 0..7: the block
                        var u = two * (Vector256.ShiftRightLogical(r, 12) | one).AsDouble() - three; // bits 12..63: u ∈ [−1, 1)
                        Vector256<double> edge, ratio;
                        if (Avx2.IsSupported)
                        {
                            edge = Avx2.GatherVector256(px, index, 8);
                            ratio = Avx2.GatherVector256(pr, index, 8);
                        }
                        else
                        {
                            edge = Vector256.Create(px[index[0]], px[index[1]], px[index[2]], px[index[3]]);
                            ratio = Vector256.Create(pr[index[0]], pr[index[1]], pr[index[2]], pr[index[3]]);
                        }
                        var accept = Vector256.LessThan(Vector256.Abs(u), ratio);
                        Vector256.ConditionalSelect(accept, u * edge, r.AsDouble()).StoreUnsafe(ref d, (nuint)t);
                        uint bits = ~accept.ExtractMostSignificantBits() & 0xF;
                        rejected[(t - chunk) / Granularity] = (byte)bits;
                        any |= bits != 0;
                    }
                    if (!any) continue;
                    for (int t = chunk; t < end; t += Granularity)
                    {
                        uint bits = rejected[(t - chunk) / Granularity];
                        while (bits != 0)
                        {
                            int at = t + System.Numerics.BitOperations.TrailingZeroCount(bits);
                            bits &= bits - 1;
                            ulong r = BitConverter.DoubleToUInt64Bits(Unsafe.Add(ref d, at));
                            double u = 2 * BitConverter.UInt64BitsToDouble((r >> 12) | 0x3FF0000000000000UL) - 3;
                            Unsafe.Add(ref d, at) = SlowPath((int)(r & (Blocks - 1)), u, ref slow);
                        }
                    }
                }
            }
            (_s0, _s1, _s2, _s3, _slow) = (s0, s1, s2, s3, slow);
        }
    }

    /// <summary>
    /// Doornik's DRanNormalZig after a failed rectangle test with block <paramref name="i"/> and
    /// <paramref name="u"/>: the tail for the bottom block, else the wedge test (a uniform height in the
    /// block's band [f(x_i), f(x_{i+1})] below f(x)), else a fresh draw.
    /// </summary>
    private static double SlowPath(int i, double u, ref ulong state)
    {
        while (true)
        {
            if (i == 0) return Tail(u < 0, ref state);
            double x = u * s_x[i];
            if (s_f[i] + OpenUniform(ref state) * (s_f[i + 1] - s_f[i]) < Math.Exp(-0.5 * x * x)) return x;
            ulong r = SplitMix(ref state);
            i = (int)(r & (Blocks - 1));
            u = 2 * BitConverter.UInt64BitsToDouble((r >> 12) | 0x3FF0000000000000UL) - 3;
            if (Math.Abs(u) < s_ratio[i]) return u * s_x[i];
        }
    }

    /// <summary>Marsaglia's tail method for x ≥ R.</summary>
    private static double Tail(bool negative, ref ulong state)
    {
        double r = TailStart, x, y;
        do
        {
            x = Math.Log(OpenUniform(ref state)) / r;
            y = Math.Log(OpenUniform(ref state));
        } while (-2 * y < x * x);
        return negative ? x - r : r - x;
    }

    /// <summary>Uniform in (0, 1] (never 0: it goes into a logarithm).</summary>
    private static double OpenUniform(ref ulong state) =>
        2 - BitConverter.UInt64BitsToDouble((SplitMix(ref state) >> 12) | 0x3FF0000000000000UL);

    private static ulong SplitMix(ref ulong state) => Mix(state += 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform in [0, 1) with 53 random bits, the next draw of the SplitMix64 stream <paramref name="state"/>
    /// (start it at a <see cref="Key"/>: a pure function of the key and the draw's index).</summary>
    internal static double Uniform(ref ulong state) => (SplitMix(ref state) >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// Doornik's table recurrence from R and V: x_0 = V/f(R), x_1 = R, x_i = f⁻¹(V/x_{i−1} + f(x_{i−1})),
    /// x_C = 0. Returns the mismatch of the top block, x_{C−1}(1 − f(x_{C−1})) − V: zero for the right R,
    /// negative when R is too small (V too large: the blocks reach the top early, or overflow it: −∞),
    /// positive when R is too large.
    /// </summary>
    private static double Fill(double r, double v, double[] x)
    {
        double f = Math.Exp(-0.5 * r * r);
        x[0] = v / f;
        x[1] = r;
        x[Blocks] = 0;
        for (int i = 2; i < Blocks; i++)
        {
            double arg = v / x[i - 1] + f;
            if (arg >= 1) return double.NegativeInfinity; // R too small: the blocks overflow the top
            x[i] = Math.Sqrt(-2 * Math.Log(arg));
            f = Math.Exp(-0.5 * x[i] * x[i]);
        }
        return x[Blocks - 1] * (1 - f) - v;
    }

    /// <summary>V(R) = R f(R) + ∫_R^∞ f, and R by bisection so that the top block closes (to round-off).</summary>
    private static double SolveTailStart(out double v)
    {
        var x = new double[Blocks + 1];
        double lo = 3.0, hi = 4.0;
        for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; it++)
        {
            double mid = 0.5 * (lo + hi);
            if (Fill(mid, Area(mid), x) < 0) lo = mid; else hi = mid;
        }
        double r = 0.5 * (lo + hi);
        v = Area(r);
        return r;

        static double Area(double r) =>
            r * Math.Exp(-0.5 * r * r) + Math.Sqrt(Math.PI / 2) * MathNet.Numerics.SpecialFunctions.Erfc(r / Math.Sqrt(2));
    }

    /// <summary>SplitMix64's output function (Stafford's Mix13): a bijection with full avalanche.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Four independent xoshiro256** generators, one per lane. The state lives in the caller's locals (passed by
    /// reference to an inlined step), which keeps it in registers: a struct holding it was 4× slower.
    /// </summary>
    internal static class Xoshiro256x4
    {
        /// <summary>SplitMix64 sequence from the key: 16 words, lane-major within each state word. (Returned by
        /// value: `out` parameters would pin the caller's state in memory.)</summary>
        public static (Vector256<ulong>, Vector256<ulong>, Vector256<ulong>, Vector256<ulong>) Seed(ulong key)
        {
            ulong x = key;
            Span<ulong> w = stackalloc ulong[16];
            for (int i = 0; i < 16; i++) { x += 0x9E3779B97F4A7C15UL; w[i] = Mix(x); }
            return (Vector256.Create(w[0], w[1], w[2], w[3]), Vector256.Create(w[4], w[5], w[6], w[7]),
                Vector256.Create(w[8], w[9], w[10], w[11]), Vector256.Create(w[12], w[13], w[14], w[15]));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<ulong> Next(ref Vector256<ulong> s0, ref Vector256<ulong> s1, ref Vector256<ulong> s2, ref Vector256<ulong> s3)
        {
            // result = rotl(s1 · 5, 7) · 9, with the multiplications as shift-adds (no 64-bit vector multiply).
            var s5 = Vector256.ShiftLeft(s1, 2) + s1;
            var rot = Vector256.ShiftLeft(s5, 7) | Vector256.ShiftRightLogical(s5, 57);
            var result = Vector256.ShiftLeft(rot, 3) + rot;
            var t = Vector256.ShiftLeft(s1, 17);
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = Vector256.ShiftLeft(s3, 45) | Vector256.ShiftRightLogical(s3, 19);
            return result;
        }
    }
}
