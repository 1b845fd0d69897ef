using FokkerPlanckNtk.Metrics;

namespace FokkerPlanckNtk.Benchmarks;

/// <summary>
/// The transport benchmark problems, defined so that validation/transport/compare_pot.py builds
/// bit-identical data: only +, −, ×, ÷, sqrt and the C library's exp/log/cos (both runtimes call libm on
/// Linux), evaluated in the same order.
/// <list type="bullet">
/// <item><c>grid{n}</c>: n × n cell centres c_i = −4 + (i + ½)(8/n) on [−4, 4]², masses
///   p ∝ exp(−½(x² + y²)) against q ∝ exp(−½((x − 1)²/0.8 + (y + ½)²/1.5) + 0.15·x·y), each normalized
///   by its row-major sum (the solver's use case: p_t against p0 on a grid).</item>
/// <item><c>cloud{m}</c>: m equal-weight samples of N(0, I) against m of N((1, −½), diag(0.8, 1.5)),
///   Box–Muller on splitmix64 uniforms (seeds 1 and 2).</item>
/// </list>
/// </summary>
public static class TransportProblems
{
    public static readonly string[] Names = ["grid16", "grid32", "grid48", "grid64", "cloud1000", "cloud4000"];

    public static (AtomicMeasure Source, AtomicMeasure Target) Create(string name)
    {
        if (name.StartsWith("grid", StringComparison.Ordinal)) return Grid(int.Parse(name[4..]));
        if (name.StartsWith("cloud", StringComparison.Ordinal)) return Cloud(int.Parse(name[5..]));
        throw new ArgumentException($"unknown transport problem {name}");
    }

    public static (AtomicMeasure, AtomicMeasure) Grid(int n)
    {
        var positions = new double[2 * n * n];
        var p = new double[n * n];
        var q = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double x = -4 + (i + 0.5) * (8.0 / n), y = -4 + (j + 0.5) * (8.0 / n);
                int c = i * n + j;
                positions[2 * c] = x;
                positions[2 * c + 1] = y;
                p[c] = Math.Exp(-0.5 * (x * x + y * y));
                q[c] = Math.Exp(-0.5 * ((x - 1) * (x - 1) / 0.8 + (y + 0.5) * (y + 0.5) / 1.5) + 0.15 * x * y);
            }
        Normalize(p);
        Normalize(q);
        return (new AtomicMeasure(positions, 2, p, "p"), new AtomicMeasure(positions, 2, q, "q"));
    }

    public static (AtomicMeasure, AtomicMeasure) Cloud(int m)
    {
        var a = new SplitMix64(1);
        var b = new SplitMix64(2);
        var x = new double[2 * m];
        var y = new double[2 * m];
        for (int i = 0; i < m; i++)
        {
            x[2 * i] = a.Gaussian();
            x[2 * i + 1] = a.Gaussian();
        }
        for (int i = 0; i < m; i++)
        {
            y[2 * i] = 1 + Math.Sqrt(0.8) * b.Gaussian();
            y[2 * i + 1] = -0.5 + Math.Sqrt(1.5) * b.Gaussian();
        }
        var w = new double[m];
        Array.Fill(w, 1.0 / m);
        return (new AtomicMeasure(x, 2, w, "x"), new AtomicMeasure(y, 2, (double[])w.Clone(), "y"));
    }

    /// <summary>Σ_i (|x_i|₁ + i·w_i) over both measures: equal bit for bit to the Python checksum iff the data are.</summary>
    public static double Checksum(AtomicMeasure a, AtomicMeasure b)
    {
        double s = 0;
        foreach (var m in new[] { a, b })
        {
            for (int i = 0; i < m.Positions.Length; i++) s += Math.Abs(m.Positions[i]);
            for (int i = 0; i < m.Count; i++) s += i * m.Weights[i];
        }
        return s;
    }

    private static void Normalize(double[] w)
    {
        double s = 0;
        foreach (double v in w) s += v;
        for (int i = 0; i < w.Length; i++) w[i] /= s;
    }

    internal sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        private double Uniform()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / 9007199254740992.0);
        }

        public double Gaussian()
        {
            double u1 = Uniform(), u2 = Uniform();
            return Math.Sqrt(-2 * Math.Log(1 - u1)) * Math.Cos(2 * Math.PI * u2);
        }
    }
}
